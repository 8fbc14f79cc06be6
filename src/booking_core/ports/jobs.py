"""The job-scheduling port: time-driven work stored in the command's transaction.

Jobs are scheduled inside a unit of work (``uow.jobs``), so an order and the job that will
expire it commit together or not at all. Any number of workers claim due jobs; storage
guarantees a job is held by one worker at a time (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
SQLite and memory: one writer at a time). A claim is a lease: a worker that dies leaves the
job to be claimed again once the lease expires, so every job runs at least once — handlers
re-check the order before acting, which makes a second run harmless.

The executable contract is ``booking_core.testing.contracts.JobQueueContract``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import attrs
from pendulum import DateTime, Duration

__all__ = ["Job", "JobRepository", "JobStatus"]


class JobStatus(StrEnum):
    """Where a job stands."""

    PENDING = "pending"  # waits for its due time
    RUNNING = "running"  # claimed by a worker until ``locked_until``
    DONE = "done"
    DEAD = "dead"  # failed too often; an operator looks at ``last_error``


@attrs.frozen
class Job:
    """One piece of time-driven work.

    Attributes:
        id: Unique and deterministic (``"expire_unpaid:ord_1"``): scheduling twice is a no-op.
        kind: Which handler runs it.
        subject: What it is about (an order id).
        due_at: Not run before this instant.
        status: See :class:`JobStatus`.
        attempts: How many times it was claimed.
        locked_by: The worker holding it while running.
        locked_until: When that worker's lease ends.
        last_error: The last failure, for operators.
    """

    id: str
    kind: str
    subject: str
    due_at: DateTime
    status: JobStatus = JobStatus.PENDING
    attempts: int = 0
    locked_by: str | None = None
    locked_until: DateTime | None = None
    last_error: str | None = None


class JobRepository(Protocol):
    """Stored jobs (part of the unit of work)."""

    def schedule(self, job: Job) -> bool:
        """Store a new pending job; if a job with its id exists, change nothing.

        Returns:
            True if the job was added, False if one with that id already existed.
        """
        ...

    def get(self, job_id: str) -> Job:
        """The job. Raises NotFound (code ``job_not_found``)."""
        ...

    def claim_due(self, now: DateTime, *, worker: str, limit: int, lease: Duration) -> list[Job]:
        """Claim up to ``limit`` jobs that are due (pending with ``due_at <= now``, or
        running with an expired lease), oldest due first, for ``worker`` until
        ``now + lease``; each claimed job's ``attempts`` grows by one.

        Concurrent claimers in other units of work never receive the same job: rows another
        transaction is claiming are skipped, not waited for. Commit to keep the claim.
        """
        ...

    def finish(self, job_id: str, *, worker: str) -> None:
        """Mark the job done.

        Raises:
            ConcurrentUpdate: if ``worker`` no longer holds the job (its lease expired and
                another worker claimed it).
        """
        ...

    def retry(self, job_id: str, *, worker: str, due_at: DateTime, error: str | None) -> None:
        """Put the job back as pending, due at ``due_at``, noting ``error``.

        Raises:
            ConcurrentUpdate: if ``worker`` no longer holds the job.
        """
        ...

    def bury(self, job_id: str, *, worker: str, error: str) -> None:
        """Mark the job dead (no more retries), noting ``error``.

        Raises:
            ConcurrentUpdate: if ``worker`` no longer holds the job.
        """
        ...

    def list_for_subject(self, subject: str) -> list[Job]:
        """The subject's jobs, by due time then id."""
        ...
