"""A worker killed with ``kill -9`` in the middle of a job loses nothing (issue 11).

Real processes over a real database (a SQLite file, and PostgreSQL): worker A — this file run
as a script — claims the due ``expire_unpaid`` jobs of six unpaid orders, finishes two and
stops inside the third at one of three points, where the test SIGKILLs it:

* ``before``: the job claimed, its handler not started;
* ``uncommitted``: the order's cancellation written in its transaction but not committed
  (the order row locked; on SQLite the database's write lock held) — the database must
  throw it away;
* ``after``: the cancellation committed, the job not yet marked done — the next worker runs
  the handler a second time, which must find the order cancelled and do nothing.

A's unfinished jobs stay held (running, leased to A): worker B, another process, claims none
of them before the lease ends and all of them after, and finishes them. In the end every job
is done and every order was cancelled exactly once, its slot free again.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import attrs
import pendulum
import pytest
from pendulum import Date, DateTime
from sqlalchemy import Engine, make_url, text

from booking_core.bootstrap import build
from booking_core.errors import StorageUnavailable
from booking_core.ids import OrderId
from booking_core.ports.jobs import Job, JobStatus
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.services.jobs import JobHandler, JobKind
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_core.testing.orders import OrderWorld, at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage
from booking_core_sqlalchemy.tables import metadata

ORDERS = 6
STOP_AT = 3  # A finishes two jobs and dies in the third
RUN_AT = at(2, 8, 30)  # the orders were placed at 08:00: their 15-minute timeout is over
LEASE = pendulum.duration(minutes=5)  # JobRunner's default, which app.worker() keeps
TUESDAY = Date(2026, 3, 3)


# -- the worker process --------------------------------------------------------------------


class _Tripwire:
    """Makes the worker hang at one point of its ``stop_at``-th job (then it waits to die)."""

    def __init__(self, stop: str, stop_at: int) -> None:
        self.stop = stop
        self.stop_at = stop_at
        self.started = 0
        self.in_flight: Job | None = None  # the job whose effect must hang uncommitted

    def handler(self, real: JobHandler) -> JobHandler:
        def run(job: Job, now: DateTime) -> DateTime | None:
            self.started += 1
            armed = self.started == self.stop_at
            if armed and self.stop == "before":
                hang(job)
            if armed and self.stop == "uncommitted":
                self.in_flight = job
            again = real(job, now)
            if armed and self.stop == "after":
                hang(job)
            return again

        return run

    def units(self, factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
        return lambda: _HangingUnit(factory(), self)


class _HangingUnit:
    """Storage's unit of work, hanging in the commit that would cancel the armed job's order."""

    def __init__(self, inner: UnitOfWork, tripwire: _Tripwire) -> None:
        self._inner = inner
        self._tripwire = tripwire

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        job = self._tripwire.in_flight
        # This transaction sees its own writes: the cancellation is written, not committed.
        if job is not None and self._inner.orders.get(OrderId(job.subject)).state == "cancelled":
            hang(job)
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()


def hang(job: Job) -> None:
    """Tell the test where the worker is, then wait for its SIGKILL."""
    print("blocked", job.id, flush=True)  # noqa: T201
    time.sleep(60)
    raise SystemExit("the worker was never killed")


def worker_main(url: str, name: str, stop: str) -> None:
    """A real worker over ``url``: ``run <instant>`` on stdin runs the due jobs then."""
    if make_url(url).get_backend_name() == "postgresql":  # so the test can watch its session
        url = make_url(url).update_query_dict({"application_name": name}).render_as_string(False)
    storage = SqlAlchemyStorage(url)
    clock = FrozenClock(RUN_AT)
    tripwire = _Tripwire(stop, STOP_AT)
    app = build(
        uow=tripwire.units(storage.unit_of_work), payments=ScriptedPaymentGateway(), clock=clock
    )
    if stop != "never":  # the same app, its real handlers wrapped
        wrapped = {kind: tripwire.handler(real) for kind, real in app.job_handlers.items()}
        app = attrs.evolve(app, job_handlers=wrapped)
    runner = app.worker(name)
    print("ready", flush=True)  # noqa: T201
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command != "run":
            raise SystemExit(f"unknown command {line!r}")
        instant = pendulum.parse(argument)
        assert isinstance(instant, DateTime)
        clock.set(instant)
        runs = runner.run_due(limit=100)
        print("runs", json.dumps([[r.job_id, r.outcome] for r in runs]), flush=True)  # noqa: T201
    storage.dispose()


# -- driving workers from the test ---------------------------------------------------------


class Worker:
    """A worker process, steered through its stdin and stdout."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], stderr: Path) -> None:
        self.name = name
        self.process = process
        self._stderr = stderr
        self._buffer = b""

    def send(self, line: str) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(f"{line}\n".encode())
        stdin.flush()

    def expect(self, word: str, timeout: float = 30) -> str:
        """The rest of the next line the worker prints, which must start with ``word``."""
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            readable, _, _ = select.select([stdout], [], [], max(left, 0))
            chunk = os.read(stdout.fileno(), 65536) if readable else b""
            if not chunk:
                self.process.poll()
                pytest.fail(
                    f"worker {self.name} said nothing more (exit code {self.process.returncode})"
                    f" while {word!r} was expected; its stderr:\n{self._stderr.read_text()}"
                )
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        found, _, rest = line.decode().partition(" ")
        assert found == word, f"worker {self.name} printed {line!r}, not {word!r}"
        return rest

    def run(self, instant: DateTime) -> list[tuple[str, str]]:
        """Run the due jobs at ``instant``: ``(job id, outcome)`` of each."""
        self.send(f"run {instant.isoformat()}")
        return [(job_id, outcome) for job_id, outcome in json.loads(self.expect("runs"))]

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        pipes: list[IO[bytes] | None] = [self.process.stdin, self.process.stdout]
        for pipe in pipes:
            if pipe is not None:
                pipe.close()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[str, str, str], Worker]]:
    """Starts ``python this_file.py URL NAME STOP`` processes; kills leftovers at the end."""
    started: list[Worker] = []

    def start(url: str, name: str, stop: str) -> Worker:
        stderr = tmp_path / f"{name}.stderr"
        with stderr.open("wb") as errors:
            process = subprocess.Popen(
                [sys.executable, __file__, url, name, stop],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        worker = Worker(name, process, stderr)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database the workers can reach by URL: a new SQLite file, or the
    session's PostgreSQL schema (conftest's ``pg_engine``), emptied."""
    if request.param == "sqlite":
        path = tmp_path / "kill9.sqlite3"
        SqlAlchemyStorage.create_sqlite(path).dispose()
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("pg_engine")
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names}"))
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    url = engine.url.update_query_dict({"options": f"-csearch_path={schema},public"})
    return url.render_as_string(hide_password=False)


def _wait_until_the_server_drops(storage: SqlAlchemyStorage, name: str) -> None:
    """PostgreSQL ends a dead client's session (rolling its transaction back) once it sees
    the socket close; wait for that rather than for B's lock timeouts."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
    deadline = time.monotonic() + 10
    while True:
        with storage.engine.connect() as connection:
            if connection.execute(query, {"name": name}).scalar_one() == 0:
                return
        assert time.monotonic() < deadline, f"PostgreSQL still holds {name}'s session"
        time.sleep(0.05)


