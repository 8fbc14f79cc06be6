"""In-memory outbox and job queue."""

from __future__ import annotations

import attrs
from pendulum import DateTime, Duration

from booking_core.errors import ConcurrentUpdate
from booking_core.outbox import OutboxMessage
from booking_core.ports.jobs import Job, JobStatus
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryJobs", "InMemoryOutbox"]


class InMemoryOutbox(Table):
    """:class:`~booking_core.ports.storage.OutboxRepository` over a snapshot."""

    def add(self, message: OutboxMessage) -> None:
        self._insert(message.id, message)

    def pending(self, limit: int) -> list[OutboxMessage]:
        waiting = [m for m in self.rows.values() if m.delivered_at is None]
        return sorted(waiting, key=lambda m: (m.created_at, m.id))[:limit]

    def mark_delivered(self, message: OutboxMessage) -> None:
        self._get(message.id)
        self.rows[message.id] = message

    def mark_failed(self, message: OutboxMessage) -> None:
        self._get(message.id)
        self.rows[message.id] = message


class InMemoryJobs(Table):
    """:class:`~booking_core.ports.jobs.JobRepository` over a snapshot (units of work are
    serialized, so a claim never meets another in flight)."""

    def schedule(self, job: Job) -> bool:
        if job.id in self.rows:
            return False
        self.rows[job.id] = job
        return True

    def get(self, job_id: str) -> Job:
        result: Job = self._get(job_id)
        return result

    def claim_due(self, now: DateTime, *, worker: str, limit: int, lease: Duration) -> list[Job]:
        due = [
            j
            for j in self.rows.values()
            if (j.status is JobStatus.PENDING and j.due_at <= now)
            or (
                j.status is JobStatus.RUNNING
                and j.locked_until is not None
                and j.locked_until <= now
            )
        ]
        claimed = []
        for found in sorted(due, key=lambda j: (j.due_at, j.id))[:limit]:
            job = attrs.evolve(
                found,
                status=JobStatus.RUNNING,
                attempts=found.attempts + 1,
                locked_by=worker,
                locked_until=now + lease,
            )
            self.rows[job.id] = job
            claimed.append(job)
        return claimed

    def _held(self, job_id: str, worker: str) -> Job:
        job = self.get(job_id)
        if job.status is not JobStatus.RUNNING or job.locked_by != worker:
            raise ConcurrentUpdate(
                f"Job {job_id} is no longer held by {worker}.", details={"job_id": job_id}
            )
        return job

    def finish(self, job_id: str, *, worker: str) -> None:
        job = self._held(job_id, worker)
        self.rows[job_id] = attrs.evolve(
            job, status=JobStatus.DONE, locked_by=None, locked_until=None
        )

    def retry(self, job_id: str, *, worker: str, due_at: DateTime, error: str | None) -> None:
        job = self._held(job_id, worker)
        self.rows[job_id] = attrs.evolve(
            job,
            status=JobStatus.PENDING,
            due_at=due_at,
            locked_by=None,
            locked_until=None,
            last_error=error,
        )

    def bury(self, job_id: str, *, worker: str, error: str) -> None:
        job = self._held(job_id, worker)
        self.rows[job_id] = attrs.evolve(
            job, status=JobStatus.DEAD, locked_by=None, locked_until=None, last_error=error
        )

    def list_for_subject(self, subject: str) -> list[Job]:
        found = [j for j in self.rows.values() if j.subject == subject]
        return sorted(found, key=lambda j: (j.due_at, j.id))
