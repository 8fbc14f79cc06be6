"""After-sales: a customer's complaint on an order and the platform's arbitration (C12, P6).

A complaint is its own small aggregate with its own chart::

    open ──take_up──▶ arbitrating ──resolve──▶ resolved   (full, partial or no refund)
      │                     └───────reject───▶ rejected
      └──withdraw──▶ withdrawn

Every move is recorded on the complaint's timeline with actor, time and reason.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import attrs
from pendulum import DateTime
from statemachine import State, StateChart
from statemachine.exceptions import TransitionNotAllowed as _MachineRefused

from booking_core.errors import InvalidInput, TransitionNotAllowed
from booking_core.events import DomainEvent
from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.money import Money
from booking_core.orders.actor import Actor, Role
from booking_core.orders.events import ComplaintFiled, ComplaintStateChanged
from booking_core.orders.order import TransitionRecord
from booking_core.orders.permissions import check_event

__all__ = [
    "COMPLAINT_ROLES",
    "Complaint",
    "ComplaintLifecycle",
    "ComplaintState",
    "Decision",
    "Remedy",
    "Resolution",
]

MAX_COMPLAINT_PHOTOS: Final = 9
MAX_COMPLAINT_TEXT: Final = 2000


class ComplaintState(StrEnum):
    """Where a complaint stands."""

    OPEN = "open"
    ARBITRATING = "arbitrating"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Remedy(StrEnum):
    """What the customer asks for."""

    FULL_REFUND = "full_refund"
    PARTIAL_REFUND = "partial_refund"
    REDO = "redo"  # do the service again
    APOLOGY = "apology"  # no money: feedback to the platform


class Decision(StrEnum):
    """How the platform resolved a complaint."""

    FULL_REFUND = "full_refund"
    PARTIAL_REFUND = "partial_refund"
    NO_REFUND = "no_refund"


class ComplaintLifecycle(StateChart):  # type: ignore[type-arg]
    """States and transitions of a complaint (built per command)."""

    allow_event_without_transition = False
    catch_errors_as_events = False

    open = State("Open", initial=True, value="open")
    arbitrating = State("Arbitrating", value="arbitrating")
    resolved = State("Resolved", value="resolved", final=True)
    rejected = State("Rejected", value="rejected", final=True)
    withdrawn = State("Withdrawn", value="withdrawn", final=True)

    take_up = open.to(arbitrating)
    resolve = arbitrating.to(resolved)
    reject = arbitrating.to(rejected)
    withdraw = open.to(withdrawn) | arbitrating.to(withdrawn)


#: Which roles may move a complaint. Customers act only on their own.
COMPLAINT_ROLES: Final[dict[str, frozenset[Role]]] = {
    "take_up": frozenset({Role.PLATFORM}),
    "resolve": frozenset({Role.PLATFORM}),
    "reject": frozenset({Role.PLATFORM}),
    "withdraw": frozenset({Role.CUSTOMER}),
}


@attrs.frozen
class Resolution:
    """The platform's decision: a refund (possibly zero) and a note to both sides."""

    decision: Decision
    refund: Money
    note: str
    decided_by: Actor
    decided_at: DateTime


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_COMPLAINT_TEXT:
        raise InvalidInput(
            f"A complaint says what went wrong in 1–{MAX_COMPLAINT_TEXT} characters.",
            details={"field": "reason"},
        )


def _photos(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(p, str) and p for p in value):
        raise InvalidInput("Photos are a list of uploaded photo URLs.", details={"field": "photos"})
    if len(value) > MAX_COMPLAINT_PHOTOS:
        raise InvalidInput(
            f"A complaint carries at most {MAX_COMPLAINT_PHOTOS} photos.",
            details={"field": "photos"},
        )
    return tuple(value)


