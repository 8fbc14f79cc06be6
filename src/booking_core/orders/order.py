"""The order aggregate: what was bought, from whom, when, and everything that happened."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import attrs
from pendulum import DateTime
from statemachine.exceptions import TransitionNotAllowed as _MachineRefused

from booking_core.errors import PermissionDenied, TransitionNotAllowed
from booking_core.events import DomainEvent
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders.actor import Actor, Role
from booking_core.orders.events import OrderPlaced, OrderStateChanged
from booking_core.orders.lifecycle import OrderLifecycle
from booking_core.timerange import TimeRange

__all__ = ["EVENT_ROLES", "Order", "OrderState", "TransitionRecord"]


class OrderState(StrEnum):
    """Every state an order can be in (stored as these plain strings)."""

    PENDING_PAYMENT = "pending_payment"
    PENDING_ACCEPTANCE = "pending_acceptance"
    ACCEPTED = "accepted"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    IN_SERVICE = "in_service"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


#: Which roles may fire which lifecycle event. Customers and technicians act only on their
#: own orders; the platform and the system (jobs, payment callbacks) on any.
EVENT_ROLES: Final[dict[str, frozenset[Role]]] = {
    "pay": frozenset({Role.SYSTEM, Role.PLATFORM}),
    "accept": frozenset({Role.TECHNICIAN, Role.PLATFORM}),
    "depart": frozenset({Role.TECHNICIAN, Role.PLATFORM}),
    "arrive": frozenset({Role.TECHNICIAN, Role.PLATFORM}),
    "start_service": frozenset({Role.TECHNICIAN, Role.PLATFORM}),
    "complete": frozenset({Role.TECHNICIAN, Role.PLATFORM, Role.SYSTEM}),
    "cancel": frozenset({Role.CUSTOMER, Role.PLATFORM, Role.SYSTEM}),
}

#: The states in which an order still holds the technician's time.
ACTIVE_STATES: Final = frozenset(
    {
        OrderState.PENDING_PAYMENT,
        OrderState.PENDING_ACCEPTANCE,
        OrderState.ACCEPTED,
        OrderState.DEPARTED,
        OrderState.ARRIVED,
        OrderState.IN_SERVICE,
    }
)


@attrs.frozen
class TransitionRecord:
    """One immutable line of an order's timeline."""

    sequence: int
    event: str
    from_state: str
    to_state: str
    actor: Actor
    at: DateTime
    reason: str = ""


@attrs.define(eq=False)
class Order:
    """An at-home order of one service from one technician at one time.

    ``state`` is a plain string driven by :class:`OrderLifecycle`; ``version`` is the
    optimistic-concurrency counter storage compares on save.
    """

    id: OrderId
    customer_id: CustomerId
    technician_id: TechnicianId
    service_id: ServiceId
    booking_id: BookingId
    slot: TimeRange
    time_zone: str
    price: Money
    placed_at: DateTime
    state: str = OrderState.PENDING_PAYMENT.value
    paid: Money | None = None
    version: int = 0
    timeline: list[TransitionRecord] = attrs.field(factory=list)
    _events: list[DomainEvent] = attrs.field(factory=list, init=False, repr=False)

    @classmethod
    def place(
        cls,
        *,
        order_id: OrderId,
        customer_id: CustomerId,
        technician_id: TechnicianId,
        service_id: ServiceId,
        booking_id: BookingId,
        slot: TimeRange,
        time_zone: str,
        price: Money,
        at: DateTime,
    ) -> Order:
        """A new order awaiting payment; raises the ``OrderPlaced`` event."""
        order = cls(
            id=order_id,
            customer_id=customer_id,
            technician_id=technician_id,
            service_id=service_id,
            booking_id=booking_id,
            slot=slot,
            time_zone=time_zone,
            price=price,
            placed_at=at,
        )
        order._events.append(
            OrderPlaced(
                occurred_at=at,
                order_id=order_id,
                customer_id=customer_id,
                technician_id=technician_id,
                price=price,
            )
        )
        return order

    @property
    def is_active(self) -> bool:
        """True while the order holds the technician's time."""
        return self.state in ACTIVE_STATES

    def can_be_seen_by(self, actor: Actor) -> bool:
        """Whether ``actor`` may see this order at all (INVARIANTS I25)."""
        if actor.role in (Role.PLATFORM, Role.SYSTEM):
            return True
        if actor.role is Role.CUSTOMER:
            return actor.id == self.customer_id
        if actor.role is Role.TECHNICIAN:
            return actor.id == self.technician_id
        return False

    def transition(self, event: str, *, actor: Actor, at: DateTime, reason: str = "") -> None:
        """Fire lifecycle ``event`` on behalf of ``actor``; a refusal changes nothing.

        Raises:
            PermissionDenied: if the actor's role may not fire the event on this order.
            TransitionNotAllowed: if the event is unknown or not allowed in this state.
        """
        roles = EVENT_ROLES.get(event)
        if roles is None:
            raise TransitionNotAllowed(
                f"{event!r} is not an order action; use one of {', '.join(EVENT_ROLES)}.",
                details={"event": event},
            )
        if actor.role not in roles or not self.can_be_seen_by(actor):
            raise PermissionDenied(
                f"A {actor.role.value} cannot {event.replace('_', ' ')} order {self.id}.",
                details={"event": event, "order_id": self.id, "role": actor.role.value},
            )
        before = self.state
        machine = OrderLifecycle(model=self)
        try:
            machine.send(event)
        except _MachineRefused as exc:
            self.state = before
            raise TransitionNotAllowed(
                f"Cannot {event.replace('_', ' ')} order {self.id} while it is "
                f"{before.replace('_', ' ')}.",
                details={"event": event, "state": before, "order_id": self.id},
            ) from exc
        self.timeline.append(
            TransitionRecord(
                sequence=len(self.timeline) + 1,
                event=event,
                from_state=before,
                to_state=self.state,
                actor=actor,
                at=at,
                reason=reason,
            )
        )
        self._events.append(
            OrderStateChanged(
                occurred_at=at,
                order_id=self.id,
                event=event,
                from_state=before,
                to_state=self.state,
                actor_id=actor.id,
                actor_role=actor.role.value,
                reason=reason,
            )
        )

    def pull_events(self) -> list[DomainEvent]:
        """The events raised since the last pull (the service writes them to the outbox)."""
        events, self._events = self._events, []
        return events