def _seen_by_others(storage: SqlAlchemyStorage, order_id: OrderId) -> tuple[str, bool]:
    """The order's state as another connection reads it, and whether another transaction
    holds its row (PostgreSQL) or the database's write lock (SQLite); nothing waits."""
    if storage.dialect == "sqlite":  # the bare driver: storage's engine would wait its turn
        assert storage.engine.url.database is not None
        raw = sqlite3.connect(storage.engine.url.database, timeout=5, isolation_level=None)
        try:
            (state,) = raw.execute("SELECT state FROM orders WHERE id = ?", [order_id]).fetchone()
            raw.execute("PRAGMA busy_timeout = 0")  # ask for the write lock without waiting
            try:
                raw.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return state, True
            raw.rollback()
            return state, False
        finally:
            raw.close()
    with storage.engine.connect() as connection:
        by_id = {"id": order_id}
        state = connection.execute(text("SELECT state FROM orders WHERE id = :id"), by_id)
        seen = state.scalar_one()
        try:  # NOWAIT's refusal has lock_timeout's SQLSTATE, which storage reports so
            connection.execute(text("SELECT 1 FROM orders WHERE id = :id FOR UPDATE NOWAIT"), by_id)
        except StorageUnavailable:
            return seen, True
        finally:
            connection.rollback()
        return seen, False


