"""A push channel as an app wires it in: its name and the notifier adapter behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:  # the port names Recipient from this package: import it lazily
    from booking_core.ports.notifier import Notifier

__all__ = ["Channel"]


@attrs.frozen
class Channel:
    """One push channel (the inbox is not one: every notification is kept there).

    Attributes:
        name: What preferences and deliveries call it (``sms``, ``email``, ``wechat`` …).
        notifier: The adapter that sends over it.
        needs_grant: Send only while the recipient has a one-time grant for the template
            left, consuming one per message (WeChat subscribe messages).
    """

    name: str
    notifier: Notifier
    needs_grant: bool = False
