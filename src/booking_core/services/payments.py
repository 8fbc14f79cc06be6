"""Payment use cases: charge what is due, refund, reconcile, take webhooks (C7, M3, I13, I15).

Rules:

* The gateway is never called inside a transaction. Before a call that moves money the
  attempt (or refund) is stored with status ``unknown`` together with a reconciliation job,
  so a crash between the two leaves something that will ask the gateway what happened.
* A timeout is ``unknown`` and is settled by asking the gateway (:meth:`reconcile`), never
  assumed failed; a retry reuses the same key.
* Every capture and every successful refund is applied once per key through the append-only
  money movements (I15), whether it comes from the API answer, a webhook or a reconciliation,
  in any order.
* Refunds never exceed what was captured (I13): each refund is reserved on the order (a
  compare-and-set save) before the gateway is asked.
* Money that arrives for an order already cancelled is refunded automatically; so is any
  amount paid beyond the price.
* Holds (``docs/payments.md``, "Holds"): with a provider that declares ``manual_capture``,
  the upfront payment of an order that starts while an authorization still lives (with
  :data:`HOLD_SPARE` to spare) is only authorized. The hold secures the order like a
  capture; it is captured when the technician arrives (what the order still owes of it, the
  rest released), or the day before it would lapse; a cancellation captures the fee from it
  and voids the rest (a free one voids it all). The books post only what is captured.
* The books move with the money (:class:`~booking_core.services.steps.books.OrderBooks`): the
  unit of work that applies a capture for the first time also uses the order's coupon and
  posts ``payment_captured``; the one that applies a successful refund posts
  ``refund_issued``.
* So do commissions and points, in the same units of work: the first capture of an open
  order freezes its commissions (:class:`~booking_core.services.steps.commissions.Commissions`;
  a replay stores nothing); a successful refund reduces them in proportion. The order's
  points move when a refund is decided, not when it succeeds
  (:class:`~booking_core.services.steps.refunds.Refunds`: spent points given back, earned
  ones clawed back — the refund keeps the cash value of those the customer no longer
  holds). Only the part of a refund that takes the order below its price counts: money
  paid twice or beyond a lowered price goes back without touching either. A commission the
  settle job changed meanwhile makes the whole apply fail with ``ConcurrentUpdate``
  (retried; nothing half-applied).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Final, TypeVar

import attrs
import pendulum
from pendulum import DateTime

from booking_core.errors import (
    ConcurrentUpdate,
    IdempotencyConflict,
    IdempotencyKeyReused,
    NotFound,
    NothingToPay,
    PayerUnknown,
    PaymentError,
    PermissionDenied,
)
from booking_core.ids import OrderId
from booking_core.money import Money
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.orders.events import OrderNeedsAttention, OrderRefunded, PaymentCaptured
from booking_core.orders.payments import (
    MoneyMovement,
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    RefundRecord,
    RefundStatus,
    payment_key,
)
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.payouts import TipPolicy
from booking_core.ports.clock import Clock
from booking_core.ports.jobs import Job
from booking_core.ports.payments import (
    ParsedWebhook,
    PaymentChannel,
    PaymentGateway,
    PaymentRequest,
    PaymentResult,
    RefundRequest,
    RefundResult,
    WebhookAck,
    WebhookEvent,
    WebhookKind,
)
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.routing import PaymentRouting
from booking_core.services._access import check_staff
from booking_core.services.steps.audit import AuditTrail, order_facts
from booking_core.services.steps.books import OrderBooks
from booking_core.services.steps.commissions import Commissions
from booking_core.services.steps.dispatching import Dispatching
from booking_core.services.steps.orders import visible_order
from booking_core.services.steps.refunds import PAYMENTS_ACTOR, Refunds
from booking_core.services.steps.tips import Tips
from booking_core.staff import Permission

__all__ = ["CLOSED_STATES", "HOLD_SPARE", "PaymentService", "ReconcileReport"]

#: A hold is placed only if the service starts this long before the authorization lapses,
#: and one still held this long before it lapses is captured (a lapsed hold secures nothing).
HOLD_SPARE: Final = pendulum.duration(hours=24)

#: From these states on the technician is there: a hold is captured (what is still owed).
_THERE: Final = frozenset({OrderState.ARRIVED, OrderState.IN_SERVICE, OrderState.COMPLETED})

#: States in which an order takes no more money: anything captured now goes back.
CLOSED_STATES: Final = frozenset(
    {
        OrderState.CANCELLED,
        OrderState.REFUNDING,
        OrderState.PARTIALLY_REFUNDED,
        OrderState.REFUNDED,
    }
)

_T = TypeVar("_T")


@attrs.frozen
class ReconcileReport:
    """What a reconciliation learned: how many attempts and refunds are still open."""

    open_payments: int
    open_refunds: int
    holds_until: DateTime | None = None

    @property
    def settled(self) -> bool:
        """Nothing is waiting on the gateway any more (a hold kept for later is not
        waiting: ``holds_until`` says when it must be captured at the latest)."""
        return self.open_payments == 0 and self.open_refunds == 0


class PaymentService:
    """Charges, refunds and reconciles the money of orders through the payment gateway.

    Attributes:
        books: The money side of the order flow (coupons, campaign budgets, the journal)
            this service and the other order services post through.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        gateway: PaymentGateway | PaymentRouting,
        policy: OrderPolicy,
        *,
        books: OrderBooks,
        refunds: Refunds,
        audit: AuditTrail,
        commissions: Commissions,
        dispatching: Dispatching | None = None,
        tips: TipPolicy | None = None,
    ) -> None:
        # ``tips``: how much a customer may tip (default :class:`TipPolicy`'s).
        self._tips = Tips(tips if tips is not None else TipPolicy())
        # ``dispatching`` opens dispatch for an order placed without a technician once
        # it is paid.
        self._dispatching = dispatching
        self._audit = audit
        self._uow = uow
        self.books = books
        self._commissions = commissions
        self._refunds = refunds
        self._clock = clock
        # One provider, or several routed by channel (:class:`PaymentRouting`).
        self._routing = PaymentRouting.of(gateway)
        self._policy = policy

    @property
    def routing(self) -> PaymentRouting:
        """The payment providers and the channel each serves."""
        return self._routing

    @property
    def providers(self) -> tuple[str, ...]:
        """The names of the payment providers configured (the default first)."""
        return tuple(g.name for g in self._routing.gateways)

    # -- paying ---------------------------------------------------------------------------

    def pay(
        self,
        order_id: OrderId,
        actor: Actor,
        *,
        channel: PaymentChannel | None = None,
        payer: str | None = None,
    ) -> PaymentResult:
        """Charge what the order owes now: the full price or the deposit at checkout, the
        balance once the technician is there, a price difference after a change.

        ``channel`` (where the customer pays: the mini-program, a mobile browser …) picks
        the provider (:class:`~booking_core.routing.PaymentRouting`), which the attempt
        remembers; ``payer`` is the customer's id there where the channel needs one (his
        WeChat ``openid`` in the mini-program).

        A declined payment is a result (pay again: a new attempt with a new key). An
        attempt still waiting on the gateway is asked about instead of charging twice; one
        the gateway does not know yet is still on its way (status ``unknown``: only the
        reconciliation, minutes later, may conclude it was never created). Pays of one order
        are serialized (its row is locked while the attempt is chosen), so at most one
        attempt is open and at most one capture per amount due ever exists.

        Raises:
            NotFound: the order does not exist or is not the actor's.
            PayerUnknown: the mini-program channel without a payer, and the customer's
                account has no WeChat openid (nothing is stored).
            PermissionDenied: only the customer or the platform pays.
            NothingToPay: nothing is due now (already paid, or the order is closed).
            IdempotencyConflict, PaymentError: the gateway refused the request itself.
        """
        if actor.role not in (Role.CUSTOMER, Role.PLATFORM):
            raise PermissionDenied("Only the customer or the platform pays an order.")
        check_staff(actor, Permission.ORDERS, "pays an order on a customer's behalf")
        # A hold the technician's arrival made due is captured before the balance is asked.
        self.settle_holds(order_id)
        now = self._clock.now()
        with self._uow() as uow:
            # Locked before reading: a concurrent pay waits here, then sees this attempt.
            uow.orders.lock(order_id)
            order = visible_order(uow, order_id, actor)
            attempts = uow.payments.for_order(order.id)
            # A tip on its way is not a payment of the order (its own key, its own call).
            waiting = next(
                (a for a in attempts if a.is_open and a.purpose is not PaymentPurpose.TIP), None
            )
            if waiting is None:
                due = order.due_now()
                if not due:
                    raise NothingToPay(
                        f"Order {order.id} owes nothing now (it is "
                        f"{order.state.replace('_', ' ')}; {order.paid_amount} paid).",
                        details={"state": order.state, "order_id": order.id},
                    )
                purpose = _purpose(order)
                payer = _payer(uow, order, channel, payer)
                sequence = 1 + sum(1 for a in attempts if a.purpose is purpose)
                waiting = PaymentAttempt(
                    key=payment_key(order.id, purpose, sequence),
                    order_id=order.id,
                    purpose=purpose,
                    amount=due,
                    status=PaymentStatus.UNKNOWN,
                    created_at=now,
                    updated_at=now,
                    gateway=self._routing.for_channel(channel).name,
                )
                hold = self._holds(waiting, order, now)
                uow.payments.add(waiting)
                self._refunds.schedule_reconcile(uow, order.id, now)
                # A platform charging on the customer's behalf (a phone order) is on record.
                self._audit.record(uow, actor, "order.pay", ("order", order.id), after=waiting)
                uow.commit()
                fresh = True
            else:
                fresh = False
        if fresh:
            result = self._routing.named(waiting.gateway).create_payment(
                PaymentRequest(
                    idempotency_key=waiting.key,
                    order_id=order.id,
                    amount=waiting.amount,
                    purpose=waiting.purpose,
                    description=f"Order {order.number or order.id}",
                    channel=channel,
                    payer=payer,
                    hold=hold,
                )
            )
        else:
            result = self._ask_about_waiting(waiting)
        self.apply_payment(result, source="api")
        return result

    def _holds(self, attempt: PaymentAttempt, order: Order, now: DateTime) -> bool:
        # The upfront payment is held when the provider can hold and the hold outlives the
        # start with a day to spare; otherwise it is charged (a later refund gives back).
        if attempt.purpose not in (PaymentPurpose.DEPOSIT, PaymentPurpose.FULL):
            return False
        capabilities = self._routing.named(attempt.gateway).capabilities
        ttl = capabilities.authorization_ttl_minutes
        if not capabilities.manual_capture or ttl is None:
            return False
        return order.slot.start + HOLD_SPARE <= now.add(minutes=ttl)

    def settle_holds(self, order_id: OrderId) -> DateTime | None:
        """Capture or void the order's holds that are due: when the technician is there,
        what the order still owes of the hold is captured (the rest released); when it is
        cancelled, the fee (:meth:`CancellationService.cancel
        <booking_core.services.cancellation.CancellationService.cancel>` takes it from the
        hold first) is captured and the rest voided; a hold about to lapse
        (:data:`HOLD_SPARE`) is captured. Returns when a hold kept for later must be
        captured at the latest (None: none kept). Idempotent: the job, a pay and the
        commands that make a hold due all call it.
        """
        now = self._clock.now()
        with self._uow() as uow:
            order = uow.orders.get(order_id)
            holds = [
                a for a in uow.payments.for_order(order_id) if a.status is PaymentStatus.AUTHORIZED
            ]
        kept: list[DateTime] = []
        for attempt in holds:
            gateway = self._routing.named(attempt.gateway)
            ttl = gateway.capabilities.authorization_ttl_minutes or 0
            capture_by = attempt.created_at.add(minutes=ttl) - HOLD_SPARE
            target = _hold_target(order, attempt)
            if target is None and now < capture_by:
                kept.append(capture_by)
                continue
            if target is None:  # about to lapse: charge what is still owed
                target = (order.price - order.refundable).max(Money.zero(order.price.currency))
            target = target.min(attempt.amount)
            try:
                if target.amount == 0:
                    result = gateway.cancel(attempt.key)
                elif target == attempt.amount or gateway.capabilities.partial_capture:
                    result = gateway.capture(attempt.key, target)
                else:
                    result = gateway.capture(attempt.key)  # all of it: the surplus goes back
            except PaymentError:
                result = gateway.get_payment(attempt.key)  # lapsed, or taken meanwhile
            self.apply_payment(result, source="api")
        return min(kept, default=None)

    def tip(
        self,
        order_id: OrderId,
        amount: Money,
        actor: Actor,
        *,
        number: int = 1,
        channel: PaymentChannel | None = None,
        payer: str | None = None,
    ) -> PaymentResult:
        """Charge the customer's ``number``-th tip (打赏) of ``amount`` for the technician of
        his order, through the gateway like :meth:`pay`: key ``<order>:tip:<number>``, the
        attempt stored as ``unknown`` with its reconciliation job before the call, the
        capture applied once however it arrives (API answer, webhook, reconciliation).

        A captured tip goes, all of it, to the technician's payable (``tip:<key>``) and
        raises ``TipReceived``; it changes neither the order's price nor what was paid for
        it, and no order refund takes it back (``docs/earnings.md``, "Tips"). Calling again
        with the same ``number`` and amount (a retry, a double tap, at the same time or
        later) asks about that same tip instead of charging again. A declined tip is tipped
        again with the next number. ``channel`` and ``payer`` as for :meth:`pay`.

        Raises:
            PermissionDenied: the actor is not a customer.
            NotFound: the order does not exist or is not the actor's.
            TipNotAllowed: the rules refuse it (``details["reason"]``).
            IdempotencyKeyReused: tip ``number`` was for another amount.
            IdempotencyConflict, PaymentError: the gateway refused the request itself.
        """
        if actor.role is not Role.CUSTOMER:
            raise PermissionDenied("Only the order's customer tips its technician.")
        now = self._clock.now()
        with self._uow() as uow:
            # Locked before reading: a concurrent tip waits here, then sees this attempt.
            uow.orders.lock(order_id)
            order = visible_order(uow, order_id, actor)
            attempts = uow.payments.for_order(order.id)
            key = payment_key(order.id, PaymentPurpose.TIP, number) if number >= 1 else ""
            known = next((a for a in attempts if a.key == key), None)
            if known is None:
                self._tips.check(order, amount, attempts, number)
                payer = _payer(uow, order, channel, payer)
                known = PaymentAttempt(
                    key=key,
                    order_id=order.id,
                    purpose=PaymentPurpose.TIP,
                    amount=amount,
                    status=PaymentStatus.UNKNOWN,
                    created_at=now,
                    updated_at=now,
                    gateway=self._routing.for_channel(channel).name,
                )
                uow.payments.add(known)
                self._refunds.schedule_reconcile(uow, order.id, now)
                uow.commit()
                fresh = True
            elif known.amount != amount:
                tipped = sum(a.purpose is PaymentPurpose.TIP for a in attempts)
                raise IdempotencyKeyReused(
                    f"Tip {number} of order {order.id} was for {known.amount}, not {amount}; "
                    f"a new tip is number {tipped + 1}.",
                    details={"payment_key": key, "amount": known.amount.amount},
                )
            else:
                fresh = False
        if fresh:
            result = self._routing.named(known.gateway).create_payment(
                PaymentRequest(
                    idempotency_key=known.key,
                    order_id=order.id,
                    amount=known.amount,
                    purpose=known.purpose,
                    description=f"Tip for order {order.number or order.id}",
                    channel=channel,
                    payer=payer,
                )
            )
        elif known.is_open:
            result = self._ask_about_waiting(known)
        else:
            result = PaymentResult(known.key, known.status, known.amount,
                                   gateway_reference=known.gateway_reference,
                                   failure_code=known.failure_code)  # fmt: skip
        self.apply_payment(result, source="api")
        return result

    def apply_payment(self, result: PaymentResult, *, source: str) -> None:
        """Apply the gateway's word about a payment (idempotent, any order).

        A capture counts once per key; it moves an unpaid order on once the upfront amount
        is covered; money for a closed order, or beyond the price, is refunded at once.

        Raises:
            NotFound: (``payment_not_found``) the key is not one of ours.
            IdempotencyConflict: the gateway reports another amount for the key.
        """
        self.send_refunds(self._retrying(lambda: self._apply_payment_once(result, source)))

    def _apply_payment_once(self, result: PaymentResult, source: str) -> list[RefundRecord]:
        with self._uow() as uow:
            give_back = self._apply_payment_in(uow, result, source, self._clock.now())
            uow.commit()
        return give_back

    def _apply_payment_in(
        self, uow: UnitOfWork, result: PaymentResult, source: str, now: DateTime
    ) -> list[RefundRecord]:
        # Inside the caller's unit of work; the caller commits, then sends the refunds this
        # returns. Money that must go back is planned here, with the capture: a crash after
        # the commit leaves stored refunds and a reconciliation job, never a lost give-back.
        # Nothing is written before NotFound or IdempotencyConflict can be raised.
        attempt = uow.payments.get(result.idempotency_key)
        uow.orders.lock(attempt.order_id)
        # Read again under the lock: an apply that committed meanwhile is not overwritten.
        attempt = uow.payments.get(result.idempotency_key)
        updated = attempt.advanced_to(
            result.status,
            result.amount,
            at=now,
            reference=result.gateway_reference,
            failure_code=result.failure_code,
        )
        if updated != attempt:
            uow.payments.save(updated)
        give_back: list[RefundRecord] = []
        if updated.status is PaymentStatus.AUTHORIZED and attempt.status is not updated.status:
            self._take_hold(uow, updated, now)
            return give_back
        if attempt.status is PaymentStatus.AUTHORIZED and updated.status in (
            PaymentStatus.CANCELLED, PaymentStatus.DECLINED,
        ):  # fmt: skip
            self._lose_hold(uow, updated, now)
            return give_back
        if updated.status is PaymentStatus.CAPTURED and uow.movements.append(
            MoneyMovement.capture(updated, at=now, source=source)
        ):
            order = uow.orders.get(updated.order_id)
            if updated.purpose is PaymentPurpose.TIP:
                # The technician's, whatever the order's state now: not the order's money.
                self._tips.captured(uow, order, updated, now)
                return give_back
            if attempt.status is PaymentStatus.AUTHORIZED:
                return self._take_held_capture(uow, order, updated, now)
            surplus = self._take_capture(uow, order, updated, now)
            self.books.captured(uow, order, updated, now)
            if order.state not in CLOSED_STATES:
                # Money for a closed order goes back: it earns nobody anything.
                self._commissions.on_captured(uow, order, now)
            if surplus is not None:
                amount, reason = surplus
                give_back = self._refunds.plan(
                    uow, order, amount, reason=reason, actor=PAYMENTS_ACTOR, at=now
                )
            uow.orders.save(order)
        return give_back

    def _take_hold(self, uow: UnitOfWork, attempt: PaymentAttempt, now: DateTime) -> None:
        # The hold secures the order like a capture; nothing moves in the books yet.
        order = uow.orders.get(attempt.order_id)
        order.record_hold(attempt.amount)
        if order.state == OrderState.PENDING_PAYMENT and order.upfront_covered():
            order.transition(
                "pay", actor=PAYMENTS_ACTOR, at=now, reason=f"{attempt.purpose.value} held"
            )
            if self._dispatching is not None:
                self._dispatching.opened(uow, order, now)
        elif order.state in CLOSED_STATES:
            # Held after the order closed (a late answer): the job voids it now.
            self._refunds.schedule_reconcile(uow, order.id, now)
        uow.orders.save(order)

    def _lose_hold(self, uow: UnitOfWork, attempt: PaymentAttempt, now: DateTime) -> None:
        # Voided or lapsed: nothing was taken. Unless it was voided because nothing of it
        # was due, what it secured is now unpaid: the platform hears of it.
        order = uow.orders.get(attempt.order_id)
        due = _hold_target(order, attempt)
        order.end_hold(attempt.amount, Money.zero(attempt.amount.currency))
        if due is None or due.amount > 0:
            order.raise_event(
                OrderNeedsAttention(
                    occurred_at=now,
                    order_id=order.id,
                    problem="hold_lost",
                    detail=f"The hold of {attempt.amount} under {attempt.key} ended without "
                    "a capture (it lapsed, or was voided at the provider): what it secured "
                    "is unpaid.",
                )
            )
        uow.orders.save(order)

    def _take_held_capture(
        self, uow: UnitOfWork, order: Order, attempt: PaymentAttempt, now: DateTime
    ) -> list[RefundRecord]:
        # A hold captured, all or part (the rest went back to the customer's card); a
        # provider that captures all or nothing took more than was due: that goes back.
        order.end_hold(attempt.amount, attempt.captured_amount)
        _raise_captured(order, attempt, now)
        self.books.captured(uow, order, attempt, now)
        if order.state in CLOSED_STATES:
            self.books.fee_kept(uow, order, now)  # the cancellation fee it was captured for
            kept = order.cancellation_fee or Money.zero(order.price.currency)
        else:
            self._commissions.on_captured(uow, order, now)
            kept = order.price
        give_back: list[RefundRecord] = []
        excess = order.refundable - kept
        if excess.amount > 0:
            give_back = self._refunds.plan(
                uow, order, excess, reason="held more than was due", actor=PAYMENTS_ACTOR, at=now
            )
        uow.orders.save(order)
        return give_back

    def _take_capture(
        self, uow: UnitOfWork, order: Order, attempt: PaymentAttempt, now: DateTime
    ) -> tuple[Money, str] | None:
        order.record_capture(attempt.amount)
        _raise_captured(order, attempt, now)
        if order.state in CLOSED_STATES:
            order.raise_event(
                OrderNeedsAttention(
                    occurred_at=now,
                    order_id=order.id,
                    problem="payment_after_close",
                    detail=f"{attempt.amount} arrived after the order was "
                    f"{order.state.replace('_', ' ')}; refunded automatically.",
                )
            )
            return attempt.amount, "payment arrived after the order was closed"
        if order.state == OrderState.PENDING_PAYMENT and order.upfront_covered():
            order.transition(
                "pay", actor=PAYMENTS_ACTOR, at=now, reason=f"{attempt.purpose.value} captured"
            )
            if self._dispatching is not None:
                self._dispatching.opened(uow, order, now)
        excess = order.refundable - order.price
        if excess.amount > 0:
            return excess, "paid more than the price"
        return None

    # -- refunding ------------------------------------------------------------------------

    def refund(
        self, order_id: OrderId, amount: Money, *, reason: str, actor: Actor, close: bool = True
    ) -> list[RefundResult]:
        """Refund ``amount`` of an order now, split over its captured payments.

        With ``close`` a cancelled, completed or partially refunded order moves to
        ``refunding`` and, once every refund succeeded, to ``refunded`` or
        ``partially_refunded``; without it (a price difference) the state stays.

        A platform actor needs the refunds permission, and is audited (``order.refund``).

        Raises:
            PermissionDenied: platform staff without the refunds permission.
            RefundExceedsCaptured: the amount exceeds what remains refundable (I13).
            ConcurrentUpdate: another command changed the order first (nothing happened).
        """
        check_staff(actor, Permission.REFUNDS, "refunds payments")
        now = self._clock.now()
        with self._uow() as uow:
            uow.orders.lock(order_id)
            order = uow.orders.get(order_id)
            before = order_facts(order)
            records = self._refunds.plan(uow, order, amount, reason=reason, actor=actor, at=now,
                                        close=close)  # fmt: skip
            uow.orders.save(order)
            self._audit.record(
                uow, actor, "order.refund", ("order", order.id),
                before=before, after=order_facts(order) | {"refund": amount}, reason=reason,
            )  # fmt: skip
            uow.commit()
        return self.send_refunds(records)

    def send_refunds(self, records: list[RefundRecord]) -> list[RefundResult]:
        """Ask the gateway for each stored refund (same key on every retry) and apply it."""
        results = []
        for record in records:
            result = self._send_refund(record)
            self.apply_refund(result, source="api")
            results.append(result)
        return results

    def _send_refund(self, record: RefundRecord) -> RefundResult:
        try:
            return self._routing.named(record.gateway).refund(
                RefundRequest(record.key, record.payment_key, record.amount, record.reason)
            )
        except PaymentError as exc:
            return RefundResult(record.key, RefundStatus.FAILED, record.amount,
                                failure_message=exc.message)  # fmt: skip

    def apply_refund(self, result: RefundResult, *, source: str) -> None:
        """Apply the gateway's word about a refund (idempotent, any order).

        Raises:
            NotFound: (``refund_not_found``) the key is not one of ours.
        """
        self._retrying(lambda: self._apply_refund_once(result, source))

    def _apply_refund_once(self, result: RefundResult, source: str) -> None:
        with self._uow() as uow:
            self._apply_refund_in(uow, result, source, self._clock.now())
            uow.commit()

    def _apply_refund_in(
        self, uow: UnitOfWork, result: RefundResult, source: str, now: DateTime
    ) -> None:
        # Inside the caller's unit of work, as _apply_payment_in.
        record = uow.refunds.get(result.idempotency_key)
        uow.orders.lock(record.order_id)
        record = uow.refunds.get(result.idempotency_key)
        if result.amount != record.amount:
            raise IdempotencyConflict(
                f"The gateway reports {result.amount} for refund {record.key}, which was "
                f"for {record.amount}; nothing was applied.",
                details={"key": record.key},
            )
        order = uow.orders.get(record.order_id)
        changed = False
        if result.status is RefundStatus.SUCCEEDED:
            if record.status is not RefundStatus.SUCCEEDED:
                record = attrs.evolve(record, status=RefundStatus.SUCCEEDED, updated_at=now)
                uow.refunds.save(record)
            if uow.movements.append(MoneyMovement.refund(record, at=now, source=source)):
                self.books.refunded(uow, record, now)
                refunded = sum(
                    (m.amount.amount for m in uow.movements.for_order(order.id)
                     if m.kind.value == "refunded"),
                    0,
                )  # fmt: skip
                self._refund_rewards(uow, order, record, refunded, now)
                order.raise_event(
                    OrderRefunded(
                        occurred_at=now,
                        order_id=order.id,
                        refund_key=record.key,
                        payment_key=record.payment_key,
                        amount=record.amount,
                        total_refunded=Money(refunded, record.amount.currency),
                        captured=order.paid_amount,
                        reason=record.reason,
                    )
                )
                changed = True
        elif result.status is RefundStatus.FAILED and record.is_open:
            uow.refunds.save(attrs.evolve(record, status=RefundStatus.FAILED, updated_at=now))
            order.release_refund(record.amount)
            order.raise_event(
                OrderNeedsAttention(
                    occurred_at=now,
                    order_id=order.id,
                    problem="refund_failed",
                    detail=f"The gateway refused refund {record.key} of {record.amount}: "
                    f"{result.failure_message or 'no reason given'}.",
                )
            )
            changed = True
        elif result.status is RefundStatus.PENDING and record.status is RefundStatus.UNKNOWN:
            uow.refunds.save(attrs.evolve(record, status=RefundStatus.PENDING, updated_at=now))
        if changed:
            self._settle_if_done(uow, order, now)
            uow.orders.save(order)

    def _refund_rewards(
        self, uow: UnitOfWork, order: Order, record: RefundRecord, refunded: int, now: DateTime
    ) -> None:
        """A refund succeeded (``refunded``: the order's succeeded refunds, this one
        included): reduce the commissions in proportion. (The points moved when the refund
        was decided: :meth:`Refunds.plan <booking_core.services.steps.refunds.Refunds.plan>`.)

        Raises:
            ConcurrentUpdate: a commission changed meanwhile (the settle job): the caller's
                unit of work is dropped whole and retried.
        """
        currency = record.amount.currency
        zero = Money.zero(currency)
        held_before = (order.paid_amount - Money(refunded, currency) + record.amount).max(zero)
        self._commissions.on_refunded(uow, order, record.amount, now, held_before=held_before)

    def _settle_if_done(self, uow: UnitOfWork, order: Order, now: DateTime) -> None:
        if order.state != OrderState.REFUNDING:
            return
        refunds = uow.refunds.for_order(order.id)
        if any(r.is_open or r.status is RefundStatus.FAILED for r in refunds):
            return  # still waiting, or a failed refund awaits the platform
        order.transition("settle_refund", actor=PAYMENTS_ACTOR, at=now, reason="refunds settled")

    # -- reconciling ----------------------------------------------------------------------

    def reconcile(self, order_id: OrderId) -> ReconcileReport:
        """Ask the gateway about every open attempt and refund of the order and apply the
        answers. A payment the gateway never received is closed (``cancelled``); a refund it
        never received is sent again under its key."""
        with self._uow() as uow:
            attempts = [a for a in uow.payments.for_order(order_id) if a.is_open]
            refunds = [r for r in uow.refunds.for_order(order_id) if r.is_open]
        for attempt in attempts:
            self.apply_payment(self._query_payment(attempt), source="reconciliation")
        for record in refunds:
            try:
                result = self._routing.named(record.gateway).get_refund(record.key)
            except NotFound:
                result = self._send_refund(record)
            self.apply_refund(result, source="reconciliation")
        holds_until = self.settle_holds(order_id)
        with self._uow() as uow:
            return ReconcileReport(
                sum(
                    1
                    for a in uow.payments.for_order(order_id)
                    if a.is_open and a.status is not PaymentStatus.AUTHORIZED
                ),
                sum(1 for r in uow.refunds.for_order(order_id) if r.is_open),
                holds_until,
            )

    def run_reconcile_job(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler: reconcile; while something is still open, come back later
        (backing off: 1, 2, 4 … minutes, at most an hour); with only a hold kept, come
        back when it must be captured at the latest."""
        report = self.reconcile(OrderId(job.subject))
        if report.settled:
            return report.holds_until
        minutes = min(60, self._policy.reconcile_after_minutes * 2 ** min(job.attempts, 6))
        return now + pendulum.duration(minutes=max(1, minutes))

    def close_open_payments(self, order_id: OrderId) -> ReconcileReport:
        """Cancel at the gateway every attempt still open (an unpaid order is closing), and
        apply what it says — a payment that went through after all counts as captured."""
        with self._uow() as uow:
            attempts = [a for a in uow.payments.for_order(order_id) if a.is_open]
        for attempt in attempts:
            try:
                result = self._routing.named(attempt.gateway).cancel(attempt.key)
            except NotFound:
                result = _never_created(attempt)
            self.apply_payment(result, source="reconciliation")
        with self._uow() as uow:
            return ReconcileReport(
                sum(1 for a in uow.payments.for_order(order_id) if a.is_open),
                sum(1 for r in uow.refunds.for_order(order_id) if r.is_open),
            )

    def _query_payment(self, attempt: PaymentAttempt) -> PaymentResult:
        gateway = self._routing.named(attempt.gateway)
        try:
            return gateway.get_payment(attempt.key)
        except NotFound:
            ttl = gateway.capabilities.link_ttl_minutes
            if ttl is not None and self._clock.now() < attempt.created_at.add(minutes=ttl):
                # Its link may still be opened and paid: not found yet, ask again later.
                return PaymentResult(attempt.key, PaymentStatus.UNKNOWN, attempt.amount)
            return _never_created(attempt)

    def _ask_about_waiting(self, attempt: PaymentAttempt) -> PaymentResult:
        # Another caller may have stored the attempt and be asking the gateway right now:
        # "not found" means "not yet", never "never created" (closing it here would let a
        # third caller open a second attempt while the first one still captures).
        try:
            return self._routing.named(attempt.gateway).get_payment(attempt.key)
        except NotFound:
            return PaymentResult(attempt.key, PaymentStatus.UNKNOWN, attempt.amount)

    # -- webhooks -------------------------------------------------------------------------

    def handle_webhook(
        self, headers: dict[str, str], body: bytes, *, provider: str = ""
    ) -> WebhookAck:
        """Verify, store and apply a notification of ``provider`` (by name; ``""`` the
        default provider); answer what the provider wants.

        Each (gateway, event id) is recorded and applied in one transaction, so it is
        applied exactly once: if applying fails, nothing is recorded and the error
        propagates (the server answers 5xx, the provider retries, the retry applies it).
        Events about unknown keys are recorded and acknowledged (they are not ours to
        apply); an amount that does not match our record is not applied: the event is
        recorded with an ``OrderNeedsAttention`` event.

        Raises:
            InvalidWebhook: the signature is missing or wrong (nothing stored).
            PaymentError: (``payment_provider_unknown``) no provider of that name.
        """
        parsed = self._routing.named(provider).parse_webhook(headers, body)
        now = self._clock.now()
        for event in parsed.events:
            self.send_refunds(
                self._retrying(functools.partial(self._take_webhook, parsed, event, now))
            )
        return parsed.ack

    def _take_webhook(
        self, parsed: ParsedWebhook, event: WebhookEvent, now: DateTime
    ) -> list[RefundRecord]:
        try:
            with self._uow() as uow:
                if not uow.webhooks.record(parsed.gateway, event.event_id, parsed.raw, now):
                    return []  # seen before: it was applied with its record
                give_back: list[RefundRecord] = []
                try:
                    give_back = self._apply_webhook_in(uow, parsed.gateway, event, now)
                except NotFound:
                    # Not one of our payments: keep the record alone, apply nothing.
                    uow.rollback()
                    uow.webhooks.record(parsed.gateway, event.event_id, parsed.raw, now)
                uow.commit()
                return give_back
        except IdempotencyConflict as exc:
            # Rolled back; record the event with the alert instead of the wrong amount.
            with self._uow() as uow:
                if uow.webhooks.record(parsed.gateway, event.event_id, parsed.raw, now):
                    order = uow.orders.get(OrderId(event.payment_key.split(":", 1)[0]))
                    order.raise_event(
                        OrderNeedsAttention(
                            occurred_at=now,
                            order_id=order.id,
                            problem="webhook_amount_mismatch",
                            detail=exc.message,
                        )
                    )
                    uow.commit()
            return []

    def _apply_webhook_in(
        self, uow: UnitOfWork, provider: str, event: WebhookEvent, now: DateTime
    ) -> list[RefundRecord]:
        # A provider speaks only of the money it took: a notice naming another provider's
        # key is not ours to apply (NotFound: recorded, acknowledged, nothing applied).
        about_refund = event.kind in (WebhookKind.REFUND_SUCCEEDED, WebhookKind.REFUND_FAILED)
        key = (event.refund_key or "") if about_refund else event.payment_key
        taken_by = (uow.refunds.get(key) if about_refund else uow.payments.get(key)).gateway
        if (taken_by or self._routing.default.name) != provider:
            raise NotFound("refund" if about_refund else "payment", key)
        if about_refund:
            status = (
                RefundStatus.SUCCEEDED
                if event.kind is WebhookKind.REFUND_SUCCEEDED
                else RefundStatus.FAILED
            )
            refund = RefundResult(key, status, event.amount)
            self._apply_refund_in(uow, refund, "webhook", now)
            return []
        payment = PaymentResult(event.payment_key, _WEBHOOK_STATUS[event.kind], event.amount)
        return self._apply_payment_in(uow, payment, "webhook", now)

    def money_of(
        self, order_id: OrderId, actor: Actor
    ) -> tuple[list[PaymentAttempt], list[RefundRecord]]:
        """The order's payment attempts and refunds (the refund's progress, C9), for whoever
        may see the order.

        Raises:
            NotFound: the order does not exist or is not visible to ``actor``.
        """
        with self._uow() as uow:
            visible_order(uow, order_id, actor)
            return uow.payments.for_order(order_id), uow.refunds.for_order(order_id)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _retrying(command: Callable[[], _T], attempts: int = 5) -> _T:
        # System-driven applies lose compare-and-set races to customer commands now and then;
        # each retry reloads, so the outcome is the same as running after the winner.
        for _ in range(attempts - 1):
            try:
                return command()
            except ConcurrentUpdate:
                continue
        return command()


_WEBHOOK_STATUS: Final = {
    WebhookKind.PAYMENT_CAPTURED: PaymentStatus.CAPTURED,
    WebhookKind.PAYMENT_AUTHORIZED: PaymentStatus.AUTHORIZED,
    WebhookKind.PAYMENT_DECLINED: PaymentStatus.DECLINED,
    WebhookKind.PAYMENT_CANCELLED: PaymentStatus.CANCELLED,
}


def _payer(
    uow: UnitOfWork, order: Order, channel: PaymentChannel | None, payer: str | None
) -> str | None:
    # Only the mini-program needs one (WeChat Pay JSAPI pays as an openid): the one given,
    # else the customer's WeChat sign-in.
    if channel is not PaymentChannel.MINI_PROGRAM or payer:
        return payer
    account = uow.accounts.find(actor=(Role.CUSTOMER, order.customer_id))
    if account is None or account.wechat_openid is None:
        raise PayerUnknown(
            f"Paying order {order.id} in the mini-program needs the customer's WeChat openid, "
            "and his account has none: sign in with WeChat first, or pay in another channel.",
            details={"channel": channel.value},
        )
    return account.wechat_openid


def _purpose(order: Order) -> PaymentPurpose:
    if order.state == OrderState.PENDING_PAYMENT:
        return (
            PaymentPurpose.DEPOSIT
            if order.payment_mode is PaymentMode.DEPOSIT
            else (PaymentPurpose.FULL)
        )
    if order.state in (OrderState.ARRIVED, OrderState.IN_SERVICE):
        return PaymentPurpose.BALANCE
    return PaymentPurpose.SUPPLEMENT


def _raise_captured(order: Order, attempt: PaymentAttempt, now: DateTime) -> None:
    order.raise_event(
        PaymentCaptured(
            occurred_at=now,
            order_id=order.id,
            payment_key=attempt.key,
            purpose=attempt.purpose.value,
            amount=attempt.captured_amount,
        )
    )


def _hold_target(order: Order, attempt: PaymentAttempt) -> Money | None:
    # What to capture of a hold now (zero: void it), or None to keep it for later.
    zero = Money.zero(attempt.amount.currency)
    if order.cancel_cause is not None or order.state in CLOSED_STATES:
        # The fee comes from the hold first (the cancellation refunded the rest of it).
        return (order.cancellation_fee or zero).min(order.held_amount)
    if order.state in _THERE:
        return (order.price - order.refundable).max(zero)
    return None


def _never_created(attempt: PaymentAttempt) -> PaymentResult:
    # The gateway has no payment under this key: it was never created (we crashed before
    # the call), so it can be closed safely — this is knowledge, not an assumption.
    return PaymentResult(
        attempt.key, PaymentStatus.CANCELLED, attempt.amount, failure_code="not_created"
    )
