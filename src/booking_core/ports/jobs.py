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
    DISCARDED = "discarded"  # an operator gave a dead job up


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

    def claim(self, job_id: str, *, now: DateTime, worker: str, lease: Duration) -> Job | None:
        """Claim the job ``job_id`` for ``worker`` until ``now + lease`` if it is claimable:
        as :meth:`claim_due` would take it (pending with ``due_at <= now``, or running with
        an expired lease), or already held by ``worker`` itself (its lease is renewed, so an
        engine that retries a task under the same worker name gets its job back). Its
        ``attempts`` grows by one.

        Returns:
            The claimed job; None when there is nothing to claim: no such job, done, dead,
            not yet due, held by another worker's live lease, or being claimed by another
            transaction (skipped, not waited for). Commit to keep the claim.
        """
        ...

    def list_due(self, now: DateTime, *, limit: int) -> list[Job]:
        """Up to ``limit`` jobs :meth:`claim_due` would take at ``now``, oldest due first,
        without claiming them: a dispatcher hands them to an external queue whose tasks
        each :meth:`claim` one."""
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

    def dead(self, *, limit: int, after: str | None = None) -> list[Job]:
        """Dead jobs by id, those with an id after ``after`` (at most ``limit``)."""
        ...

    def revive(self, job_id: str, *, due_at: DateTime) -> Job:
        """Give a dead job another round: pending at ``due_at`` with its attempts counted
        from zero (``last_error`` kept).

        Raises:
            NotFound: for an unknown job.
            ConcurrentUpdate: if the job is not dead (revived or discarded meanwhile).
        """
        ...

    def discard(self, job_id: str) -> Job:
        """Give a dead job up (it stays stored, as discarded).

        Raises:
            NotFound: for an unknown job.
            ConcurrentUpdate: if the job is not dead.
        """
        ...
