"""Referrals under random inputs (INVARIANTS I21, I22, I23, I8).

* I21: whatever binds are tried, in every binding mode, the graph never holds a self-link
  or a cycle, and every binding followed its mode;
* I22: the engine gives at most one commission per (line, beneficiary, level); a line's
  commissions sum exactly to its rounded total, which never exceeds ``base × cap``; each is
  within one minor unit of its exact share;
* I23 (stateful): any sequence of captures' refunds, completion, settling and cancellation
  keeps every commission in frozen → settled | cancelled (never settled before its unfreeze
  time), the books balanced, and each bucket equal to the sum of its postings and to what
  the commissions in that state still hold.
"""

from __future__ import annotations

import contextlib
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from booking_core.api import Actor, build
from booking_core.errors import CommissionNotAllowed, InvalidReferral, ReferralNotAllowed
from booking_core.ids import ServiceId
from booking_core.ledger import Account, RateTable, SplitRates
from booking_core.money import Money
from booking_core.referrals import (
    BindingMode,
    BindingMoment,
    BindingRules,
    CommissionLine,
    CommissionPlan,
    CommissionState,
    Member,
    RateOverride,
    ReferralPolicy,
    commissions_for,
)
from booking_core.services.steps.commissions import Commissions
from booking_core.testing.clock import FrozenClock
from booking_core.testing.ids import SequentialIds
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway
from tests.referral_world import FACIAL, T0, TUINA, chain, order, seed

PEOPLE = 6

# -- I21 --------------------------------------------------------------------------------

_binds = st.lists(
    st.tuples(
        st.integers(0, PEOPLE - 1),
        st.integers(0, PEOPLE - 1),
        st.sampled_from(BindingMoment),
        st.integers(0, 20),  # days later
    ),
    max_size=25,
)


@pytest.mark.parametrize("mode", list(BindingMode))
@settings(max_examples=60, deadline=None)
@given(binds=_binds)
def test_the_graph_never_holds_a_self_link_or_a_cycle(mode: BindingMode, binds: list) -> None:  # type: ignore[type-arg]
    store, clock = InMemoryStore(), FrozenClock(T0)
    policy = ReferralPolicy(binding=BindingRules(mode, pendulum.duration(days=7)))
    app = build(uow=store.unit_of_work, payments=ScriptedPaymentGateway(), clock=clock,
                ids=SequentialIds(), referral_policy=policy)  # fmt: skip
    people = [Actor.customer(f"c{n}") for n in range(PEOPLE)]
    codes = [app.referrals.code(p).code for p in people]

    for referee, referrer, moment, days in sorted(binds, key=lambda b: b[3]):
        clock.set(T0.add(days=days))
        with contextlib.suppress(ReferralNotAllowed, InvalidReferral):
            app.referrals.bind(people[referee], codes[referrer], moment=moment)

    with store.unit_of_work() as uow:
        for person in people:
            member = Member.customer(person.id)
            # Follow the referrers binding by binding: a root is reached, nobody twice.
            seen, current = [member], uow.referrals.binding_of(member)
            while current is not None:
                assert current.referrer not in seen, seen
                seen.append(current.referrer)
                current = uow.referrals.binding_of(current.referrer)
            binding = uow.referrals.binding_of(member)
            if binding is None:
                continue
            assert binding.referrer != member
            if mode is not BindingMode.CHANGEABLE:
                assert len(binding.history) == 1  # the mode fixes a binding
            if mode is BindingMode.ON_REGISTRATION:
                assert binding.history[0].moment is BindingMoment.REGISTRATION
            for change in binding.history[1:]:
                assert change.at < binding.first_bound_at.add(days=7)


# -- I22 --------------------------------------------------------------------------------

_rates = st.decimals(min_value=0, max_value=Decimal("0.5"), places=3)


@st.composite
def _plans(draw: st.DrawFn) -> CommissionPlan:
    levels = draw(st.integers(1, 3))
    rates = tuple(draw(st.lists(_rates, min_size=levels, max_size=levels)))
    override = draw(st.lists(_rates, min_size=levels, max_size=levels))
    return CommissionPlan(
        rates,
        cap=draw(st.decimals(min_value=0, max_value=1, places=2)),
        overrides=(RateOverride(tuple(override), service_id=FACIAL),),
        rounding=draw(st.sampled_from([ROUND_FLOOR, "ROUND_HALF_UP"])),
    )


_members = [Member.customer(f"m{n}") for n in range(4)] + [Member.technician("m0")]


