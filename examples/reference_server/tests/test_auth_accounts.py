"""Accounts: customer sign-up (and its crash convergence), WeChat, passwords, the
platform's staff/technician/store accounts and disabling."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.customers import Customer, CustomerDetails
from booking_core.errors import NotFound
from booking_core.ids import CustomerId
from booking_core.orders import Actor, Role
from booking_core.staff import StaffRole
from booking_core.testing import RecordingNotifier, SequentialIds
from booking_server import create_app
from booking_server.auth import AuthConfig, FakeWeChatLogin, Passwords, build_accounts
from booking_server.auth.accounts import AccountService, Directory
from booking_server.credentials import headers_for

from .auth_support import SECRET, AuthWorld, auth_world, cheap_passwords


@pytest.fixture
def world() -> AuthWorld:
    return auth_world()


def _as(world: AuthWorld, actor: Actor) -> dict[str, str]:
    return headers_for(world.api.app, actor)  # type: ignore[arg-type]


# --- customer sign-up ----------------------------------------------------------------------


def test_sign_up_creates_the_account_and_the_customer(world: AuthWorld) -> None:
    response = world.api.post(
        "/auth/signup", json={"login": "Alice", "password": "correct horse", "nickname": "爱丽丝"}
    )

    assert response.status_code == 201, response.json()
    headers = world.bearer(response.json())
    me = world.api.get("/auth/me", headers=headers).json()
    assert me["account"]["login"] == "alice"
    assert me["account"]["role"] == "customer"
    assert me["account"]["has_password"] is True
    customer = world.api.get("/customers/me", headers=headers).json()
    assert customer["id"] == me["account"]["actor_id"]
    assert customer["nickname"] == "爱丽丝"


def test_a_technician_signs_up_then_applies_with_the_id_his_account_fixed(
    world: AuthWorld,
) -> None:
    credentials = {"login": "zhao.min", "password": "massage 2026"}
    response = world.api.post("/auth/technician-signup", json=credentials)
    taken = world.api.post("/auth/technician-signup", json=credentials)

    assert response.status_code == 201, response.json()
    headers = world.bearer(response.json())
    account = world.api.get("/auth/me", headers=headers).json()["account"]
    assert (account["role"], account["has_password"]) == ("technician", True)
    # Not on the platform until he applies; his application registers him under that id.
    assert world.api.get(f"/technicians/{account['actor_id']}").status_code == 404
    assert taken.json()["code"] == "account_exists"
    signed_in = world.api.post(
        "/auth/token", data={"username": "ZHAO.MIN", "password": "massage 2026"}
    )
    assert signed_in.status_code == 200


def test_a_taken_login_is_409_whatever_its_case(world: AuthWorld) -> None:
    world.sign_up("alice")

    response = world.api.post("/auth/signup", json={"login": "ALICE", "password": "other pass"})

    assert response.status_code == 409
    assert response.json()["code"] == "account_exists"


@pytest.mark.parametrize("password", ["short", "        ", "x" * 257])
def test_a_weak_password_is_refused(world: AuthWorld, password: str) -> None:
    response = world.api.post("/auth/signup", json={"login": "alice", "password": password})

    assert response.status_code == 422
    assert (
        world.api.post("/auth/token", data={"username": "alice", "password": password}).status_code
        == 401
    )


class _CrashOnce:
    """CustomerService whose first register dies (the process crashing after the account)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.crashed = False

    def register(self, details: CustomerDetails, actor: Actor) -> Customer:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("crash between the account and the customer")
        result: Customer = self._inner.register(details, actor)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _crashing_world() -> tuple[AuthWorld, TestClient]:
    world = auth_world()
    booking = world.booking
    accounts = AccountService(
        booking.uow,
        booking.clock,
        SequentialIds(),
        passwords=cheap_passwords(),
        tokens=world.api.app.state.accounts._tokens,  # type: ignore[attr-defined]
        notifier=RecordingNotifier(),
        wechat=FakeWeChatLogin(),
        config=world.config,
        directory=Directory(_CrashOnce(booking.customers), booking.technicians, booking.stores),  # type: ignore[arg-type]
    )
    api = TestClient(create_app(booking, accounts=accounts), raise_server_exceptions=False)
    return world, api


