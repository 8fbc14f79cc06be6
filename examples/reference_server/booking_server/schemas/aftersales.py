"""Complaints and the platform's arbitration (FEATURES C12, P6)."""

from __future__ import annotations

from pydantic import Field

from booking_core.orders.complaint import Complaint, Decision, Remedy
from booking_server.paging import NextCursor
from booking_server.schemas.common import InModel, MoneyIn, MoneyOut, OutModel
from booking_server.schemas.orders import TransitionOut

__all__ = [
    "ComplaintIn",
    "ComplaintList",
    "ComplaintOut",
    "NoteIn",
    "ResolutionIn",
]


class ComplaintIn(InModel):
    """A complaint: what went wrong, photo URLs, and the remedy asked for."""

    reason: str = Field(min_length=1, max_length=2000)
    requested_remedy: Remedy
    photos: list[str] = Field(default_factory=list, max_length=9)
    requested_refund: MoneyIn | None = None


class ResolutionIn(InModel):
    """The platform's decision."""

    decision: Decision
    note: str = Field(default="", max_length=2000)
    refund: MoneyIn | None = None


class NoteIn(InModel):
    """A note kept on the complaint's timeline."""

    note: str = Field(default="", max_length=2000)


class ComplaintOut(OutModel):
    """A complaint, its state, timeline and resolution."""

    id: str
    order_id: str
    customer_id: str
    state: str
    reason: str
    photos: list[str]
    requested_remedy: str
    requested_refund: MoneyOut | None
    decision: str | None
    refund: MoneyOut | None
    timeline: list[TransitionOut]

    @classmethod
    def from_domain(cls, complaint: Complaint, time_zone: str = "UTC") -> ComplaintOut:
        """From the domain complaint."""
        resolution = complaint.resolution
        asked = complaint.requested_refund
        return cls(
            id=complaint.id,
            order_id=complaint.order_id,
            customer_id=complaint.customer_id,
            state=complaint.state,
            reason=complaint.reason,
            photos=list(complaint.photos),
            requested_remedy=complaint.requested_remedy.value,
            requested_refund=MoneyOut.from_domain(asked) if asked is not None else None,
            decision=resolution.decision.value if resolution is not None else None,
            refund=MoneyOut.from_domain(resolution.refund) if resolution is not None else None,
            timeline=[TransitionOut.from_domain(r, time_zone) for r in complaint.timeline],
        )


class ComplaintList(OutModel):
    """Complaints, oldest first (then by id), one page."""

    items: list[ComplaintOut]
    next_cursor: NextCursor = None
