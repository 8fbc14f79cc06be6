"""The work of one ``place_order``, against the bare driver sending the same statements.

Prints, one figure per line (the PostgreSQL ones run in a database ``bench_place_order``
made and dropped on the server of ``BOOKING_CORE_PG_URL``, default
``postgres@127.0.0.1:5432/test``; they are skipped with a note on stderr when it is
unreachable, and under ``CI`` that fails instead)::

    place_order_statements_sqlite: N         statements one order sends (target ≤ 10)
    place_order_sqlite_per_s: R orders/s     the SDK, 1 process, a SQLite file
    place_order_sqlite_raw_per_s: R orders/s the same statements through stdlib sqlite3
    place_order_sqlite_ratio: X x            SDK / raw (target ≥ 0.25)
    place_order_statements_pg: N
    place_order_pg_per_s: R orders/s         the SDK, 2 worker processes
    place_order_pg_raw_per_s: R orders/s     the same statements through bare psycopg, 2 processes
    place_order_pg_ratio: X x                SDK / raw (target ≥ 0.5)

What an order is: ``app.ordering.place(PlaceOrder(...))`` of a 60-minute at-home service,
with an idempotency key and the default OrderPolicy (so the unpaid-order count runs), in a
world already warmed up by a few orders; every order books a distinct technician-slot for a
new customer, so nothing conflicts.

Counting: a SQLAlchemy ``before/after_cursor_execute`` listener on the storage's engine
records every statement the dialect hands the DB-API cursor. Transaction control (BEGIN,
BEGIN IMMEDIATE, COMMIT, ROLLBACK) is not counted; savepoints (SAVEPOINT, RELEASE) are
counted apart and printed as ``place_order_savepoints_<db>`` when there are any, and the
pool's pre-ping (which bypasses the cursor events) as ``place_order_pings_<db>``.
``--verbose`` prints the statements. (``app.ordering.place`` goes through
``_place_order_world.place``, the one place to change when its signature does.)

The raw baseline replays the recorded order's statements — SQL text and parameters exactly
as the dialect sent them — in one transaction per order, with fresh ids, key, customer,
order number, technician and instants per replay (see ``_place_order_world.Replay``), so the
unique and exclusion constraints still pass. The fresh parameters are prepared before the
clock starts: the baseline is the driver and the database alone. A first copy is checked:
a statement changing another number of rows than the SDK's is reported on stderr. Every
rate is the median of three 1-second rounds after a half-second warm-up (the processes
start each round together).
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection as Pipe
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import _place_order_world as world
import psycopg
from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from booking_core.ids import ServiceId, TechnicianId
from booking_core_sqlalchemy import SqlAlchemyStorage, create_engine, migrate

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "bench_place_order"
ROUNDS = 3
WARMUP_ORDERS = 5
PG_PROCESSES = 2
ROUND_SECONDS = 1.0
WARMUP_SECONDS = 0.5
SDK_TECHNICIANS = 24  # per process: 24 × 12 slots × 59 days to book
RAW_TECHNICIANS = 8  # per process; a replay moves a whole day on after each round of them

Replayed = list[tuple[str, Any, bool]]
_CHANGES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def main(argv: Sequence[str]) -> None:
    """Run the SQLite figures, then the PostgreSQL ones."""
    verbose = "--verbose" in argv
    with tempfile.TemporaryDirectory(prefix="bench_place_order_") as folder:
        sqlite_figures(Path(folder) / "bench.db", verbose)
    server = pg_server()
    if server is not None:
        pg_figures(server, verbose)


# -- recording one order ---------------------------------------------------------------


def record_order(
    storage: SqlAlchemyStorage, technicians: int, verbose: bool
) -> tuple[world.Catalog, world.Replay, Iterator[tuple[TechnicianId, Any]]]:
    """Seed ``storage``, warm it up, record one order and print its statement counts.

    Returns the catalog, the recorded order and the slots still free for the SDK."""
    ids = world.RecordingIds()
    app = world.wire(storage.unit_of_work, ids)
    catalog = world.seed(app, technicians)
    slots = world.slots(catalog.technicians)
    for n in range(WARMUP_ORDERS):
        technician, start = next(slots)
        world.place(app, world.order(f"cus_w{n}", technician, catalog.service, start, f"w{n}"))
    technician, start = next(slots)
    customer, key = "cus_recorded_order", "key-recorded-order"
    ids.clear()
    with world.recording(storage.engine) as recorder:
        placed = world.place(app, world.order(customer, technician, catalog.service, start, key))
    name = storage.engine.dialect.name.replace("postgresql", "pg")
    print(f"place_order_statements_{name}: {len(recorder.statements)}", flush=True)
    if recorder.savepoints:
        print(f"place_order_savepoints_{name}: {len(recorder.savepoints)}", flush=True)
    if recorder.pings:
        print(f"place_order_pings_{name}: {recorder.pings}", flush=True)
    if verbose:
        for control in [*recorder.transaction, *recorder.savepoints]:
            print(f"    (not counted) {control}")
        for n, statement in enumerate(recorder.statements, 1):
            print(f"    {n:2d}. {statement.short()[:200]}")
    tokens = [*ids.issued, customer, key, placed.order.number]
    replay = world.Replay.of(recorder.statements, tokens, technician)
    return catalog, replay, slots


class Prepared:
    """Fresh copies of a recorded order, made ahead of the clock: copy ``j`` books
    technician ``j mod n``, ``j div n + 1`` days after the recorded order."""

    def __init__(self, replay: world.Replay, technicians: Sequence[str], tag: str) -> None:
        self._replay = replay
        self._technicians = technicians
        self._tag = tag
        self._made = 0
        self._ready: collections.deque[Replayed] = collections.deque()

    def prepare(self, count: int) -> None:
        """Have at least ``count`` copies ready."""
        for _ in range(count - len(self._ready)):
            self._ready.append(self._make())

    def take(self) -> Replayed:
        """The next copy (made now if none is ready)."""
        return self._ready.popleft() if self._ready else self._make()

    def check(self, rowcounts: Sequence[int]) -> None:
        """Say on stderr where a copy changed another number of rows than the recorded
        order (a statement that needs more than fresh names to mean the same). Statements
        with RETURNING are left out: sqlite3 counts their rows only once they are fetched,
        after the listener saw them."""
        for n, (statement, count) in enumerate(
            zip(self._replay.statements, rowcounts, strict=True), 1
        ):
            returning = "RETURNING" in statement.sql.upper()
            if _CHANGES.match(statement.sql) and not returning and count != statement.rowcount:
                print(
                    f"place_order: replayed statement {n} changed {count} rows, the SDK's "
                    f"{statement.rowcount}: {statement.short()[:100]}",
                    file=sys.stderr,
                )

    def _make(self) -> Replayed:
        j, n = self._made, len(self._technicians)
        self._made += 1
        return self._replay.fresh(f"{self._tag}{j:06x}", self._technicians[j % n], j // n + 1)


def timed_rounds(
    step: Callable[[], None],
    *,
    prepare: Callable[[int], None] | None = None,
    barrier: Barrier | None = None,
) -> list[float]:
    """A warm-up, then ``ROUNDS`` rounds of ``ROUND_SECONDS`` (started together with the
    other workers at ``barrier``): the rate of each round. Before each round ``prepare``
    gets how many steps it will likely take."""
    rates: list[float] = []
    expected = 100
    for seconds in (WARMUP_SECONDS, *[ROUND_SECONDS] * ROUNDS):
        if prepare is not None:
            prepare(expected)
        if barrier is not None:
            barrier.wait(timeout=120)  # a worker that died breaks it rather than hanging
        done = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            step()
            done += 1
        rates.append(done / (time.perf_counter() - started))
        expected = int(rates[-1] * ROUND_SECONDS * 1.3) + 20
    return rates[1:]


def rate(results: Sequence[float]) -> float:
    """The median of the rounds' rates."""
    return world.median_of(results)


