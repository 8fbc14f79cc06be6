"""A delivery: one notification copied to one push channel, run as a job."""

from __future__ import annotations

from enum import StrEnum

import attrs
from pendulum import DateTime

__all__ = ["Delivery", "DeliveryStatus"]


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"  # its job has not run (or will try again)
    SENT = "sent"  # the provider accepted it
    REJECTED = "rejected"  # the provider refused it for good
    SKIPPED = "skipped"  # no address, no consent left, or switched off meanwhile
    DEAD = "dead"  # retried until the job gave up


@attrs.frozen
class Delivery:
    """The delivery log's line for one notification on one channel.

    Attributes:
        id: ``<notification id>:<channel>`` — one per notification and channel.
        notification_id: What is delivered.
        channel: The channel's name (``sms``, ``email``, ``wechat``, ``webhook`` …).
        status: See :class:`DeliveryStatus`.
        attempts: Sends tried so far.
        provider_id: The provider's id for an accepted message.
        detail: The last answer or error, for operators.
        updated_at: When the line last changed.
    """

    id: str
    notification_id: str
    channel: str
    status: DeliveryStatus
    updated_at: DateTime
    attempts: int = 0
    provider_id: str | None = None
    detail: str = ""
