"""Outbox messages: domain events stored in the command's transaction."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import attrs
from pendulum import DateTime

__all__ = ["OutboxMessage", "OutboxState"]


class OutboxState(StrEnum):
    """Where a message stands."""

    PENDING = "pending"  # to relay, from ``due_at`` on
    DELIVERED = "delivered"
    DEAD = "dead"  # relaying failed too often; an operator retries or discards it
    DISCARDED = "discarded"  # an operator gave it up


@attrs.frozen
class OutboxMessage:
    """One event awaiting delivery after commit.

    Attributes:
        id: Unique message id (also the delivery's dedupe key downstream).
        name: The event's stable name (its class name).
        payload: The event unstructured by the core's converter (JSON-safe).
        created_at: When the command raised it.
        attempts: Failed delivery attempts so far.
        delivered_at: When it was delivered; None while pending.
        last_error: The last delivery failure, for operators.
        state: See :class:`OutboxState`.
        due_at: Not relayed before this instant (a retry's backoff); None: at once.
    """

    id: str
    name: str
    payload: dict[str, Any]
    created_at: DateTime
    attempts: int = 0
    delivered_at: DateTime | None = None
    last_error: str | None = None
    state: OutboxState = OutboxState.PENDING
    due_at: DateTime | None = None