def print_rates(name: str, sdk: float, raw: float) -> None:
    """The SDK's and the raw rate and their ratio."""
    print(f"place_order_{name}_per_s: {sdk:.0f} orders/s", flush=True)
    print(f"place_order_{name}_raw_per_s: {raw:.0f} orders/s", flush=True)
    print(f"place_order_{name}_ratio: {sdk / raw:.3f} x", flush=True)


# -- SQLite ----------------------------------------------------------------------------


def sqlite_figures(path: Path, verbose: bool) -> None:
    """SQLite: statements, the SDK in one process, stdlib sqlite3 replaying its statements."""
    storage = SqlAlchemyStorage.create_sqlite(path)
    catalog, replay, slots = record_order(storage, SDK_TECHNICIANS + RAW_TECHNICIANS, verbose)
    sdk_technicians = set(catalog.technicians[:SDK_TECHNICIANS])
    raw_technicians = catalog.technicians[SDK_TECHNICIANS:]
    app = world.wire(storage.unit_of_work)
    numbered = enumerate(slots)

    def place() -> None:
        n, (technician, start) = next(numbered)
        while technician not in sdk_technicians:
            n, (technician, start) = next(numbered)
        world.place(app, world.order(f"cus_s{n}", technician, catalog.service, start, f"s{n}"))

    sdk = timed_rounds(place)
    storage.dispose()

    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # What the adapter sets on every connection (engine.py, timeouts.py).
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    copies = Prepared(replay, raw_technicians, "q")
    try:
        rowcounts: list[int] = []
        run_sqlite(connection, copies.take(), rowcounts)
        copies.check(rowcounts)
        raw = timed_rounds(lambda: run_sqlite(connection, copies.take()), prepare=copies.prepare)
    finally:
        connection.close()
    print_rates("sqlite", rate(sdk), rate(raw))


