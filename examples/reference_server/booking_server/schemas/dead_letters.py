"""Dead letters (issue 11): the jobs and outbox messages the workers gave up on."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field

from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.jobs import Job, JobStatus
from booking_server.paging import NextCursor
from booking_server.schemas.common import InModel, OutModel, in_zone

__all__ = ["DeadJobList", "DeadMessageList", "DiscardIn", "JobOut", "OutboxMessageOut"]


class JobOut(OutModel):
    """A job, as the workers left it."""

    id: str = Field(examples=["deliver:ntf_msg_7_0:sms"])
    kind: str = Field(description="Which handler runs it.", examples=["deliver"])
    subject: str = Field(description="What it is about (an order id, a delivery id).")
    status: JobStatus
    due_at: AwareDatetime = Field(description="Not run before this instant (UTC).")
    attempts: int = Field(description="How many times a worker took it (since a retry).")
    last_error: str | None = Field(description="The last failure, for operators.")

    @classmethod
    def from_domain(cls, job: Job) -> JobOut:
        """The answer for ``job``."""
        return cls(
            id=job.id,
            kind=job.kind,
            subject=job.subject,
            status=job.status,
            due_at=in_zone(job.due_at, "UTC"),
            attempts=job.attempts,
            last_error=job.last_error,
        )


class DeadJobList(OutModel):
    """Dead jobs by id, one page."""

    items: list[JobOut]
    next_cursor: NextCursor = None


class OutboxMessageOut(OutModel):
    """An outbox message (a domain event waiting to be relayed), payload included: only
    staff with the ``jobs`` permission see it."""

    id: str
    name: str = Field(description="The event's name.", examples=["OrderPlaced"])
    payload: dict[str, Any] = Field(description="The event as stored (may hold customers' data).")
    state: OutboxState
    created_at: AwareDatetime = Field(description="When the event was raised (UTC).")
    attempts: int = Field(description="Failed relays so far (since a retry).")
    last_error: str | None = Field(description="The last failure, for operators.")
    due_at: AwareDatetime | None = Field(description="Not relayed before this instant (UTC).")

    @classmethod
    def from_domain(cls, message: OutboxMessage) -> OutboxMessageOut:
        """The answer for ``message``."""
        return cls(
            id=message.id,
            name=message.name,
            payload=message.payload,
            state=message.state,
            created_at=in_zone(message.created_at, "UTC"),
            attempts=message.attempts,
            last_error=message.last_error,
            due_at=None if message.due_at is None else in_zone(message.due_at, "UTC"),
        )


class DeadMessageList(OutModel):
    """Dead outbox messages by id, one page."""

    items: list[OutboxMessageOut]
    next_cursor: NextCursor = None


class DiscardIn(InModel):
    """Why a dead job or message is given up for good (kept in the audit log)."""

    reason: str = Field(
        min_length=1, max_length=500, pattern=r"\S", examples=["The order was deleted."]
    )
