"""A technician's earnings statement under any sequence of completions, tips, refunds after
completion, settled referral commissions and withdrawals (FEATURES T9; INVARIANTS I8, I24).

After every step:

* the statement's total is what the postings to his earnings accounts (payable and settled
  commissions) say, withdrawals and the moves between the two aside — no movement is left
  out or counted twice;
* its tip lines add up to the tips captured, its commission lines to the commissions
  settled, and it has one order line per completed order;
* what he may withdraw is the statement's total less what he asked to withdraw;
* a tip on an order a refund closed is refused, and changes nothing; the books balance.
"""

from __future__ import annotations

from decimal import Decimal

import pendulum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from booking_core.errors import (
    IdempotencyKeyReused,
    InsufficientBalance,
    TipNotAllowed,
    WithdrawalNotAllowed,
)
from booking_core.ids import OrderId
from booking_core.ledger import TransactionKind
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.payouts import BankCard, EarningSource, Payee, WithdrawalRules
from booking_core.referrals import Commission, CommissionSource, Member
from booking_core.referrals.entries import frozen_entry, settled_entry
from booking_core.staff import StaffRole
from booking_core.testing.orders import OrderWorld, at, order_world
from booking_core.timerange import TimeRange

CNY = "CNY"
CARD = BankCard("************1234", "Li Lei", "ICBC")
CUSTOMER = Actor("cus_1", Role.CUSTOMER)
FINANCE = Actor.platform("fin_1", StaffRole.FINANCE)
ALL_TIME = TimeRange(
    pendulum.datetime(2026, 1, 1, tz="UTC"), pendulum.datetime(2027, 1, 1, tz="UTC")
)
#: Not earnings: withdrawals, and settled commissions moved into the payable for one.
_NOT_EARNINGS = frozenset(
    {
        TransactionKind.WITHDRAWAL_REQUESTED,
        TransactionKind.WITHDRAWAL_PAID,
        TransactionKind.WITHDRAWAL_RETURNED,
        TransactionKind.COMMISSION_TRANSFERRED,
    }
)


class EarningsStatementMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world: OrderWorld = order_world(
            withdrawal_rules=WithdrawalRules(minimum=Money(100, CNY))
        )
        self.payee = Payee.technician(self.world.li)
        self.completed: list[OrderId] = []
        self.refunded: set[OrderId] = set()
        self.tips = 0
        self.tip_numbers: dict[OrderId, int] = {}
        self.commissions = 0
        self.withdrawn = 0
        self.slots = 0

    @precondition(lambda self: self.slots < 24)
    @rule()
    def complete_an_order(self) -> None:
        day, hour = 3 + self.slots // 4, 9 + 3 * (self.slots % 4)
        self.slots += 1
        order_id = self.world.paid_order(at(day, hour))
        self.world.fire_on_schedule(
            order_id, "accept", "depart", "arrive", "start_service", "complete"
        )
        self.completed.append(order_id)

    @precondition(lambda self: self.completed)
    @rule(data=st.data(), fen=st.integers(1, 50_000))
    def tip(self, data: st.DataObject, fen: int) -> None:
        order_id = data.draw(st.sampled_from(self.completed))
        number = self.tip_numbers.get(order_id, 0) + 1
        before = self.world.balances()
        reason = None
        try:
            self.world.app.payments.tip(order_id, Money(fen, CNY), CUSTOMER, number=number)
        except TipNotAllowed as refused:
            reason = refused.details["reason"]
        if order_id in self.refunded:
            assert reason == "order_closed"
            assert self.world.balances() == before
            return
        assert reason is None
        self.tip_numbers[order_id] = number
        self.tips += fen

    @precondition(lambda self: set(self.completed) - self.refunded)
    @rule(data=st.data())
    def refund_after_completion(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from([o for o in self.completed if o not in self.refunded]))
        fen = data.draw(st.integers(1, 19_900))
        self.world.app.payments.refund(order_id, Money(fen, CNY), reason="goodwill", actor=FINANCE)
        self.refunded.add(order_id)

    @precondition(lambda self: self.completed)
    @rule(data=st.data(), fen=st.integers(1, 3_000))
    def settle_a_commission(self, data: st.DataObject, fen: int) -> None:
        order_id = data.draw(st.sampled_from(self.completed))
        level = 1 + sum(1 for _ in range(self.commissions % 7))  # a distinct id each time
        beneficiary = Member.technician(self.world.li)
        now = self.world.clock.now()
        key = Commission.key(order_id, 0, beneficiary, level)
        with self.world.uow() as uow:
            if any(c.id == key for c in uow.commissions.for_order(order_id)):
                return
            commission = Commission(
                id=key, order_id=order_id, line=0, beneficiary=beneficiary, level=level,
                source=CommissionSource.TECHNICIAN, referee=Member.technician(self.world.wang),
                service_id=self.world.tuina, base=Money(fen * 10, CNY), rate=Decimal("0.1"),
                amount=Money(fen, CNY), frozen_at=now, order_paid=Money(19_900, CNY),
            )  # fmt: skip
            settled = commission.scheduled(now).settled(now)
            uow.commissions.add(settled)
            uow.ledger.record(frozen_entry(commission))
            uow.ledger.record(settled_entry(settled))
            uow.commit()
        self.commissions += fen

    @rule(fen=st.integers(1, 40_000), key=st.integers(0, 5))
    def withdraw(self, fen: int, key: int) -> None:
        try:
            made = self.world.app.payouts.request_withdrawal(
                self.payee, Money(fen, CNY), CARD, self.world.tech, idempotency_key=f"k{key}"
            )
        except (InsufficientBalance, WithdrawalNotAllowed, IdempotencyKeyReused):
            return
        if not made.replayed:  # a replay debits nothing again
            self.withdrawn += fen

    @invariant()
    def the_statement_is_the_sum_of_its_postings(self) -> None:
        statement = self.world.app.payouts.earnings(self.payee, self.world.tech, ALL_TIME)
        accounts = {self.payee.payable, self.payee.commissions}
        with self.world.uow() as uow:
            seen = {
                t.id: t
                for account in accounts
                for t in uow.ledger.for_account(account)
                if t.kind not in _NOT_EARNINGS
            }
        posted = -sum(
            p.amount.amount for t in seen.values() for p in t.postings if p.account in accounts
        )
        assert statement.total.amount == posted

        def total(source: EarningSource) -> int:
            return sum(line.amount.amount for line in statement.lines if line.source is source)

        assert total(EarningSource.TIP) == self.tips
        # A refund of the order reduces its settled commissions in proportion (their
        # cancel entries, read from the journal on their own).
        with self.world.uow() as uow:
            taken = sum(
                p.amount.amount
                for t in uow.ledger.for_account(self.payee.commissions)
                if t.kind is TransactionKind.COMMISSION_CANCELLED
                for p in t.postings
                if p.account == self.payee.commissions
            )
        assert total(EarningSource.COMMISSION) == self.commissions - taken
        assert statement.orders == len(self.completed)
        balance = self.world.app.payouts.balance(self.payee, self.world.tech)
        assert balance.available.amount == statement.total.amount - self.withdrawn
        assert balance.pending.amount == 0
        assert sum(self.world.balances().values()) == 0


EarningsStatementMachine.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestEarningsStatement = EarningsStatementMachine.TestCase
