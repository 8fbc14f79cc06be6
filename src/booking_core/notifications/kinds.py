"""The kinds of messages: the unit people switch channels off by."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["NotificationKind"]


class NotificationKind(StrEnum):
    """What a message is about: the unit people switch channels off by."""

    ORDERS = "orders"  # news about one's own orders
    REMINDERS = "reminders"  # an appointment is coming up
    PAYMENTS = "payments"  # money received or returned
    COMPLAINTS = "complaints"
    ACCOUNT = "account"  # applications, documents
    OPERATIONS = "operations"  # for platform staff: something to look at
    SECURITY = "security"  # never switched off, never held back by quiet hours
