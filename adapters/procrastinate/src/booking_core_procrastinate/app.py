"""The procrastinate app that runs booking_core's jobs and periodic work over PostgreSQL.

Four kinds of task, all on ``settings.queue``:

- ``booking_core.sweep`` (periodic, ``sweep_cron``): lists the due jobs of the core's
  ``jobs`` table and defers one ``run_job`` per job, with ``queueing_lock`` = the job's id
  (a job waits in the queue once, however many sweeps see it) and ``lock`` = its subject
  (two jobs about one order never run at once);
- ``booking_core.run_job``: claims its job by id, runs the handler and settles the job;
  a handler that raises is retried by procrastinate's ``settings.retry`` and buried as dead
  when that strategy gives up;
- ``booking_core.periodic.<name>`` (periodic, ``periodic_cron``): each extra callable, such
  as the outbox relay; a run still queued keeps the next from piling up behind it;
- ``booking_core.release_stalled`` (periodic, ``stalled_cron``): tasks left running by a
  worker that stopped beating are marked failed, which frees their locks; the jobs they held
  come back through the sweep once their lease expires.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import procrastinate
from procrastinate import JobContext
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status

from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services.jobs import JobHandler
from booking_core_procrastinate.dispatch import JobDispatcher
from booking_core_procrastinate.settings import ProcrastinateSettings

__all__ = [
    "PERIODIC_TASK_PREFIX",
    "RELEASE_STALLED_TASK",
    "RUN_JOB_TASK",
    "SWEEP_TASK",
    "build_app",
    "dispatch_due",
]

SWEEP_TASK = "booking_core.sweep"
RUN_JOB_TASK = "booking_core.run_job"
RELEASE_STALLED_TASK = "booking_core.release_stalled"
PERIODIC_TASK_PREFIX = "booking_core.periodic."


def build_app(
    connector: str | procrastinate.BaseConnector,
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    handlers: Mapping[str, JobHandler],
    periodic: Mapping[str, Callable[[], object]] | None = None,
    settings: ProcrastinateSettings | None = None,
) -> procrastinate.App:
    """A procrastinate app running ``handlers`` over the jobs of ``uow``'s storage.

    Args:
        connector: A libpq connection string (``postgresql://app@db/booking``) for a
            ``PsycopgConnector``, or any procrastinate connector. Use the database of the
            storage: then the jobs, the orders and procrastinate's queue share one server.
        uow, clock, handlers: What :func:`booking_core.bootstrap.build` wired:
            ``app.uow``, ``app.clock``, ``app.job_handlers``.
        periodic: Extra callables run every ``settings.periodic_cron`` by name (names are
            part of the task names: keep them stable).
        settings: Queue, schedules, lease and retries (defaults: ProcrastinateSettings()).
    """
    settings = settings or ProcrastinateSettings()
    if isinstance(connector, str):
        connector = procrastinate.PsycopgConnector(conninfo=connector)
    app = procrastinate.App(connector=connector)
    dispatcher = JobDispatcher(uow, clock, handlers, lease=settings.lease)
    _add_jobs(app, dispatcher, settings)
    for name, call in (periodic or {}).items():
        _add_periodic(app, name, call, settings)
    _add_stalled_release(app, settings)
    return app


def dispatch_due(app: procrastinate.App) -> int:
    """Sweep once now, in this process (the app must be open); how many tasks it deferred."""
    deferred: int = app.tasks[SWEEP_TASK](timestamp=int(time.time()))
    return deferred


def _add_jobs(
    app: procrastinate.App, dispatcher: JobDispatcher, settings: ProcrastinateSettings
) -> None:
    strategy = settings.retry

    @app.task(name=RUN_JOB_TASK, queue=settings.queue, retry=strategy, pass_context=True)
    def run_job(context: JobContext, job_id: str) -> str:
        # The same procrastinate job keeps its id across retries, so its retries re-claim
        # the job they held; a new task (after a stalled one was released) waits for the
        # lease to expire.
        task_job = context.job

        def will_retry(error: Exception) -> bool:
            return strategy.get_retry_decision(exception=error, job=task_job) is not None

        run = dispatcher.run(job_id, worker=f"procrastinate:{task_job.id}", will_retry=will_retry)
        return "skipped" if run is None else run.outcome

    @app.periodic(cron=settings.sweep_cron)
    @app.task(name=SWEEP_TASK, queue=settings.queue, lock=SWEEP_TASK, queueing_lock=SWEEP_TASK)
    def sweep(timestamp: int) -> int:
        # One sweep at a time (lock), and at most one more waiting (queueing_lock).
        deferred = 0
        for job in dispatcher.due(settings.sweep_limit):
            deferrer = run_job.configure(
                queueing_lock=f"booking_core:job:{job.id}",
                lock=f"booking_core:subject:{job.subject}",
            )
            try:
                deferrer.defer(job_id=job.id)
            except AlreadyEnqueued:  # still waiting from an earlier sweep
                continue
            deferred += 1
        return deferred


def _add_periodic(
    app: procrastinate.App, name: str, call: Callable[[], object], settings: ProcrastinateSettings
) -> None:
    task_name = f"{PERIODIC_TASK_PREFIX}{name}"

    @app.periodic(cron=settings.periodic_cron, periodic_id=name)
    @app.task(name=task_name, queue=settings.queue, queueing_lock=task_name)
    def periodic(timestamp: int) -> None:
        call()


def _add_stalled_release(app: procrastinate.App, settings: ProcrastinateSettings) -> None:
    @app.periodic(cron=settings.stalled_cron)
    @app.task(name=RELEASE_STALLED_TASK, queue=settings.queue, queueing_lock=RELEASE_STALLED_TASK)
    async def release_stalled(timestamp: int) -> int:
        # Failed, not retried: a retry would take back a queueing lock the sweep may have
        # handed to a newer task for the same job, and the jobs table already knows the
        # job is unfinished (its lease runs out and the sweep defers it again).
        stalled = list(
            await app.job_manager.get_stalled_jobs(
                queue=settings.queue, seconds_since_heartbeat=settings.stalled_after_seconds
            )
        )
        for job in stalled:
            await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        return len(stalled)
