"""The settle job's set-based batch (INVARIANTS I22, I23): ``CommissionRepository.save_many``
and ``LedgerRepository.record_many`` in memory, on SQLite and on PostgreSQL, and settle jobs
run at once by real threads over the same due set.

* ``save_many`` moves exactly the commissions whose stored version is the one read, leaves
  a changed one out and untouched, and refuses a missing one (nothing committed).
* ``record_many`` keeps ``record``'s guarantees: a new entry is stored with its postings, a
  replay is a no-op (False), other content under a stored id is refused, and a batch with
  an order's entry or a reversal is recorded one by one (numbered, checked).
* Settle jobs racing over one due set: each commission is settled once and posted once;
  the settled counts the runs report sum to the commissions due; the books balance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import attrs
import pendulum
import pytest

from booking_core.api import build
from booking_core.errors import IdempotencyConflict, NotFound
from booking_core.ids import OrderId, ServiceId
from booking_core.ledger import (
    Account,
    Posting,
    Transaction,
    TransactionId,
    TransactionKind,
)
from booking_core.money import Money
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.referrals import (
    Commission,
    CommissionSource,
    CommissionState,
    Member,
    ReferralPolicy,
    frozen_entry,
    settled_entry,
)
from booking_core.testing.clock import FrozenClock
from booking_core.testing.contracts.orders import at_once
from booking_core.testing.ids import SequentialIds
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage

T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 123_456, tz="Asia/Shanghai")
NOW = T0.add(days=10)
CNY = "CNY"


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def units(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    """A unit-of-work factory over empty storage: in memory, SQLite, PostgreSQL."""
    if request.param == "memory":
        yield InMemoryStore().unit_of_work
        return
    fixture = "sqlite_storage" if request.param == "sqlite" else "pg_storage"
    storage: SqlAlchemyStorage = request.getfixturevalue(fixture)
    yield storage.unit_of_work


def commission(n: int, *, due_in_minutes: int = -60) -> Commission:
    """The ``n``-th commission: its own order line, beneficiary, level, amounts and times,
    frozen and scheduled to settle ``due_in_minutes`` from NOW."""
    beneficiary = Member.customer(f"dis_{n % 3}") if n % 2 else Member.technician(f"tec_{n}")
    base = Money(19_900 + 100 * n, CNY)
    level = n % 3 + 1
    return Commission(
        id=Commission.key(OrderId(f"ord_{n // 4}"), n % 4, beneficiary, level),
        order_id=OrderId(f"ord_{n // 4}"),
        line=n % 4,
        beneficiary=beneficiary,
        level=level,
        source=CommissionSource.BUYER if n % 2 else CommissionSource.TECHNICIAN,
        referee=Member.customer(f"cus_{n}"),
        service_id=ServiceId(f"svc_{n % 5}"),
        base=base,
        rate=Decimal("0.05"),
        amount=Money(base.amount * 5 // 100, CNY),
        frozen_at=T0.add(minutes=n, microseconds=n),
        order_paid=Money(base.amount + 1_000, CNY),
    ).scheduled(NOW.add(minutes=due_in_minutes + n))


def store(units: UnitOfWorkFactory, made: list[Commission]) -> list[Commission]:
    """Store ``made`` frozen (with their frozen entries); return them as stored."""
    with units() as uow:
        for c in made:
            assert uow.commissions.add(c)
            uow.ledger.record(frozen_entry(c))
        uow.commit()
    with units() as uow:
        return [uow.commissions.get(c.id) for c in made]


# -- save_many -------------------------------------------------------------------------


def test_save_many_moves_those_unchanged_and_leaves_a_changed_one_untouched(
    units: UnitOfWorkFactory,
) -> None:
    a, b, c = store(units, [commission(1), commission(2), commission(3)])
    with units() as uow:  # b changes after the batch read it
        uow.commissions.save(attrs.evolve(b, cancelled=Money(1, CNY)))
        uow.commit()

    with units() as uow:
        saved = uow.commissions.save_many([x.settled(NOW) for x in (c, b, a)])
        uow.commit()

    assert [s.id for s in saved] == [c.id, a.id]  # the given order, b left out
    assert [s.version for s in saved] == [c.version + 1, a.version + 1]
    with units() as uow:
        assert uow.commissions.get(a.id) == attrs.evolve(a.settled(NOW), version=a.version + 1)
        assert uow.commissions.get(c.id) == saved[0]
        after_b = uow.commissions.get(b.id)
        due = uow.commissions.due(NOW, 10)
    assert after_b.state is CommissionState.FROZEN
    assert after_b.cancelled == Money(1, CNY)
    assert after_b.version == b.version + 1
    assert [x.id for x in due] == [b.id]  # only b is still frozen and due


def test_save_many_refuses_a_commission_never_stored(units: UnitOfWorkFactory) -> None:
    (a,) = store(units, [commission(1)])
    ghost = commission(9)

    with units() as uow, pytest.raises(NotFound) as raised:
        uow.commissions.save_many([a.settled(NOW), ghost.settled(NOW)])
        # Leaving the unit of work uncommitted rolls back what the batch wrote.

    assert raised.value.code == "not_found"
    assert ghost.id in str(raised.value)
    with units() as uow:
        assert uow.commissions.get(a.id) == a  # the batch rolled back


def test_save_many_of_nothing_is_nothing(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        assert uow.commissions.save_many([]) == []


# -- record_many -----------------------------------------------------------------------


def entry(n: int, amount: int, *, order: str | None = None) -> Transaction:
    """A balanced entry of ``amount`` fen between two accounts of member ``n``."""
    return Transaction(
        id=TransactionId(f"t{n}"),
        kind=TransactionKind.COMMISSION_SETTLED,
        at=T0.add(seconds=n, microseconds=n),
        postings=(
            Posting.debit(Account.commission_frozen(f"customer:dis_{n}"), Money(amount, CNY)),
            Posting.credit(Account.commission_payable(f"customer:dis_{n}"), Money(amount, CNY)),
        ),
        order_id=None if order is None else OrderId(order),
        memo=f"entry {n}",
    )


def test_record_many_stores_new_entries_and_replays_nothing(units: UnitOfWorkFactory) -> None:
    first = [entry(1, 101), entry(2, 202)]
    with units() as uow:
        assert uow.ledger.record_many(first) == [True, True]
        uow.commit()

    with units() as uow:
        replay = uow.ledger.record_many([entry(3, 303), first[1], first[0]])
        uow.commit()

    assert replay == [True, False, False]
    with units() as uow:
        assert [uow.ledger.get(TransactionId(f"t{n}")) for n in (1, 2, 3)] == [
            *first,
            entry(3, 303),
        ]
        net = uow.ledger.net(Account.commission_payable("customer:dis_2"), CNY)
        balances = uow.ledger.balances(CNY)
    assert net == Money(-202, CNY)  # posted once, not twice
    assert sum(m.amount for m in balances.values()) == 0


def test_record_many_refuses_other_content_under_a_stored_id(
    units: UnitOfWorkFactory,
) -> None:
    with units() as uow:
        uow.ledger.record(entry(1, 101))
        uow.commit()

    with units() as uow, pytest.raises(IdempotencyConflict):
        uow.ledger.record_many([entry(2, 202), entry(1, 999)])

    with units() as uow:
        assert uow.ledger.get(TransactionId("t1")) == entry(1, 101)
        with pytest.raises(NotFound):
            uow.ledger.get(TransactionId("t2"))  # the batch rolled back


def test_record_many_numbers_an_orders_entries_as_record_does(
    units: UnitOfWorkFactory,
) -> None:
    batch = [entry(1, 101, order="ord_1"), entry(2, 202), entry(3, 303, order="ord_1")]
    with units() as uow:
        assert uow.ledger.record_many(batch) == [True, True, True]
        uow.commit()

    with units() as uow:
        assert uow.ledger.for_order(OrderId("ord_1")) == [batch[0], batch[2]]
        assert uow.ledger.get(TransactionId("t2")) == batch[1]


# -- the job, set-based ----------------------------------------------------------------


def app_over(units: UnitOfWorkFactory, batch: int) -> Callable[[Job, pendulum.DateTime], object]:
    """The ``settle_commissions`` handler of an app over ``units``."""
    policy = ReferralPolicy(settle_batch=batch)
    app = build(uow=units, payments=ScriptedPaymentGateway(), clock=FrozenClock(NOW),
                ids=SequentialIds(), referral_policy=policy)  # fmt: skip
    return app.job_handlers["settle_commissions"]


def test_the_job_settles_every_due_commission_once_batch_by_batch(
    units: UnitOfWorkFactory,
) -> None:
    made = store(units, [commission(n) for n in range(7)] + [commission(7, due_in_minutes=60)])
    handler = app_over(units, batch=3)
    job = Job("settle_commissions:ord_0", "settle_commissions", "ord_0", NOW)

    runs = [handler(job, NOW), handler(job, NOW), handler(job, NOW)]

    assert runs == [NOW, NOW, None]  # 3, 3, then 1 (a batch not full: done)
    with units() as uow:
        after = [uow.commissions.get(c.id) for c in made]
        posted = [uow.ledger.get(TransactionId(f"{c.id}:settled")) for c in after[:7]]
        balances = uow.ledger.balances(CNY)
    assert [c.state for c in after] == [CommissionState.SETTLED] * 7 + [CommissionState.FROZEN]
    assert posted == [settled_entry(c) for c in after[:7]]
    payable = sum(-m.amount for (a, _), m in balances.items()
                  if a.kind.value == "commission_payable")  # fmt: skip
    assert payable == sum(c.amount.amount for c in made[:7])


@pytest.mark.slow
@pytest.mark.parametrize("threads", [4])
def test_settle_jobs_racing_over_one_due_set_settle_and_post_each_once(
    units: UnitOfWorkFactory, threads: int
) -> None:
    made = store(units, [commission(n) for n in range(60)])
    handler = app_over(units, batch=7)
    app = build(uow=units, payments=ScriptedPaymentGateway(), clock=FrozenClock(NOW),
                ids=SequentialIds(), referral_policy=ReferralPolicy(settle_batch=7))  # fmt: skip

    def run(n: int) -> int:
        settled = 0
        for _ in range(40):  # far more runs than batches: the others may take them all
            settled += app.referrals.settle_due(NOW)
        job = Job(f"settle_commissions:{n}", "settle_commissions", f"ord_{n}", NOW)
        while handler(job, NOW) is not None:
            pass
        return settled

    outcomes = at_once(threads, run)

    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sum(outcomes) == len(made)  # each settled by exactly one run
    with units() as uow:
        after = [uow.commissions.get(c.id) for c in made]
        posted = [uow.ledger.get(TransactionId(f"{c.id}:settled")) for c in after]
        balances = uow.ledger.balances(CNY)
    assert all(c.state is CommissionState.SETTLED and c.version == 1 for c in after)
    assert posted == [settled_entry(c) for c in after]
    assert sum(m.amount for m in balances.values()) == 0
    by_kind = {a.kind.value: 0 for (a, _) in balances}
    for (a, _), m in balances.items():
        by_kind[a.kind.value] += m.amount
    total = sum(c.amount.amount for c in made)
    # Every commission posted once from frozen to payable: nothing left frozen, all payable.
    assert by_kind.get("commission_frozen", 0) == 0
    assert by_kind["commission_payable"] == -total
    assert by_kind["commission_expense"] == total
