"""One procrastinate worker, run in a process of its own by the scale-out test.

Not a test module: the test puts this folder on ``sys.path`` and starts :func:`main` in
forkserver processes (the server imports this module once, so each worker starts at once).
"""

from __future__ import annotations

from pathlib import Path

import pendulum

from booking_core.bootstrap import build
from booking_core.ports.jobs import Job
from booking_core.services.jobs import JobHandler
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_core_procrastinate import ProcrastinateSettings, build_app
from booking_core_sqlalchemy import SqlAlchemyStorage

SETTINGS = ProcrastinateSettings(sweep_cron="* * * * * */1", stalled_cron="* * * * * */5")


def logged(handler: JobHandler, log: Path) -> JobHandler:
    """``handler``, noting each run of a job in ``log`` (one line per run, appended)."""

    def run(job: Job, now: pendulum.DateTime) -> pendulum.DateTime | None:
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{job.id}\n")
        return handler(job, now)

    return run


def main(pg_url: str, now: str, log_path: str) -> None:
    """Work the ``booking_core`` queue until SIGTERM, sweeping every second: the core on
    the SQLAlchemy storage at ``pg_url`` with a clock frozen at ``now`` (ISO 8601), every
    handler noting its runs in ``log_path``."""
    storage = SqlAlchemyStorage(pg_url)
    instant = pendulum.parse(now)
    assert isinstance(instant, pendulum.DateTime)
    booking = build(
        uow=storage.unit_of_work, payments=ScriptedPaymentGateway(), clock=FrozenClock(instant)
    )
    log = Path(log_path)
    handlers = {kind: logged(handler, log) for kind, handler in booking.job_handlers.items()}
    conninfo = pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    app = build_app(
        conninfo, uow=booking.uow, clock=booking.clock, handlers=handlers, settings=SETTINGS
    )
    try:
        app.run_worker(queues=[SETTINGS.queue], name=log.stem, fetch_job_polling_interval=0.5)
    finally:
        storage.dispose()
