"""Cancellation use cases: preview, cancel, no-show, and expiring unpaid orders (C9, M3).

Who caused a cancellation decides the money:

* the customer — the fee schedule of the order's payment mode, by notice before the start;
* the technician or the platform — always a full refund; a customer who cancels once the
  technician is late (not there ``lateness_grace_minutes`` after the start, or arrived that
  late) cancels *because of* the technician;
* a no-show — charged as a customer cancellation at the very start;
* nobody paid in time — nothing to refund.

The cancellation, the release of the technician's time, the return of the order's coupon
(once; one past its end comes back expired), the return of its campaign discounts to their
budgets, the cancellation of its frozen commissions, the return of the points it spent (all
of them, whoever caused it) and the refund records are one transaction; the gateway is
asked after commit (and again by the reconciliation job if the process dies in between).
"""

from __future__ import annotations

import attrs
import pendulum
from pendulum import DateTime

from booking_core.catalog import HoldingId
from booking_core.errors import AlreadyCancelled, TransitionNotAllowed
from booking_core.ids import OrderId
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.orders.cancellation import CancellationCause, CancellationQuote
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.ports.clock import Clock
from booking_core.ports.jobs import Job
from booking_core.ports.payments import RefundResult
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services._access import check_staff
from booking_core.services.payments import PaymentService
from booking_core.services.steps.audit import AuditTrail, order_facts
from booking_core.services.steps.commissions import Commissions
from booking_core.services.steps.orders import visible_order
from booking_core.services.steps.packages import release_visit
from booking_core.services.steps.points import OrderPoints
from booking_core.services.steps.refunds import Refunds
from booking_core.staff import Permission

__all__ = ["CancellationResult", "CancellationService"]

_CANCELLABLE = frozenset(
    {
        OrderState.PENDING_PAYMENT,
        OrderState.PENDING_ACCEPTANCE,
        OrderState.ACCEPTED,
        OrderState.DEPARTED,
        OrderState.ARRIVED,
    }
)


@attrs.frozen
class CancellationResult:
    """The cancelled order, the quote it was cancelled under, and the refunds sent."""

    order: Order
    quote: CancellationQuote
    refunds: tuple[RefundResult, ...]


