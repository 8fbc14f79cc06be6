"""An app whose accounts the auth tests can see into: a recording notifier (the codes sent),
sequential ids, a cheap argon2 (tests hash many passwords) and a known token secret."""

from __future__ import annotations

from typing import Any, Final

import attrs
import pendulum
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from booking_core.bootstrap import BookingApp, build
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing import (
    FrozenClock,
    InMemoryStore,
    RecordingNotifier,
    ScriptedPaymentGateway,
    SequentialIds,
)
from booking_server import create_app
from booking_server.auth import AuthConfig, FakeWeChatLogin, Passwords, build_accounts

ZONE: Final = "Asia/Shanghai"
SECRET: Final = "test-token-secret-0123456789-abcdefghijklmnop"
PHONE: Final = "+8613812345678"


def cheap_passwords() -> Passwords:
    """Argon2 at its lowest cost: the same code path, a thousandth of the time."""
    return Passwords(PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),)))


@attrs.define
class AuthWorld:
    """A client over an app, with what the tests look at behind it."""

    api: TestClient
    booking: BookingApp
    clock: FrozenClock
    sms: RecordingNotifier
    config: AuthConfig

    def bearer(self, tokens: dict[str, Any]) -> dict[str, str]:
        """The Authorization header for a token response."""
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    def last_code(self) -> str:
        """The code of the last text message sent."""
        return self.sms.sent[-1].params["code"]

    def sign_up(self, login: str, password: str = "correct horse") -> dict[str, Any]:
        """Sign up a customer; his tokens."""
        response = self.api.post("/auth/signup", json={"login": login, "password": password})
        assert response.status_code == 201, response.json()
        body: dict[str, Any] = response.json()
        return body


def auth_world(uow: UnitOfWorkFactory | None = None, **config: Any) -> AuthWorld:
    """A fresh world over ``uow`` (in memory by default); ``config`` overrides AuthConfig."""
    clock = FrozenClock(pendulum.datetime(2026, 3, 2, 8, 0, tz=ZONE))
    booking = build(
        uow=uow or InMemoryStore().unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=clock,
        ids=SequentialIds(),
    )
    sms = RecordingNotifier()
    auth_config = AuthConfig(token_secret=SECRET, **config)
    accounts = build_accounts(
        booking,
        config=auth_config,
        notifier=sms,
        wechat=FakeWeChatLogin(),
        ids=SequentialIds(),
        passwords=cheap_passwords(),
    )
    api = TestClient(create_app(booking, accounts=accounts))
    return AuthWorld(api, booking, clock, sms, auth_config)
