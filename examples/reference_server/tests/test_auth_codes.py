"""Phone sign-in codes: sent through the notifier, hashed at rest, expiring, limited tries,
a resend interval, and a new number signing up a customer."""

from __future__ import annotations

import pendulum
import pytest

from .auth_support import PHONE, AuthWorld, auth_world


@pytest.fixture
def world() -> AuthWorld:
    return auth_world()


def _send(world: AuthWorld, phone: str = PHONE) -> None:
    response = world.api.post("/auth/codes", json={"phone": phone})
    assert response.status_code == 202, response.json()


def _login(world: AuthWorld, code: str, phone: str = PHONE) -> tuple[int, dict[str, object]]:
    response = world.api.post("/auth/code-login", json={"phone": phone, "code": code})
    return response.status_code, response.json()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_goes_out_as_a_text_message_through_the_notifier(world: AuthWorld) -> None:
    response = world.api.post("/auth/codes", json={"phone": "138 1234 5678"})

    assert response.status_code == 202
    assert response.json() == {"expires_in": 300, "resend_in": 60}
    (message,) = world.sms.sent
    assert (message.template, message.channel, message.recipient) == ("login_code", "sms", PHONE)
    assert message.params["code"].isdigit()
    assert len(message.params["code"]) == 6


def test_the_code_is_stored_only_as_a_keyed_hash(world: AuthWorld) -> None:
    _send(world)
    code = world.last_code()

    with world.booking.uow() as uow:
        stored = uow.accounts.code(PHONE, "login")

    assert stored is not None
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64


def test_the_right_code_signs_in_once_and_a_new_number_becomes_a_customer(
    world: AuthWorld,
) -> None:
    _send(world)
    code = world.last_code()

    status, tokens = _login(world, code)

    assert status == 200, tokens
    me = world.api.get("/customers/me", headers=world.bearer(tokens))
    assert me.status_code == 200
    assert me.json()["phone"] == PHONE
    # the code is spent
    assert _login(world, code)[0] == 401
    # the next code signs in the same account
    world.clock.advance(pendulum.duration(minutes=1))
    _send(world)
    status, again = _login(world, world.last_code())
    assert status == 200
    first = world.api.get("/auth/me", headers=world.bearer(tokens)).json()["account"]["id"]
    second = world.api.get("/auth/me", headers=world.bearer(again)).json()["account"]["id"]
    assert first == second


def test_a_code_expires_after_five_minutes(world: AuthWorld) -> None:
    _send(world)
    code = world.last_code()

    world.clock.advance(pendulum.duration(minutes=5))
    status, body = _login(world, code)

    assert status == 401
    assert body["code"] == "invalid_code"


def test_a_code_is_void_after_five_wrong_tries(world: AuthWorld) -> None:
    _send(world)
    code = world.last_code()

    answers = [_login(world, _wrong(code)) for _ in range(5)]

    assert [status for status, _ in answers] == [401] * 5
    assert [body["details"] for _, body in answers] == [  # type: ignore[index]
        {"attempts_left": left} for left in (4, 3, 2, 1, 0)
    ]
    # the right code comes too late
    status, body = _login(world, code)
    assert status == 401
    assert body["code"] == "invalid_code"


def test_four_wrong_tries_leave_the_right_code_working(world: AuthWorld) -> None:
    _send(world)
    code = world.last_code()
    for _ in range(4):
        _login(world, _wrong(code))

    assert _login(world, code)[0] == 200


def test_a_new_code_waits_for_the_resend_interval(world: AuthWorld) -> None:
    _send(world)
    world.clock.advance(pendulum.duration(seconds=45))

    response = world.api.post("/auth/codes", json={"phone": PHONE})

    assert response.status_code == 429
    assert response.json()["code"] == "code_resend_too_soon"
    assert response.headers["Retry-After"] == "15"
    assert len(world.sms.sent) == 1
    world.clock.advance(pendulum.duration(seconds=15))
    _send(world)
    assert len(world.sms.sent) == 2


def test_a_new_code_replaces_the_old_one(world: AuthWorld) -> None:
    _send(world)
    old = world.last_code()
    world.clock.advance(pendulum.duration(minutes=1))
    _send(world)
    new = world.last_code()

    if old != new:
        assert _login(world, old)[0] == 401
    assert _login(world, new)[0] == 200


@pytest.mark.parametrize("phone", ["+86123", "12345", "+1 202 555 01", "not a phone"])
def test_a_number_that_cannot_exist_gets_no_code(world: AuthWorld, phone: str) -> None:
    response = world.api.post("/auth/codes", json={"phone": phone})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_phone"
    assert world.sms.sent == []


def test_a_code_for_one_number_does_not_sign_in_another(world: AuthWorld) -> None:
    _send(world)
    code = world.last_code()

    status, _ = _login(world, code, phone="+8613912345678")

    assert status == 401
