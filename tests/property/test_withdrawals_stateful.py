"""Withdrawals under any sequence of earnings, requests, decisions and payouts (INVARIANTS I24,
I8), against a model of what each payee may have.

Earnings are completions crediting a technician's payable (one balanced entry each); requests
go through :class:`~booking_core.services.payouts.PayoutService` under rules drawn at random
(minimum, fixed fee and rate, a count limit per day, an approval limit); finance approves and
rejects; payouts succeed, fail or are only accepted, as the fake provider is scripted. After
every step:

* nobody's available balance is negative, and each payee's available, in-flight and paid-out
  money is what the model says;
* each withdrawal was debited once (one ``requested`` entry) and returned at most once — once
  exactly when it was rejected or failed — and paid once exactly when it is paid;
* every fee and every refusal follows the rules; the books balance.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from booking_core.bootstrap import build
from booking_core.errors import InsufficientBalance, WithdrawalNotAllowed
from booking_core.ids import OrderId
from booking_core.ledger import Account, Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.payouts import (
    BankCard,
    Payee,
    Withdrawal,
    WithdrawalId,
    WithdrawalPeriod,
    WithdrawalRules,
    WithdrawalStatus,
)
from booking_core.scheduling import WeeklyHours
from booking_core.services.technicians import RegisterTechnician
from booking_core.staff import StaffRole
from booking_core.testing import (
    FrozenClock,
    InMemoryStore,
    ScriptedPaymentGateway,
    ScriptedPayoutGateway,
    SequentialIds,
)
from booking_core.testing.payouts import PayoutOutcome

CARD = BankCard("************1234", "Li Lei", "ICBC")
FINANCE = Actor.platform("fin_1", StaffRole.FINANCE)
OPERATOR = Actor.platform("ops_1")
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
S = WithdrawalStatus


@st.composite
def _rules(draw: st.DrawFn) -> WithdrawalRules:
    minimum = draw(st.integers(100, 5_000))
    fixed = draw(st.integers(0, minimum // 4))
    rate = Decimal(draw(st.integers(0, 50))) / 1000
    return WithdrawalRules(
        minimum=Money(minimum, "CNY"),
        fee_fixed=Money(fixed, "CNY"),
        fee_rate=rate,
        period=WithdrawalPeriod.DAY,
        max_count_per_period=draw(st.none() | st.integers(1, 6)),
        approval_above=draw(
            st.none() | st.integers(minimum, 20_000).map(lambda a: Money(a, "CNY"))
        ),
    )


@attrs.define
class _Model:
    earned: dict[str, int] = attrs.Factory(dict)
    withdrawals: dict[WithdrawalId, Withdrawal] = attrs.Factory(dict)


class WithdrawalMachine(RuleBasedStateMachine):
    @initialize(rules=_rules())
    def start(self, rules: WithdrawalRules) -> None:
        self.rules = rules
        self.store = InMemoryStore()
        self.clock = FrozenClock(T0)
        self.gateway = ScriptedPayoutGateway()
        self.app = build(
            uow=self.store.unit_of_work,
            payments=ScriptedPaymentGateway(),
            payouts=self.gateway,
            clock=self.clock,
            ids=SequentialIds(),
            withdrawal_rules=rules,
        )
        hours = WeeklyHours.every_day("09:00", "21:00")
        self.payees = [
            Payee.technician(
                self.app.technicians.register(
                    RegisterTechnician(name, "Asia/Shanghai", hours, frozenset()), OPERATOR
                ).id
            )
            for name in ("Li", "Wang")
        ]
        self.model = _Model()
        self.earnings = 0
        self.keys = 0

    def _actor(self, payee: Payee) -> Actor:
        return Actor(payee.id, Role.TECHNICIAN)

    def _available(self, payee: Payee) -> int:
        spent = sum(
            w.amount.amount
            for w in self.model.withdrawals.values()
            if w.payee == payee and not w.status.returned
        )
        return self.model.earned.get(payee.key, 0) - spent

    @rule(who=st.integers(0, 1), amount=st.integers(1, 30_000))
    def earn(self, who: int, amount: int) -> None:
        payee = self.payees[who]
        self.earnings += 1
        money = Money(amount, "CNY")
        completion = Transaction(
            TransactionId(f"done:ord_p{self.earnings}:1"),
            TransactionKind.ORDER_COMPLETED,
            self.clock.now(),
            (Posting.debit(Account.customer_funds(), money), Posting.credit(payee.payable, money)),
            order_id=OrderId(f"ord_p{self.earnings}"),
        )
        with self.store.unit_of_work() as uow:
            uow.ledger.record(completion)
            uow.commit()
        self.model.earned[payee.key] = self.model.earned.get(payee.key, 0) + amount

    @rule(who=st.integers(0, 1), extra=st.integers(0, 1))
    def request_everything(self, who: int, extra: int) -> None:
        # Exactly the balance, or one fen more: the edge a request must not cross.
        self.request(who, max(self._available(self.payees[who]) + extra, 1), retry=False)

    @rule(who=st.integers(0, 1), amount=st.integers(50, 40_000), retry=st.booleans())
    def request(self, who: int, amount: int, retry: bool) -> None:
        payee = self.payees[who]
        if not retry or self.keys == 0:
            self.keys += 1
        key = f"k{self.keys}"
        known = next((w for w in self.model.withdrawals.values()
                      if w.payee == payee and w.key == key), None)  # fmt: skip
        if known is not None:
            amount = known.amount.amount  # a true retry: same body
        available = self._available(payee)
        day = self.rules.period_around(self.clock.now(), "Asia/Shanghai")
        today = sum(
            1
            for w in self.model.withdrawals.values()
            if w.payee == payee and not w.status.returned and day.contains(w.requested_at)
        )
        money = Money(amount, "CNY")
        try:
            made = self.app.payouts.request_withdrawal(
                payee, money, CARD, self._actor(payee), idempotency_key=key
            )
        except WithdrawalNotAllowed as refused:
            assert known is None
            reason = refused.details["reason"]
            limit = self.rules.max_count_per_period
            assert (reason == "below_minimum" and amount < self.rules.minimum.amount) or (
                reason == "too_many_in_period" and limit is not None and today >= limit
            ), reason
            return
        except InsufficientBalance:
            assert known is None
            assert amount > available
            return
        if known is not None:
            assert made.id == known.id
            return
        assert amount >= self.rules.minimum.amount
        assert amount <= available
        assert made.fee == self.rules.fee_for(money)
        expected = S.PENDING_APPROVAL if self.rules.needs_approval(money) else S.APPROVED
        assert made.status is expected
        self.model.withdrawals[made.id] = made

    def _in(self, *statuses: WithdrawalStatus) -> list[Withdrawal]:
        return sorted(
            (w for w in self.model.withdrawals.values() if w.status in statuses),
            key=lambda w: w.id,
        )

    @precondition(lambda self: bool(self._in(S.PENDING_APPROVAL)))
    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data: st.DataObject, approve: bool) -> None:
        withdrawal = data.draw(st.sampled_from(self._in(S.PENDING_APPROVAL)))
        if approve:
            decided = self.app.payouts.approve(withdrawal.id, FINANCE)
        else:
            decided = self.app.payouts.reject(withdrawal.id, FINANCE, reason="no")
        self.model.withdrawals[withdrawal.id] = decided

    @precondition(lambda self: bool(self._in(S.APPROVED, S.PAYING)))
    @rule(data=st.data(), outcome=st.sampled_from(list(PayoutOutcome)))
    def pay(self, data: st.DataObject, outcome: PayoutOutcome) -> None:
        withdrawal = data.draw(st.sampled_from(self._in(S.APPROVED, S.PAYING)))
        self.gateway.script(outcome)
        try:
            paid = self.app.payouts.pay(withdrawal.id)
        except Exception:  # a scripted timeout: it stays paying, and is asked again later
            paid = self.app.payouts.get(withdrawal.id, FINANCE)
        self.model.withdrawals[withdrawal.id] = paid

    @rule()
    def settle(self) -> None:
        self.gateway.settle()

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        self.clock.set(self.clock.now().add(hours=hours))  # a new day starts a new count

    @invariant()
    def balances_follow_the_model(self) -> None:
        if not hasattr(self, "app"):
            return
        for payee in self.payees:
            balance = self.app.payouts.balance(payee, FINANCE)
            mine = [w for w in self.model.withdrawals.values() if w.payee == payee]
            stored = {
                w.id: w.status for w in self.app.payouts.withdrawals(payee, FINANCE, limit=500)
            }
            assert stored == {w.id: w.status for w in mine}
            assert balance.available.amount == self._available(payee) >= 0
            assert balance.in_flight.amount == sum(
                w.net.amount for w in mine if w.status in (S.PENDING_APPROVAL, S.APPROVED, S.PAYING)
            )
            assert balance.paid_out.amount == sum(w.net.amount for w in mine if w.status is S.PAID)

    @invariant()
    def each_withdrawal_is_debited_once_and_returned_at_most_once(self) -> None:
        if not hasattr(self, "app"):
            return
        with self.store.unit_of_work() as uow:
            ids = [t.id for payee in self.payees for t in uow.ledger.for_account(payee.in_flight)]
            balances = uow.ledger.balances("CNY")
        for withdrawal in self.model.withdrawals.values():
            steps = [i.rsplit(":", 1)[1] for i in ids if i.startswith(f"wdr:{withdrawal.id}:")]
            assert steps.count("requested") == 1
            assert steps.count("returned") == (1 if withdrawal.status.returned else 0)
            assert steps.count("paid") == (1 if withdrawal.status is S.PAID else 0)
        assert sum(m.amount for m in balances.values()) == 0


WithdrawalMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWithdrawals = WithdrawalMachine.TestCase