@pytest.mark.parametrize("retry", ["sign up again", "sign in"])
def test_a_sign_up_that_crashed_halfway_converges_on_retry(retry: str) -> None:
    world, api = _crashing_world()
    body = {"login": "alice", "password": "correct horse"}

    crashed = api.post("/auth/signup", json=body)

    assert crashed.status_code == 500
    with world.booking.uow() as uow:
        account = uow.accounts.find(login="alice")
        assert account is not None
        with pytest.raises(NotFound):  # the account is there, the customer is not
            uow.customers.get(CustomerId(account.actor_id))
    if retry == "sign up again":
        response = api.post("/auth/signup", json=body)
        assert response.status_code == 201, response.json()
    else:
        response = api.post("/auth/token", data={"username": "alice", "password": "correct horse"})
        assert response.status_code == 200, response.json()
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    customer = api.get("/customers/me", headers=headers)
    assert customer.status_code == 200
    assert customer.json()["id"] == account.actor_id  # the id derived from the account's
    with world.booking.uow() as uow:
        assert uow.accounts.find(actor=(Role.CUSTOMER, account.actor_id)) == account


def test_a_sign_up_retry_with_another_password_is_not_a_retry(world: AuthWorld) -> None:
    world.sign_up("alice", "correct horse")

    response = world.api.post("/auth/signup", json={"login": "alice", "password": "guessing!!"})

    assert response.status_code == 409


# --- WeChat --------------------------------------------------------------------------------


def test_a_new_wechat_user_becomes_a_customer_and_comes_back_as_the_same(
    world: AuthWorld,
) -> None:
    first = world.api.post("/auth/wechat-login", json={"js_code": "wx-code-of-alice"})
    again = world.api.post("/auth/wechat-login", json={"js_code": "wx-code-of-alice"})
    other = world.api.post("/auth/wechat-login", json={"js_code": "wx-code-of-bob"})

    assert first.status_code == again.status_code == other.status_code == 200
    me = [
        world.api.get("/auth/me", headers=world.bearer(r.json())).json()["account"]
        for r in (first, again, other)
    ]
    assert me[0]["id"] == me[1]["id"] != me[2]["id"]
    assert me[0]["wechat_linked"] is True
    assert me[0]["role"] == "customer"
    assert world.api.get("/customers/me", headers=world.bearer(first.json())).status_code == 200


def test_a_refused_wechat_code_is_401(world: AuthWorld) -> None:
    response = world.api.post("/auth/wechat-login", json={"js_code": "invalid-spent"})

    assert response.status_code == 401
    assert response.json()["code"] == "wechat_login_failed"


# --- passwords -----------------------------------------------------------------------------


class _CountingHasher:
    def __init__(self) -> None:
        self.verified = 0

    def hash(self, password: str) -> str:
        return f"h:{password}"

    def verify(self, password: str, password_hash: str) -> bool:
        self.verified += 1
        return password_hash == f"h:{password}"


def test_an_unknown_login_still_costs_a_password_verification() -> None:
    # No shortcut for a login that does not exist: its answer takes as long as a wrong
    # password's, so timing does not tell which logins exist.
    hasher = _CountingHasher()
    world = auth_world()
    accounts = build_accounts(
        world.booking,
        config=AuthConfig(token_secret=SECRET),
        notifier=RecordingNotifier(),
        passwords=Passwords(hasher),  # type: ignore[arg-type]
    )
    api = TestClient(create_app(world.booking, accounts=accounts))

    api.post("/auth/token", data={"username": "nobody", "password": "whatever!"})

    assert hasher.verified == 1


def test_changing_the_password_signs_out_everywhere_and_answers_new_tokens(
    world: AuthWorld,
) -> None:
    old = world.sign_up("alice", "correct horse")

    wrong = world.api.post(
        "/auth/password",
        json={"current_password": "not it at all", "new_password": "battery staple"},
        headers=world.bearer(old),
    )
    changed = world.api.post(
        "/auth/password",
        json={"current_password": "correct horse", "new_password": "battery staple"},
        headers=world.bearer(old),
    )

    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert changed.status_code == 200
    assert world.api.get("/auth/me", headers=world.bearer(old)).status_code == 401
    assert world.api.get("/auth/me", headers=world.bearer(changed.json())).status_code == 200
    login = world.api.post("/auth/token", data={"username": "alice", "password": "battery staple"})
    assert login.status_code == 200
    old_login = world.api.post(
        "/auth/token", data={"username": "alice", "password": "correct horse"}
    )
    assert old_login.status_code == 401


def test_a_code_customer_sets_a_first_password_without_a_current_one(world: AuthWorld) -> None:
    tokens = world.api.post("/auth/wechat-login", json={"js_code": "wx-alice"}).json()

    response = world.api.post(
        "/auth/password", json={"new_password": "battery staple"}, headers=world.bearer(tokens)
    )

    assert response.status_code == 200
    me = world.api.get("/auth/me", headers=world.bearer(response.json())).json()
    assert me["account"]["has_password"] is True


