"""Account values: what an account, a login session and a one-time code may hold."""

from __future__ import annotations

import datetime as dt
import re

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking_core.accounts import (
    Account,
    AccountId,
    LoginSession,
    OneTimeCode,
    RevokeReason,
    SessionId,
    account_exists,
)
from booking_core.errors import InvalidInput, InvalidTimeRange
from booking_core.orders.actor import Actor, Role
from booking_core.staff import StaffRole

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
PHONE = "+8613812345678"
LOGIN_SHAPE = re.compile(r"[a-z0-9_.@-]{3,64}")


def _account(**changes: object) -> Account:
    values: dict[str, object] = {
        "id": AccountId("acc_1"),
        "role": Role.CUSTOMER,
        "actor_id": "cus_1",
        "created_at": T0,
    }
    values.update(changes)
    return Account(**values)  # type: ignore[arg-type]


def _session(**changes: object) -> LoginSession:
    session = LoginSession(SessionId("ses_1"), AccountId("acc_1"), "h0", 0, T0, T0.add(days=30))
    return attrs.evolve(session, **changes)


def _code(**changes: object) -> OneTimeCode:
    return attrs.evolve(OneTimeCode(PHONE, "login", "h", T0, T0.add(minutes=5)), **changes)


# -- accounts ------------------------------------------------------------------------------


def test_an_account_acts_as_its_actor() -> None:
    staff = _account(role=Role.PLATFORM, actor_id="stf_wang", staff=StaffRole.FINANCE)
    customer = _account()

    assert staff.actor() == Actor("stf_wang", Role.PLATFORM, staff=StaffRole.FINANCE)
    assert customer.actor() == Actor.customer("cus_1")
    assert _account(role=Role.PLATFORM).actor().staff is None  # a super admin


def test_nobody_signs_in_as_the_system() -> None:
    with pytest.raises(InvalidInput) as caught:
        _account(role=Role.SYSTEM)

    assert caught.value.details == {"field": "role"}


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.TECHNICIAN, Role.STORE])
def test_only_a_platform_account_has_a_staff_role(role: Role) -> None:
    with pytest.raises(InvalidInput) as caught:
        _account(role=role, staff=StaffRole.OPERATIONS)

    assert caught.value.details == {"field": "staff"}


def test_a_login_is_stored_casefolded() -> None:
    assert _account(login="Alice.Wang@Example.COM").login == "alice.wang@example.com"


@pytest.mark.parametrize(
    "login", ["ab", "a" * 65, "alice wang", "alice!", "王小明", "", "alice\n", "élodie"]
)
def test_a_login_outside_its_shape_is_refused(login: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _account(login=login)

    assert caught.value.details == {"field": "login"}


@given(st.from_regex(r"[A-Za-z0-9_.@-]{3,64}", fullmatch=True) | st.text(max_size=70))
def test_an_accepted_login_is_casefolded_and_in_shape(text: str) -> None:
    try:
        account = _account(login=text)
    except InvalidInput:
        assert not LOGIN_SHAPE.fullmatch(text.casefold())
        return
    assert account.login is not None
    assert LOGIN_SHAPE.fullmatch(account.login)
    assert account.login == text.casefold()
    # the same login in other case is the same login
    assert _account(login=text.upper()).login == _account(login=text.swapcase()).login


@pytest.mark.parametrize("phone", ["13812345678", "+0861234567", "+86 138 1234 5678", "+86"])
def test_a_phone_is_e164(phone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _account(phone=phone)

    assert caught.value.details == {"field": "phone"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", ""),
        ("id", "   "),
        ("actor_id", ""),
        ("password_hash", ""),
        ("wechat_openid", " "),
        ("wechat_openid", "o" * 129),
        ("disabled", 1),
        ("version", -1),
        ("version", True),
    ],
)
def test_malformed_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        _account(**{field: value})

    assert caught.value.details == {"field": field}


def test_an_accounts_creation_time_is_aware() -> None:
    with pytest.raises(InvalidTimeRange):
        _account(created_at=dt.datetime(2026, 3, 2, 9, 0))  # noqa: DTZ001 - naive on purpose

    converted = _account(created_at=dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    assert isinstance(converted.created_at, pendulum.DateTime)
    assert converted.created_at == T0


def test_the_taken_key_error_names_the_field_but_not_the_value() -> None:
    taken = account_exists("acc_2", "phone")
    same_id = account_exists("acc_2", "id")
    actor = account_exists("acc_2", "actor")

    assert taken.error_code == same_id.error_code == "account_exists"
    assert taken.details == {"entity": "account", "id": "acc_2", "field": "phone"}
    assert taken.message == "Another account already has this phone; choose another."
    assert str(taken) == taken.message
    assert "acc_2" in same_id.message
    assert "same actor" in actor.message


# -- login sessions ------------------------------------------------------------------------


def test_a_session_is_live_until_revoked_or_ended() -> None:
    session = _session()
    end = T0.add(days=30)

    assert session.live(T0)
    assert session.live(end.subtract(microseconds=1))
    assert not session.live(end)
    assert not session.revoked(T0.add(days=1), "logout").live(T0.add(hours=1))


def test_rotation_replaces_the_secret_and_counts_generations() -> None:
    rotated = _session().rotated("h1").rotated("h2")

    assert (rotated.refresh_hash, rotated.generation, rotated.version) == ("h2", 2, 0)


def test_a_revoked_session_has_a_time_and_a_known_reason() -> None:
    revoked = _session().revoked(T0.add(hours=1), "reuse")
    assert (revoked.revoked_at, revoked.revoked_reason) == (T0.add(hours=1), "reuse")

    with pytest.raises(InvalidInput):
        _session(revoked_at=T0)
    with pytest.raises(InvalidInput):
        _session(revoked_reason="logout")
    with pytest.raises(InvalidInput) as caught:
        _session().revoked(T0, "bored")
    assert caught.value.details == {"field": "revoked_reason"}
    assert {"logout", "reuse", "disabled", "logout_all"} == set(RevokeReason)
    assert _session().revoked(T0, RevokeReason.DISABLED).revoked_reason == "disabled"


@pytest.mark.parametrize("days", [0, -1])
def test_a_session_ends_after_it_starts(days: int) -> None:
    with pytest.raises(InvalidInput):
        _session(expires_at=T0.add(days=days))


@pytest.mark.parametrize(
    ("field", "value"), [("refresh_hash", ""), ("generation", -1), ("id", ""), ("version", -2)]
)
def test_malformed_session_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidInput):
        _session(**{field: value})


# -- one-time codes ------------------------------------------------------------------------


def test_a_code_counts_wrong_guesses_and_expires() -> None:
    code = _code().with_attempt().with_attempt()

    assert code.attempts == 2
    assert code.live(T0.add(minutes=4))
    assert not code.live(T0.add(minutes=5))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "13812345678"),
        ("purpose", ""),
        ("purpose", "p" * 33),
        ("code_hash", ""),
        ("attempts", -1),
        ("expires_at", T0),
    ],
)
def test_malformed_code_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidInput):
        _code(**{field: value})
