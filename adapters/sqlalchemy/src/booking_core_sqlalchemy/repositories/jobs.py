"""Deferred work: jobs (leases claimed with FOR UPDATE SKIP LOCKED) and the outbox."""

from __future__ import annotations

from typing import Any, Final

import attrs
from pendulum import DateTime, Duration
from sqlalchemy import BindParameter, Update, bindparam, select, update

from booking_core.errors import ConcurrentUpdate
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.jobs import Job, JobStatus
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing, rowcount
from booking_core_sqlalchemy.tables import UtcDateTime, jobs, outbox_messages

__all__ = ["SqlAlchemyJobRepository", "SqlAlchemyOutboxRepository"]

_ID: BindParameter[str] = bindparam("by_id")

# -- jobs ----------------------------------------------------------------------------------

_NOW = bindparam("now", type_=UtcDateTime())
_CLAIMABLE = (
    select(jobs.c.id)
    .where(
        ((jobs.c.status == JobStatus.PENDING.value) & (jobs.c.due_at <= _NOW))
        | ((jobs.c.status == JobStatus.RUNNING.value) & (jobs.c.locked_until <= _NOW))
    )
    .order_by(jobs.c.due_at, jobs.c.id)
    .limit(bindparam("limit"))
    # Rows another transaction is claiming are skipped, not waited for (PostgreSQL only;
    # SQLite has one writer at a time anyway).
    .with_for_update(skip_locked=True)
    .cte("claimable")
)
_CLAIM: Final = (
    update(jobs)
    .where(jobs.c.id == _CLAIMABLE.c.id)
    .values(
        status=JobStatus.RUNNING.value,
        attempts=jobs.c.attempts + 1,
        locked_by=bindparam("worker"),
        locked_until=bindparam("until", type_=UtcDateTime()),
    )
    .returning(*jobs.columns)
)
_DUE_NOW = ((jobs.c.status == JobStatus.PENDING.value) & (jobs.c.due_at <= _NOW)) | (
    (jobs.c.status == JobStatus.RUNNING.value) & (jobs.c.locked_until <= _NOW)
)
_LIST_DUE: Final = (
    select(jobs).where(_DUE_NOW).order_by(jobs.c.due_at, jobs.c.id).limit(bindparam("limit"))
)
# One job by id: due, or already held by this worker (a retry under the same name); a row
# another transaction is claiming is skipped, so the claim returns nothing rather than wait.
_ONE_CLAIMABLE = (
    select(jobs.c.id)
    .where(
        jobs.c.id == _ID,
        _DUE_NOW
        | ((jobs.c.status == JobStatus.RUNNING.value) & (jobs.c.locked_by == bindparam("worker"))),
    )
    .with_for_update(skip_locked=True)
    .cte("one_claimable")
)
_CLAIM_ONE: Final = (
    update(jobs)
    .where(jobs.c.id == _ONE_CLAIMABLE.c.id)
    .values(
        status=JobStatus.RUNNING.value,
        attempts=jobs.c.attempts + 1,
        locked_by=bindparam("worker"),
        locked_until=bindparam("until", type_=UtcDateTime()),
    )
    .returning(*jobs.columns)
)
_INSERT_JOB: Final = insert_or_nothing(jobs)
_JOB: Final = select(jobs).where(jobs.c.id == _ID)
_SUBJECT_JOBS: Final = (
    select(jobs).where(jobs.c.subject == bindparam("subject")).order_by(jobs.c.due_at, jobs.c.id)
)
_RELEASE: Final = (
    update(jobs)
    .where(
        jobs.c.id == _ID,
        jobs.c.status == JobStatus.RUNNING.value,
        jobs.c.locked_by == bindparam("worker"),
    )
    .values(locked_by=None, locked_until=None, status=bindparam("new_status"))
)
_RELEASE_FAILED: Final = _RELEASE.values(last_error=bindparam("new_last_error"))
_RELEASE_FAILED_UNTIL: Final = _RELEASE_FAILED.values(
    due_at=bindparam("new_due_at", type_=UtcDateTime())
)
_DEAD_JOBS: Final = (
    select(jobs)
    .where(jobs.c.status == JobStatus.DEAD.value, jobs.c.id > bindparam("after"))
    .order_by(jobs.c.id)
    .limit(bindparam("limit"))
)
_FROM_DEAD: Final = update(jobs).where(jobs.c.id == _ID, jobs.c.status == JobStatus.DEAD.value)
_REVIVE: Final = _FROM_DEAD.values(
    status=JobStatus.PENDING.value, attempts=0, due_at=bindparam("new_due_at", type_=UtcDateTime())
).returning(*jobs.columns)
_DISCARD: Final = _FROM_DEAD.values(status=JobStatus.DISCARDED.value).returning(*jobs.columns)


