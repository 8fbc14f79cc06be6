"""Storage of what leaves after commit: the outbox, and the jobs that run later (their
port, :class:`~booking_core.ports.jobs.JobRepository`, lives in ``booking_core.ports.jobs``)."""

from __future__ import annotations

from typing import Protocol

from booking_core.outbox import OutboxMessage
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

    def mark_delivered(self, message: OutboxMessage) -> None:
        """Record a successful delivery (``message`` carries the delivery time)."""
        ...

    def mark_failed(self, message: OutboxMessage) -> None:
        """Record a failed attempt (``message`` carries the attempt count and error)."""
        ...


class MessagingStore(Protocol):
    """The messaging part of a unit of work."""

    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def jobs(self) -> JobRepository: ...
