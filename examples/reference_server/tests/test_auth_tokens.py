"""Tokens: password sign-in, refresh rotation and reuse, sign-out, and every token refused.

Must show (issue 10): a forged token, an expired token, another person's token (it acts as
that person, never as you) and a token of a revoked session are refused.
"""

from __future__ import annotations

from typing import Any

import jwt
import pendulum
import pytest

from booking_core.orders import Actor, Role
from booking_server.credentials import headers_for

from .auth_support import SECRET, AuthWorld, auth_world


@pytest.fixture
def world() -> AuthWorld:
    return auth_world()


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _refused(world: AuthWorld, headers: dict[str, str]) -> None:
    response = world.api.get("/customers/me", headers=headers)
    assert response.status_code == 401, response.json()
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- signing in -------------------------------------------------------------------------


def test_a_password_sign_in_answers_an_oauth2_token_response(world: AuthWorld) -> None:
    world.sign_up("alice")

    response = world.api.post(
        "/auth/token", data={"username": "Alice", "password": "correct horse"}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    session_id, _, secret = body["refresh_token"].rpartition(".")
    assert session_id.startswith("ses_")
    assert len(secret) >= 32
    claims = _claims(body["access_token"])
    assert claims["role"] == "customer"
    assert claims["sid"] == session_id
    assert claims["iss"] == world.config.issuer
    assert claims["aud"] == world.config.audience
    assert claims["exp"] - claims["iat"] == 15 * 60
    me = world.api.get("/customers/me", headers=world.bearer(body))
    assert me.status_code == 200
    assert me.json()["id"] == claims["actor"]


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong horse!"), ("nobody", "correct horse"), ("+8613812345678", "whatever!")],
)
def test_a_wrong_login_or_password_is_the_same_401(
    world: AuthWorld, username: str, password: str
) -> None:
    world.sign_up("alice")

    response = world.api.post("/auth/token", data={"username": username, "password": password})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["detail"] == "The login or the password is wrong."


