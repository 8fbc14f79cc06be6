"""A notification: one message for one recipient, kept in his inbox."""

from __future__ import annotations

import attrs
from pendulum import DateTime

__all__ = ["InboxCursor", "Notification", "Recipient"]


@attrs.frozen(order=True)
class Recipient:
    """Who is told: a customer, technician or store by id, or platform staff by sub-role
    (``Recipient("platform", "operations")``)."""

    role: str
    id: str

    def __str__(self) -> str:
        return f"{self.role}:{self.id}"


@attrs.frozen
class Notification:
    """One message for one recipient: a template id and its parameters (never rendered text:
    rendering is the channel adapters' job).

    Attributes:
        id: Deterministic from its cause (``ntf_<outbox message id>_<n>``), so relaying an
            event twice stores it once.
        recipient: Who is told.
        template: A key of :data:`~booking_core.notifications.TEMPLATES`.
        params: Exactly that template's parameters, as text.
        kind: The template's :class:`~booking_core.notifications.NotificationKind` (value).
        subject: What it is about (an order id, an application id).
        created_at: When it was made.
        urgent: Delivered even in the recipient's quiet hours.
        read_at: When the recipient marked it read in the inbox; None while unread.
    """

    id: str
    recipient: Recipient
    template: str
    params: dict[str, str]
    kind: str
    subject: str
    created_at: DateTime
    urgent: bool = False
    read_at: DateTime | None = None


@attrs.frozen
class InboxCursor:
    """Where an inbox page ended: the sort key ``(created_at, id)`` of its last entry; the
    next page holds the entries strictly older in that key (inboxes list newest first)."""

    created_at: DateTime
    notification_id: str

    @classmethod
    def after(cls, notification: Notification) -> InboxCursor:
        """The cursor that continues after ``notification``."""
        return cls(notification.created_at, notification.id)
