"""The notifier port: template-based messages over SMS, e-mail, WeChat, in-app."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import attrs

from booking_core.notifications.notification import Recipient

__all__ = ["AddressBook", "DeliveryOutcome", "DeliveryResult", "Message", "Notifier"]


@attrs.frozen
class Message:
    """A template id with parameters for one recipient on one channel.

    ``dedupe_key`` makes a redelivery of the same message a no-op downstream.
    """

    template: str
    recipient: str
    channel: str
    params: dict[str, str] = attrs.field(factory=dict)
    locale: str = "zh-CN"
    dedupe_key: str = ""


class DeliveryOutcome(StrEnum):
    """What became of one message."""

    ACCEPTED = "accepted"  # the provider took it (provider_id set)
    REJECTED = "rejected"  # permanently: do not retry
    RETRY_LATER = "retry_later"
    SKIPPED = "skipped"  # no consent, quiet hours, stale


@attrs.frozen
class DeliveryResult:
    """The notifier's answer for one message."""

    outcome: DeliveryOutcome
    provider_id: str | None = None
    detail: str = ""


class Notifier(Protocol):
    """Sends messages; never raises for a provider's refusal (that is a result)."""

    def send(self, message: Message) -> DeliveryResult:
        """Send ``message`` once per ``dedupe_key``."""
        ...


class AddressBook(Protocol):
    """Where a recipient is reached on a channel: a phone for ``sms``, an e-mail address,
    a WeChat openid, a partner's webhook URL. The core's default reads accounts."""

    def address(self, recipient: Recipient, channel: str) -> str | None:
        """The recipient's address on ``channel``; None when he has none there."""
        ...
