"""``CommissionRepository.settle_due`` against the domain rule (INVARIANTS I22, I23), in
memory, on SQLite and on PostgreSQL (where it is one set-based statement).

The domain path is the source of truth: ``Commission.settled`` + ``settled_entry`` stored by
``save`` and ``record``, one commission at a time, the batch picked by the rule (frozen,
unfreeze time at or before ``at``, earliest first, then by id). Each test seeds the same
commissions into two empty stores, settles them through the domain path in one and through
the bulk operation in the other, and asserts the stored commissions (as the repository loads
them, ``settled_at`` to its offset) and the books (every transaction, each account's
statement in recording order, the balances) are identical after every batch; then that
replaying is a no-op and that a commission settled by the domain path meanwhile is skipped.
On PostgreSQL, a second job on its own thread settles the rest while a first holds its batch
(``SKIP LOCKED``) instead of waiting for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from booking_core.errors import IdempotencyConflict, NotFound
from booking_core.ids import OrderId, ServiceId
from booking_core.ledger import Account, Posting, Transaction, TransactionId
from booking_core.money import Money
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.referrals import (
    Commission,
    CommissionId,
    CommissionSource,
    CommissionState,
    Member,
    cancel_entry,
    frozen_entry,
    settled_entry,
)
from booking_core.services.steps.commissions import Commissions
from booking_core.testing.memory import InMemoryStore
from booking_core_sqlalchemy import SqlAlchemyStorage
from booking_core_sqlalchemy.tables import metadata

T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 123_456, tz="Asia/Shanghai")
AT = T0.add(days=10, microseconds=7)  # in +08:00: the document keeps the offset
LATER = pendulum.instance(AT.add(hours=6).in_timezone("Europe/Berlin"))

Fresh = Callable[[], UnitOfWorkFactory]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fresh]:
    """Makes empty storage on each call (PostgreSQL: the session's schema emptied, so only
    the newest is live — the tests read one store's books before making the next)."""
    made: list[SqlAlchemyStorage] = []

    def memory() -> UnitOfWorkFactory:
        return InMemoryStore().unit_of_work

    def sqlite() -> UnitOfWorkFactory:
        made.append(SqlAlchemyStorage.create_sqlite(tmp_path / f"{len(made)}.sqlite3"))
        return made[-1].unit_of_work

    def postgres() -> UnitOfWorkFactory:
        engine: Engine = request.getfixturevalue("pg_engine")
        for storage in made:
            storage.dispose()
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names}"))
        made.append(SqlAlchemyStorage(engine))
        return made[-1].unit_of_work

    yield {"memory": memory, "sqlite": sqlite, "postgres": postgres}[request.param]
    for storage in made:
        storage.dispose()


# -- the seed --------------------------------------------------------------------------


@attrs.frozen
class Seed:
    """One commission to store: when it is due (minutes after T0.add(days=9); None: the
    order never completed), what refunds took of it before (fen; all of it: cancelled),
    and whether it was settled before (at T0.add(days=9))."""

    n: int
    due: int | None
    cancelled: int = 0
    settled: bool = False
    beneficiary: int = 0
    currency: str = "CNY"


