"""Dead letters: the jobs and outbox messages the workers gave up on, for platform staff
with the jobs permission to look at, retry or discard (each change audited)."""

from __future__ import annotations

import attrs

from booking_core.errors import ConcurrentUpdate
from booking_core.orders.actor import Actor
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.clock import Clock
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services._access import require_permission
from booking_core.services.steps.audit import AuditTrail
from booking_core.staff import Permission

__all__ = ["DeadLetterService"]


class DeadLetterService:
    """Lists, retries and discards dead jobs and dead outbox messages."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, audit: AuditTrail) -> None:
        self._uow = uow
        self._clock = clock
        self._audit = audit

    def jobs(self, actor: Actor, *, limit: int = 50, after: str | None = None) -> list[Job]:
        """Dead jobs by id, after the job id ``after``."""
        require_permission(actor, Permission.JOBS, "sees dead jobs")
        with self._uow() as uow:
            return uow.jobs.dead(limit=limit, after=after)

    def messages(
        self, actor: Actor, *, limit: int = 50, after: str | None = None
    ) -> list[OutboxMessage]:
        """Dead outbox messages by id, after the message id ``after``."""
        require_permission(actor, Permission.JOBS, "sees dead outbox messages")
        with self._uow() as uow:
            return uow.outbox.in_state(OutboxState.DEAD, limit=limit, after=after)

    def retry_job(self, job_id: str, actor: Actor) -> Job:
        """Run a dead job again now, with a fresh count of attempts.

        Raises:
            NotFound: no such job (``job_not_found``).
            ConcurrentUpdate: the job is not dead.
        """
        require_permission(actor, Permission.JOBS, "retries dead jobs")
        with self._uow() as uow:
            before = uow.jobs.get(job_id)
            job = uow.jobs.revive(job_id, due_at=self._clock.now())
            self._audit.record(uow, actor, "job.retry", ("job", job_id), before=before, after=job)
            uow.commit()
        return job

    def discard_job(self, job_id: str, actor: Actor, *, reason: str) -> Job:
        """Give a dead job up for good, saying why.

        Raises:
            NotFound: no such job. ConcurrentUpdate: the job is not dead.
        """
        require_permission(actor, Permission.JOBS, "discards dead jobs")
        with self._uow() as uow:
            before = uow.jobs.get(job_id)
            job = uow.jobs.discard(job_id)
            self._audit.record(
                uow, actor, "job.discard", ("job", job_id), before=before, after=job, reason=reason
            )
            uow.commit()
        return job

    def retry_message(self, message_id: str, actor: Actor) -> OutboxMessage:
        """Relay a dead outbox message again now, with a fresh count of attempts.

        Raises:
            NotFound: no such message. ConcurrentUpdate: the message is not dead.
        """
        require_permission(actor, Permission.JOBS, "retries dead outbox messages")
        return self._move(message_id, actor, "outbox.retry", OutboxState.PENDING, reason=None)

    def discard_message(self, message_id: str, actor: Actor, *, reason: str) -> OutboxMessage:
        """Give a dead outbox message up for good, saying why.

        Raises:
            NotFound: no such message. ConcurrentUpdate: the message is not dead.
        """
        require_permission(actor, Permission.JOBS, "discards dead outbox messages")
        return self._move(message_id, actor, "outbox.discard", OutboxState.DISCARDED, reason)

    def _move(
        self, message_id: str, actor: Actor, action: str, state: OutboxState, reason: str | None
    ) -> OutboxMessage:
        with self._uow() as uow:
            before = uow.outbox.get(message_id)
            if before.state is not OutboxState.DEAD:
                raise ConcurrentUpdate(
                    f"Outbox message {message_id} is {before.state.value}, not dead.",
                    details={"message_id": message_id},
                )
            after = attrs.evolve(before, state=state)
            if state is OutboxState.PENDING:
                after = attrs.evolve(after, attempts=0, due_at=self._clock.now())
            uow.outbox.save(after)
            fields = {"before": _brief(before), "after": _brief(after)}
            self._audit.record(uow, actor, action, ("outbox_message", message_id), **fields,
                               reason=reason)  # fmt: skip
            uow.commit()
        return after


def _brief(message: OutboxMessage) -> dict[str, object]:
    # The payload stays out of the audit log: it may carry customers' data.
    return {"state": message.state.value, "attempts": message.attempts}
