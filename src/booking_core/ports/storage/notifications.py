"""Storage of notifications: the inbox, the delivery log, preferences and WeChat-style
one-time subscription grants."""

from __future__ import annotations

from typing import Protocol

from pendulum import DateTime

from booking_core.notifications import Delivery, InboxCursor, Notification, Preferences, Recipient

__all__ = ["NotificationRepository", "NotificationStore"]


class NotificationRepository(Protocol):
    """Stored notifications (each one an inbox entry), their deliveries, preferences and
    subscription grants."""

    def add(self, notification: Notification) -> bool:
        """Store ``notification``; if one with its id exists, change nothing.

        Returns:
            True if it was added, False if it was already there.
        """
        ...

    def get(self, notification_id: str) -> Notification:
        """The notification. Raises NotFound (code ``notification_not_found``)."""
        ...

    def inbox(
        self,
        recipient: Recipient,
        *,
        limit: int,
        after: InboxCursor | None = None,
        unread_only: bool = False,
    ) -> list[Notification]:
        """The recipient's notifications, newest first (``created_at`` then ``id``, both
        descending), strictly after ``after`` in that order, at most ``limit``."""
        ...

    def unread_count(self, recipient: Recipient) -> int:
        """How many of the recipient's notifications are unread."""
        ...

    def mark_read(self, recipient: Recipient, notification_ids: list[str], at: DateTime) -> int:
        """Mark those of ``notification_ids`` that are the recipient's and unread as read
        ``at``; others' ids and read ones are left alone.

        Returns:
            How many changed.
        """
        ...

    def mark_all_read(self, recipient: Recipient, at: DateTime) -> int:
        """Mark every unread notification of the recipient read ``at``; how many changed."""
        ...

    def add_delivery(self, delivery: Delivery) -> bool:
        """Store a delivery line; if one with its id exists, change nothing (True if added)."""
        ...

    def get_delivery(self, delivery_id: str) -> Delivery:
        """The delivery line. Raises NotFound (code ``delivery_not_found``)."""
        ...

    def save_delivery(self, delivery: Delivery) -> None:
        """Replace the stored line with the same id. Raises NotFound if there is none."""
        ...

    def deliveries(self, notification_id: str) -> list[Delivery]:
        """The notification's delivery lines, by channel."""
        ...

    def preferences(self, recipient: Recipient) -> Preferences:
        """The recipient's preferences; the defaults (nothing muted, no quiet hours,
        ``zh-CN``) when none were saved."""
        ...

    def save_preferences(self, preferences: Preferences) -> None:
        """Store (or replace) the recipient's preferences."""
        ...

    def grant(self, recipient: Recipient, template: str, count: int) -> int:
        """Add ``count`` one-time grants for ``template`` (a user accepted a WeChat
        subscribe prompt); the grants left afterwards."""
        ...

    def grants_left(self, recipient: Recipient, template: str) -> int:
        """How many grants for ``template`` the recipient has left."""
        ...

    def consume_grant(self, recipient: Recipient, template: str) -> bool:
        """Take one grant for ``template`` if there is one (True), atomically: of two
        concurrent consumers of the last grant exactly one gets it."""
        ...


class NotificationStore(Protocol):
    """The notifications part of a unit of work."""

    @property
    def notifications(self) -> NotificationRepository: ...