def _free_starts(world: OrderWorld) -> set[DateTime]:
    """When Li is free for a tuina on Tuesday (a fresh read of the database)."""
    return {s.start for s in world.app.availability.free_slots(world.li, world.tuina, TUESDAY)}


# -- the test ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["before", "uncommitted", "after"])
def test_a_worker_killed_mid_job_loses_nothing(
    database_url: str, stop: str, start_worker: Callable[[str, str, str], Worker]
) -> None:
    with SqlAlchemyStorage(database_url) as storage:
        _kill_a_worker_mid_job(storage, database_url, stop, start_worker)


def _kill_a_worker_mid_job(
    storage: SqlAlchemyStorage,
    database_url: str,
    stop: str,
    start_worker: Callable[[str, str, str], Worker],
) -> None:
    world = order_world(uow=storage.unit_of_work)
    orders = [world.place(at(3, 10 + n), customer=f"cus_{n}") for n in range(ORDERS)]
    starts = {at(3, 10 + n) for n in range(ORDERS)}
    jobs = sorted(f"{JobKind.EXPIRE_UNPAID.value}:{order}" for order in orders)  # claim order
    done_by_a, (blocked, *queued) = jobs[: STOP_AT - 1], jobs[STOP_AT - 1 :]
    suffix = uuid.uuid4().hex[:8]
    # Both start now: B's start-up overlaps A's run.
    a = start_worker(database_url, f"kill9-A-{suffix}", stop)
    b = start_worker(database_url, f"kill9-B-{suffix}", "never")
    a.expect("ready")
    b.expect("ready")
    booked = starts - _free_starts(world)

    a.send(f"run {RUN_AT.isoformat()}")
    assert a.expect("blocked") == blocked
    if stop == "uncommitted":  # A dies inside its transaction: locks held, nothing visible
        assert _seen_by_others(storage, OrderId(blocked.partition(":")[2])) == (
            "pending_payment",
            True,
        )
    a.kill()
    if storage.dialect == "postgresql":
        _wait_until_the_server_drops(storage, a.name)

    # A finished two jobs; the one it died in and those it had not reached are still its.
    with storage.unit_of_work() as uow:
        after_kill = {job_id: uow.jobs.get(job_id) for job_id in jobs}
        held_order = uow.orders.get(OrderId(after_kill[blocked].subject))
    assert [(after_kill[j].status, after_kill[j].attempts) for j in done_by_a] == [
        (JobStatus.DONE, 1)
    ] * len(done_by_a)
    assert {
        (j.status, j.locked_by, j.locked_until, j.attempts)
        for job_id, j in after_kill.items()
        if job_id not in done_by_a
    } == {(JobStatus.RUNNING, a.name, RUN_AT + LEASE, 1)}
    if stop == "after":  # the effect is there, only the job's completion is missing
        assert (held_order.state, len(held_order.timeline)) == ("cancelled", 1)
    else:  # nothing of it is: the uncommitted cancellation died with A's transaction
        assert (held_order.state, held_order.timeline) == ("pending_payment", [])

    # Another worker leaves them alone while A's lease lasts, then takes them all over.
    assert b.run(RUN_AT + LEASE - pendulum.duration(minutes=1)) == []
    taken_over = b.run(RUN_AT + LEASE + pendulum.duration(minutes=1))

    assert sorted(taken_over) == [(job_id, "done") for job_id in [blocked, *queued]]
    with storage.unit_of_work() as uow:
        final = {job_id: uow.jobs.get(job_id) for job_id in jobs}
        cancelled = [uow.orders.get(order) for order in orders]
        changes = [m.payload for m in uow.outbox.pending(10_000) if m.name == "OrderStateChanged"]
    assert {job_id: (j.status, j.attempts, j.locked_by) for job_id, j in final.items()} == {
        job_id: (JobStatus.DONE, 1 if job_id in done_by_a else 2, None) for job_id in jobs
    }
    for order in cancelled:  # each cancelled once: one line on its timeline, one event
        assert (order.state, order.cancel_cause) == ("cancelled", "unpaid")
        assert [(r.event, r.actor.id) for r in order.timeline] == [("cancel", "unpaid-timeout")]
        assert [c["event"] for c in changes if c["order_id"] == order.id] == ["cancel"]
    assert (booked, starts - _free_starts(world)) == (starts, set())  # taken, then free again


if __name__ == "__main__":
    worker_main(*sys.argv[1:])
