"""Placing orders and reading them with their timeline (FEATURES C6–C8)."""

from __future__ import annotations

import pendulum
from pendulum import DateTime
from pydantic import AwareDatetime, Field

from booking_core.orders import Order, TransitionRecord
from booking_core.orders.policy import PaymentMode
from booking_server.paging import NextCursor
from booking_server.schemas.availability import Address, SlotOut
from booking_server.schemas.common import EntityId, InModel, Instant, MoneyOut, OutModel, in_zone

__all__ = [
    "ActorOut",
    "OrderList",
    "OrderOut",
    "PlaceOrderIn",
    "TransitionIn",
    "TransitionOut",
]


class PlaceOrderIn(InModel):
    """Book a service with a technician at one of the offered slot starts, at an address,
    paid in one of the modes the platform offers, optionally with a coupon."""

    technician_id: EntityId
    service_id: EntityId
    start: Instant = Field(
        description="A start from GET /technicians/{id}/slots, ISO 8601 with offset.",
        examples=["2026-03-03T10:00:00+08:00"],
    )
    coupon_id: EntityId | None = Field(
        default=None,
        description="One of the customer's coupons (GET /me/coupons) to price the order "
        "with; it is reserved for the order. 422 coupon_not_applicable when it does not "
        "apply (POST /quotes says why).",
    )
    payment_mode: PaymentMode = Field(
        default=PaymentMode.FULL,
        description="full: the whole price now; deposit: a deposit now, the rest before "
        "completion; on_arrival: nothing now (the order waits for acceptance at once), "
        "everything once the technician is there.",
    )
    address: Address | None = Field(
        default=None,
        description="Where the service happens: checked against the technician's service "
        "area (422 outside_service_area) and his travel between orders.",
    )
    address_id: EntityId | None = Field(
        default=None,
        description="An entry of the customer's address book (POST /customers/me/addresses): "
        "the order keeps a copy of it and of whom to call there, and is served at its point "
        "(give it instead of address; 404 address_not_found for an id not in the book).",
    )

    def start_instant(self) -> DateTime:
        """The start as the pendulum DateTime the core works with."""
        return pendulum.instance(self.start)


class TransitionIn(InModel):
    """Optional reason for a lifecycle action (kept on the order's timeline)."""

    reason: str = Field(default="", max_length=500)


class ActorOut(OutModel):
    """Who did something."""

    id: str
    role: str


class TransitionOut(OutModel):
    """One line of an order's timeline."""

    sequence: int
    event: str
    from_state: str
    to_state: str
    actor: ActorOut
    at: AwareDatetime
    reason: str

    @classmethod
    def from_domain(cls, record: TransitionRecord, time_zone: str) -> TransitionOut:
        """From a domain TransitionRecord, times in ``time_zone``."""
        return cls(
            sequence=record.sequence,
            event=record.event,
            from_state=record.from_state,
            to_state=record.to_state,
            actor=ActorOut(id=record.actor.id, role=record.actor.role.value),
            at=in_zone(record.at, time_zone),
            reason=record.reason,
        )


class OrderOut(OutModel):
    """An order with its state and timeline; times in the technician's zone."""

    id: str
    state: str = Field(
        description="pending_payment, pending_acceptance, accepted, departed, arrived, "
        "in_service, completed, cancelled, refunding, partially_refunded or refunded."
    )
    customer_id: str
    technician_id: str | None = Field(
        description="Null while the order waits for a technician to take it."
    )
    service_id: str
    booking_id: str = Field(description="The technician's time it holds (for rescheduling).")
    slot: SlotOut
    time_zone: str
    price: MoneyOut = Field(description="What the customer pays, after every discount.")
    coupon_id: str | None = Field(default=None, description="The coupon the order holds.")
    paid: MoneyOut | None
    placed_at: AwareDatetime
    timeline: list[TransitionOut]

    @classmethod
    def from_domain(cls, order: Order) -> OrderOut:
        """From the domain Order."""
        zone = order.time_zone
        return cls(
            id=order.id,
            state=order.state,
            customer_id=order.customer_id,
            technician_id=order.technician_id,
            service_id=order.service_id,
            booking_id=order.booking_id,
            slot=SlotOut.from_domain(order.slot, zone),
            time_zone=zone,
            price=MoneyOut.from_domain(order.price),
            coupon_id=order.coupon_id,
            paid=MoneyOut.from_domain(order.paid) if order.paid is not None else None,
            placed_at=in_zone(order.placed_at, zone),
            timeline=[TransitionOut.from_domain(r, zone) for r in order.timeline],
        )


class OrderList(OutModel):
    """Orders, one page, in the order asked for (newest placed first by default)."""

    items: list[OrderOut]
    next_cursor: NextCursor = None
