"""Dispatch (issue 12): how an order placed without a technician finds one — its dispatch
state on the order, the pool a technician grabs from, the dispatcher's board and its ranked
candidates, offers answered, manual assignment, and a technician's dispatch counts.

The dispatch state an order carries is :class:`~booking_server.schemas.orders.DispatchOut`
(who sees which part of it is said there). A pool entry shows a technician what, when, how
far and the district only: never the customer's phone or street address.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AwareDatetime, Field

from booking_core.dispatch import Exclusion, FactorScore
from booking_core.dispatch.metrics import DispatchMetrics
from booking_core.orders import Actor, Order
from booking_core.services.dispatch import BoardCandidate, PoolEntry
from booking_server.paging import NextCursor
from booking_server.schemas.availability import SlotOut
from booking_server.schemas.common import EntityId, InModel, OutModel, in_zone
from booking_server.schemas.orders import OrderOut

__all__ = [
    "AssignIn",
    "BoardEntryOut",
    "BoardList",
    "CandidateList",
    "CandidateOut",
    "DispatchMetricsOut",
    "FactorOut",
    "OfferEntryOut",
    "OfferList",
    "PoolEntryOut",
    "PoolList",
    "RefuseIn",
]


def _km(value: float) -> float:
    # To the metre: the index measures more precisely than anyone needs to read.
    return round(value, 3)


class PoolEntryOut(OutModel):
    """An order the technician may grab: what and when, how far, and the district — never
    the customer's phone or street address (he gets them once he has the order)."""

    id: str
    number: str
    service_id: str
    slot: SlotOut
    distance_km: float | None = Field(
        description="Straight-line kilometres from him to the address (null: where he is "
        "is not known)."
    )
    city: str | None = Field(description="The address's city (null: placed at a bare point).")
    district: str | None

    @classmethod
    def from_domain(cls, entry: PoolEntry) -> PoolEntryOut:
        """The answer for ``entry``."""
        order = entry.order
        contact = order.contact
        return cls(
            id=order.id,
            number=order.number,
            service_id=order.service_id,
            slot=SlotOut.from_domain(order.slot, order.time_zone),
            distance_km=None if entry.distance_km is None else _km(entry.distance_km),
            city=None if contact is None else contact.city,
            district=None if contact is None else contact.district,
        )


class OfferEntryOut(PoolEntryOut):
    """An order offered to him: what the pool shows, and until when the offer stands."""

    expires_at: AwareDatetime = Field(description="When the offer times out unanswered.")

    @classmethod
    def of(cls, entry: PoolEntry) -> OfferEntryOut:
        """The answer for an offer ``entry``."""
        order = entry.order
        offer = order.dispatch.offer if order.dispatch is not None else None
        assert offer is not None, "an offer entry has its offer"
        seen = PoolEntryOut.from_domain(entry)
        return cls(**seen.model_dump(), expires_at=in_zone(offer.expires_at, order.time_zone))


class OfferList(OutModel):
    """The offers standing for him, soonest deadline first."""

    items: list[OfferEntryOut]


class PoolList(OutModel):
    """The orders the technician may grab now, nearest first (at most ``limit``)."""

    items: list[PoolEntryOut]


class BoardEntryOut(OutModel):
    """A waiting order on the dispatcher's board, with its whole dispatch state."""

    number: str
    city: str | None = Field(description="The address's city (null: placed at a bare point).")
    district: str | None
    order: OrderOut

    @classmethod
    def from_domain(cls, order: Order, viewer: Actor) -> BoardEntryOut:
        """The board's line for ``order``."""
        contact = order.contact
        return cls(
            number=order.number,
            city=None if contact is None else contact.city,
            district=None if contact is None else contact.district,
            order=OrderOut.from_domain(order, viewer),
        )


class BoardList(OutModel):
    """Orders waiting for a technician, soonest start first, one page."""

    items: list[BoardEntryOut]
    next_cursor: NextCursor = None


class FactorOut(OutModel):
    """One line of a score's explanation: a factor, the fact it read and what it earned."""

    name: str = Field(examples=["distance"])
    raw: bool | int | str | None = Field(
        description="The fact as given (kilometres, minutes, stars, a rate as a decimal "
        "string; orders as a number; favourite as a boolean); null when unknown."
    )
    normalized: str = Field(description="0 (worst) to 1 (best), a decimal string.")
    weight: int
    points: str = Field(description="weight × normalized, exactly, a decimal string.")

    @classmethod
    def from_domain(cls, line: FactorScore) -> FactorOut:
        """The answer for ``line``."""
        raw = line.raw
        return cls(
            name=line.name.value,
            raw=str(raw) if isinstance(raw, Decimal) else raw,
            normalized=str(line.normalized),
            weight=line.weight,
            points=str(line.points),
        )


class CandidateOut(OutModel):
    """A technician within the order's radius: ranked, with his score explained, or
    excluded with the first rule he fails."""

    technician_id: str
    name: str
    distance_km: float | None
    score: str | None = Field(description="The sum of the points (null: excluded).")
    explanation: list[FactorOut] = Field(description="Every factor (empty: excluded).")
    excluded: Exclusion | None = Field(
        description="Why he may not take it (null: a candidate): excluded (refused it "
        "before), unknown, not_verified, not_skilled, not_online, outside_area, no_grabs, "
        "daily_limit, busy."
    )

    @classmethod
    def from_domain(cls, row: BoardCandidate) -> CandidateOut:
        """The answer for ``row``."""
        ranked = row.ranked
        lines = () if ranked is None else ranked.explanation
        return cls(
            technician_id=row.technician_id,
            name=row.name,
            distance_km=None if row.distance_km is None else _km(row.distance_km),
            score=None if ranked is None else str(ranked.score),
            explanation=[FactorOut.from_domain(line) for line in lines],
            excluded=row.excluded,
        )


class CandidateList(OutModel):
    """Candidates ranked best first, then those excluded."""

    items: list[CandidateOut]


class AssignIn(InModel):
    """The technician a dispatcher gives the order to and, optionally, the order version
    the dispatcher last saw (409 ``concurrent_update`` if it changed since)."""

    technician_id: EntityId
    expected_version: int | None = Field(default=None, ge=0)


class RefuseIn(InModel):
    """Why the technician turns the offer down (optional)."""

    reason: str = Field(default="", max_length=500)


class DispatchMetricsOut(OutModel):
    """What dispatch counted for one technician."""

    technician_id: str
    offered: int
    accepted: int
    refused: int = Field(description="Offers refused, and assigned orders rejected.")
    timed_out: int
    grabbed: int = Field(description="Grabs won.")
    assigned: int = Field(description="Orders given to him, however they came.")
    completed: int
    acceptance_rate: str | None = Field(
        description="Offers accepted / offers made, four places, a decimal string; null "
        "before his first offer."
    )
    last_assigned_at: AwareDatetime | None = Field(description="UTC; null: never.")

    @classmethod
    def from_domain(cls, metrics: DispatchMetrics) -> DispatchMetricsOut:
        """The answer for ``metrics``."""
        rate = metrics.acceptance_rate
        last = metrics.last_assigned_at
        return cls(
            technician_id=metrics.technician_id,
            offered=metrics.offered,
            accepted=metrics.accepted,
            refused=metrics.refused,
            timed_out=metrics.timed_out,
            grabbed=metrics.grabbed,
            assigned=metrics.assigned,
            completed=metrics.completed,
            # Always four places ("1.0000", not "1"), as the core documents the rate.
            acceptance_rate=None if rate is None else f"{rate:.4f}",
            last_assigned_at=None if last is None else in_zone(last, "UTC"),
        )
