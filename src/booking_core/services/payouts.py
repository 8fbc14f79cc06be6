"""Earnings and withdrawals of technicians and stores (FEATURES T9, T10, P10; INVARIANTS I24,
I15, I30).

Who may do what:

* a technician (``Role.TECHNICIAN``, ``actor.id`` his id) sees his own earnings, balance and
  withdrawals, and withdraws his own balance; a store (``Role.STORE``) likewise for the
  store's;
* finance staff (``Permission.PAYOUTS``: finance and super admins) see any payee's, and
  approve or reject the withdrawals waiting for approval (audited);
* the system pays approved withdrawals out (the ``pay_withdrawal`` job).

A request runs under the payee's lock (``LockKey.payee``) in one unit of work: it checks the
rules and the available balance (his payable and his settled referral commissions), moves
the settled commissions the payable lacks into it (``wdr:<id>:commissions``), posts
``wdr:<id>:requested`` (the payable debited once) and stores the withdrawal. Paying calls
the gateway outside any transaction, with the withdrawal's id as the idempotency key, and
then records ``paid`` or ``failed`` (its money returned once, ``wdr:<id>:returned``).

Every step writes a :class:`~booking_core.payouts.WithdrawalEvent` to the outbox in its
unit of work (``WithdrawalRequested``, ``WithdrawalApproved`` — also for one approved at
once —, ``WithdrawalRejected``, ``WithdrawalPaid``, ``WithdrawalFailed``); the notification
rules tell the payee and, of a request waiting for approval, finance. A replayed request
writes nothing.

Without a payout gateway (``build(payouts=None)``, the default) withdrawals are requested,
approved and rejected as usual, but the pay job fails with ``PaymentError`` and, after its
attempts, lies dead; once a gateway is configured, retrying the dead jobs pays them out
(:class:`~booking_core.services.dead_letters.DeadLetterService`).
"""

from __future__ import annotations

import attrs
import cattrs
import pendulum
from pendulum import DateTime

from booking_core.errors import (
    IdempotencyKeyReused,
    InsufficientBalance,
    InvalidIdempotencyKey,
    NotFound,
    PaymentError,
    PermissionDenied,
)
from booking_core.events import event_name
from booking_core.ids import OrderId, ServiceId, StoreId, TechnicianId
from booking_core.ledger import Transaction, TransactionKind
from booking_core.money import Money
from booking_core.orders.actor import Actor, Role
from booking_core.payouts import (
    BankCard,
    EarningsStatement,
    Payee,
    PayeeBalance,
    PayeeKind,
    Wallet,
    Withdrawal,
    WithdrawalApproved,
    WithdrawalEvent,
    WithdrawalFailed,
    WithdrawalId,
    WithdrawalPaid,
    WithdrawalRejected,
    WithdrawalRequested,
    WithdrawalRules,
    WithdrawalStatus,
    commissions_drawn,
    earnings_lines,
    withdrawal_paid,
    withdrawal_requested,
    withdrawal_returned,
)
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.jobs import Job
from booking_core.ports.payouts import PayoutGateway, PayoutRequest, PayoutResult, PayoutStatus
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory, WithdrawalCursor
from booking_core.referrals import CommissionId
from booking_core.serialization import make_converter
from booking_core.services._access import require_permission
from booking_core.services.jobs import JobKind
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.unit_of_work import _write_event
from booking_core.staff import Permission
from booking_core.timerange import TimeRange

__all__ = ["DEFAULT_WITHDRAWAL_RULES", "PayoutService"]

#: The rules used when :func:`booking_core.bootstrap.build` gets no ``withdrawal_rules``: at
#: least 1.00 CNY, no fee, any day, no limits per period, finance approves above 5,000.00.
DEFAULT_WITHDRAWAL_RULES = WithdrawalRules(
    minimum=Money(100, "CNY"), approval_above=Money(500_000, "CNY")
)

#: The order of a withdrawal's events (their outbox ids sort by it).
_STEPS = {
    "WithdrawalRequested": 1,
    "WithdrawalApproved": 2,
    "WithdrawalRejected": 2,
    "WithdrawalPaid": 3,
    "WithdrawalFailed": 3,
}

#: How long the pay job waits before asking the provider again about an accepted payout.
_POLL = pendulum.duration(minutes=10)


