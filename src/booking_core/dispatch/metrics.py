"""What dispatch remembers of each technician: offers and how they ended, grabs won,
assignments and completions. They feed the ranking and the platform's view."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import attrs
from pendulum import DateTime

from booking_core.ids import TechnicianId

__all__ = ["DispatchMetrics", "DispatchOutcome"]

_RATE_STEP = Decimal("0.0001")


class DispatchOutcome(StrEnum):
    """One thing dispatch counts for a technician."""

    OFFERED = "offered"
    ACCEPTED = "accepted"  # an offer accepted
    REFUSED = "refused"  # an offer refused, or an assigned order rejected
    TIMED_OUT = "timed_out"
    GRABBED = "grabbed"  # a grab won
    ASSIGNED = "assigned"  # given an order, however (auto, offer, grab, manual)
    COMPLETED = "completed"


@attrs.frozen
class DispatchMetrics:
    """One technician's counts (all zero for one dispatch has never seen).

    Attributes:
        last_assigned_at: When he was last given an order (None: never).
    """

    technician_id: TechnicianId
    offered: int = 0
    accepted: int = 0
    refused: int = 0
    timed_out: int = 0
    grabbed: int = 0
    assigned: int = 0
    completed: int = 0
    last_assigned_at: DateTime | None = None

    @property
    def acceptance_rate(self) -> Decimal | None:
        """Offers accepted / offers made, to four places rounded half up (None: no offers)."""
        if self.offered == 0:
            return None
        rate = Decimal(self.accepted) / Decimal(self.offered)
        return min(Decimal(1), rate).quantize(_RATE_STEP, rounding=ROUND_HALF_UP)

    def counted(self, outcome: DispatchOutcome, at: DateTime) -> DispatchMetrics:
        """These counts with ``outcome`` at ``at`` added (what storage does atomically)."""
        field = outcome.value
        changed = attrs.evolve(self, **{field: getattr(self, field) + 1})
        if outcome is DispatchOutcome.ASSIGNED:
            changed = attrs.evolve(changed, last_assigned_at=at)
        return changed