def test_the_refresh_secret_is_stored_only_as_its_hash(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    session_id, _, secret = tokens["refresh_token"].rpartition(".")

    with world.booking.uow() as uow:
        session = uow.accounts.session(session_id)

    assert secret not in session.refresh_hash
    assert len(session.refresh_hash) == 64  # SHA-256, hex


# --- refresh: rotation and reuse ---------------------------------------------------------


def test_a_refresh_rotates_the_refresh_token(world: AuthWorld) -> None:
    first = world.sign_up("alice")

    second = world.api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert second.status_code == 200, second.json()
    new = second.json()
    assert new["refresh_token"] != first["refresh_token"]
    assert new["refresh_token"].split(".")[0] == first["refresh_token"].split(".")[0]
    assert world.api.get("/customers/me", headers=world.bearer(new)).status_code == 200
    third = world.api.post("/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert third.status_code == 200


def test_a_spent_refresh_token_coming_back_ends_the_whole_session(world: AuthWorld) -> None:
    first = world.sign_up("alice")
    second = world.api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()

    # the old refresh token is presented again (someone copied it)
    reuse = world.api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert reuse.status_code == 401
    assert reuse.json()["code"] == "invalid_refresh_token"
    # the session is gone for the rightful owner too: his newer tokens stop working
    again = world.api.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401
    _refused(world, world.bearer(second))
    with world.booking.uow() as uow:
        session = uow.accounts.session(first["refresh_token"].split(".")[0])
    assert session.revoked_reason == "reuse"


@pytest.mark.parametrize("token", ["", "no-dot", "ses_9999.secret", "a" * 600])
def test_a_malformed_or_unknown_refresh_token_is_401(world: AuthWorld, token: str) -> None:
    response = world.api.post("/auth/refresh", json={"refresh_token": token})

    assert response.status_code in (401, 422)
    if response.status_code == 401:
        assert response.json()["code"] == "invalid_refresh_token"


def test_a_session_ends_after_its_absolute_lifetime_however_often_refreshed(
    world: AuthWorld,
) -> None:
    tokens = world.sign_up("alice")
    for days in (10, 10, 9):
        world.clock.advance(pendulum.duration(days=days))
        response = world.api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert response.status_code == 200
        tokens = response.json()

    # 30 days after signing in
    world.clock.advance(pendulum.duration(days=1))
    response = world.api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 401


# --- signing out -------------------------------------------------------------------------


def test_logout_ends_this_session_at_once(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    other = world.api.post(
        "/auth/token", data={"username": "alice", "password": "correct horse"}
    ).json()

    response = world.api.post("/auth/logout", headers=world.bearer(tokens))

    assert response.status_code == 204
    _refused(world, world.bearer(tokens))
    refresh = world.api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    # another device of the same account stays signed in
    assert world.api.get("/customers/me", headers=world.bearer(other)).status_code == 200


def test_logout_all_ends_every_session_of_the_account_only(world: AuthWorld) -> None:
    phone = world.sign_up("alice")
    laptop = world.api.post(
        "/auth/token", data={"username": "alice", "password": "correct horse"}
    ).json()
    bob = world.sign_up("bob")

    response = world.api.post("/auth/logout-all", headers=world.bearer(laptop))

    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    _refused(world, world.bearer(phone))
    _refused(world, world.bearer(laptop))
    assert world.api.get("/customers/me", headers=world.bearer(bob)).status_code == 200


# --- must show: every bad token is refused -----------------------------------------------


def test_a_forged_token_is_refused(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    claims = _claims(tokens["access_token"])
    # the same claims, signed with a key that is not the server's
    forged = jwt.encode(claims, "not-the-server-secret-but-long-enough-0123", algorithm="HS256")
    # and a token that claims to be unsigned
    unsigned = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]

    _refused(world, {"Authorization": f"Bearer {forged}"})
    _refused(world, {"Authorization": f"Bearer {unsigned}"})
    _refused(world, {"Authorization": "Bearer not.a.token"})


def test_a_token_with_changed_claims_is_refused(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    header, _payload, signature = tokens["access_token"].split(".")
    claims = _claims(tokens["access_token"])
    claims["role"] = "platform"
    tampered_payload = jwt.encode(claims, "x" * 32, algorithm="HS256").split(".")[1]

    _refused(world, {"Authorization": f"Bearer {header}.{tampered_payload}.{signature}"})


def test_an_expired_token_is_refused(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    assert world.api.get("/customers/me", headers=world.bearer(tokens)).status_code == 200

    world.clock.advance(pendulum.duration(minutes=15))

    _refused(world, world.bearer(tokens))
    # the refresh token still gets a fresh one
    fresh = world.api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert world.api.get("/customers/me", headers=world.bearer(fresh.json())).status_code == 200


def test_a_token_for_another_audience_or_issuer_is_refused(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    claims = _claims(tokens["access_token"])

    for change in ({"aud": "another-api"}, {"iss": "someone-else"}):
        token = jwt.encode({**claims, **change}, SECRET, algorithm="HS256")
        _refused(world, {"Authorization": f"Bearer {token}"})


def test_a_token_of_an_unknown_session_is_refused(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    claims = {**_claims(tokens["access_token"]), "sid": "ses_9999"}
    token = jwt.encode(claims, SECRET, algorithm="HS256")

    _refused(world, {"Authorization": f"Bearer {token}"})


def test_a_token_of_a_revoked_session_is_refused(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    assert world.api.post("/auth/logout", headers=world.bearer(tokens)).status_code == 204

    # the token has not expired, its signature is right: the session is what ended
    assert _claims(tokens["access_token"])["exp"] > int(world.clock.now().timestamp())
    _refused(world, world.bearer(tokens))


def test_another_persons_token_acts_as_that_person_never_as_you(world: AuthWorld) -> None:
    # given Alice with an order, and Bob with his own token
    platform = headers_for(world.api.app, Actor.platform("admin-1"))  # type: ignore[arg-type]
    category = world.api.post("/categories", json={"name": "按摩"}, headers=platform).json()
    service = world.api.post(
        "/services",
        json={
            "category_id": category["id"],
            "name": "推拿",
            "duration_minutes": 60,
            "price": {"amount": 19900, "currency": "CNY"},
        },
        headers=platform,
    ).json()
    technician = world.api.post(
        "/technicians",
        json={
            "name": "李伟",
            "time_zone": "Asia/Shanghai",
            "weekly_hours": {"tue": ["09:00-12:00"]},
            "service_ids": [service["id"]],
        },
        headers=platform,
    ).json()
    alice, bob = world.bearer(world.sign_up("alice")), world.bearer(world.sign_up("bob"))
    order = world.api.post(
        "/orders",
        json={
            "technician_id": technician["id"],
            "service_id": service["id"],
            "start": "2026-03-03T10:00:00+08:00",
        },
        headers=alice,
    )
    assert order.status_code == 201, order.json()

    # when Bob reads Alice's order with his token
    response = world.api.get(f"/orders/{order.json()['id']}", headers=bob)

    # then he is Bob: refused, as Bob is for any order not his
    assert response.status_code in (403, 404)
    assert world.api.get("/orders", headers=bob).json()["items"] == []
    assert len(world.api.get("/orders", headers=alice).json()["items"]) == 1


def test_a_disabled_accounts_tokens_are_refused(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    me = world.api.get("/auth/me", headers=world.bearer(tokens)).json()
    admin = headers_for(world.api.app, Actor.platform("root"))  # type: ignore[arg-type]

    response = world.api.post(f"/auth/accounts/{me['account']['id']}/disable", headers=admin)

    assert response.status_code == 200
    assert response.json()["disabled"] is True
    _refused(world, world.bearer(tokens))
    login = world.api.post("/auth/token", data={"username": "alice", "password": "correct horse"})
    assert login.status_code == 403
    assert login.json()["code"] == "account_disabled"


# --- the header stand-in is gone --------------------------------------------------------


def test_the_stand_in_headers_are_not_believed_by_default(world: AuthWorld) -> None:
    response = world.api.post(
        "/categories",
        json={"name": "美容"},
        headers={"X-Actor-Id": "admin", "X-Actor-Role": "platform"},
    )

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_headers_for_makes_a_real_token_of_the_actors_account(world: AuthWorld) -> None:
    app = world.api.app
    headers = headers_for(app, Actor("tec_0001", Role.TECHNICIAN))  # type: ignore[arg-type]

    me = world.api.get("/auth/me", headers=headers)

    assert set(headers) == {"Authorization"}
    assert me.status_code == 200
    assert me.json()["account"]["role"] == "technician"
    assert me.json()["account"]["actor_id"] == "tec_0001"
    # a second call reuses the account: one account per actor
    headers_for(app, Actor("tec_0001", Role.TECHNICIAN))  # type: ignore[arg-type]
    with world.booking.uow() as uow:
        account = uow.accounts.find(actor=(Role.TECHNICIAN, "tec_0001"))
    assert account is not None
    assert account.id == me.json()["account"]["id"]


def test_the_openapi_document_declares_the_oauth2_password_flow(world: AuthWorld) -> None:
    document = world.api.get("/openapi.json").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "OAuth2PasswordBearer": {
            "type": "oauth2",
            "flows": {"password": {"scopes": {}, "tokenUrl": "/auth/token"}},
            "description": schemes["OAuth2PasswordBearer"]["description"],
        }
    }
    assert document["paths"]["/orders"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]
