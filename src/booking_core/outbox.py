"""Outbox messages: domain events stored in the command's transaction."""

from __future__ import annotations

from typing import Any

import attrs
from pendulum import DateTime

__all__ = ["OutboxMessage"]


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
    """

    id: str
    name: str
    payload: dict[str, Any]
    created_at: DateTime
    attempts: int = 0
    delivered_at: DateTime | None = None
    last_error: str | None = None
