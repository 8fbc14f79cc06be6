"""Technicians' applications and the platform's review over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.orders import Actor, Role

from .conftest import DAY, ZONE, Headers, headers_of

PROBLEM = "application/problem+json"
ZHAO = Actor("tec-zhao", Role.TECHNICIAN)  # his chosen id, before he is registered
QIAN = Actor("tec-qian", Role.TECHNICIAN)
DOCUMENTS: list[dict[str, Any]] = [
    {"kind": "id_card", "file_reference": "uploads/id.jpg"},
    {"kind": "health_certificate", "file_reference": "uploads/h.pdf", "expires_on": "2027-01-31"},
    {"kind": "skill_certificate", "file_reference": "uploads/s.pdf", "expires_on": "2028-06-30"},
]


def _application(name: str = "赵敏 Zhao Min", **changes: Any) -> dict[str, Any]:
    return {
        "name": name,
        "time_zone": ZONE,
        "weekly_hours": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"]},
        "documents": DOCUMENTS,
        **changes,
    }


@pytest.fixture
def zhao(as_: Callable[[Actor], Headers]) -> Headers:
    return as_(ZHAO)


@pytest.fixture
def qian(as_: Callable[[Actor], Headers]) -> Headers:
    return as_(QIAN)


def _apply(client: TestClient, actor: Actor = ZHAO, **changes: Any) -> dict[str, Any]:
    response = client.post(
        "/technician-applications", json=_application(**changes), headers=headers_of(client, actor)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_applicant_is_pending_until_the_platform_approves(
    client: TestClient, shop: dict[str, str], platform: dict[str, str], zhao: Headers
) -> None:
    applied = _apply(client, service_ids=[shop["service_id"]])
    slots = f"/technicians/tec-zhao/slots?service_id={shop['service_id']}&date={DAY}"

    queue = client.get("/technician-applications", headers=platform)
    before = client.get(slots).json()["items"]
    approved = client.post(
        f"/technician-applications/{applied['id']}/approve",
        json={"note": "All checked."},
        headers=platform,
    )
    after = client.get(slots).json()["items"]
    latest = client.get("/technicians/tec-zhao/applications/latest", headers=zhao)

    assert applied["state"] == "submitted"
    assert applied["verification"]["status"] == "pending"
    assert [a["id"] for a in queue.json()["items"]] == [applied["id"]]
    assert before == []
    assert after
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["state"] == "approved"
    assert body["verification"] == {
        "status": "approved",
        "application_id": applied["id"],
        "approved_on": "2026-03-02",
        "expires_on": "2027-01-31",
        "expiries": {"health_certificate": "2027-01-31", "skill_certificate": "2028-06-30"},
    }
    assert body["timeline"][0]["actor"] == {"id": "admin-1", "role": "platform"}
    assert body["timeline"][0]["reason"] == "All checked."
    assert latest.json()["id"] == applied["id"]
    assert client.get("/technician-applications", headers=platform).json()["items"] == []


def test_more_is_asked_for_resubmitted_then_rejected_and_he_reapplies(
    client: TestClient, platform: dict[str, str], zhao: Headers
) -> None:
    applied = _apply(client)
    url = f"/technician-applications/{applied['id']}"

    asked = client.post(f"{url}/request-more", json={"reason": "Blurry ID"}, headers=platform)
    resubmitted = client.post(f"{url}/resubmit", json={"documents": DOCUMENTS}, headers=zhao)
    rejected = client.post(f"{url}/reject", json={"reason": "Not qualified"}, headers=platform)
    again = client.post("/me/technician-applications", json={"documents": DOCUMENTS}, headers=zhao)

    assert asked.json()["state"] == "more_requested"
    assert asked.json()["notes"] == "Blurry ID"
    assert resubmitted.json()["state"] == "submitted"
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["verification"]["status"] == "rejected"
    assert [r["event"] for r in rejected.json()["timeline"]] == [
        "request_more",
        "resubmit",
        "reject",
    ]
    assert again.status_code == 201
    assert again.json()["id"] != applied["id"]
    assert again.json()["verification"] == {
        "status": "pending",
        "application_id": again.json()["id"],
        "approved_on": None,
        "expires_on": None,
        "expiries": {},
    }


def test_the_queue_comes_in_pages_first_submitted_first(
    client: TestClient, platform: dict[str, str]
) -> None:
    first = _apply(client)
    second = _apply(client, QIAN, name="钱 Qian")

    page = client.get("/technician-applications?limit=1", headers=platform).json()
    rest = client.get(
        f"/technician-applications?limit=1&cursor={page['next_cursor']}", headers=platform
    ).json()

    assert [a["id"] for a in page["items"]] == [first["id"]]
    assert [a["id"] for a in rest["items"]] == [second["id"]]
    assert rest["next_cursor"] is None


def test_who_may_do_what(
    client: TestClient,
    alice: dict[str, str],
    platform: dict[str, str],
    shop: dict[str, str],
    zhao: Headers,
    qian: Headers,
) -> None:
    applied = _apply(client)
    url = f"/technician-applications/{applied['id']}"

    as_customer = client.post("/technician-applications", json=_application(), headers=alice)
    queue_by_him = client.get("/technician-applications", headers=zhao)
    self_approval = client.post(f"{url}/approve", headers=zhao)
    read_by_other = client.get(url, headers=qian)
    latest_by_other = client.get("/technicians/tec-zhao/applications/latest", headers=qian)
    resubmit_by_platform = client.post(
        f"{url}/resubmit", json={"documents": DOCUMENTS}, headers=platform
    )
    anonymous = client.get(url)
    never_applied = client.get(
        f"/technicians/{shop['technician_id']}/applications/latest", headers=platform
    )

    for refused in (as_customer, queue_by_him, self_approval, resubmit_by_platform):
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == PROBLEM
    assert read_by_other.status_code == latest_by_other.status_code == 404
    assert anonymous.status_code == 401
    assert (never_applied.status_code, never_applied.json()["code"]) == (
        404,
        "application_not_found",
    )
    assert client.get(url, headers=zhao).json()["state"] == "submitted"


def test_moves_the_state_does_not_allow_are_409(
    client: TestClient, platform: dict[str, str], zhao: Headers
) -> None:
    applied = _apply(client)
    url = f"/technician-applications/{applied['id']}"

    twice = client.post("/technician-applications", json=_application(), headers=zhao)
    reapply_while_open = client.post(
        "/me/technician-applications", json={"documents": DOCUMENTS}, headers=zhao
    )
    resubmit_unasked = client.post(f"{url}/resubmit", json={"documents": DOCUMENTS}, headers=zhao)
    client.post(f"{url}/approve", headers=platform)
    approve_again = client.post(f"{url}/approve", json={}, headers=platform)

    assert (twice.status_code, twice.json()["code"]) == (409, "application_not_allowed")
    assert reapply_while_open.json()["code"] == "application_not_allowed"
    assert (resubmit_unasked.status_code, resubmit_unasked.json()["code"]) == (
        409,
        "transition_not_allowed",
    )
    assert (approve_again.status_code, approve_again.json()["code"]) == (
        409,
        "transition_not_allowed",
    )
    assert approve_again.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"documents": DOCUMENTS[:2]}, "invalid_application"),
        (
            {"documents": [*DOCUMENTS[:2], {**DOCUMENTS[2], "expires_on": "2026-03-01"}]},
            "invalid_application",
        ),
        (
            {"documents": [{**DOCUMENTS[0], "file_reference": "  "}, *DOCUMENTS[1:]]},
            "invalid_application",
        ),
        ({"documents": []}, "invalid_input"),
        ({"documents": [{**DOCUMENTS[0], "kind": "passport"}]}, "invalid_input"),
        ({"documents": [{**DOCUMENTS[0], "expires_on": "2200-01-01"}]}, "date_out_of_range"),
        ({"time_zone": "Mars/Olympus"}, "invalid_time_zone"),
        ({"weekly_hours": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "invalid_schedule"),
        ({"profile": {"store_id": "sto-1"}}, "invalid_input"),
        ({"service_ids": ["svc_nope"]}, "service_not_found"),
    ],
)
def test_a_bad_application_is_refused_and_stores_nothing(
    client: TestClient, platform: dict[str, str], changes: dict[str, Any], code: str, zhao: Headers
) -> None:
    response = client.post("/technician-applications", json=_application(**changes), headers=zhao)

    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == code
    assert client.get("/technician-applications", headers=platform).json()["items"] == []
    assert client.get("/technicians/tec-zhao").status_code == 404


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_review_says_why(
    client: TestClient, platform: dict[str, str], reason: str, zhao: Headers
) -> None:
    applied = _apply(client)

    response = client.post(
        f"/technician-applications/{applied['id']}/reject",
        json={"reason": reason},
        headers=platform,
    )

    assert response.status_code == 422
    assert response.json()["code"] in ("invalid_input", "invalid_application")
    assert (
        client.get(f"/technician-applications/{applied['id']}", headers=zhao).json()["state"]
        == "submitted"
    )