@attrs.define(eq=False)
class Complaint:
    """A customer's complaint on one order, and what the platform decided."""

    id: str
    order_id: OrderId
    customer_id: CustomerId
    technician_id: TechnicianId | None
    reason: str = attrs.field(validator=_text)
    photos: tuple[str, ...] = attrs.field(converter=_photos)
    requested_remedy: Remedy
    requested_refund: Money | None
    filed_at: DateTime
    state: str = ComplaintState.OPEN.value
    resolution: Resolution | None = None
    version: int = 0
    timeline: list[TransitionRecord] = attrs.field(factory=list)
    _events: list[DomainEvent] = attrs.field(factory=list, init=False, repr=False)

    @classmethod
    def file(
        cls,
        *,
        complaint_id: str,
        order_id: OrderId,
        customer_id: CustomerId,
        technician_id: TechnicianId | None,
        reason: str,
        photos: tuple[str, ...] | list[str],
        requested_remedy: Remedy,
        requested_refund: Money | None,
        at: DateTime,
    ) -> Complaint:
        """A new open complaint; raises ``ComplaintFiled``."""
        if (requested_remedy is Remedy.PARTIAL_REFUND) != (requested_refund is not None):
            raise InvalidInput(
                "Name an amount exactly when asking for a partial refund.",
                details={"field": "requested_refund"},
            )
        if requested_refund is not None and requested_refund.amount <= 0:
            raise InvalidInput("A requested refund is more than zero.")
        complaint = cls(
            id=complaint_id,
            order_id=order_id,
            customer_id=customer_id,
            technician_id=technician_id,
            reason=reason,
            photos=tuple(photos),
            requested_remedy=requested_remedy,
            requested_refund=requested_refund,
            filed_at=at,
        )
        complaint._events.append(
            ComplaintFiled(
                occurred_at=at,
                complaint_id=complaint_id,
                order_id=order_id,
                customer_id=customer_id,
                requested_remedy=requested_remedy.value,
            )
        )
        return complaint

    @property
    def is_pending(self) -> bool:
        """Open or under arbitration."""
        return self.state in (ComplaintState.OPEN, ComplaintState.ARBITRATING)

    def can_be_seen_by(self, actor: Actor) -> bool:
        """The customer who filed it, the technician concerned, the platform (I25)."""
        if actor.role in (Role.PLATFORM, Role.SYSTEM):
            return True
        if actor.role is Role.CUSTOMER:
            return actor.id == self.customer_id
        if actor.role is Role.TECHNICIAN:
            return actor.id == self.technician_id
        return False

    def transition(self, event: str, *, actor: Actor, at: DateTime, reason: str = "") -> None:
        """Fire ``event``; a refusal changes nothing.

        Raises:
            PermissionDenied: if the actor may not fire it on this complaint.
            TransitionNotAllowed: if the event is unknown or not allowed now.
        """
        check_event(
            COMPLAINT_ROLES,
            event,
            actor,
            kind="complaint",
            subject_id=self.id,
            visible=self.can_be_seen_by(actor),
        )
        before = self.state
        try:
            ComplaintLifecycle(model=self).send(event)
        except _MachineRefused as exc:
            self.state = before
            raise TransitionNotAllowed(
                f"Cannot {event.replace('_', ' ')} complaint {self.id} while it is {before}.",
                details={"event": event, "state": before, "complaint_id": self.id},
            ) from exc
        self.timeline.append(
            TransitionRecord(len(self.timeline) + 1, event, before, self.state, actor, at, reason)
        )
        self._events.append(
            ComplaintStateChanged(
                occurred_at=at,
                complaint_id=self.id,
                order_id=self.order_id,
                event=event,
                from_state=before,
                to_state=self.state,
                actor_id=actor.id,
                actor_role=actor.role.value,
                reason=reason,
            )
        )

    def decide(self, resolution: Resolution) -> None:
        """Resolve (any decision) under arbitration, recording the resolution."""
        self.transition(
            "resolve",
            actor=resolution.decided_by,
            at=resolution.decided_at,
            reason=f"{resolution.decision.value}: {resolution.note}".rstrip(": "),
        )
        self.resolution = resolution

    def pull_events(self) -> list[DomainEvent]:
        """The events raised since the last pull."""
        events, self._events = self._events, []
        return events
