"""Changing an order that has not started: time, service, technician (FEATURES C9).

Every change re-checks the new booking through the availability engine's one rule path
(:meth:`~booking_core.services.steps.reservations.Reservations.reserve` with
``replaces=``), which frees the
old time and takes the new one in the same transaction (INVARIANTS I4); a refusal changes
nothing. A change of price is settled after commit: a cheaper order gets the difference
back at once, a dearer one is charged the difference (a ``supplement`` payment, or simply
a larger amount due while the order is still unpaid).

What is due up front follows the new price (``OrderPolicy.upfront``); a change while a
payment is still in flight is refused, so no attempt is ever for a stale amount.

A new time keeps the order's quote. Another service or technician is priced again
(:meth:`OrderBooks.reprice <booking_core.services.steps.books.OrderBooks.reprice>`) with the
order's coupon, in the same transaction: a change the coupon does not apply to (e.g. a
cheaper service below its minimum spend) is refused with ``CouponNotApplicable`` and
changes nothing — cancel and book again instead. The campaign discounts of the old quote
go back to their budgets and those of the new one are charged.
"""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput, InvalidParty, TransitionNotAllowed
from booking_core.ids import BookingId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Actor, Order, OrderState
from booking_core.orders.order import NOT_STARTED_STATES
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.payments import PaymentResult, RefundResult
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.services._access import check_staff
from booking_core.services.payments import PaymentService
from booking_core.services.steps.audit import AuditTrail, order_facts
from booking_core.services.steps.orders import visible_order
from booking_core.services.steps.refunds import Refunds
from booking_core.services.steps.reservations import Reservations
from booking_core.staff import Permission
from booking_core.timerange import ensure_aware

__all__ = ["ModificationResult", "ModificationService"]


@attrs.frozen
class ModificationResult:
    """The changed order and any money that moved because of the change."""

    order: Order
    payment: PaymentResult | None = None
    refunds: tuple[RefundResult, ...] = ()


