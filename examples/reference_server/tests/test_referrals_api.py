"""Referrals, distributors and commissions over HTTP (issue 13, 分销;
docs/server/referrals.md): codes and binding, applications and staff decisions, team and
commissions, the platform's view, and each error code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.orders import Actor, Role
from booking_core.referrals import Admission, AdmissionMode, ReferralPolicy
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds

from .conftest import DAY

Headers = dict[str, str]
Json = dict[str, Any]
WEEK = {"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-09T00:00:00+08:00"}


@pytest.fixture
def booking_app(clock: FrozenClock, gateway: ScriptedPaymentGateway) -> BookingApp:
    return build(
        uow=InMemoryStore().unit_of_work,
        payments=gateway,
        clock=clock,
        ids=SequentialIds(),
        referral_policy=ReferralPolicy(admission=Admission(AdmissionMode.APPROVAL)),
    )


@pytest.fixture
def marketing(as_: Callable[[Actor], Headers]) -> Headers:
    # Operations hold the promotions permission; finance holds books.
    return as_(Actor.platform("ops-1", StaffRole.OPERATIONS))


@pytest.fixture
def finance(as_: Callable[[Actor], Headers]) -> Headers:
    return as_(Actor.platform("fin-1", StaffRole.FINANCE))


def test_a_member_gets_one_code_and_its_link(client: TestClient, alice: Headers) -> None:
    first = client.get("/me/referral-code", headers=alice).json()
    again = client.get("/me/referral-code", headers=alice).json()

    assert first == again
    assert first["owner"] == "customer:cus-alice"
    assert first["link"] == f"https://example.com/invite?code={first['code']}"


def test_binding_to_a_code_and_its_refusals(
    client: TestClient, alice: Headers, bob: Headers, technician: Headers
) -> None:
    code = client.get("/me/referral-code", headers=alice).json()["code"]
    bob_code = client.get("/me/referral-code", headers=bob).json()["code"]

    # typed loosely: lower case, with a dash
    typed = f"{code[:4].lower()}-{code[4:]}"
    bound = client.post("/me/referrer", json={"code": typed}, headers=bob)
    same = client.post("/me/referrer", json={"code": code}, headers=bob)
    own = client.post("/me/referrer", json={"code": code}, headers=alice)
    cycle = client.post("/me/referrer", json={"code": bob_code}, headers=alice)
    unknown = client.post("/me/referrer", json={"code": "ZZZZZZZZ"}, headers=technician)
    moved = client.post(
        "/me/referrer", json={"code": client.get("/me/referral-code", headers=technician).json()[
            "code"]}, headers=bob
    )  # fmt: skip

    assert bound.status_code == 200, bound.json()
    assert (bound.json()["referee"], bound.json()["referrer"]) == (
        "customer:cus-bob",
        "customer:cus-alice",
    )
    assert same.json() == bound.json()
    assert (own.status_code, own.json()["code"]) == (422, "invalid_referral")
    assert (cycle.status_code, cycle.json()["code"]) == (409, "referral_not_allowed")
    assert cycle.json()["details"]["reason"] == "cycle"
    assert (unknown.status_code, unknown.json()["code"]) == (404, "referral_code_not_found")
    assert (moved.status_code, moved.json()["details"]["reason"]) == (409, "already_bound")


def test_staff_are_no_members(client: TestClient, marketing: Headers) -> None:
    refused = client.get("/me/referral-code", headers=marketing)

    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_an_application_waits_for_staff_who_decide(
    client: TestClient,
    alice: Headers,
    bob: Headers,
    marketing: Headers,
    finance: Headers,
) -> None:
    # given two applications
    applied = client.post("/me/distributor-application", headers=alice).json()
    client.post("/me/distributor-application", headers=bob)
    twice = client.post("/me/distributor-application", headers=alice)

    # when staff list the queue, approve one, reject the other, then suspend and resume
    queue = client.get("/distributors", params={"status": "applied"}, headers=finance).json()
    approved = client.post("/distributors/customer:cus-alice/approve", headers=marketing)
    rejected = client.post(
        "/distributors/customer:cus-bob/reject", json={"reason": "Spam"}, headers=marketing
    )
    suspended = client.post(
        "/distributors/customer:cus-alice/suspend", json={"reason": "Abuse"}, headers=marketing
    )
    resumed = client.post("/distributors/customer:cus-alice/resume", headers=marketing)
    not_applied = client.post("/distributors/customer:cus-bob/approve", headers=marketing)
    by_finance = client.post("/distributors/customer:cus-bob/approve", headers=finance)
    malformed = client.post("/distributors/nobody/approve", headers=marketing)

    # then each moves as the rules say
    assert applied["status"] == "applied"
    assert (twice.status_code, twice.json()["details"]["reason"]) == (409, "already")
    assert [d["member"] for d in queue["items"]] == ["customer:cus-alice", "customer:cus-bob"]
    assert approved.json()["status"] == "active"
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "Spam")
    assert suspended.json()["status"] == "suspended"
    assert resumed.json()["status"] == "active"
    assert (not_applied.status_code, not_applied.json()["code"]) == (409, "referral_not_allowed")
    assert not_applied.json()["details"]["reason"] == "not_applied"
    assert by_finance.status_code == 403
    assert (malformed.status_code, malformed.json()["code"]) == (422, "invalid_referral")


def _bob_refers_alice(client: TestClient, alice: Headers, bob: Headers, staff: Headers) -> None:
    """Bob, an active distributor (``staff`` approve him), referred Alice before her first
    order."""
    code = client.get("/me/referral-code", headers=bob).json()["code"]
    client.post("/me/distributor-application", headers=bob)
    client.post("/distributors/customer:cus-bob/approve", headers=staff)
    assert client.post("/me/referrer", json={"code": code}, headers=alice).status_code == 200


def _pays(client: TestClient, place: Callable[..., Json], alice: Headers, start: str) -> str:
    """Alice places and pays an order of 199.00 at ``start``; its id."""
    order_id: str = place(start)["id"]
    assert client.post(f"/orders/{order_id}/payments", headers=alice).status_code == 200
    return order_id


def test_a_distributor_earns_on_his_referees_orders(
    client: TestClient,
    booking_app: BookingApp,
    shop: dict[str, str],
    place: Callable[..., Json],
    alice: Headers,
    bob: Headers,
    marketing: Headers,
    finance: Headers,
) -> None:
    # given Bob, an active distributor, who referred Alice before her first order
    _bob_refers_alice(client, alice, bob, marketing)

    # when Alice pays an order of 199.00
    _pays(client, place, alice, f"{DAY}T10:00:00+08:00")
    commissions = client.get("/me/commissions", headers=bob).json()
    frozen = client.get("/me/commissions", params={"state": "settled"}, headers=bob).json()
    team = client.get("/me/team", headers=bob).json()
    summary = client.get("/referrals/summary", params=WEEK, headers=finance).json()

    # then Bob's 5 % (9.95) is frozen
    (commission,) = commissions["items"]
    assert (commission["level"], commission["state"]) == (1, "frozen")
    assert commission["amount"] == {"amount": 995, "currency": "CNY"}
    assert commissions["totals"] == [
        {"state": "frozen", "total": {"amount": 995, "currency": "CNY"}}
    ]
    assert frozen["items"] == []
    assert team["items"][0]["members"] == 1
    assert summary["beneficiaries"] == 1


def test_a_member_sees_his_team_by_level(
    client: TestClient, alice: Headers, bob: Headers, technician: Headers
) -> None:
    code = client.get("/me/referral-code", headers=alice).json()["code"]
    client.post("/me/referrer", json={"code": code}, headers=bob)
    bob_code = client.get("/me/referral-code", headers=bob).json()["code"]
    client.post("/me/referrer", json={"code": bob_code}, headers=technician)

    team = client.get("/me/team", headers=alice).json()["items"]

    assert [(t["level"], t["members"]) for t in team] == [(1, 1), (2, 1)]


def test_only_books_staff_see_the_platform_view(
    client: TestClient, marketing: Headers, alice: Headers
) -> None:
    refused = [client.get("/referrals/summary", params=WEEK, headers=h) for h in (marketing, alice)]

    assert [r.status_code for r in refused] == [403, 403]


def test_only_staff_list_distributors(client: TestClient, technician: Headers) -> None:
    refused = client.get("/distributors", headers=technician)

    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_a_technician_applies_too(
    client: TestClient, shop: dict[str, str], technician: Headers
) -> None:
    applied = client.post("/me/distributor-application", headers=technician).json()

    assert applied["member"] == f"technician:{shop['technician_id']}"
    assert Role.TECHNICIAN.value in applied["member"]


def test_a_member_reads_who_referred_him(
    client: TestClient,
    shop: dict[str, str],
    alice: Headers,
    bob: Headers,
    technician: Headers,
    marketing: Headers,
) -> None:
    # given Bob, not bound yet, and a technician bound to nobody ever
    code = client.get("/me/referral-code", headers=alice).json()["code"]
    before = client.get("/me/referrer", headers=bob)
    unbound = client.get("/me/referrer", headers=technician)

    # when Bob binds to Alice's code and reads his referrer
    bound = client.post("/me/referrer", json={"code": code}, headers=bob).json()
    read = client.get("/me/referrer", headers=bob)
    staff = client.get("/me/referrer", headers=marketing)

    # then he reads the binding the bind answered, history and all; before it, 404 names
    # him (a technician as a technician); staff are no members
    assert (before.status_code, before.json()["code"]) == (404, "referral_binding_not_found")
    assert before.json()["details"] == {"entity": "referral_binding", "id": "customer:cus-bob"}
    assert unbound.json()["details"]["id"] == f"technician:{shop['technician_id']}"
    assert read.status_code == 200
    assert read.json() == bound
    assert (read.json()["referrer"], read.json()["history"][0]["code"]) == (
        "customer:cus-alice",
        code,
    )
    assert (staff.status_code, staff.json()["code"]) == (403, "permission_denied")


def test_a_member_reads_his_distributor_record(
    client: TestClient, alice: Headers, bob: Headers, marketing: Headers
) -> None:
    # given Alice, who never applied, and Bob, who applied
    never = client.get("/me/distributor", headers=alice)
    applied = client.post("/me/distributor-application", headers=bob).json()
    waiting = client.get("/me/distributor", headers=bob).json()

    # when staff reject Bob, and he reads his record again
    client.post("/distributors/customer:cus-bob/reject", json={"reason": "Fake"}, headers=marketing)
    rejected = client.get("/me/distributor", headers=bob).json()
    staff = client.get("/me/distributor", headers=marketing)

    # then Alice is no distributor (404), Bob reads each state with who decided and why
    assert (never.status_code, never.json()["code"]) == (404, "distributor_not_found")
    assert never.json()["details"] == {"entity": "distributor", "id": "customer:cus-alice"}
    assert waiting == applied
    assert (waiting["status"], waiting["decided_by"]) == ("applied", None)
    assert (rejected["status"], rejected["reason"], rejected["decided_by"]) == (
        "rejected",
        "Fake",
        "ops-1",
    )
    assert (staff.status_code, staff.json()["code"]) == (403, "permission_denied")


def test_books_staff_read_one_members_commissions(
    client: TestClient,
    clock: FrozenClock,
    shop: dict[str, str],
    place: Callable[..., Json],
    alice: Headers,
    bob: Headers,
    marketing: Headers,
    finance: Headers,
) -> None:
    # given Bob, an active distributor, who referred Alice; she pays two orders a day apart
    _bob_refers_alice(client, alice, bob, marketing)
    first = _pays(client, place, alice, f"{DAY}T10:00:00+08:00")
    clock.set(clock.now().add(days=1))
    second = _pays(client, place, alice, f"{DAY}T14:00:00+08:00")
    path = "/distributors/customer:cus-bob/commissions"

    # when finance reads Bob's commissions: all, a page at a time, by state, the first day
    everything = client.get(path, headers=finance).json()
    his_own = client.get("/me/commissions", headers=bob).json()
    page = client.get(path, params={"limit": 1}, headers=finance).json()
    rest = client.get(path, params={"cursor": page["next_cursor"]}, headers=finance).json()
    frozen = client.get(path, params={"state": "frozen"}, headers=finance).json()
    settled = client.get(path, params={"state": "settled"}, headers=finance).json()
    first_day = {"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-03T00:00:00+08:00"}
    day = client.get(path, params=first_day, headers=finance).json()

    # then he sees what Bob sees, oldest first, a page at a time; the state filters the
    # items, not the totals; the period filters both
    assert everything == his_own
    assert [c["order_id"] for c in everything["items"]] == [first, second]
    assert everything["totals"] == [
        {"state": "frozen", "total": {"amount": 1990, "currency": "CNY"}}
    ]
    assert [c["order_id"] for c in page["items"]] == [first]
    assert ([c["order_id"] for c in rest["items"]], rest["next_cursor"]) == ([second], None)
    assert frozen["items"] == everything["items"]
    assert (settled["items"], settled["totals"]) == ([], everything["totals"])
    assert [c["order_id"] for c in day["items"]] == [first]
    assert day["totals"] == [{"state": "frozen", "total": {"amount": 995, "currency": "CNY"}}]


def test_only_books_staff_and_the_member_read_his_commissions(
    client: TestClient, alice: Headers, bob: Headers, marketing: Headers, finance: Headers
) -> None:
    path = "/distributors/customer:cus-bob/commissions"

    answers = {
        name: client.get(path, headers=headers)
        for name, headers in {"bob": bob, "alice": alice, "marketing": marketing}.items()
    }
    malformed = client.get("/distributors/nobody/commissions", headers=finance)

    assert {name: r.status_code for name, r in answers.items()} == {
        "bob": 200,
        "alice": 403,
        "marketing": 403,
    }
    assert answers["bob"].json() == {"items": [], "next_cursor": None, "totals": []}
    assert (malformed.status_code, malformed.json()["code"]) == (422, "invalid_referral")