def _owns(actor: Actor, payee: Payee) -> bool:
    role = Role.TECHNICIAN if payee.kind is PayeeKind.TECHNICIAN else Role.STORE
    return actor.role is role and actor.id == payee.id


def _require_reader(actor: Actor, payee: Payee) -> None:
    if not _owns(actor, payee):
        require_permission(actor, Permission.PAYOUTS, "sees another payee's money")


class PayoutService:
    """Earnings statements, balances and withdrawals.

    Args:
        uow: Units of work.
        clock: The time of requests, decisions and payouts.
        ids: Mints withdrawal ids (``wdr_…``).
        rules: The platform's withdrawal rules.
        gateway: Pays withdrawals out; None: not configured yet (see the module).
        audit: Records finance's decisions.
        converter: Writes the withdrawal events into the outbox (default: the core's).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        rules: WithdrawalRules,
        gateway: PayoutGateway | None,
        *,
        audit: AuditTrail,
        converter: cattrs.Converter | None = None,
    ) -> None:
        self._converter = converter if converter is not None else make_converter()
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._rules = rules
        self._gateway = gateway
        self._audit = audit

    @property
    def gateway(self) -> PayoutGateway | None:
        """The payout provider; None until one is configured (pay jobs wait, dead)."""
        return self._gateway

    @property
    def rules(self) -> WithdrawalRules:
        """The withdrawal rules in force."""
        return self._rules

    # -- reading --------------------------------------------------------------------------

    def balance(self, payee: Payee, actor: Actor) -> PayeeBalance:
        """What the payee may withdraw, has in flight and was paid out, in the rules'
        currency.

        Raises:
            PermissionDenied: the actor is neither the payee nor finance.
        """
        _require_reader(actor, payee)
        currency = self._rules.currency
        with self._uow() as uow:
            available = self._available(uow, payee)
            pending = -uow.ledger.net(payee.frozen_commissions, currency)
            in_flight = -uow.ledger.net(payee.in_flight, currency)
            paid = sum(
                p.amount.amount
                for t in uow.ledger.for_account(payee.in_flight)
                if t.kind is TransactionKind.WITHDRAWAL_PAID
                for p in t.postings
                if p.account == payee.in_flight and p.amount.currency == currency
            )
        return PayeeBalance(payee, available, in_flight, Money(paid, currency), pending)

    def _available(self, uow: UnitOfWork, payee: Payee) -> Money:
        """His payable and his settled commissions (what he may withdraw)."""
        currency = self._rules.currency
        return -uow.ledger.net(payee.payable, currency) - uow.ledger.net(
            payee.commissions, currency
        )

    def earnings(self, payee: Payee, actor: Actor, period: TimeRange) -> EarningsStatement:
        """The payee's earnings statement over ``period``: one line per completed order, kept
        cancellation fee, refund after completion, tip and settled (or, after settling,
        reduced) referral commission that moved his earnings, with the order's service (the
        orders are read one by one; a tip's order from its payment, a commission's from the
        commission).

        Raises:
            PermissionDenied: the actor is neither the payee nor finance.
        """
        _require_reader(actor, payee)
        currency = self._rules.currency
        with self._uow() as uow:
            seen: dict[str, Transaction] = {}
            for account in (payee.payable, payee.commissions):
                for transaction in uow.ledger.for_account(account, period):
                    seen.setdefault(transaction.id, transaction)
            transactions = sorted(seen.values(), key=lambda t: (t.at, t.id))
            orders: dict[str, OrderId] = {}
            services: dict[OrderId, ServiceId] = {}
            for transaction in transactions:
                order_id = transaction.order_id
                if order_id is None:
                    order_id = self._order_of(uow, transaction)
                    if order_id is None:
                        continue
                    orders[transaction.id] = order_id
                if order_id not in services:
                    services[order_id] = uow.orders.get(order_id).service_id
        lines = earnings_lines(payee, transactions, currency, services, orders)
        return EarningsStatement(payee, period, currency, tuple(lines))

    @staticmethod
    def _order_of(uow: UnitOfWork, transaction: Transaction) -> OrderId | None:
        """The order of an entry that names none: a tip's (its payment's), a commission's
        (the commission's); None for any other."""
        if transaction.kind is TransactionKind.TIP:
            return uow.payments.get(transaction.id.removeprefix("tip:")).order_id
        if transaction.kind in (
            TransactionKind.COMMISSION_SETTLED,
            TransactionKind.COMMISSION_CANCELLED,
        ):
            commission_id = CommissionId(transaction.id.rsplit(":", 2)[0])
            if transaction.kind is TransactionKind.COMMISSION_SETTLED:
                commission_id = CommissionId(transaction.id.removesuffix(":settled"))
            return uow.commissions.get(commission_id).order_id
        return None

    def withdrawals(
        self, payee: Payee, actor: Actor, *, limit: int = 50, after: WithdrawalCursor | None = None
    ) -> list[Withdrawal]:
        """The payee's withdrawals, newest first (one page).

        Raises:
            PermissionDenied: the actor is neither the payee nor finance.
        """
        _require_reader(actor, payee)
        with self._uow() as uow:
            return uow.withdrawals.list_for_payee(payee, limit=limit, after=after)

    def get(self, withdrawal_id: WithdrawalId, actor: Actor) -> Withdrawal:
        """One withdrawal.

        Raises:
            NotFound: (``withdrawal_not_found``) no such withdrawal, or not the actor's.
            PermissionDenied: as :meth:`balance`, for staff without the permission.
        """
        with self._uow() as uow:
            found = uow.withdrawals.get(withdrawal_id)
        if not _owns(actor, found.payee):
            if actor.role is not Role.PLATFORM:
                # Someone else's: as if it did not exist (ids are not probed).
                raise NotFound("withdrawal", withdrawal_id)
            require_permission(actor, Permission.PAYOUTS, "sees another payee's money")
        return found

    def pending(
        self, actor: Actor, *, limit: int = 50, after: WithdrawalCursor | None = None
    ) -> list[Withdrawal]:
        """The withdrawals waiting for approval, oldest first (finance's queue).

        Raises:
            PermissionDenied: the actor is not finance.
        """
        require_permission(actor, Permission.PAYOUTS, "sees the withdrawals to approve")
        with self._uow() as uow:
            return uow.withdrawals.list_by_status(
                WithdrawalStatus.PENDING_APPROVAL, limit=limit, after=after
            )

    # -- requesting -------------------------------------------------------------------------

    def request_withdrawal(
        self,
        payee: Payee,
        amount: Money,
        destination: BankCard | Wallet,
        actor: Actor,
        *,
        idempotency_key: str,
    ) -> Withdrawal:
        """Withdraw ``amount`` (fee included) of the payee's available balance to
        ``destination``. At or below the approval limit it is approved at once and its pay
        job scheduled; above it, it waits for finance.

        A retry with the same key and the same amount and destination returns the first
        withdrawal as it stands now, with ``replayed`` set (nothing is posted, stored or
        raised again); with another amount or destination it is refused. The available
        balance is his payable plus his settled referral commissions; the part of
        ``amount`` his payable lacks is drawn from the commissions first.

        Raises:
            PermissionDenied: the actor is not the payee.
            NotFound: (``technician_not_found``, ``store_not_found``) no such payee.
            WithdrawalNotAllowed: a rule refuses it (``details["reason"]``).
            InsufficientBalance: the available balance is less than ``amount``.
            IdempotencyKeyReused: the key was used for another withdrawal.
            InvalidIdempotencyKey: the key is empty or longer than 200 characters.
        """
        if not _owns(actor, payee):
            raise PermissionDenied(
                f"Only {payee} withdraws its own earnings; you act as {actor.role.value} "
                f"{actor.id}.",
                details={"payee": payee.key},
            )
        if not isinstance(idempotency_key, str) or not 0 < len(idempotency_key) <= 200:
            raise InvalidIdempotencyKey("An idempotency key is 1 to 200 characters.")
        with self._uow() as uow:
            # Under the payee's lock: nobody else reads his balance until this one commits.
            uow.locks.take(LockKey.payee(payee.key))
            known = uow.withdrawals.find_by_key(payee, idempotency_key)
            if known is not None:
                if (known.amount, known.destination) != (amount, destination):
                    raise IdempotencyKeyReused(
                        f"Key {idempotency_key!r} was used for withdrawal {known.id}.",
                        details={"withdrawal_id": known.id},
                    )
                return attrs.evolve(known, replayed=True)
            now = self._clock.now()
            fee = self._check(uow, payee, amount, now)
            withdrawal = Withdrawal(
                WithdrawalId(self._ids.new_id("wdr")),
                payee,
                amount,
                fee,
                destination,
                now,
                actor.id,
                idempotency_key,
            ).routed(needs_approval=self._rules.needs_approval(amount))
            lacking = amount + uow.ledger.net(payee.payable, amount.currency)
            if lacking.amount > 0:
                # Checked above: his settled commissions cover it.
                uow.ledger.record(commissions_drawn(withdrawal, lacking))
            uow.ledger.record(withdrawal_requested(withdrawal))
            stored = uow.withdrawals.add(withdrawal)
            approved = stored.status is WithdrawalStatus.APPROVED
            self._publish(uow, WithdrawalRequested.of(stored, now, needs_approval=not approved))
            if approved:
                self._schedule_payout(uow, stored, now)
                self._publish(uow, WithdrawalApproved.of(stored, now, automatic=True))
            uow.commit()
        return stored

    def _check(self, uow: UnitOfWork, payee: Payee, amount: Money, now: DateTime) -> Money:
        rules = self._rules
        zone = self._zone(uow, payee)
        count, taken = uow.withdrawals.totals_in(payee, rules.period_around(now, zone))
        fee = rules.check(
            amount,
            at=now,
            time_zone=zone,
            count_in_period=count,
            amount_in_period=Money(taken, rules.currency),
        )
        available = self._available(uow, payee)
        if amount > available:
            raise InsufficientBalance(
                f"{payee} has {available} available; cannot withdraw {amount}.",
                details={"available": available.amount, "requested": amount.amount},
            )
        return fee

    @staticmethod
    def _zone(uow: UnitOfWork, payee: Payee) -> str:
        if payee.kind is PayeeKind.TECHNICIAN:
            return uow.technicians.get(TechnicianId(payee.id)).time_zone
        return uow.stores.get(StoreId(payee.id)).details.time_zone

    def _publish(self, uow: UnitOfWork, event: WithdrawalEvent) -> None:
        """Write ``event`` to the outbox in ``uow`` (a withdrawal raises no events of its
        own: it is a value). Its message id is ``msg_<withdrawal>_<step>_<event>``: each
        event happens at most once per withdrawal, ids sort in the order the steps happen
        (``1`` requested, ``2`` approved or rejected, ``3`` paid or failed), and minting
        none leaves the ids of everything else as they were."""
        name = event_name(event)
        message_id = f"msg_{event.withdrawal_id}_{_STEPS[name]}_{name}"
        _write_event(uow, event, self._converter, message_id=message_id)

    @staticmethod
    def _schedule_payout(uow: UnitOfWork, withdrawal: Withdrawal, at: DateTime) -> None:
        uow.jobs.schedule(
            Job(
                f"{JobKind.PAY_WITHDRAWAL.value}:{withdrawal.id}",
                JobKind.PAY_WITHDRAWAL.value,
                withdrawal.id,
                at,
            )
        )

    # -- finance ------------------------------------------------------------------------------

    def approve(
        self, withdrawal_id: WithdrawalId, actor: Actor, *, note: str | None = None
    ) -> Withdrawal:
        """Approve a withdrawal waiting for approval; its pay job is scheduled (audited as
        ``withdrawal.approve``).

        Raises:
            PermissionDenied: the actor is not finance.
            NotFound: no such withdrawal.
            TransitionNotAllowed: it is not waiting for approval.
            ConcurrentUpdate: it changed meanwhile.
        """
        require_permission(actor, Permission.PAYOUTS, "approves withdrawals")
        with self._uow() as uow:
            before = uow.withdrawals.get(withdrawal_id)
            now = self._clock.now()
            after = uow.withdrawals.save(before.approved(actor.id, now, note))
            self._schedule_payout(uow, after, now)
            self._publish(uow, WithdrawalApproved.of(after, now))
            self._audit.record(uow, actor, "withdrawal.approve", ("withdrawal", after.id),
                               before=before, after=after, reason=note)  # fmt: skip
            uow.commit()
        return after

    def reject(self, withdrawal_id: WithdrawalId, actor: Actor, *, reason: str) -> Withdrawal:
        """Reject a withdrawal not yet approved: its whole amount, fee included, goes back to
        the payee's balance, once (audited as ``withdrawal.reject``).

        Raises:
            PermissionDenied: the actor is not finance.
            NotFound: no such withdrawal.
            TransitionNotAllowed: it was approved already, or is final.
            ConcurrentUpdate: it changed meanwhile.
        """
        require_permission(actor, Permission.PAYOUTS, "rejects withdrawals")
        with self._uow() as uow:
            before = uow.withdrawals.get(withdrawal_id)
            now = self._clock.now()
            after = uow.withdrawals.save(before.rejected(actor.id, now, reason))
            uow.ledger.record(withdrawal_returned(after, now))
            self._publish(uow, WithdrawalRejected.of(after, now, reason=reason))
            self._audit.record(uow, actor, "withdrawal.reject", ("withdrawal", after.id),
                               before=before, after=after, reason=reason)  # fmt: skip
            uow.commit()
        return after

    # -- paying out ---------------------------------------------------------------------------

    def pay(self, withdrawal_id: WithdrawalId) -> Withdrawal:
        """Pay an approved withdrawal out (what the ``pay_withdrawal`` job does).

        Marks it ``paying`` and commits, sends it to the gateway with its id as the key
        (outside any transaction), then records the answer: ``paid`` (posting
        ``wdr:<id>:paid``), ``failed`` (its money returned, ``wdr:<id>:returned``), or still
        accepted (it stays ``paying``; the next call asks the provider again). Anything else
        than approved or paying is returned as it is. Safe to repeat: a worker that died
        after sending sends again under the same key and the provider pays once.

        Raises:
            PaymentError: no payout gateway is configured, or the provider did not answer
                (the withdrawal stays ``paying``; try again).
            ConcurrentUpdate: it changed meanwhile (try again).
        """
        gateway = self._gateway
        if gateway is None:
            raise PaymentError(
                "No payout gateway is configured: withdrawals wait until one is "
                "(build(payouts=...)); then retry the dead pay_withdrawal jobs.",
                details={"withdrawal_id": withdrawal_id},
            )
        with self._uow() as uow:
            withdrawal = uow.withdrawals.get(withdrawal_id)
            if withdrawal.status is WithdrawalStatus.APPROVED:
                withdrawal = uow.withdrawals.save(withdrawal.paying())
                uow.commit()
        if withdrawal.status is not WithdrawalStatus.PAYING:
            return withdrawal
        result = self._ask(gateway, withdrawal)
        return self._settle(withdrawal_id, result)

    @staticmethod
    def _ask(gateway: PayoutGateway, withdrawal: Withdrawal) -> PayoutResult:
        known = gateway.query(withdrawal.id) if withdrawal.provider_reference else None
        if known is not None:
            return known
        request = PayoutRequest(withdrawal.id, withdrawal.payee, withdrawal.net,
                                withdrawal.destination)  # fmt: skip
        return gateway.send(request)

    def _settle(self, withdrawal_id: WithdrawalId, result: PayoutResult) -> Withdrawal:
        with self._uow() as uow:
            withdrawal = uow.withdrawals.get(withdrawal_id)
            if withdrawal.status is not WithdrawalStatus.PAYING:
                return withdrawal  # settled by another run meanwhile
            now = self._clock.now()
            if result.status is PayoutStatus.PAID:
                withdrawal = uow.withdrawals.save(withdrawal.paid(now, result.reference))
                uow.ledger.record(withdrawal_paid(withdrawal, now))
                self._publish(uow, WithdrawalPaid.of(withdrawal, now))
            elif result.status is PayoutStatus.FAILED:
                reason = result.reason or "the payout provider refused the payout"
                withdrawal = uow.withdrawals.save(withdrawal.failed(now, reason, result.reference))
                uow.ledger.record(withdrawal_returned(withdrawal, now))
                self._publish(uow, WithdrawalFailed.of(withdrawal, now, reason=reason))
            elif result.reference and result.reference != withdrawal.provider_reference:
                withdrawal = uow.withdrawals.save(withdrawal.with_reference(result.reference))
            uow.commit()
        return withdrawal

    def run_pay_job(self, job: Job, now: DateTime) -> DateTime | None:
        """The ``pay_withdrawal`` job: :meth:`pay` the withdrawal ``job.subject``; come back
        in ten minutes while the provider has only accepted it."""
        withdrawal = self.pay(WithdrawalId(job.subject))
        return now + _POLL if withdrawal.status is WithdrawalStatus.PAYING else None
