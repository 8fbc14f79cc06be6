"""Several procrastinate worker processes over one PostgreSQL database work through the
core's due jobs: every job ends done, its handler ran once, its effect happened once."""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from sqlalchemy import URL, select

from booking_core.ids import CustomerId, OrderId
from booking_core.orders import Actor, Role
from booking_core.ports.jobs import JobStatus
from booking_core.services.ordering import PlaceOrder
from booking_core.testing.orders import HOME, at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage
from booking_core_sqlalchemy.tables import jobs, outbox_messages

WORKERS = 4
#: The workers' frozen clock: a month on, when every job scheduled below is due.
WORKERS_NOW = at(2, 8).add(days=30)


@pytest.fixture
def worker_main(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str, str], None]:
    """``procrastinate_worker.main``, importable by name (so a process can be started on it)."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    main: Callable[[str, str, str], None] = importlib.import_module("procrastinate_worker").main
    return main


@pytest.fixture
def forkserver(worker_main: object) -> ForkServerContext:
    """Processes forked from a server that imported the worker's modules once: four
    workers start in a fraction of a second instead of importing everything four times."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["procrastinate_worker"])
    return context


def _place_orders(storage: SqlAlchemyStorage) -> tuple[list[OrderId], list[OrderId], list[OrderId]]:
    """60 unpaid orders with Li; 4 paid orders with Wang left in service and 4 completed.

    Jobs: an ``expire_unpaid`` for each order (a no-op for the paid ones), an
    ``auto_complete`` for each order that started, a ``close_review_window`` for each
    completed one.
    """
    world = order_world(uow=storage.unit_of_work)
    starts = [at(day, hour) for day in range(3, 13) for hour in range(9, 21, 2)]
    # One customer each: anti-hoarding limits how many unpaid orders one customer holds.
    unpaid = [world.place(start, customer=f"cus_{n}") for n, start in enumerate(starts)]
    paid = []
    for day in range(3, 11):
        order = world.app.ordering.place_order(
            PlaceOrder(CustomerId("cus_2"), world.wang, world.tuina, at(day, 10), location=HOME),
            Actor.customer("cus_2"),
        )
        world.app.payments.pay(order.id, Actor.customer("cus_2"))
        paid.append(order.id)
    wang = Actor(world.wang, Role.TECHNICIAN)
    for order_id in paid[:4]:
        world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", actor=wang)
        world.fire_on_schedule(order_id, "complete", actor=wang)
    for order_id in paid[4:]:
        world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", actor=wang)
    return unpaid, paid[4:], paid[:4]


def _statuses(storage: SqlAlchemyStorage) -> dict[str, str]:
    with storage.unit_of_work() as uow:
        return dict(uow.connection.execute(select(jobs.c.id, jobs.c.status)).all())


def _transitions(storage: SqlAlchemyStorage) -> Counter[tuple[str, str]]:
    """``(order id, event)`` of every OrderStateChanged written to the outbox, counted."""
    with storage.unit_of_work() as uow:
        rows = uow.connection.execute(
            select(outbox_messages.c.payload).where(outbox_messages.c.name == "OrderStateChanged")
        ).all()
    return Counter((row.payload["order_id"], row.payload["event"]) for row in rows)


@pytest.mark.postgres
@pytest.mark.slow
def test_worker_processes_run_every_due_job_once(
    storage: SqlAlchemyStorage,
    pg_url: URL,
    tmp_path: Path,
    forkserver: ForkServerContext,
    worker_main: Callable[[str, str, str], None],
) -> None:
    unpaid, in_service, completed = _place_orders(storage)
    scheduled = _statuses(storage)
    kinds = Counter(job_id.split(":")[0] for job_id in scheduled)
    assert kinds == {
        "expire_unpaid": 68,
        "reconcile_payments": 8,
        "auto_complete": 8,
        "close_review_window": 4,
    }
    assert set(scheduled.values()) == {JobStatus.PENDING.value}
    before = _transitions(storage)

    dsn = pg_url.render_as_string(hide_password=False)
    logs = [tmp_path / f"runs_{n}.log" for n in range(WORKERS)]
    processes = [
        forkserver.Process(target=worker_main, args=(dsn, WORKERS_NOW.isoformat(), str(log)))
        for log in logs
    ]
    with contextlib.ExitStack() as stack:
        for process in processes:
            process.start()
            stack.callback(_stop, process)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not _all_done(storage, scheduled):
            assert all(p.is_alive() for p in processes), "a worker process died"
            time.sleep(0.2)

    statuses = _statuses(storage)
    assert {job_id: statuses[job_id] for job_id in scheduled} == dict.fromkeys(
        scheduled, JobStatus.DONE.value
    )
    assert [p.exitcode for p in processes] == [0] * WORKERS  # stopped gracefully
    # Each handler ran once, and the runs were shared out among the processes.
    runs = [log.read_text().splitlines() if log.exists() else [] for log in logs]
    assert Counter(job_id for ran in runs for job_id in ran) == Counter(list(scheduled))
    assert sum(1 for ran in runs if ran) >= 2
    # Each effect happened once: one cancellation per unpaid order, one automatic
    # completion per order left in service, nothing else.
    done = _transitions(storage) - before
    assert done == Counter(
        [(order_id, "cancel") for order_id in unpaid]
        + [(order_id, "complete") for order_id in in_service]
    )
    with storage.unit_of_work() as uow:
        closed = [uow.orders.get(order_id).review_closed for order_id in completed]
        later = uow.jobs.list_for_subject(in_service[0])
    assert closed == [True] * 4
    # The automatic completions scheduled review windows of their own, a week on.
    assert [(j.kind, j.status) for j in later][-1] == ("close_review_window", JobStatus.PENDING)


def _all_done(storage: SqlAlchemyStorage, scheduled: dict[str, str]) -> bool:
    statuses = _statuses(storage)
    return all(statuses[job_id] == JobStatus.DONE.value for job_id in scheduled)


def _stop(process: BaseProcess) -> None:
    """SIGTERM (procrastinate's graceful stop), then wait for the worker to end."""
    if process.is_alive():
        process.terminate()
    process.join(timeout=15)
    if process.is_alive():
        process.kill()
        process.join()
