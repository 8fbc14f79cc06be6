"""Dispatch counts: the acceptance rate the ranking reads, and what each outcome counts."""

from __future__ import annotations

from decimal import Decimal

import pendulum

from booking_core.dispatch import DispatchMetrics, DispatchOutcome
from booking_core.ids import TechnicianId

LI = TechnicianId("tec_li")
AT = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def _after(*outcomes: DispatchOutcome) -> DispatchMetrics:
    metrics = DispatchMetrics(LI)
    for outcome in outcomes:
        metrics = metrics.counted(outcome, AT)
    return metrics


def test_the_acceptance_rate_is_accepted_over_offered_to_four_places_half_up() -> None:
    two_of_three = _after(*[DispatchOutcome.OFFERED] * 3, *[DispatchOutcome.ACCEPTED] * 2)
    all_of_one = _after(DispatchOutcome.OFFERED, DispatchOutcome.ACCEPTED)

    assert two_of_three.acceptance_rate == Decimal("0.6667")  # 0.66666… rounds up
    assert str(all_of_one.acceptance_rate) == "1.0000"  # four places, always
    assert DispatchMetrics(LI).acceptance_rate is None  # no offers: no history


def test_only_an_assignment_moves_the_last_assigned_time() -> None:
    offered = _after(DispatchOutcome.OFFERED, DispatchOutcome.REFUSED)
    assigned = _after(DispatchOutcome.GRABBED, DispatchOutcome.ASSIGNED)

    assert offered.last_assigned_at is None
    assert (assigned.grabbed, assigned.assigned, assigned.last_assigned_at) == (1, 1, AT)
