"""The server's notification channels and address book, from its settings.

The in-app inbox needs nothing: the core keeps every notification there. Beside it the
server wires what a newcomer's machine has — the console — and e-mail when an SMTP server
is named. SMS (Aliyun, Tencent Cloud), WeChat subscribe messages and partner webhooks are
adapters in ``booking_core_notifications`` that a deployment wires in code with its
provider's credentials (docs/operations.md).
"""

from __future__ import annotations

import sys
from typing import TextIO

from booking_core.api import AccountAddressBook
from booking_core.notifications import Channel, Recipient
from booking_core.ports.notifier import AddressBook
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core_notifications import ConsoleNotifier, EmailNotifier
from booking_server.settings import Settings

__all__ = ["ServerAddressBook", "channels_for"]


class ServerAddressBook:
    """Accounts' addresses (phone, e-mail, WeChat openid); on the console, the recipient
    itself (``technician:tec_li``), so a developer sees who would be told."""

    def __init__(self, accounts: AddressBook) -> None:
        self._accounts = accounts

    def address(self, recipient: Recipient, channel: str) -> str | None:
        """Where ``recipient`` is reached on ``channel``; None if nowhere."""
        if channel == "console":
            return str(recipient)
        return self._accounts.address(recipient, channel)


def channels_for(settings: Settings, *, console: TextIO | None = None) -> list[Channel]:
    """The push channels ``settings.channels`` names (console output to ``console``,
    default standard output)."""
    wired = []
    for name in settings.channels:
        if name == "console":
            wired.append(Channel("console", ConsoleNotifier(console or sys.stdout)))
        elif name == "email":
            assert settings.smtp_host is not None  # Settings refuses email without a host
            notifier = EmailNotifier(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_sender,
                starttls=settings.smtp_starttls,
                username=settings.smtp_username,
                password=settings.smtp_password,
            )
            wired.append(Channel("email", notifier))
    return wired


def address_book(uow: UnitOfWorkFactory) -> ServerAddressBook:
    """The server's address book over the storage's accounts."""
    return ServerAddressBook(AccountAddressBook(uow))
