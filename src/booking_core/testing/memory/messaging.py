"""In-memory outbox and job queue."""

from __future__ import annotations

import attrs
from pendulum import DateTime, Duration

from booking_core.errors import ConcurrentUpdate
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.jobs import Job, JobStatus
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryJobs", "InMemoryOutbox"]


class InMemoryOutbox(Table):
    """:class:`~booking_core.ports.storage.OutboxRepository` over a snapshot."""

    def add(self, message: OutboxMessage) -> None:
        self._insert(message.id, message)

    def pending(self, limit: int) -> list[OutboxMessage]:
        waiting = [m for m in self.rows.values() if m.state is OutboxState.PENDING]
        return sorted(waiting, key=lambda m: (m.created_at, m.id))[:limit]

    def next_due(self, now: DateTime) -> OutboxMessage | None:
        due = [
            m
            for m in self.rows.values()
            if m.state is OutboxState.PENDING and (m.due_at is None or m.due_at <= now)
        ]
        return min(due, key=lambda m: (m.created_at, m.id), default=None)

    def get(self, message_id: str) -> OutboxMessage:
        found: OutboxMessage = self._get(message_id)
        return found

    def in_state(
        self, state: OutboxState, *, limit: int, after: str | None = None
    ) -> list[OutboxMessage]:
        found = [
            m for m in self.rows.values() if m.state is state and (after is None or m.id > after)
        ]
        return sorted(found, key=lambda m: m.id)[:limit]

    def mark_delivered(self, message: OutboxMessage) -> None:
        self.save(attrs.evolve(message, state=OutboxState.DELIVERED))

    def mark_failed(self, message: OutboxMessage) -> None:
        self.save(message)

    def save(self, message: OutboxMessage) -> None:
        stored = self.get(message.id)
        self.rows[message.id] = attrs.evolve(
            stored,
            attempts=message.attempts,
            delivered_at=message.delivered_at,
            last_error=message.last_error,
            state=message.state,
            due_at=message.due_at,
        )


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

    def claim(self, job_id: str, *, now: DateTime, worker: str, lease: Duration) -> Job | None:
        found: Job | None = self.rows.get(job_id)
        if found is None or not (
            _claimable(found, now)
            or (found.status is JobStatus.RUNNING and found.locked_by == worker)
        ):
            return None
        job = attrs.evolve(
            found,
            status=JobStatus.RUNNING,
            attempts=found.attempts + 1,
            locked_by=worker,
            locked_until=now + lease,
        )
        self.rows[job_id] = job
        return job

    def list_due(self, now: DateTime, *, limit: int) -> list[Job]:
        due = [j for j in self.rows.values() if _claimable(j, now)]
        return sorted(due, key=lambda j: (j.due_at, j.id))[: max(limit, 0)]

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

    def dead(self, *, limit: int, after: str | None = None) -> list[Job]:
        found = [
            j
            for j in self.rows.values()
            if j.status is JobStatus.DEAD and (after is None or j.id > after)
        ]
        return sorted(found, key=lambda j: j.id)[:limit]

    def _dead(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.status is not JobStatus.DEAD:
            raise ConcurrentUpdate(
                f"Job {job_id} is {job.status.value}, not dead.", details={"job_id": job_id}
            )
        return job

    def revive(self, job_id: str, *, due_at: DateTime) -> Job:
        job = attrs.evolve(self._dead(job_id), status=JobStatus.PENDING, due_at=due_at, attempts=0)
        self.rows[job_id] = job
        return job

    def discard(self, job_id: str) -> Job:
        job = attrs.evolve(self._dead(job_id), status=JobStatus.DISCARDED)
        self.rows[job_id] = job
        return job


def _claimable(job: Job, now: DateTime) -> bool:
    """What ``claim_due`` takes: pending and due, or running with an expired lease."""
    if job.status is JobStatus.PENDING:
        return job.due_at <= now
    return (
        job.status is JobStatus.RUNNING and job.locked_until is not None and job.locked_until <= now
    )