def commission(seed: Seed) -> Commission:
    """A frozen commission whose every field differs with ``seed``."""
    beneficiary = (
        Member.customer(f"dis_{seed.beneficiary}")
        if seed.beneficiary % 2
        else Member.technician(f"tec_{seed.beneficiary}")
    )
    base = Money(19_900 + 137 * seed.n, seed.currency)
    level = seed.n % 3 + 1
    order = OrderId(f"ord_{seed.n // 3}")
    made = Commission(
        id=Commission.key(order, seed.n % 3, beneficiary, level),
        order_id=order,
        line=seed.n % 3,
        beneficiary=beneficiary,
        level=level,
        source=CommissionSource.BUYER if seed.n % 2 else CommissionSource.TECHNICIAN,
        referee=Member.customer(f"cus_{seed.n}"),
        service_id=ServiceId(f"svc_{seed.n % 4}"),
        base=base,
        rate=Decimal("0.07"),
        amount=Money(base.amount * 7 // 100, seed.currency),
        frozen_at=T0.add(minutes=seed.n, microseconds=seed.n),
        order_paid=Money(base.amount + 500, seed.currency),
    )
    if seed.due is None:
        return made
    return made.scheduled(T0.add(days=9, minutes=seed.due))


def plant(units: UnitOfWorkFactory, seeds: Sequence[Seed]) -> list[CommissionId]:
    """Store the seeds as the order flow would (frozen entries, refunds with their cancel
    entries, earlier settlements); return the ids."""
    ids = []
    with units() as uow:
        for seed in seeds:
            made = commission(seed)
            ids.append(made.id)
            assert uow.commissions.add(made)
            uow.ledger.record(frozen_entry(made))
        uow.commit()
    with units() as uow:
        for seed, commission_id in zip(seeds, ids, strict=True):
            stored = uow.commissions.get(commission_id)
            if seed.cancelled:
                part = Money(min(seed.cancelled, stored.amount.amount), stored.amount.currency)
                refunded = Money(part.amount * 10, part.currency)
                when = T0.add(days=2, minutes=seed.n)
                uow.commissions.save(stored.reduced(part, order_refunded=refunded, at=when))
                uow.ledger.record(cancel_entry(stored, part, when))
                stored = uow.commissions.get(commission_id)
            if seed.settled and seed.due is not None and stored.state is CommissionState.FROZEN:
                Commissions.settle(uow, stored, T0.add(days=9, hours=12))
        uow.commit()
    return ids


# -- the two paths and the books -------------------------------------------------------


def by_domain(
    units: UnitOfWorkFactory, ids: Sequence[CommissionId], at: pendulum.DateTime, limit: int
) -> int:
    """The domain path: pick the batch by the rule, settle each by ``save`` + ``record``."""
    with units() as uow:
        stored = [uow.commissions.get(i) for i in ids]
        due = sorted(
            (c for c in stored if c.state is CommissionState.FROZEN
             and c.unfreeze_at is not None and c.unfreeze_at <= at),
            key=lambda c: (c.unfreeze_at, c.id),
        )[:limit]  # fmt: skip
        for c in due:
            saved = uow.commissions.save(c.settled(at))
            uow.ledger.record(settled_entry(saved))
        uow.commit()
    return len(due)


def in_bulk(units: UnitOfWorkFactory, at: pendulum.DateTime, limit: int) -> int:
    with units() as uow:
        settled = uow.commissions.settle_due(at, limit)
        uow.commit()
    return settled


@attrs.frozen
class Books:
    """What a store holds of the seeded commissions, compared whole."""

    commissions: list[tuple[Commission, str | None]]
    transactions: list[Transaction]
    statements: dict[Account, list[Transaction]]
    balances: dict[tuple[Account, str], Money]


def books(units: UnitOfWorkFactory, ids: Sequence[CommissionId]) -> Books:
    with units() as uow:
        found = [uow.commissions.get(i) for i in ids]
        transactions = []
        for c in found:
            names = [":frozen", ":settled"] + [f":cancel:{n}" for n in range(1, c.reductions + 1)]
            for name in names:
                try:
                    transactions.append(uow.ledger.get(TransactionId(c.id + name)))
                except NotFound:
                    assert name == ":settled"
                    assert c.state is not CommissionState.SETTLED
        accounts = sorted(
            {p.account for t in transactions for p in t.postings}, key=lambda a: a.sort_key
        )
        statements = {a: uow.ledger.for_account(a) for a in accounts}
        balances = uow.ledger.balances()
    return Books(
        [(c, None if c.settled_at is None else c.settled_at.isoformat()) for c in found],
        transactions,
        statements,
        balances,
    )


def both(
    fresh: Fresh,
    seeds: Sequence[Seed],
    runs: Sequence[tuple[pendulum.DateTime, int]],
) -> tuple[list[int], list[Books], UnitOfWorkFactory, list[CommissionId]]:
    """Settle batch by batch through the domain path in one store, then through the bulk
    operation in another; assert every batch's count and books match. The bulk store is
    returned live."""
    domain = fresh()
    ids = plant(domain, seeds)
    expected = []
    for at, limit in runs:
        settled = by_domain(domain, ids, at, limit)
        expected.append((settled, books(domain, ids)))
    bulk = fresh()
    assert plant(bulk, seeds) == ids
    counts = []
    for (at, limit), (settled, after) in zip(runs, expected, strict=True):
        counts.append(in_bulk(bulk, at, limit))
        assert counts[-1] == settled
        assert books(bulk, ids) == after
    return counts, [b for _, b in expected], bulk, ids


# -- the contract ----------------------------------------------------------------------

SEEDS = (
    Seed(0, due=30, beneficiary=1),
    Seed(1, due=10, cancelled=333, beneficiary=1),  # settles what is left: 1069 of 1402
    Seed(2, due=10, beneficiary=2),  # same time as 1: by id
    Seed(3, due=None, beneficiary=1),  # the order never completed: never due
    Seed(4, due=5, cancelled=10_000, beneficiary=3),  # cancelled in full: not frozen
    Seed(5, due=1, settled=True, beneficiary=3),  # settled before: not frozen
    Seed(6, due=20, beneficiary=3, currency="USD"),
    Seed(7, due=60 * 24 * 2, beneficiary=2),  # due two days after AT: not yet
    Seed(8, due=0, cancelled=1, beneficiary=4),
    Seed(9, due=10, beneficiary=1),
)


def test_bulk_settling_is_the_domain_rule_batch_by_batch(fresh: Fresh) -> None:
    counts, after, _, _ = both(fresh, SEEDS, [(AT, 3), (AT, 3), (LATER, 10)])

    assert counts == [3, 3, 0]  # 6 due at AT (7 is not yet; 3, 4, 5 are not frozen)
    settled = [c for c, _ in after[-1].commissions if c.state is CommissionState.SETTLED]
    assert len(settled) == 7
    moved = [(c, iso) for c, iso in after[-1].commissions if c.settled_at == AT]
    assert all(c.version == 1 + (c.reductions > 0) for c, _ in moved)
    assert {iso for _, iso in moved} == {AT.isoformat()}  # "+08:00" kept in the document
    assert sum(m.amount for m in after[-1].balances.values()) == 0


def test_replaying_settles_nothing_and_changes_nothing(fresh: Fresh) -> None:
    _, after, bulk, ids = both(fresh, SEEDS, [(AT, 100)])

    assert in_bulk(bulk, AT, 100) == 0
    assert in_bulk(bulk, LATER, 100) == 0
    assert books(bulk, ids) == after[-1]


def test_one_settled_by_the_domain_path_meanwhile_is_skipped(fresh: Fresh) -> None:
    seeds = [Seed(n, due=n % 4, beneficiary=n % 3, cancelled=7 * (n % 2)) for n in range(8)]
    meanwhile = commission(seeds[5]).id
    domain = fresh()
    ids = plant(domain, seeds)
    with domain() as uow:
        Commissions.settle(uow, uow.commissions.get(meanwhile), AT)
        uow.commit()
    assert by_domain(domain, ids, AT, 100) == 7
    expected = books(domain, ids)

    bulk = fresh()
    plant(bulk, seeds)
    with bulk() as uow:
        Commissions.settle(uow, uow.commissions.get(meanwhile), AT)
        uow.commit()
    assert in_bulk(bulk, AT, 100) == 7
    assert books(bulk, ids) == expected
    with bulk() as uow:
        assert uow.commissions.get(meanwhile).version == 2


def test_an_entry_recorded_before_is_a_replay_and_other_content_is_refused(
    fresh: Fresh,
) -> None:
    seeds = [Seed(0, due=1), Seed(1, due=2, beneficiary=1)]
    units = fresh()
    ids = plant(units, seeds)
    with units() as uow:
        first = uow.commissions.get(ids[0])
        uow.ledger.record(settled_entry(first.settled(AT)))  # a run that posted, then died
        uow.commit()

    assert in_bulk(units, AT, 10) == 2  # settled; the entry it finds is its own: no error
    after = books(units, ids)
    assert after.transactions.count(settled_entry(after.commissions[0][0])) == 1
    assert sum(m.amount for m in after.balances.values()) == 0

    units = fresh()
    ids = plant(units, seeds)
    with units() as uow:
        settled = uow.commissions.get(ids[1]).settled(AT)
        other = attrs.evolve(settled_entry(settled), memo="someone else's")
        uow.ledger.record(other)
        uow.commit()
    before = books(units, ids)

    with units() as uow, pytest.raises(IdempotencyConflict):
        uow.commissions.settle_due(AT, 10)

    assert books(units, ids) == before  # nothing of the batch committed


def test_a_settled_entry_posts_what_is_left_from_frozen_to_payable(fresh: Fresh) -> None:
    units = fresh()
    seed = Seed(1, due=0, cancelled=333, beneficiary=1)
    (commission_id,) = plant(units, [seed])

    assert in_bulk(units, AT, 1) == 1

    with units() as uow:
        entry = uow.ledger.get(TransactionId(f"{commission_id}:settled"))
    left = commission(seed).amount - Money(333, "CNY")
    assert entry.postings == (
        Posting.debit(Account.commission_frozen("customer:dis_1"), left),
        Posting.credit(Account.commission_payable("customer:dis_1"), left),
    )
    assert entry.at == AT
    assert entry.memo == ""
    assert entry.order_id is None


seeds_strategy = st.lists(
    st.builds(
        Seed,
        n=st.just(0),
        due=st.one_of(st.none(), st.integers(0, 6)),
        cancelled=st.sampled_from([0, 0, 1, 500, 10_000]),
        settled=st.booleans(),
        beneficiary=st.integers(0, 3),
        currency=st.sampled_from(["CNY", "CNY", "USD"]),
    ),
    min_size=1,
    max_size=9,
).map(lambda seeds: [attrs.evolve(s, n=n) for n, s in enumerate(seeds)])


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seeds=seeds_strategy,
    runs=st.lists(st.tuples(st.integers(0, 8), st.integers(1, 4)), min_size=1, max_size=4),
)
def test_any_seed_and_batches_settle_as_the_domain_rule_does(
    fresh: Fresh, seeds: list[Seed], runs: list[tuple[int, int]]
) -> None:
    """Each example makes its own stores (``fresh``), so the fixture is safe to share."""
    at_runs = [(T0.add(days=9, minutes=minute), limit) for minute, limit in runs]
    _, after, bulk, _ = both(fresh, seeds, at_runs)

    assert in_bulk(bulk, at_runs[-1][0], 100) == sum(
        1
        for c, _ in after[-1].commissions
        if c.state is CommissionState.FROZEN
        and c.unfreeze_at is not None
        and c.unfreeze_at <= at_runs[-1][0]
    )


@pytest.mark.postgres
def test_a_second_job_skips_the_batch_another_holds_and_settles_the_rest(
    pg_storage: SqlAlchemyStorage,
) -> None:
    """PostgreSQL's ``SKIP LOCKED``: while one unit of work holds its batch (uncommitted),
    another, on its own thread, settles what is left at once instead of waiting; once both
    commit, each commission is settled and posted once."""
    units = pg_storage.unit_of_work
    ids = plant(units, [Seed(n, due=n, beneficiary=n % 3) for n in range(8)])

    pool = ThreadPoolExecutor(1)
    try:
        with units() as holder:
            assert holder.commissions.settle_due(AT, 3) == 3  # the three earliest, held
            running = pool.submit(in_bulk, units, AT, 100)
            try:
                other = running.result(timeout=10)  # waiting for the holder: TimeoutError
            finally:
                holder.commit()
    finally:
        pool.shutdown()

    assert other == 5
    after = books(units, ids)
    assert [c.state for c, _ in after.commissions] == [CommissionState.SETTLED] * 8
    assert [t for t in after.transactions if t.id.endswith(":settled")] == [
        settled_entry(c) for c, _ in after.commissions
    ]
    assert sum(m.amount for m in after.balances.values()) == 0
