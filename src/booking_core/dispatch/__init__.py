"""Dispatch: who may take an order, and in what order to ask them (docs/dispatch.md).

What the dispatch modes — auto-assign, sequential offers (派单), broadcast grabs (抢单) and
manual assignment — stand on; the rounds themselves are
:class:`~booking_core.api.DispatchService`'s, an order's progress its
:class:`~booking_core.orders.DispatchState`:

* plans: :class:`DispatchPlan` (the mode and its settings) and :class:`DispatchPolicy`
  (which plan applies to an order: its service's, its city's, or the default);
* counts: a technician's :class:`DispatchMetrics`, one count per :class:`DispatchOutcome`;
* working areas: :class:`PolygonArea` beside the circle
  :class:`~booking_core.scheduling.ServiceArea`, and :func:`within_area` for either;
* the spatial index: :class:`GridIndex`, the core's implementation of the
  :class:`~booking_core.ports.spatial.SpatialIndex` port;
* the filter: :func:`find_candidates` over a :class:`DispatchRequest` and
  :class:`TechnicianSnapshot` s (:func:`snapshot_of` reads one from a technician's record
  and his own :class:`~booking_core.scheduling.DispatchSettings`), with :func:`exclusion`
  telling why one is left out;
* the ranking: :func:`rank` of :class:`CandidateFacts` under :class:`RankingWeights`,
  each :class:`RankedCandidate` explained factor by factor (:class:`FactorScore`).
"""

from booking_core.dispatch.candidates import (
    Candidate,
    DispatchRequest,
    Exclusion,
    TechnicianSnapshot,
    exclusion,
    find_candidates,
)
from booking_core.dispatch.grid import GridIndex
from booking_core.dispatch.metrics import DispatchMetrics, DispatchOutcome
from booking_core.dispatch.plan import DispatchPlan, DispatchPolicy
from booking_core.dispatch.score import (
    CandidateFacts,
    Factor,
    FactorScore,
    RankedCandidate,
    RankingWeights,
    rank,
)
from booking_core.dispatch.snapshots import snapshot_of
from booking_core.scheduling.area import PolygonArea, within_area

__all__ = [
    "Candidate",
    "CandidateFacts",
    "DispatchMetrics",
    "DispatchOutcome",
    "DispatchPlan",
    "DispatchPolicy",
    "DispatchRequest",
    "Exclusion",
    "Factor",
    "FactorScore",
    "GridIndex",
    "PolygonArea",
    "RankedCandidate",
    "RankingWeights",
    "TechnicianSnapshot",
    "exclusion",
    "find_candidates",
    "rank",
    "snapshot_of",
    "within_area",
]