class ModificationService:
    """Changes the time, service or technician of orders that have not started."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        *,
        payments: PaymentService,
        refunds: Refunds,
        reservations: Reservations,
        order_policy: OrderPolicy,
        audit: AuditTrail,
    ) -> None:
        self._audit = audit
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._payments = payments
        self._refunds = refunds
        self._reservations = reservations
        self._orders = order_policy

    def change_time(self, order_id: OrderId, actor: Actor, new_start: DateTime) -> Order:
        """Move the order to another offered start with the same technician and service.

        Raises:
            NotFound: the order is not the actor's.
            PermissionDenied: only the customer or the platform (staff with the orders
                permission) changes an order.
            TransitionNotAllowed: the order has started (or is closed).
            SlotTaken, SlotHeld, SlotUnavailable, DailyCapReached, OutsideServiceArea:
                the new start is not offered; nothing changed.
        """
        start = ensure_aware(new_start, "new start")
        return self._change(order_id, actor, "time", start=start).order

    def change_service(
        self, order_id: OrderId, actor: Actor, service_id: ServiceId
    ) -> ModificationResult:
        """Another service at the same start; the price difference is charged or refunded.

        Raises:
            ServiceNotOffered: the technician does not perform it.
            CouponNotApplicable: the order's coupon does not apply to the new service.
            CampaignBudgetExceeded: a campaign's budget ran out for the new price.
            The errors of :meth:`change_time`; payment errors of the difference's charge.
        """
        return self._change(order_id, actor, "service", service_id=service_id)

    def change_technician(
        self, order_id: OrderId, actor: Actor, technician_id: TechnicianId
    ) -> ModificationResult:
        """Another technician at the same start (also how the platform reassigns an order a
        technician rejected); the new one must accept. His price applies.

        Raises:
            The errors of :meth:`change_service`.
        """
        return self._change(order_id, actor, "technician", technician_id=technician_id)

    def _change(
        self,
        order_id: OrderId,
        actor: Actor,
        change: str,
        *,
        start: DateTime | None = None,
        service_id: ServiceId | None = None,
        technician_id: TechnicianId | None = None,
    ) -> ModificationResult:
        check_staff(actor, Permission.ORDERS, "changes orders on someone's behalf")
        now = self._clock.now()
        new_booking = BookingId(self._ids.new_id("bkg"))
        with self._uow() as uow:
            order = visible_order(uow, order_id, actor)
            self._ensure_changeable(uow, order)
            _check_party_change(order, change)
            _check_visit_change(order, change)
            facts = order_facts(order)
            reservation = self._reservations.reserve(
                uow,
                technician_id or _assigned(order),
                service_id or order.service_id,
                start or order.slot.start,
                booking_id=new_booking,
                order_id=order.id,
                now=now,
                customer_id=order.customer_id,
                location=order.destination,
                replaces=order.booking_id,
                # His tier's window days: the order is his, whoever moves it.
                extra_days=self._reservations.extra_days(uow, order.customer_id),
            )
            booking, technician, service = (
                reservation.booking,
                reservation.technician,
                reservation.service,
            )
            if service.technicians_needed != (1 if order.party is None else order.party.size):
                raise InvalidParty(
                    f"{service.name} is served by {service.technicians_needed} technicians "
                    "at once: book it as a party, not by changing this order's service.",
                    details={"service_id": service.id, "needed": service.technicians_needed},
                )
            if (change == "time" or order.holding_id is not None) and order.quote is not None:
                # Same service and technician, or paid by a package visit: the price stands.
                quote = order.quote
            else:
                quote = self._payments.books.reprice(uow, order, technician, service, now)
            price = quote.payable
            if change == "technician":
                order.reassign(technician.id, booking.id, actor=actor, at=now,
                               reason=f"technician → {technician.name}")  # fmt: skip
                order.slot = booking.slot.in_zone(order.time_zone)
                order.price = price
                order.upfront = self._orders.upfront(order.payment_mode, price)
                order.quote = quote
            else:
                before, after = _describe(order, change, booking.slot.start, service.id)
                order.modify(
                    actor=actor,
                    at=now,
                    change=change,
                    before=before,
                    after=after,
                    booking_id=booking.id,
                    slot=booking.slot.in_zone(order.time_zone),
                    service_id=service.id,
                    price=price,
                    upfront=self._orders.upfront(order.payment_mode, price),
                    quote=quote,
                )
            excess = order.refundable - order.upfront  # what it holds beyond what is due
            records = []
            if excess.amount > 0 and order.state != OrderState.PENDING_PAYMENT:
                records = self._refunds.plan(
                    uow, order, excess.min(order.refundable), reason=f"{change} changed: "
                    "price difference", actor=actor, at=now, close=False,
                )  # fmt: skip
            uow.orders.save(order)
            self._audit.record(
                uow, actor, f"order.change_{change}", ("order", order.id),
                before=facts, after=order_facts(order),
            )  # fmt: skip
            uow.commit()
        refunds = tuple(self._payments.send_refunds(records))
        payment = None
        if order.state != OrderState.PENDING_PAYMENT and order.due_now():
            payment = self._payments.pay(order.id, actor)
        with self._uow() as uow:
            order = uow.orders.get(order.id)
        return ModificationResult(order, payment, refunds)

    def _ensure_changeable(self, uow: UnitOfWork, order: Order) -> None:
        if order.state not in NOT_STARTED_STATES:
            raise TransitionNotAllowed(
                f"Order {order.id} is {order.state.replace('_', ' ')}; only an order whose "
                "technician has not set off can be changed.",
                details={"state": order.state, "order_id": order.id},
            )
        if any(a.is_open for a in uow.payments.for_order(order.id)):
            raise TransitionNotAllowed(
                f"A payment of order {order.id} is in progress; change it once it settles.",
                details={"order_id": order.id},
            )


def _assigned(order: Order) -> TechnicianId:
    if order.technician_id is None:
        raise TransitionNotAllowed(
            f"Order {order.id} has no technician (it was rejected); assign one first.",
            details={"order_id": order.id},
        )
    return order.technician_id


def _describe(order: Order, change: str, start: DateTime, service_id: str) -> tuple[str, str]:
    if change == "time":
        zone = order.time_zone
        return (
            order.slot.start.in_timezone(zone).isoformat(),
            start.in_timezone(zone).isoformat(),
        )
    return order.service_id, service_id


def _check_visit_change(order: Order, change: str) -> None:
    """A package visit pays for one service: the order paid by it keeps its service."""
    if order.holding_id is not None and change == "service":
        raise InvalidInput(
            f"Order {order.id} is paid by a visit of package {order.holding_id}, which is "
            "for its service: cancel it (the visit comes back) and book the other service.",
            details={"order_id": order.id, "holding_id": order.holding_id, "field": "service_id"},
        )


def _check_party_change(order: Order, change: str) -> None:
    """A seat of a party changes its technician alone; its time or service would leave
    the party's technicians apart."""
    if order.party is not None and change != "technician":
        raise InvalidParty(
            f"Order {order.id} is seat {order.party.seat} of party {order.party.id}, served "
            f"together: its {change} cannot change alone. Cancel the party's orders and book "
            "again.",
            details={"order_id": order.id, "party_id": order.party.id, "change": change},
        )
