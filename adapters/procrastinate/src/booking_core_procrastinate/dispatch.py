"""Runs one stored job for a procrastinate task: claim it by id, run its handler, settle it.

The core's ``jobs`` table stays the source of truth (a job commits with the order it is
about); procrastinate only carries "run job X now" messages. So a message may be stale or
doubled and nothing breaks: :meth:`JobDispatcher.run` claims the job first and does nothing
when it is not claimable (done, dead, not due, held by another worker).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pendulum import Duration

from booking_core.ports.clock import Clock
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services.jobs import JobHandler, JobRun, settle_job

__all__ = ["JobDispatcher"]


class JobDispatcher:
    """Lists due jobs and runs one job at a time under a given worker name."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        handlers: Mapping[str, JobHandler],
        *,
        lease: Duration,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._handlers = dict(handlers)
        self._lease = lease

    def due(self, limit: int) -> list[Job]:
        """Jobs claimable now, oldest due first (read only)."""
        with self._uow() as uow:
            return uow.jobs.list_due(self._clock.now(), limit=limit)

    def run(
        self, job_id: str, *, worker: str, will_retry: Callable[[Exception], bool]
    ) -> JobRun | None:
        """Claim ``job_id`` for ``worker`` and run its handler; None if it was not claimable.

        The handler's answer settles the job: None finishes it, an instant puts it back as
        pending then (the sweep hands it out again). A handler that raises leaves the job
        held by ``worker`` when ``will_retry(error)`` says the engine runs this task again
        under the same name (the claim renews it); otherwise the job is buried with the
        error. Either way the error is raised again, for the engine to record and retry.
        """
        with self._uow() as uow:
            job = uow.jobs.claim(job_id, now=self._clock.now(), worker=worker, lease=self._lease)
            uow.commit()
        if job is None:
            return None
        handler = self._handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            again = handler(job, self._clock.now())
        except Exception as exc:
            if not will_retry(exc):
                error = f"{type(exc).__name__}: {exc}"
                settle_job(self._uow, job, worker=worker, outcome="dead", error=error, due=None)
            raise
        outcome = "done" if again is None else "again"
        return settle_job(self._uow, job, worker=worker, outcome=outcome, error=None, due=again)
