"""One worker in this process: retries come from procrastinate, a job gives up as dead in
the core's table, the queue holds a job once, stale messages change nothing, and a task
left behind by a dead worker is released and its job run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pendulum
import procrastinate
import pytest
from pendulum import DateTime
from procrastinate import RetryStrategy
from sqlalchemy import URL, text

from booking_core.ports.jobs import Job, JobStatus
from booking_core.services.jobs import JobHandler
from booking_core.testing import FrozenClock, InMemoryStore
from booking_core_procrastinate import (
    PERIODIC_TASK_PREFIX,
    RELEASE_STALLED_TASK,
    RUN_JOB_TASK,
    ProcrastinateSettings,
    build_app,
    dispatch_due,
)
from booking_core_sqlalchemy import SqlAlchemyStorage

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
#: 29 February, midnight: no periodic task comes due while a test's worker runs, so each
#: test sweeps (and releases) exactly when it says.
RARELY = "0 0 29 2 *"


class Handlers:
    """Job handlers that count their runs: ``ok`` succeeds, ``flaky`` fails twice first,
    ``broken`` always fails, ``later`` asks to come back in an hour."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()

    def as_mapping(self) -> Mapping[str, JobHandler]:
        return {"ok": self.ok, "flaky": self.flaky, "broken": self.broken, "later": self.later}

    def ok(self, job: Job, now: DateTime) -> DateTime | None:
        self.runs[job.id] += 1
        return None

    def flaky(self, job: Job, now: DateTime) -> DateTime | None:
        self.runs[job.id] += 1
        if self.runs[job.id] <= 2:
            raise ConnectionError(f"gateway down ({self.runs[job.id]})")
        return None

    def broken(self, job: Job, now: DateTime) -> DateTime | None:
        self.runs[job.id] += 1
        raise RuntimeError(f"broken ({self.runs[job.id]})")

    def later(self, job: Job, now: DateTime) -> DateTime | None:
        self.runs[job.id] += 1
        return now.add(hours=1)


@pytest.fixture
def handlers() -> Handlers:
    return Handlers()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def app(
    storage: SqlAlchemyStorage, pg_url: URL, handlers: Handlers, clock: FrozenClock
) -> procrastinate.App:
    """The app over the test database: two retries (three runs in all), no waiting."""
    settings = ProcrastinateSettings(
        sweep_cron=RARELY,
        stalled_cron=RARELY,
        periodic_cron=RARELY,
        retry=RetryStrategy(max_attempts=2),
    )
    conninfo = pg_url.set(drivername="postgresql").render_as_string(hide_password=False)
    return build_app(
        conninfo,
        uow=storage.unit_of_work,
        clock=clock,
        handlers=handlers.as_mapping(),
        settings=settings,
    )


def _schedule(storage: SqlAlchemyStorage, *jobs: Job) -> None:
    with storage.unit_of_work() as uow:
        for job in jobs:
            uow.jobs.schedule(job)
        uow.commit()


def _dispatch(app: procrastinate.App) -> int:
    with app.open():
        return dispatch_due(app)


def _work(app: procrastinate.App) -> None:
    """Run a worker until the queue has nothing it may start."""
    app.run_worker(
        queues=["booking_core"], wait=False, listen_notify=False, install_signal_handlers=False
    )


def _tasks(storage: SqlAlchemyStorage, name: str = RUN_JOB_TASK) -> list[dict[str, Any]]:
    """procrastinate's rows of task ``name``, oldest first."""
    query = text(
        "SELECT id, args->>'job_id' AS job_id, status::text AS status, attempts, lock,"
        " queueing_lock FROM procrastinate_jobs WHERE task_name = :name ORDER BY id"
    )
    with storage.unit_of_work() as uow:
        return [dict(row._mapping) for row in uow.connection.execute(query, {"name": name})]


def _job(storage: SqlAlchemyStorage, job_id: str) -> Job:
    with storage.unit_of_work() as uow:
        return uow.jobs.get(job_id)


@pytest.mark.postgres
def test_a_failing_handler_is_retried_by_procrastinate_and_buried_when_it_gives_up(
    app: procrastinate.App, storage: SqlAlchemyStorage, handlers: Handlers
) -> None:
    _schedule(storage, Job("flaky:1", "flaky", "ord_1", T0), Job("broken:1", "broken", "ord_2", T0))

    assert _dispatch(app) == 2
    _work(app)

    flaky, broken = _job(storage, "flaky:1"), _job(storage, "broken:1")
    assert handlers.runs == {"flaky:1": 3, "broken:1": 3}
    assert (flaky.status, flaky.attempts, flaky.locked_by) == (JobStatus.DONE, 3, None)
    assert (broken.status, broken.attempts) == (JobStatus.DEAD, 3)
    assert broken.last_error == "RuntimeError: broken (3)"
    # procrastinate ran each task three times (two retries) and recorded how each ended.
    assert [(t["job_id"], t["status"], t["attempts"]) for t in _tasks(storage)] == [
        ("broken:1", "failed", 3),
        ("flaky:1", "succeeded", 3),
    ]
    assert _dispatch(app) == 0  # a dead job is not handed out again