def run_sqlite(
    connection: sqlite3.Connection, statements: Replayed, rowcounts: list[int] | None = None
) -> None:
    """One order through stdlib sqlite3, in one ``BEGIN IMMEDIATE`` transaction (each
    statement's row count appended to ``rowcounts`` if given)."""
    cursor = connection.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    try:
        for sql, params, many in statements:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
            cursor.fetchall()
            if rowcounts is not None:
                rowcounts.append(cursor.rowcount)
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")


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
        print(f"place_order_pg: skipped ({reason}; set BOOKING_CORE_PG_URL)", file=sys.stderr)
        return None
    finally:
        engine.dispose()
    return url


def recreate_database(server: URL, name: str, *, drop_only: bool = False) -> URL:
    """A new empty database ``name`` on ``server`` (dropped first if it exists)."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop_only:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server.set(database=name)


def pg_figures(server: URL, verbose: bool) -> None:
    """PostgreSQL: statements, the SDK in 2 processes, psycopg replaying its statements."""
    url = recreate_database(server, PG_DATABASE)
    try:
        storage = SqlAlchemyStorage(url)
        migrate(storage.engine)
        per_process = SDK_TECHNICIANS + RAW_TECHNICIANS
        catalog, replay, _ = record_order(storage, PG_PROCESSES * per_process, verbose)
        storage.dispose()  # before forking: the workers open their own connections
        groups = [
            catalog.technicians[p * per_process : (p + 1) * per_process]
            for p in range(PG_PROCESSES)
        ]
        sdk = in_processes(
            [
                (sdk_worker, (url, catalog.service, group[:SDK_TECHNICIANS], f"p{p}"))
                for p, group in enumerate(groups)
            ]
        )
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        raw = in_processes(
            [
                (raw_worker, (conninfo, replay, group[SDK_TECHNICIANS:], str(p)))
                for p, group in enumerate(groups)
            ]
        )
        print_rates("pg", sdk, raw)
    finally:
        recreate_database(server, PG_DATABASE, drop_only=True)


def in_processes(workers: Sequence[tuple[Callable[..., None], tuple[Any, ...]]]) -> float:
    """Run the workers in parallel processes, round by round in step; the median over the
    rounds of their summed rates."""
    context = multiprocessing.get_context("fork")  # the recorded order is not picklable
    barrier = context.Barrier(len(workers))
    pipes, processes = [], []
    for target, args in workers:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=target, args=(barrier, sender, *args))
        process.start()
        sender.close()  # the worker's copy is the only one: a crash ends recv() below
        pipes.append(receiver)
        processes.append(process)
    try:
        per_worker: list[list[float]] = [pipe.recv() for pipe in pipes]
    except EOFError:
        raise SystemExit("a benchmark worker failed (its traceback is above)") from None
    finally:
        for process in processes:
            process.join()
    return rate([sum(rates) for rates in zip(*per_worker, strict=True)])


def sdk_worker(
    barrier: Barrier,
    pipe: Pipe,
    url: URL,
    service: ServiceId,
    technicians: Sequence[TechnicianId],
    tag: str,
) -> None:
    """Place orders on this worker's own technicians, each with a new customer."""
    storage = SqlAlchemyStorage(url)
    app = world.wire(storage.unit_of_work)
    free = enumerate(world.slots(technicians, first=1))  # day 0 had the warm-up orders

    def place() -> None:
        n, (technician, start) = next(free)
        world.place(app, world.order(f"cus_{tag}_{n}", technician, service, start, f"{tag}-{n}"))

    try:
        pipe.send(timed_rounds(place, barrier=barrier))
    finally:
        storage.dispose()


def raw_worker(
    barrier: Barrier,
    pipe: Pipe,
    conninfo: str,
    replay: world.Replay,
    technicians: Sequence[str],
    tag: str,
) -> None:
    """Replay the recorded order through psycopg, one transaction per order."""
    copies = Prepared(replay, technicians, tag)
    connection = psycopg.connect(conninfo)

    def send(statements: Replayed, rowcounts: list[int] | None = None) -> None:
        with connection.cursor() as cursor:
            for sql, params, many in statements:
                if many:
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()
                if rowcounts is not None:
                    rowcounts.append(cursor.rowcount)
        connection.commit()

    try:
        rowcounts: list[int] = []
        send(copies.take(), rowcounts)
        copies.check(rowcounts)
        rates = timed_rounds(lambda: send(copies.take()), prepare=copies.prepare, barrier=barrier)
        pipe.send(rates)
    finally:
        connection.close()


if __name__ == "__main__":
    main(sys.argv[1:])
