"""Ordering use cases: place, pay, move through the lifecycle, cancel (FEATURES C6–C8, T7)."""

from __future__ import annotations

import attrs
import cattrs
from pendulum import DateTime

from booking_core.errors import NotFound, PermissionDenied, TransitionNotAllowed
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.payments import (
    PaymentGateway,
    PaymentPurpose,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
)
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Booking
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services.availability import check_bookable
from booking_core.services.outbox import record_events
from booking_core.timerange import ensure_aware

__all__ = ["OrderingService", "PlaceOrder"]


def _aware(value: object) -> DateTime:
    return ensure_aware(value, "start")


@attrs.frozen
class PlaceOrder:
    """Book ``service_id`` with ``technician_id`` starting at ``start`` (one offered slot)."""

    customer_id: CustomerId
    technician_id: TechnicianId
    service_id: ServiceId
    start: DateTime = attrs.field(converter=_aware)


class OrderingService:
    """Places orders and moves them through their lifecycle."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        payments: PaymentGateway,
        policy: BookingPolicy,
        converter: cattrs.Converter,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._payments = payments
        self._policy = policy
        self._converter = converter

    def place_order(self, command: PlaceOrder) -> Order:
        """Reserve the slot and create an order awaiting payment, in one transaction.

        Raises:
            NotFound: unknown technician or service.
            ServiceNotOffered: the technician does not perform the service.
            SlotUnavailable: the start is not an offered slot.
            SlotTaken: the time is taken (also when another order wins a race for it).
        """
        now = self._clock.now()
        order_id = OrderId(self._ids.new_id("ord"))
        booking_id = BookingId(self._ids.new_id("bkg"))
        with self._uow() as uow:
            technician = uow.technicians.get(command.technician_id)
            service = uow.services.get(command.service_id)
            slot, blocked = check_bookable(
                uow, technician, service, command.start, now=now, policy=self._policy
            )
            uow.bookings.add(Booking(booking_id, technician.id, order_id, slot, blocked))
            order = Order.place(
                order_id=order_id,
                customer_id=command.customer_id,
                technician_id=technician.id,
                service_id=service.id,
                booking_id=booking_id,
                slot=slot,
                time_zone=technician.time_zone,
                price=service.price,
                at=now,
            )
            uow.orders.add(order)
            self._record(uow, order)
            uow.commit()
        return order

    def get_order(self, order_id: OrderId, actor: Actor) -> Order:
        """The order, if ``actor`` may see it (others get NotFound, not a hint it exists)."""
        with self._uow() as uow:
            return self._visible(uow, order_id, actor)

    def list_orders(self, actor: Actor) -> list[Order]:
        """A customer's own orders, newest first."""
        if actor.role is not Role.CUSTOMER:
            raise PermissionDenied("Only customers list their orders here.")
        with self._uow() as uow:
            return uow.orders.list_for_customer(CustomerId(actor.id))

    def pay_in_full(self, order_id: OrderId, actor: Actor) -> PaymentResult:
        """Charge the whole price through the gateway; on capture the order awaits acceptance.

        The gateway is called outside any transaction. A declined payment leaves the order
        unpaid; an ``UNKNOWN`` outcome waits for :meth:`reconcile_payment`.
        """
        with self._uow() as uow:
            order = self._visible(uow, order_id, actor)
            if actor.role is not Role.CUSTOMER and actor.role is not Role.PLATFORM:
                raise PermissionDenied("Only the customer or the platform pays an order.")
            if order.state != OrderState.PENDING_PAYMENT:
                raise TransitionNotAllowed(
                    f"Order {order.id} is {order.state.replace('_', ' ')}; it cannot be paid.",
                    details={"state": order.state},
                )
        result = self._payments.create_payment(
            PaymentRequest(
                idempotency_key=_payment_key(order.id),
                order_id=order.id,
                amount=order.price,
                purpose=PaymentPurpose.FULL,
            )
        )
        self._apply_payment(order.id, result)
        return result

    def reconcile_payment(self, order_id: OrderId) -> PaymentResult:
        """Ask the gateway for the authoritative status and apply it (jobs, webhooks)."""
        result = self._payments.get_payment(_payment_key(order_id))
        self._apply_payment(order_id, result)
        return result

    def _apply_payment(self, order_id: OrderId, result: PaymentResult) -> None:
        if result.status is not PaymentStatus.CAPTURED:
            return
        with self._uow() as uow:
            order = uow.orders.get(order_id)
            if order.paid is not None:
                return  # applied already: a replayed callback has one effect
            order.paid = result.amount
            order.transition("pay", actor=Actor.system("payments"), at=self._clock.now())
            uow.orders.save(order)
            self._record(uow, order)
            uow.commit()

    def transition(self, order_id: OrderId, event: str, actor: Actor, *, reason: str = "") -> Order:
        """Fire a lifecycle event (accept, depart, arrive, start_service, complete, cancel).

        Cancelling releases the technician's time in the same transaction.

        Raises:
            NotFound: the order does not exist or is not visible to ``actor``.
            PermissionDenied: the actor's role may not fire this event.
            TransitionNotAllowed: the event is not allowed in the order's state.
            ConcurrentUpdate: another command changed the order first.
        """
        with self._uow() as uow:
            order = self._visible(uow, order_id, actor)
            order.transition(event, actor=actor, at=self._clock.now(), reason=reason)
            if order.state == OrderState.CANCELLED:
                # Only a cancellation gives the time back; a completed order used it.
                uow.bookings.release(order.booking_id)
            uow.orders.save(order)
            self._record(uow, order)
            uow.commit()
        return order

    def _visible(self, uow: UnitOfWork, order_id: OrderId, actor: Actor) -> Order:
        order = uow.orders.get(order_id)
        if not order.can_be_seen_by(actor):
            raise NotFound("order", order_id)
        return order

    def _record(self, uow: UnitOfWork, order: Order) -> None:
        record_events(uow, order.pull_events(), converter=self._converter, ids=self._ids)


def _payment_key(order_id: str) -> str:
    # Deterministic per (order, operation, sequence): a retry reuses it.
    return f"{order_id}:pay:1"
