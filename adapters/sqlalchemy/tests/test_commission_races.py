"""Commissions and bindings under concurrency, on SQLite and PostgreSQL with real threads
(INVARIANTS I21, I22).

* A payment-captured callback replayed by 16 threads at once: the commission step runs in
  each thread's unit of work; exactly one commission per (line, beneficiary, level) is
  stored and each is frozen by exactly one ledger entry. On PostgreSQL the losers' inserts
  wait on the winner's uncommitted unique key, then insert nothing.
* Binds that would close a cycle, made at once through the service: at most one of each
  pair succeeds (the graph lock serializes the cycle check and the write), and the graph
  holds no cycle afterwards.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.api import Actor, build
from booking_core.errors import ConcurrentUpdate, ReferralNotAllowed
from booking_core.ledger import RateTable, SplitRates, TransactionKind
from booking_core.referrals import (
    CommissionPlan,
    Member,
    ReferralPolicy,
)
from booking_core.referrals.plan import CommissionBase
from booking_core.services.steps.commissions import Commissions
from booking_core.testing.clock import FrozenClock
from booking_core.testing.contracts.orders import at_once
from booking_core.testing.ids import SequentialIds
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage
from tests.referral_world import FACIAL, LI, T0, TUINA, chain, order, seed

pytestmark = pytest.mark.slow

THREADS = 16
POLICY = ReferralPolicy(
    customer_plan=CommissionPlan((Decimal("0.1"), Decimal("0.05"), Decimal("0.02"))),
    technician_plan=CommissionPlan((Decimal("0.2"),), base=CommissionBase.PLATFORM_SHARE),
)


def test_a_capture_replayed_at_once_freezes_each_commission_once(
    storage: SqlAlchemyStorage,
) -> None:
    buyer, a, b, c = (Member.customer(n) for n in ("buyer", "a", "b", "c"))
    seed(storage.unit_of_work)
    chain(storage.unit_of_work, buyer, a, b, c)
    chain(storage.unit_of_work, Member.technician(LI), Member.technician("tec_boss"))
    step = Commissions(POLICY, RateTable(SplitRates(Decimal("0.7"))))
    paid = order(1, "buyer", [(TUINA, 199_00), (FACIAL, 299_00)])

    def replay(n: int) -> int:
        for _ in range(5):  # a unit of work that lost a race on the books is retried
            try:
                with storage.unit_of_work() as uow:
                    made = step.on_captured(uow, paid, T0.add(seconds=n))
                    uow.commit()
                    return len(made)
            except ConcurrentUpdate:
                continue
        raise AssertionError("never got through")

    outcomes = at_once(THREADS, replay)

    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sorted(outcomes) == [0] * (THREADS - 1) + [8]  # 2 lines × (3 levels + 1 recruiter)
    with storage.unit_of_work() as uow:
        stored = uow.commissions.for_order(paid.id)
        frozen = [
            t.id
            for t in (uow.ledger.get(f"{c.id}:frozen") for c in stored)  # type: ignore[arg-type]
            if t.kind is TransactionKind.COMMISSION_FROZEN
        ]
        balances = uow.ledger.balances("CNY")
    keys = {(c.line, c.beneficiary, c.level) for c in stored}
    assert len(stored) == len(keys) == 8
    assert len(frozen) == 8
    assert sum(m.amount for m in balances.values()) == 0
    expense = sum(c.amount.amount for c in stored)
    assert {str(a): m.amount for (a, _), m in balances.items()}["commission_expense"] == expense


def test_binds_closing_a_cycle_at_once_let_at_most_one_through(
    storage: SqlAlchemyStorage,
) -> None:
    app = build(uow=storage.unit_of_work, payments=ScriptedPaymentGateway(),
                clock=FrozenClock(T0), ids=SequentialIds(), referral_policy=POLICY)  # fmt: skip
    people = [Actor.customer(f"c{n}") for n in range(THREADS)]
    codes = [app.referrals.code(p).code for p in people]

    def bind(n: int) -> str:
        # Pairs bind to each other (0↔1, 2↔3, …): in each pair only one may win.
        partner = n ^ 1
        try:
            app.referrals.bind(people[n], codes[partner])
        except ReferralNotAllowed as exc:
            return str(exc.details["reason"])
        return "ok"

    outcomes = at_once(THREADS, bind)

    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert outcomes.count("ok") == THREADS // 2
    assert outcomes.count("cycle") == THREADS // 2
    with storage.unit_of_work() as uow:
        for person in people:
            member = Member.customer(person.id)
            seen, current = [member], uow.referrals.binding_of(member)
            while current is not None:
                assert current.referrer not in seen
                seen.append(current.referrer)
                current = uow.referrals.binding_of(current.referrer)
