"""booking_core's jobs and periodic work on procrastinate workers over PostgreSQL.

::

    from booking_core_procrastinate import apply_schema, build_app

    booking = booking_core.bootstrap.build(uow=storage.unit_of_work, payments=gateway)
    app = build_app(
        "postgresql://app@db/booking",
        uow=booking.uow,
        clock=booking.clock,
        handlers=booking.job_handlers,
    )
    with app.open():
        apply_schema(app)  # procrastinate's tables, once
    app.run_worker(queues=["booking_core"])  # or: procrastinate --app=module.app worker

The core's ``jobs`` table stays the source of truth; procrastinate brings the workers,
the periodic schedule, locks and retries. See ``docs/workers.md``.
"""

from booking_core_procrastinate.app import (
    PERIODIC_TASK_PREFIX,
    RELEASE_STALLED_TASK,
    RUN_JOB_TASK,
    SWEEP_TASK,
    build_app,
    dispatch_due,
)
from booking_core_procrastinate.dispatch import JobDispatcher
from booking_core_procrastinate.schema import apply_schema
from booking_core_procrastinate.settings import ProcrastinateSettings

__all__ = [
    "PERIODIC_TASK_PREFIX",
    "RELEASE_STALLED_TASK",
    "RUN_JOB_TASK",
    "SWEEP_TASK",
    "JobDispatcher",
    "ProcrastinateSettings",
    "apply_schema",
    "build_app",
    "dispatch_due",
]
