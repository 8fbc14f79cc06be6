"""Settling a day of commissions as the ``settle_commissions`` job does, on PostgreSQL.

Prints (in a database ``bench_commissions`` made and dropped on the server of
``BOOKING_CORE_PG_URL``, default ``postgres@127.0.0.1:5432/test``; skipped with a note on
stderr when it is unreachable, and under ``CI`` that fails instead)::

    commission_settlement_per_s: R 1/s            commissions settled per second (target ≥ 10,000)
    commission_settlement_batch: N                 the policy's ``settle_batch``
    commission_settlement_statements_per_batch: S  statements one full batch sends

What is settled: 100,000 commissions frozen over a day (14,286 orders of 2 lines, each line
earning levels 1–3 of its buyer's chain, and the serving technician's recruiter on the
first line: 7 an order) for 500 beneficiaries, all due; each was frozen by its ledger entry, so the
books are what the order flow leaves. Seeding (bulk inserts of the rows the repository
writes, the frozen entries through ``record_many``) is not timed.

What is timed: the job's handler (``app.job_handlers["settle_commissions"]``) run until it
says it is done — each run one unit of work settling one batch
(``CommissionRepository.settle_due``: on PostgreSQL one statement that locks the due rows,
moves them to settled and inserts their ``settled`` entries) — then checked: every commission
settled, one ``settled`` entry each, the books balanced. The figure is the median of three
rounds, each on a fresh copy of the seeded day (``CREATE DATABASE ... TEMPLATE``).

Counting: a SQLAlchemy cursor listener on the storage's engine; transaction control
(BEGIN, COMMIT, ROLLBACK) is not counted.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Sequence
from decimal import Decimal

import attrs
import pendulum
from sqlalchemy import URL, Engine, event, func, insert, make_url, select, text
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.exc import SQLAlchemyError

from booking_core.bootstrap import build
from booking_core.ids import OrderId, ServiceId
from booking_core.ledger import TransactionKind
from booking_core.money import Money
from booking_core.ports.jobs import Job
from booking_core.referrals import (
    Commission,
    CommissionSource,
    Member,
    ReferralPolicy,
    frozen_entry,
)
from booking_core.serialization import make_converter
from booking_core.services.jobs import JobKind
from booking_core.system import UuidIds
from booking_core.testing.clock import FrozenClock
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage, create_engine, migrate
from booking_core_sqlalchemy.tables import commissions, ledger_postings, ledger_transactions

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEEDED = "bench_commissions_seed"
WORK = "bench_commissions"
COUNT = 100_000
VERBOSE = False
LINES = 2
LEVELS = (1, 2, 3)
RATES = {1: Decimal("0.10"), 2: Decimal("0.05"), 3: Decimal("0.02")}
BENEFICIARIES = 500
ROUNDS = 3
SEED_CHUNK = 10_000
DAY = pendulum.datetime(2026, 3, 2, tz="Asia/Shanghai")
NOW = DAY.add(days=9)  # a day frozen, completed, and seven days' cooling-off passed
POLICY = ReferralPolicy()
_converter = make_converter()


def main(argv: Sequence[str]) -> None:
    """Seed a day once, then settle a fresh copy of it ``ROUNDS`` times (``--verbose``: each
    round's rate and this process's CPU time a commission; ``--count=N``: N, not 100,000,
    for a quick look)."""
    global COUNT, VERBOSE  # noqa: PLW0603 - the script's settings, set once from argv
    VERBOSE = "--verbose" in argv
    for arg in argv:
        if arg.startswith("--count="):
            COUNT = int(arg.removeprefix("--count="))
    server = pg_server()
    if server is None:
        return
    seeded = recreate_database(server, SEEDED)
    try:
        storage = SqlAlchemyStorage(seeded)
        migrate(storage.engine)
        count = seed(storage)
        storage.dispose()
        rates, statements, batches = [], 0, 0
        for _ in range(ROUNDS):
            work = recreate_database(server, WORK, template=SEEDED)
            storage = SqlAlchemyStorage(work)
            try:
                seconds, statements, batches = settle_all(storage, count)
            finally:
                storage.dispose()
            rates.append(count / seconds)
        print(f"commission_settlement_per_s: {statistics.median(rates):.0f} 1/s", flush=True)
        print(f"commission_settlement_batch: {POLICY.settle_batch}", flush=True)
        per_batch = statements / batches
        print(f"commission_settlement_statements_per_batch: {per_batch:.1f}", flush=True)
        if VERBOSE:
            print(f"    rounds: {', '.join(f'{r:.0f}' for r in rates)} 1/s; {batches} runs")
    finally:
        recreate_database(server, WORK, drop_only=True)
        recreate_database(server, SEEDED, drop_only=True)


# -- the day ---------------------------------------------------------------------------


def day() -> list[Commission]:
    """The day's commissions, frozen and scheduled to settle (every field realistic: the
    rate of the level, the amount of the base at that rate, the order's payment)."""
    made = []
    due_at = DAY.add(days=8)
    orders = -(-COUNT // 7)  # 7 commissions an order
    for n in range(orders):
        frozen_at = DAY.add(seconds=n * 86_400 // orders, microseconds=n % 1000)
        order_id = OrderId(f"ord_{n:06d}")
        bases = [Money(9_900 + 100 * ((n + line) % 40), "CNY") for line in range(LINES)]
        paid = sum(bases, Money.zero("CNY"))
        buyer = Member.customer(f"cus_{n % 7919:05d}")
        for line, base in enumerate(bases):
            earners = [(CommissionSource.BUYER, level) for level in LEVELS]
            if line == 0:
                earners.append((CommissionSource.TECHNICIAN, 1))
            for source, level in earners:
                k = (n * 7 + line * 3 + level + len(source.value)) % BENEFICIARIES
                beneficiary = Member.customer(f"dis_{k:03d}")
                referee = (
                    buyer
                    if source is CommissionSource.BUYER
                    else Member.technician(f"tec_{n % 97:02d}")
                )
                rate = RATES[level] if source is CommissionSource.BUYER else Decimal("0.2")
                amount = Money(int(base.amount * rate), "CNY")  # whole fen, rounded down
                made.append(
                    Commission(
                        id=Commission.key(order_id, line, beneficiary, level),
                        order_id=order_id,
                        line=line,
                        beneficiary=beneficiary,
                        level=level,
                        source=source,
                        referee=referee,
                        service_id=ServiceId(f"svc_{(n + line) % 12}"),
                        base=base,
                        rate=rate,
                        amount=amount,
                        frozen_at=frozen_at,
                        order_paid=paid,
                    ).scheduled(due_at.add(seconds=n % 3600))
                )
                if len(made) == COUNT:
                    return made
    return made


def seed(storage: SqlAlchemyStorage) -> int:
    """Store the day: the rows ``add`` and ``scheduled``/``save`` would leave (version 1),
    in bulk, and each commission's frozen entry through ``record_many``."""
    made = day()
    for start in range(0, len(made), SEED_CHUNK):
        chunk = made[start : start + SEED_CHUNK]
        rows = [row(c) for c in chunk]
        with storage.unit_of_work() as uow:
            uow.ledger.record_many([frozen_entry(c) for c in chunk])
            uow.commit()
        with storage.engine.begin() as connection:
            connection.execute(insert(commissions), rows)
    return len(made)


def row(commission: Commission) -> dict[str, object]:
    """The ``commissions`` row of a stored, scheduled commission (version 1)."""
    stored = attrs.evolve(commission, version=1)
    return {
        "id": stored.id,
        "order_id": stored.order_id,
        "line": stored.line,
        "beneficiary": str(stored.beneficiary),
        "level": stored.level,
        "state": stored.state.value,
        "frozen_at": stored.frozen_at,
        "unfreeze_at": stored.unfreeze_at,
        "version": 1,
        "document": _converter.unstructure(stored, Commission),
    }


# -- the job ---------------------------------------------------------------------------


def settle_all(storage: SqlAlchemyStorage, count: int) -> tuple[float, int, int]:
    """Run the job's handler until it is done; the seconds it took, the statements sent
    and how many runs. Checks the outcome."""
    app = build(uow=storage.unit_of_work, payments=ScriptedPaymentGateway(),
                clock=FrozenClock(NOW), ids=UuidIds(), referral_policy=POLICY)  # fmt: skip
    handler = app.job_handlers[JobKind.SETTLE_COMMISSIONS.value]
    job = Job("settle_commissions:ord_000000", JobKind.SETTLE_COMMISSIONS.value, "ord_000000",
              NOW)  # fmt: skip
    with counting(storage.engine) as counted:
        cpu = time.process_time()
        started = time.perf_counter()
        runs = 1
        while handler(job, NOW) is not None:
            runs += 1
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    check(storage.engine, count)
    if VERBOSE:
        print(f"    this process's CPU: {cpu / count * 1e6:.0f} µs a commission, "
              f"{count / seconds:.0f} 1/s wall")  # fmt: skip
    return seconds, counted[0], runs


def check(engine: Engine, count: int) -> None:
    """Every commission settled (its document too), one ``settled`` entry each, the books
    balanced."""
    with engine.connect() as connection:
        frozen = connection.execute(
            select(func.count()).where(commissions.c.state == "frozen")
        ).scalar_one()
        settled = connection.execute(
            select(func.count()).where(
                ledger_transactions.c.kind == TransactionKind.COMMISSION_SETTLED.value
            )
        ).scalar_one()
        total = connection.execute(select(func.sum(ledger_postings.c.amount))).scalar_one()
        # The documents moved with their rows (the repository loads the document).
        stale = connection.execute(
            text(
                "SELECT count(*) FROM commissions WHERE document ->> 'state' <> state"
                " OR CAST(document ->> 'version' AS integer) <> version"
                " OR document ->> 'settled_at' IS NULL"
            )
        ).scalar_one()
    if frozen or settled != count or total or stale:
        raise SystemExit(
            f"commission_settlement: {frozen} left frozen, {settled} settled entries of "
            f"{count}, books off by {total}, {stale} documents not as their rows"
        )


class counting:  # noqa: N801 - used as a context manager
    """Count the statements ``engine`` sends (transaction control left out)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._count = [0]

    def _after(self, *args: object) -> None:
        sql = str(args[2]).lstrip().upper()
        if not sql.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self._count[0] += 1

    def __enter__(self) -> list[int]:
        event.listen(self._engine, "after_cursor_execute", self._after)
        return self._count

    def __exit__(self, *exc: object) -> None:
        event.remove(self._engine, "after_cursor_execute", self._after)


# -- PostgreSQL ------------------------------------------------------------------------


def pg_server() -> URL | None:
    """The reachable server (None, with a note, when there is none and CI is not set)."""
    url = make_url(os.environ.get("BOOKING_CORE_PG_URL") or DEFAULT_PG_URL)
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable"
        if os.environ.get("CI"):
            raise SystemExit(f"{reason}; CI is set, so the PostgreSQL figures must run.") from exc
        print(f"commission_settlement: skipped ({reason}; set BOOKING_CORE_PG_URL)",
              file=sys.stderr)  # fmt: skip
        return None
    finally:
        engine.dispose()
    return url


def recreate_database(
    server: URL, name: str, *, template: str | None = None, drop_only: bool = False
) -> URL:
    """A new database ``name`` on ``server`` (dropped first if it exists), empty or a copy
    of ``template``."""
    # SQLAlchemy's own engine: no statement timeout (copying and dropping a database of
    # 100,000 commissions takes a checkpoint, which may outlast booking_core's 10 s).
    admin = sa_create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop_only:
                copy = f' TEMPLATE "{template}"' if template else ""
                connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        admin.dispose()
    return server.set(database=name)


if __name__ == "__main__":
    main(sys.argv[1:])