@pytest.mark.postgres
def test_a_job_is_queued_once_however_many_sweeps_see_it(
    app: procrastinate.App, storage: SqlAlchemyStorage, handlers: Handlers
) -> None:
    _schedule(
        storage,
        Job("ok:1", "ok", "ord_1", T0),
        Job("ok:2", "ok", "ord_1", T0.subtract(minutes=1)),
        Job("ok:3", "ok", "ord_2", T0),
        Job("ok:4", "ok", "ord_2", T0.add(minutes=1)),  # not due yet
    )

    first, second = _dispatch(app), _dispatch(app)

    assert (first, second) == (3, 0)
    queued = {t["job_id"]: (t["queueing_lock"], t["lock"]) for t in _tasks(storage)}
    # Jobs about one order share a lock: procrastinate never runs them at once.
    assert queued == {
        "ok:1": ("booking_core:job:ok:1", "booking_core:subject:ord_1"),
        "ok:2": ("booking_core:job:ok:2", "booking_core:subject:ord_1"),
        "ok:3": ("booking_core:job:ok:3", "booking_core:subject:ord_2"),
    }
    _work(app)
    assert handlers.runs == {"ok:1": 1, "ok:2": 1, "ok:3": 1}
    assert _job(storage, "ok:4").status is JobStatus.PENDING


@pytest.mark.postgres
def test_a_stale_or_doubled_message_changes_nothing(
    app: procrastinate.App, storage: SqlAlchemyStorage, handlers: Handlers, clock: FrozenClock
) -> None:
    _schedule(storage, Job("ok:1", "ok", "ord_1", T0), Job("later:1", "later", "ord_2", T0))
    _dispatch(app)
    _work(app)
    with app.open():  # the same jobs again, bypassing the queueing lock
        for job_id in ("ok:1", "later:1", "unknown:1"):
            app.configure_task(RUN_JOB_TASK).defer(job_id=job_id)
    _work(app)

    assert handlers.runs == {"ok:1": 1, "later:1": 1}
    assert [t["status"] for t in _tasks(storage)] == ["succeeded"] * 5
    later = _job(storage, "later:1")
    assert (later.status, later.due_at) == (JobStatus.PENDING, T0.add(hours=1))
    # Coming back later is the core's schedule: handed out again once due.
    assert _dispatch(app) == 0
    clock.set(T0.add(hours=1))
    assert _dispatch(app) == 1


@pytest.mark.postgres
def test_the_task_of_a_dead_worker_is_released_and_its_job_run(
    app: procrastinate.App, storage: SqlAlchemyStorage, handlers: Handlers, clock: FrozenClock
) -> None:
    _schedule(storage, Job("ok:1", "ok", "ord_1", T0))
    _dispatch(app)
    (task,) = _tasks(storage)
    # A worker took the task, claimed the job and died: the task stays "doing" (with no
    # live worker), holding the order's lock; the job stays claimed until its lease ends.
    with storage.unit_of_work() as uow:
        uow.connection.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = :id"),
            {"id": task["id"]},
        )
        uow.jobs.claim("ok:1", now=T0, worker=f"procrastinate:{task['id']}", lease=_lease())
        uow.commit()
    clock.set(T0.add(minutes=6))  # the lease is over: the sweep hands the job out again

    assert _dispatch(app) == 1
    _work(app)
    assert handlers.runs == {}  # the new task waits behind the dead one's lock

    with app.open():
        app.configure_task(RELEASE_STALLED_TASK).defer(timestamp=0)
    _work(app)

    assert handlers.runs == {"ok:1": 1}
    done = _job(storage, "ok:1")
    assert (done.status, done.attempts) == (JobStatus.DONE, 2)
    assert [t["status"] for t in _tasks(storage)] == ["failed", "succeeded"]


def test_extra_periodic_callables_become_periodic_tasks(clock: FrozenClock) -> None:
    calls: list[str] = []
    relay: Callable[[], object] = lambda: calls.append("relay")  # noqa: E731
    app = build_app(
        "postgresql://unused",  # building connects nowhere
        uow=InMemoryStore().unit_of_work,
        clock=clock,
        handlers={},
        periodic={"relay": relay},
        settings=ProcrastinateSettings(periodic_cron="* * * * * */2"),
    )

    task = app.tasks[f"{PERIODIC_TASK_PREFIX}relay"]
    task(timestamp=0)

    assert calls == ["relay"]
    schedules = {(p.task.name, p.cron) for p in app.periodic_registry.periodic_tasks.values()}
    assert schedules == {
        ("booking_core.sweep", "* * * * * */5"),
        ("booking_core.periodic.relay", "* * * * * */2"),
        ("booking_core.release_stalled", "* * * * *"),
    }
    assert task.queueing_lock == "booking_core.periodic.relay"


def _lease() -> pendulum.Duration:
    return ProcrastinateSettings().lease