class SqlAlchemyJobRepository(Repository):
    """Jobs in ``jobs``; a claim is a lease held by one worker."""

    entity = "job"

    def schedule(self, job: Job) -> bool:
        """Store a new pending job; False (and no change) if its id exists."""
        values = mapping.job_to_row(job)
        return bool(rowcount(self._conn.execute(_INSERT_JOB.on(self._postgres), values)))

    def get(self, job_id: str) -> Job:
        """The job. Raises NotFound (code ``job_not_found``)."""
        return mapping.job_to_domain(self._one(_JOB, {"by_id": job_id}, job_id))

    def claim_due(self, now: DateTime, *, worker: str, limit: int, lease: Duration) -> list[Job]:
        """Claim up to ``limit`` due jobs for ``worker`` until ``now + lease`` (one statement)."""
        if limit <= 0:
            return []
        rows = self._conn.execute(
            _CLAIM, {"now": now, "limit": limit, "worker": worker, "until": now + lease}
        )
        claimed = [mapping.job_to_domain(row) for row in rows]
        return sorted(claimed, key=lambda j: (j.due_at, j.id))

    def claim(self, job_id: str, *, now: DateTime, worker: str, lease: Duration) -> Job | None:
        """Claim the job if it is due or already ``worker``'s (one statement); else None."""
        params = {"by_id": job_id, "now": now, "worker": worker, "until": now + lease}
        row = self._conn.execute(_CLAIM_ONE, params).first()
        return None if row is None else mapping.job_to_domain(row)

    def list_due(self, now: DateTime, *, limit: int) -> list[Job]:
        """Up to ``limit`` claimable jobs, oldest due first, without claiming them."""
        if limit <= 0:
            return []
        rows = self._conn.execute(_LIST_DUE, {"now": now, "limit": limit})
        return [mapping.job_to_domain(row) for row in rows]

    def finish(self, job_id: str, *, worker: str) -> None:
        """Mark the job done. Raises ConcurrentUpdate if ``worker`` lost it."""
        self._release(_RELEASE, job_id, worker, JobStatus.DONE)

    def retry(self, job_id: str, *, worker: str, due_at: DateTime, error: str | None) -> None:
        """Put the job back as pending at ``due_at``. Raises ConcurrentUpdate if lost."""
        self._release(
            _RELEASE_FAILED_UNTIL, job_id, worker, JobStatus.PENDING, error=error, due_at=due_at
        )

    def bury(self, job_id: str, *, worker: str, error: str) -> None:
        """Mark the job dead. Raises ConcurrentUpdate if ``worker`` lost it."""
        self._release(_RELEASE_FAILED, job_id, worker, JobStatus.DEAD, error=error)

    def _release(
        self,
        statement: Update,
        job_id: str,
        worker: str,
        status: JobStatus,
        *,
        error: str | None = None,
        due_at: DateTime | None = None,
    ) -> None:
        params: dict[str, Any] = {"by_id": job_id, "worker": worker, "new_status": status.value,
                                  "new_last_error": error, "new_due_at": due_at}  # fmt: skip
        if rowcount(self._conn.execute(statement, params)):
            return
        self.get(job_id)  # NotFound for an unknown job
        raise ConcurrentUpdate(
            f"Job {job_id} is no longer held by {worker}.", details={"job_id": job_id}
        )

    def list_for_subject(self, subject: str) -> list[Job]:
        """The subject's jobs, by due time then id."""
        rows = self._conn.execute(_SUBJECT_JOBS, {"subject": subject})
        return [mapping.job_to_domain(row) for row in rows]

    def dead(self, *, limit: int, after: str | None = None) -> list[Job]:
        """Dead jobs by id, after ``after`` (at most ``limit``)."""
        rows = self._conn.execute(_DEAD_JOBS, {"after": after or "", "limit": limit})
        return [mapping.job_to_domain(row) for row in rows]

    def revive(self, job_id: str, *, due_at: DateTime) -> Job:
        """A dead job pending again at ``due_at``, attempts from zero."""
        params = {"by_id": job_id, "new_due_at": due_at}
        return self._from_dead(_REVIVE, params, job_id)

    def discard(self, job_id: str) -> Job:
        """A dead job given up."""
        return self._from_dead(_DISCARD, {"by_id": job_id}, job_id)

    def _from_dead(self, statement: Update, params: dict[str, Any], job_id: str) -> Job:
        row = self._conn.execute(statement, params).first()
        if row is not None:
            return mapping.job_to_domain(row)
        job = self.get(job_id)  # NotFound for an unknown job
        raise ConcurrentUpdate(
            f"Job {job_id} is {job.status.value}, not dead.", details={"job_id": job_id}
        )