class CancellationService:
    """Cancels orders under the configured policy and refunds what it says."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        payments: PaymentService,
        refunds: Refunds,
        policy: OrderPolicy,
        *,
        audit: AuditTrail,
        commissions: Commissions,
        points: OrderPoints,
    ) -> None:
        self._audit = audit
        self._commissions = commissions
        self._points = points
        self._uow = uow
        self._clock = clock
        self._payments = payments
        self._refunds = refunds
        self._policy = policy

    def preview(self, order_id: OrderId, actor: Actor) -> CancellationQuote:
        """The rule and the amounts if ``actor`` cancelled now; nothing changes.

        Raises:
            NotFound: the order does not exist or is not the actor's.
            TransitionNotAllowed: the order can no longer be cancelled.
        """
        now = self._clock.now()
        with self._uow() as uow:
            order = visible_order(uow, order_id, actor)
        _ensure_cancellable(order)
        return self._quote(order, self.cause_for(order, actor, now), now)

    def cancel(
        self,
        order_id: OrderId,
        actor: Actor,
        *,
        reason: str = "",
        expected_version: int | None = None,
    ) -> CancellationResult:
        """Cancel the order, free the technician's time, refund what the quote says.

        Cancellations of one order are serialized (the order's row is locked for the
        command): of two at once — a double-clicked button — one cancels and refunds, the
        other is told the order is cancelled already.

        Raises:
            NotFound: the order does not exist or is not the actor's.
            PermissionDenied: the actor's role may not cancel (platform staff: without the
                orders permission).
            AlreadyCancelled: the order was cancelled already (nothing happened).
            TransitionNotAllowed: the order can no longer be cancelled.
            ConcurrentUpdate: another command changed the order first, or it is no longer at
                ``expected_version`` (nothing happened).
        """
        return self._cancel(
            order_id, actor, "cancel", reason=reason, cause=None, expected=expected_version
        )

    def record_no_show(
        self,
        order_id: OrderId,
        actor: Actor,
        *,
        reason: str = "",
        expected_version: int | None = None,
    ) -> CancellationResult:
        """The technician waited and the customer did not come: cancel, charged as a
        cancellation at the start.

        Raises:
            TransitionNotAllowed: not arrived, or the wait (``no_show_wait_minutes`` past the
                start or the arrival, whichever is later) is not over.
            NotFound, PermissionDenied, ConcurrentUpdate: as :meth:`cancel`.
        """
        return self._cancel(
            order_id, actor, "no_show", reason=reason, cause=None, expected=expected_version
        )

    def expire_unpaid(self, order_id: OrderId) -> DateTime | None:
        """Job handler: cancel an order still unpaid after the timeout.

        Re-checks the order first. Open payments are closed at the gateway and their answer
        applied — one that went through after all pays the order instead. While the gateway
        cannot say, the order is left alone and the job comes back (never assumed failed).
        """
        now = self._clock.now()
        with self._uow() as uow:
            order = uow.orders.get(order_id)
        if order.state != OrderState.PENDING_PAYMENT:
            return None
        report = self._payments.close_open_payments(order_id)
        if report.open_payments:
            return now + pendulum.duration(minutes=max(1, self._policy.reconcile_after_minutes))
        with self._uow() as uow:
            if uow.orders.get(order_id).state != OrderState.PENDING_PAYMENT:
                return None
        minutes = self._policy.unpaid_timeout_minutes
        try:
            self._cancel(
                order_id,
                Actor.system("unpaid-timeout"),
                "cancel",
                reason=f"not paid within {minutes} minutes",
                cause=CancellationCause.UNPAID,
            )
        except TransitionNotAllowed:
            return None  # paid or cancelled meanwhile: nothing left to expire
        return None

    def run_expire_job(self, job: Job, now: DateTime) -> DateTime | None:
        """Job adapter for :meth:`expire_unpaid`."""
        return self.expire_unpaid(OrderId(job.subject))

    def cause_for(self, order: Order, actor: Actor, at: DateTime) -> CancellationCause:
        """Who a cancellation by ``actor`` at ``at`` is attributed to."""
        if actor.role is Role.PLATFORM:
            return CancellationCause.PLATFORM
        if actor.role is Role.TECHNICIAN:
            return CancellationCause.TECHNICIAN
        if actor.role is Role.SYSTEM:
            return CancellationCause.UNPAID
        grace = pendulum.duration(minutes=self._policy.lateness_grace_minutes)
        not_there = order.state in (
            OrderState.PENDING_ACCEPTANCE,
            OrderState.ACCEPTED,
            OrderState.DEPARTED,
        )
        if not_there and at >= order.slot.start + grace:
            return CancellationCause.TECHNICIAN
        if (order.late_minutes or 0) > self._policy.lateness_grace_minutes:
            return CancellationCause.TECHNICIAN
        return CancellationCause.CUSTOMER

    def _quote(self, order: Order, cause: CancellationCause, at: DateTime) -> CancellationQuote:
        quote = self._policy.cancellation.quote(
            cause=cause,
            paid=order.secured,  # a hold counts: the fee is taken from it first
            by_deposit=order.payment_mode is PaymentMode.DEPOSIT,
            start=order.slot.start,
            at=at,
        )
        return quote if order.holding_id is None else quote.whole_visit()

    def _cancel(
        self,
        order_id: OrderId,
        actor: Actor,
        event: str,
        *,
        reason: str,
        cause: CancellationCause | None,
        expected: int | None = None,
    ) -> CancellationResult:
        check_staff(actor, Permission.ORDERS, "cancels orders on someone's behalf")
        now = self._clock.now()
        with self._uow() as uow:
            # Locked before reading: a concurrent cancellation waits here, then sees this one.
            uow.orders.lock(order_id)
            order = visible_order(uow, order_id, actor)
            order.ensure_version(expected)
            _ensure_not_cancelled(order)
            if cause is CancellationCause.UNPAID and order.state != OrderState.PENDING_PAYMENT:
                # Checked again under the lock: a payment may have landed since the job looked.
                raise TransitionNotAllowed(
                    f"Order {order.id} is {order.state.replace('_', ' ')}, no longer unpaid.",
                    details={"state": order.state, "order_id": order.id},
                )
            before = order_facts(order)
            if event == "no_show":
                cause = CancellationCause.NO_SHOW
                self._ensure_waited(order, now)
            elif cause is None:
                cause = self.cause_for(order, actor, now)
            quote = self._quote(order, cause, now)
            order.cancel(
                event=event,
                cause=cause.value,
                fee=quote.fee,
                actor=actor,
                at=now,
                reason=reason or quote.rule,
            )
            # The booking may be released already (after a rejection); releasing is harmless.
            uow.bookings.release(order.booking_id)
            self._payments.books.cancelled(uow, order, now)
            # An order that never completes earns nobody anything, and spends no points.
            self._commissions.on_cancelled(uow, order, now)
            self._points.release(uow, order.customer_id, order.id, now)
            # What a hold keeps beyond the fee is voided, not refunded.
            held = order.held_amount
            released = held - quote.fee.min(held)
            records = self._refunds.plan(
                uow, order, quote.refund - released, reason=f"cancelled ({cause.value})",
                actor=actor, at=now,
            )  # fmt: skip
            if order.holding_id is not None and not quote.fee:
                # Given back even when it was worth nothing (no refund to carry it).
                release_visit(uow, HoldingId(order.holding_id), order.id)
            if held.amount > 0:  # captured or voided after commit, or by this job
                self._refunds.schedule_reconcile(uow, order.id, now)
            uow.orders.save(order)
            self._audit.record(
                uow, actor, f"order.{event}", ("order", order.id),
                before=before, after=order_facts(order), reason=reason or None,
            )  # fmt: skip
            uow.commit()
        refunds = self._payments.send_refunds(records)
        self._payments.settle_holds(order_id)
        with self._uow() as uow:
            order = uow.orders.get(order_id)
        return CancellationResult(order, quote, tuple(refunds))

    def _ensure_waited(self, order: Order, now: DateTime) -> None:
        if order.state != OrderState.ARRIVED:
            return  # the machine refuses it with the state in the message
        arrived = order.entered_at(OrderState.ARRIVED) or order.slot.start
        ready = max(order.slot.start, arrived) + pendulum.duration(
            minutes=self._policy.no_show_wait_minutes
        )
        if now < ready:
            raise TransitionNotAllowed(
                f"A no-show can be recorded from {ready.in_timezone(order.time_zone)} on "
                f"(after waiting {self._policy.no_show_wait_minutes} minutes).",
                details={"order_id": order.id, "not_before": ready.isoformat()},
            )


def _ensure_not_cancelled(order: Order) -> None:
    if order.state == OrderState.CANCELLED or order.cancel_cause is not None:
        raise AlreadyCancelled(
            f"Order {order.id} is cancelled already (it is {order.state.replace('_', ' ')}); "
            "its refund, if any, is on its way — see the order's payments.",
            details={"state": order.state, "order_id": order.id},
        )


def _ensure_cancellable(order: Order) -> None:
    _ensure_not_cancelled(order)
    if order.state not in _CANCELLABLE:
        raise TransitionNotAllowed(
            f"Order {order.id} is {order.state.replace('_', ' ')}; it can no longer be cancelled.",
            details={"state": order.state, "order_id": order.id},
        )
