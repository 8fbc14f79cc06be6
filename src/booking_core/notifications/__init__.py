"""Notifications (issue 11): what the platform tells whom, kept in each person's inbox and
delivered over the channels an app wires in.

Outbox events become :class:`Notification` s by rules (``rules.DEFAULT_RULES``: event name →
a rule returning :class:`Notice` s); each is stored — the stored notification
*is* the in-app inbox entry (C14) — and copied to the push channels (:class:`Channel`:
SMS, e-mail, WeChat, webhooks) the recipient has not switched off, each copy a
:class:`Delivery` run as a job. Reminders before a slot follow :class:`ReminderPolicy`.
The core emits a template id and its parameters (``catalog.TEMPLATES``); channel adapters
render them.
"""

from booking_core.notifications.catalog import template_kind
from booking_core.notifications.channel import Channel
from booking_core.notifications.delivery import Delivery, DeliveryStatus
from booking_core.notifications.facts import OrderFacts, local_start
from booking_core.notifications.kinds import NotificationKind
from booking_core.notifications.notification import InboxCursor, Notification, Recipient
from booking_core.notifications.preferences import Preferences, QuietHours
from booking_core.notifications.reminders import Reminder, ReminderPolicy
from booking_core.notifications.rules import Notice, order_event

__all__ = [
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "InboxCursor",
    "Notice",
    "Notification",
    "NotificationKind",
    "OrderFacts",
    "Preferences",
    "QuietHours",
    "Recipient",
    "Reminder",
    "ReminderPolicy",
    "local_start",
    "order_event",
    "template_kind",
]
