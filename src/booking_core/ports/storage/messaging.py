"""Storage of what leaves after commit: the outbox, and the jobs that run later (their
port, :class:`~booking_core.ports.jobs.JobRepository`, lives in ``booking_core.ports.jobs``)."""

from __future__ import annotations

from typing import Protocol

from pendulum import DateTime

from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.jobs import JobRepository

__all__ = ["MessagingStore", "OutboxRepository"]


class OutboxRepository(Protocol):
    """Messages written in a command's transaction, delivered after commit."""

    def add(self, message: OutboxMessage) -> None:
        """Store a message to deliver."""
        ...

    def pending(self, limit: int) -> list[OutboxMessage]:
        """Undelivered messages, oldest first (at most ``limit``)."""
        ...

    def next_due(self, now: DateTime) -> OutboxMessage | None:
        """The oldest pending message due by ``now`` (``due_at`` unset or not after it),
        locked for this unit of work: a concurrent unit of work skips it rather than
        waiting (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite and memory: one writer at
        a time). None when there is none."""
        ...

    def get(self, message_id: str) -> OutboxMessage:
        """The message. Raises NotFound (code ``outbox_message_not_found``)."""
        ...

    def in_state(
        self, state: OutboxState, *, limit: int, after: str | None = None
    ) -> list[OutboxMessage]:
        """Messages in ``state`` by id, those with an id after ``after`` (at most ``limit``)."""
        ...

    def mark_delivered(self, message: OutboxMessage) -> None:
        """Record a successful delivery (``message`` carries the delivery time)."""
        ...

    def mark_failed(self, message: OutboxMessage) -> None:
        """Record a failed attempt (``message`` carries the attempt count and error)."""
        ...

    def save(self, message: OutboxMessage) -> None:
        """Replace the stored message's delivery fields (attempts, delivered_at,
        last_error, state, due_at) with ``message``'s. Raises NotFound if unknown."""
        ...


class MessagingStore(Protocol):
    """The messaging part of a unit of work."""

    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def jobs(self) -> JobRepository: ...