# --- the platform's accounts ------------------------------------------------------------


def test_a_super_admin_creates_a_staff_account_that_signs_in_in_its_sub_role(
    world: AuthWorld,
) -> None:
    admin = _as(world, Actor.platform("root", StaffRole.SUPER_ADMIN))

    created = world.api.post(
        "/auth/accounts",
        json={"role": "platform", "staff": "finance", "login": "fin", "password": "ledger pass"},
        headers=admin,
    )

    assert created.status_code == 201, created.json()
    tokens = world.api.post("/auth/token", data={"username": "fin", "password": "ledger pass"})
    me = world.api.get("/auth/me", headers=world.bearer(tokens.json())).json()
    assert me["account"]["staff"] == "finance"
    assert me["account"]["actor_id"] == created.json()["actor_id"]


@pytest.mark.parametrize(
    "staff", [StaffRole.OPERATIONS, StaffRole.FINANCE, StaffRole.CUSTOMER_SERVICE]
)
def test_only_a_super_admin_creates_staff_accounts(world: AuthWorld, staff: StaffRole) -> None:
    response = world.api.post(
        "/auth/accounts",
        json={"role": "platform", "staff": "super_admin", "login": "me2", "password": "escalate!"},
        headers=_as(world, Actor.platform("someone", staff)),
    )

    assert response.status_code == 403


def test_operations_creates_a_technicians_account_for_an_existing_technician(
    world: AuthWorld,
) -> None:
    ops = _as(world, Actor.platform("ops", StaffRole.OPERATIONS))
    technician = world.api.post(
        "/technicians",
        json={"name": "李伟", "time_zone": "Asia/Shanghai", "weekly_hours": {}, "service_ids": []},
        headers=ops,
    )
    assert technician.status_code == 201, technician.json()
    tid = technician.json()["id"]

    created = world.api.post(
        "/auth/accounts",
        json={"role": "technician", "actor_id": tid, "phone": "+8613912345678"},
        headers=ops,
    )
    unknown = world.api.post(
        "/auth/accounts", json={"role": "technician", "actor_id": "tec_9999"}, headers=ops
    )
    twice = world.api.post(
        "/auth/accounts", json={"role": "technician", "actor_id": tid}, headers=ops
    )

    assert created.status_code == 201, created.json()
    assert unknown.status_code == 404
    assert twice.status_code == 409
    assert twice.json()["code"] == "account_exists"
    # he signs in with a code sent to his phone
    world.api.post("/auth/codes", json={"phone": "+8613912345678"})
    tokens = world.api.post(
        "/auth/code-login", json={"phone": "+8613912345678", "code": world.last_code()}
    )
    me = world.api.get("/auth/me", headers=world.bearer(tokens.json())).json()
    assert (me["account"]["role"], me["account"]["actor_id"]) == ("technician", tid)


def test_customers_and_other_roles_create_no_accounts(world: AuthWorld) -> None:
    for actor in (Actor.customer("cus_x"), Actor("tec_x", Role.TECHNICIAN)):
        response = world.api.post(
            "/auth/accounts",
            json={"role": "platform", "login": "sneaky", "password": "sneaky pass"},
            headers=_as(world, actor),
        )
        assert response.status_code == 403


def test_only_a_super_admin_disables_accounts(world: AuthWorld) -> None:
    tokens = world.sign_up("alice")
    account_id = world.api.get("/auth/me", headers=world.bearer(tokens)).json()["account"]["id"]
    ops = _as(world, Actor.platform("ops", StaffRole.OPERATIONS))

    refused = world.api.post(f"/auth/accounts/{account_id}/disable", headers=ops)
    unknown = world.api.post(
        "/auth/accounts/acc_9999/disable", headers=_as(world, Actor.platform("root"))
    )

    assert refused.status_code == 403
    assert unknown.status_code == 404
    assert world.api.get("/auth/me", headers=world.bearer(tokens)).status_code == 200


def test_the_stand_in_headers_work_only_behind_the_test_setting() -> None:
    world = auth_world()
    trusting = TestClient(
        create_app(world.booking, accounts=world.api.app.state.accounts, trust_actor_headers=True)  # type: ignore[attr-defined]
    )
    headers = {"X-Actor-Id": "admin-1", "X-Actor-Role": "platform"}

    assert trusting.post("/categories", json={"name": "a"}, headers=headers).status_code == 201
    assert world.api.post("/categories", json={"name": "b"}, headers=headers).status_code == 401