# -- the outbox ----------------------------------------------------------------------------

_INSERT_MESSAGE: Final = insert_or_nothing(outbox_messages)
_PENDING: Final = outbox_messages.c.state == OutboxState.PENDING.value
_PENDING_MESSAGES: Final = (
    select(outbox_messages)
    .where(_PENDING)
    .order_by(outbox_messages.c.created_at, outbox_messages.c.id)
    .limit(bindparam("limit"))
)
_NEXT_DUE: Final = (
    select(outbox_messages)
    .where(
        _PENDING,
        outbox_messages.c.due_at.is_(None) | (outbox_messages.c.due_at <= _NOW),
    )
    .order_by(outbox_messages.c.created_at, outbox_messages.c.id)
    .limit(1)
    # Another relay's message is skipped, not waited for (PostgreSQL; SQLite has one writer).
    .with_for_update(skip_locked=True)
)
_MESSAGE: Final = select(outbox_messages).where(outbox_messages.c.id == _ID)
_MESSAGES_IN_STATE: Final = (
    select(outbox_messages)
    .where(outbox_messages.c.state == bindparam("state"), outbox_messages.c.id > bindparam("after"))
    .order_by(outbox_messages.c.id)
    .limit(bindparam("limit"))
)
_RECORD_ATTEMPT: Final = (
    update(outbox_messages)
    .where(outbox_messages.c.id == _ID)
    .values(
        attempts=bindparam("new_attempts"),
        delivered_at=bindparam("new_delivered_at", type_=UtcDateTime()),
        last_error=bindparam("new_last_error"),
        state=bindparam("new_state"),
        due_at=bindparam("new_due_at", type_=UtcDateTime()),
    )
)


class SqlAlchemyOutboxRepository(Repository):
    """Outbox messages in ``outbox_messages``."""

    entity = "outbox_message"

    def add(self, message: OutboxMessage) -> None:
        """Store a message to deliver. Raises DuplicateEntity if the id exists."""
        self._insert_new(_INSERT_MESSAGE, mapping.outbox_to_row(message), message.id)

    def pending(self, limit: int) -> list[OutboxMessage]:
        """Undelivered messages, oldest first (at most ``limit``)."""
        rows = self._conn.execute(_PENDING_MESSAGES, {"limit": limit})
        return [mapping.outbox_to_domain(row) for row in rows]

    def next_due(self, now: DateTime) -> OutboxMessage | None:
        """The oldest pending message due by ``now``, locked (others skip it)."""
        row = self._conn.execute(_NEXT_DUE, {"now": now}).first()
        return None if row is None else mapping.outbox_to_domain(row)

    def get(self, message_id: str) -> OutboxMessage:
        """The message. Raises NotFound (code ``outbox_message_not_found``)."""
        return mapping.outbox_to_domain(self._one(_MESSAGE, {"by_id": message_id}, message_id))

    def in_state(
        self, state: OutboxState, *, limit: int, after: str | None = None
    ) -> list[OutboxMessage]:
        """Messages in ``state`` by id, after ``after`` (at most ``limit``)."""
        params = {"state": state.value, "after": after or "", "limit": limit}
        return [mapping.outbox_to_domain(r) for r in self._conn.execute(_MESSAGES_IN_STATE, params)]

    def mark_delivered(self, message: OutboxMessage) -> None:
        """Record a successful delivery. Raises NotFound for an unknown message."""
        self.save(attrs.evolve(message, state=OutboxState.DELIVERED))

    def mark_failed(self, message: OutboxMessage) -> None:
        """Record a failed attempt. Raises NotFound for an unknown message."""
        self.save(message)

    def save(self, message: OutboxMessage) -> None:
        """Replace the message's delivery fields. Raises NotFound for an unknown message."""
        params = {"by_id": message.id, "new_attempts": message.attempts,
                  "new_delivered_at": message.delivered_at,
                  "new_last_error": message.last_error, "new_state": message.state.value,
                  "new_due_at": message.due_at}  # fmt: skip
        self._update_one(_RECORD_ATTEMPT, params, message.id)
