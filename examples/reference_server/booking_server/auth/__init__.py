"""The reference server's accounts: passwords, one-time codes, WeChat, tokens, sessions.

:func:`build_accounts` wires an :class:`AccountService` over a BookingApp;
:func:`booking_server.app.create_app` keeps it on ``app.state.accounts`` and
:func:`booking_server.actors.current_actor` asks it who a bearer token belongs to.
"""

from __future__ import annotations

from booking_core.bootstrap import BookingApp
from booking_core.ports.ids import IdSource
from booking_core.ports.notifier import Notifier
from booking_core.system import UuidIds
from booking_server.auth.accounts import (
    AccountService,
    CodeSent,
    Directory,
    IssuedTokens,
    SignedIn,
)
from booking_server.auth.config import AuthConfig
from booking_server.auth.passwords import Passwords
from booking_server.auth.tokens import TokenSigner
from booking_server.auth.wechat import FakeWeChatLogin, WeChatIdentity, WeChatLogin
from booking_server.console_notifier import ConsoleNotifier

__all__ = [
    "AccountService",
    "AuthConfig",
    "CodeSent",
    "FakeWeChatLogin",
    "IssuedTokens",
    "Passwords",
    "SignedIn",
    "TokenSigner",
    "WeChatIdentity",
    "WeChatLogin",
    "build_accounts",
]


def build_accounts(
    booking_app: BookingApp,
    *,
    config: AuthConfig | None = None,
    notifier: Notifier | None = None,
    wechat: WeChatLogin | None = None,
    ids: IdSource | None = None,
    passwords: Passwords | None = None,
) -> AccountService:
    """The account service over ``booking_app``'s storage and clock.

    Defaults: a random token secret (:meth:`AuthConfig.demo`), codes printed to the
    console, the fake WeChat login, UUID ids and argon2 passwords.
    """
    config = config or AuthConfig.demo()
    return AccountService(
        booking_app.uow,
        booking_app.clock,
        ids or UuidIds(),
        passwords=passwords or Passwords(),
        tokens=TokenSigner(config, booking_app.clock),
        notifier=notifier or ConsoleNotifier(),
        wechat=wechat or FakeWeChatLogin(),
        config=config,
        directory=Directory(booking_app.customers, booking_app.technicians, booking_app.stores),
    )