@settings(max_examples=300, deadline=None)
@given(
    plan=_plans(),
    bases=st.lists(st.integers(0, 10**7), min_size=1, max_size=4),
    upline=st.lists(st.sampled_from([*_members, None]), max_size=4, unique=True),
    services=st.lists(st.sampled_from([TUINA, FACIAL]), min_size=4, max_size=4),
)
def test_commissions_are_unique_exact_and_within_the_cap(
    plan: CommissionPlan,
    bases: list[int],
    upline: list[Member | None],
    services: list[ServiceId],
) -> None:
    lines = [CommissionLine(i, services[i], Money(b, "CNY")) for i, b in enumerate(bases)]

    shares = commissions_for(lines, upline, plan)

    keys = [(s.line, s.beneficiary, s.level) for s in shares]
    assert len(keys) == len(set(keys))
    for line in lines:
        mine = [s for s in shares if s.line == line.index]
        rates = plan.rates_for(line.service_id)
        present = [
            rates[k] for k, m in enumerate(upline[: plan.levels]) if m is not None and rates[k] > 0
        ]
        total = line.base.times_rate(sum(present, Decimal(0)), rounding=plan.rounding).amount
        assert sum(s.amount.amount for s in mine) == (total if present else 0)
        cap = line.base.times_rate(plan.cap, rounding=plan.rounding).amount
        assert total <= cap or not present
        weight = sum((Fraction(r) for r in present), Fraction(0))
        for share in mine:
            assert upline[share.level - 1] == share.beneficiary
            assert abs(share.amount.amount - total * Fraction(share.rate) / weight) < 1


# -- I23 --------------------------------------------------------------------------------

BUYER, A, B = Member.customer("buyer"), Member.customer("a"), Member.customer("b")
POLICY = ReferralPolicy(customer_plan=CommissionPlan((Decimal("0.1"), Decimal("0.05"))))


class CommissionLifecycle(RuleBasedStateMachine):
    """One paid order of two lines under a two-level chain, then refunds, completion,
    settling and cancellation in any order."""

    @initialize(fen=st.tuples(st.integers(1, 10**6), st.integers(0, 10**6)))
    def capture(self, fen: tuple[int, int]) -> None:
        self.store = InMemoryStore()
        seed(self.store.unit_of_work)
        chain(self.store.unit_of_work, BUYER, A, B)
        self.step = Commissions(POLICY, RateTable(SplitRates(Decimal("0.7"))))
        self.order = order(1, "buyer", [(TUINA, fen[0]), (FACIAL, fen[1])])
        self.left = self.order.price.amount
        self.now = T0
        self.completed = self.cancelled = False
        with self.store.unit_of_work() as uow:
            self.step.on_captured(uow, self.order, self.now)
            uow.commit()

    @precondition(lambda self: self.left > 0)
    @rule(share=st.fractions(0, 1), hours=st.integers(0, 24 * 10))
    def refund(self, share: Fraction, hours: int) -> None:
        amount = max(1, int(self.left * share))
        self.now = self.now.add(hours=hours)
        with self.store.unit_of_work() as uow:
            self.step.on_refunded(uow, self.order, Money(amount, "CNY"), self.now)
            uow.commit()
        self.left -= amount

    @precondition(lambda self: not self.completed and not self.cancelled)
    @rule(hours=st.integers(0, 48))
    def complete(self, hours: int) -> None:
        self.now = self.now.add(hours=hours)
        with self.store.unit_of_work() as uow:
            self.step.on_completed(uow, self.order, self.now)
            uow.commit()
        self.completed = True

    @precondition(lambda self: not self.completed and not self.cancelled)
    @rule()
    def cancel(self) -> None:
        with self.store.unit_of_work() as uow:
            self.step.on_cancelled(uow, self.order, self.now)
            uow.commit()
        self.cancelled = True

    @rule(days=st.integers(0, 10))
    def settle(self, days: int) -> None:
        self.now = self.now.add(days=days)
        with self.store.unit_of_work() as uow:
            for commission in uow.commissions.for_order(self.order.id):
                due = commission.unfreeze_at is not None and self.now >= commission.unfreeze_at
                try:
                    Commissions.settle(uow, commission, self.now)
                except CommissionNotAllowed:
                    assert not (due and commission.state is CommissionState.FROZEN)
                    continue
                assert due
            uow.commit()

    @invariant()
    def books_and_buckets_agree(self) -> None:
        with self.store.unit_of_work() as uow:
            commissions = uow.commissions.for_order(self.order.id)
            balances = uow.ledger.balances("CNY")
        assert sum(m.amount for m in balances.values()) == 0
        expense = 0
        for member in (A, B):
            mine = [c for c in commissions if c.beneficiary == member]
            for state, account in (
                (CommissionState.FROZEN, Account.commission_frozen(str(member))),
                (CommissionState.SETTLED, Account.commission_payable(str(member))),
            ):
                held = sum(c.remaining.amount for c in mine if c.state is state)
                assert -balances.get((account, "CNY"), Money(0, "CNY")).amount == held
                expense += held
        assert (
            balances.get((Account.commission_expense(), "CNY"), Money(0, "CNY")).amount == expense
        )
        for c in commissions:
            assert c.cancelled + c.remaining == c.amount
            assert (c.state is CommissionState.CANCELLED) == (not c.remaining)
            if c.settled_at is not None:
                assert c.unfreeze_at is not None
                assert c.settled_at >= c.unfreeze_at
            if self.left == 0 or self.cancelled:
                assert c.state is not CommissionState.FROZEN or not c.remaining


TestCommissionLifecycle = CommissionLifecycle.TestCase
TestCommissionLifecycle.settings = settings(
    max_examples=150, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
