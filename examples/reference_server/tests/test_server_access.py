"""Who may do what: bearer tokens, platform-only management, own orders only (I25)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_core.orders import Actor, Role
from booking_server import create_app

CATEGORY = {"name": "美容 Beauty"}


_STAND_IN_REFUSED = [
    ({"X-Actor-Id": "cus-alice"}, "no role"),
    ({"X-Actor-Id": "cus-alice", "X-Actor-Role": "emperor"}, "unknown role"),
    ({"X-Actor-Id": "payments", "X-Actor-Role": "system"}, "system is not for requests"),
    ({"X-Actor-Id": "bad id!", "X-Actor-Role": "customer"}, "malformed id"),
    ({"X-Actor-Id": "x" * 200, "X-Actor-Role": "customer"}, "id too long"),
    ({"X-Actor-Id": "a", "X-Actor-Role": "platform", "X-Actor-Staff": "king"}, "unknown staff"),
]


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no headers"),
        ({"X-Actor-Id": "admin-1", "X-Actor-Role": "platform"}, "stand-in headers"),
        ({"X-Actor-Role": "customer"}, "no id"),
        ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "not a bearer token"),
        ({"Authorization": "Bearer "}, "an empty token"),
        ({"Authorization": "Bearer not-a-jwt"}, "not a token"),
        *_STAND_IN_REFUSED,
    ],
)
def test_a_request_without_a_valid_bearer_token_is_401(
    client: TestClient, headers: dict[str, str], why: str
) -> None:
    # given headers that carry no valid access token (the stand-in headers are not believed)

    # when an actor-only endpoint is called
    response = client.get("/orders", headers=headers)

    # then it is a 401 problem that says how to sign in
    assert response.status_code == 401, why
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if "Authorization" not in headers:
        assert "Authorization: Bearer" in response.json()["detail"]


@pytest.fixture
def trusting(booking_app: BookingApp) -> TestClient:
    """The test setting that also believes the stand-in headers (off by default)."""
    return TestClient(create_app(booking_app, trust_actor_headers=True))


@pytest.mark.parametrize(("headers", "why"), _STAND_IN_REFUSED)
def test_the_test_setting_checks_the_stand_in_headers(
    trusting: TestClient, headers: dict[str, str], why: str
) -> None:
    response = trusting.get("/orders", headers=headers)

    assert response.status_code == 401, why
    assert response.json()["code"] == "unauthenticated"
    assert "X-Actor" in response.json()["detail"]


def test_the_test_setting_believes_the_stand_in_headers(trusting: TestClient) -> None:
    # given a role written in capitals

    # when the customer lists her orders through the test setting
    response = trusting.get("/orders", headers={"X-Actor-Id": "cus-a", "X-Actor-Role": "Customer"})

    # then she is recognised
    assert response.status_code == 200


def test_browsing_needs_no_actor(client: TestClient, shop: dict[str, str]) -> None:
    # given the shop

    # when anonymous visitors browse
    paths = [
        "/categories",
        "/services",
        f"/services/{shop['service_id']}",
        "/technicians",
        f"/technicians/{shop['technician_id']}",
        f"/technicians/{shop['technician_id']}/slots?service_id={shop['service_id']}&date=2026-03-03",
        f"/technicians/{shop['technician_id']}/reviews",
    ]
    statuses = [client.get(path).status_code for path in paths]

    # then every page answers
    assert statuses == [200] * len(paths)


@pytest.mark.parametrize("role", ["customer", "technician", "store"])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/categories", CATEGORY),
        (
            "/services",
            {
                "category_id": "cat_x",
                "name": "x",
                "duration_minutes": 60,
                "price": {"amount": 1, "currency": "CNY"},
            },
        ),
        ("/technicians", {"name": "x", "time_zone": "Asia/Shanghai", "weekly_hours": {}}),
    ],
)
def test_only_the_platform_manages_the_catalog_and_technicians(
    client: TestClient,
    snapshot: Callable[[], dict[str, Any]],
    as_: Callable[[Actor], dict[str, str]],
    role: str,
    path: str,
    body: dict[str, Any],
) -> None:
    # given an actor that is not the platform
    headers = as_(Actor("someone", Role(role)))
    before = snapshot()

    # when it tries to create something
    response = client.post(path, json=body, headers=headers)

    # then it is forbidden and nothing was stored
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert snapshot() == before


def test_creation_without_an_actor_is_401_not_403(client: TestClient) -> None:
    # given no actor headers

    # when a category is created
    response = client.post("/categories", json=CATEGORY)

    # then the server asks who is acting
    assert response.status_code == 401


def test_a_customer_cannot_see_another_customers_order(
    client: TestClient, place: Callable[..., dict[str, Any]], bob: dict[str, str]
) -> None:
    # given Alice's order
    order = place()

    # when Bob reads, pays or cancels it
    responses = [
        client.get(f"/orders/{order['id']}", headers=bob),
        client.post(f"/orders/{order['id']}/payments", headers=bob),
        client.post(f"/orders/{order['id']}/cancel", headers=bob),
    ]

    # then to him it does not exist
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert {r.json()["code"] for r in responses} == {"order_not_found"}


def test_another_customers_order_is_not_in_my_list(
    client: TestClient, place: Callable[..., dict[str, Any]], bob: dict[str, str]
) -> None:
    # given Alice's order
    place()

    # when Bob lists his orders
    response = client.get("/orders", headers=bob)

    # then it is not there
    assert response.json()["items"] == []


def test_a_technician_cannot_accept_an_order_that_is_not_his(
    client: TestClient,
    paid_order: dict[str, Any],
    other_technician: dict[str, str],
    alice: dict[str, str],
) -> None:
    # given Alice's paid order with the first technician

    # when the other technician tries to accept or read it
    accept = client.post(f"/orders/{paid_order['id']}/accept", headers=other_technician)
    read = client.get(f"/orders/{paid_order['id']}", headers=other_technician)

    # then to him it does not exist, and it still awaits acceptance
    assert accept.status_code == 404
    assert read.status_code == 404
    assert client.get(f"/orders/{paid_order['id']}", headers=alice).json()["state"] == (
        "pending_acceptance"
    )


def test_a_customer_cannot_accept_her_own_order(
    client: TestClient, paid_order: dict[str, Any], alice: dict[str, str]
) -> None:
    # given Alice's paid order

    # when Alice tries to accept it herself
    response = client.post(f"/orders/{paid_order['id']}/accept", headers=alice)

    # then her role may not, and the order is unchanged
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["details"]["event"] == "accept"
    assert client.get(f"/orders/{paid_order['id']}", headers=alice).json()["state"] == (
        "pending_acceptance"
    )


def test_a_customer_cannot_move_the_technicians_steps(
    client: TestClient, paid_order: dict[str, Any], alice: dict[str, str]
) -> None:
    # given Alice's paid order

    # when Alice tries to mark the technician as departed
    response = client.post(f"/orders/{paid_order['id']}/depart", headers=alice)

    # then her role may not
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["technician", "platform", "store"])
def test_only_customers_place_orders(
    client: TestClient,
    order_body: Callable[..., dict[str, Any]],
    snapshot: Callable[[], dict[str, Any]],
    as_: Callable[[Actor], dict[str, str]],
    role: str,
) -> None:
    # given an actor who is not a customer
    headers = as_(Actor("someone", Role(role)))
    before = snapshot()

    # when it places an order
    response = client.post("/orders", json=order_body(), headers=headers)

    # then it is forbidden and the slot stays free
    assert response.status_code == 403
    assert snapshot() == before


def test_a_technician_lists_only_the_orders_assigned_to_him(
    client: TestClient,
    place: Callable[..., dict[str, Any]],
    shop: dict[str, str],
    technician: dict[str, str],
    other_technician: dict[str, str],
) -> None:
    # given Alice's order with the first technician
    order = place()

    # when each technician lists his orders, and the second asks for the first's
    mine = client.get("/orders", headers=technician)
    theirs = client.get("/orders", headers=other_technician)
    asked = client.get(
        "/orders", params={"technician_id": shop["technician_id"]}, headers=other_technician
    )

    # then only the first sees it, and asking for someone else's list is forbidden
    assert [o["id"] for o in mine.json()["items"]] == [order["id"]]
    assert theirs.json()["items"] == []
    assert (asked.status_code, asked.json()["code"]) == (403, "permission_denied")


def test_a_technician_cannot_pay_an_order(
    client: TestClient, place: Callable[..., dict[str, Any]], technician: dict[str, str]
) -> None:
    # given Alice's order with this technician
    order = place()

    # when the technician tries to pay it
    response = client.post(f"/orders/{order['id']}/payments", headers=technician)

    # then only the customer or the platform pays
    assert response.status_code == 403


def test_only_the_orders_customer_reviews_it(
    client: TestClient,
    paid_order: dict[str, Any],
    shop: dict[str, str],
    technician: dict[str, str],
    bob: dict[str, str],
    walk: Callable[..., dict[str, Any]],
) -> None:
    # given Alice's completed order
    walk(paid_order["id"], technician)

    # when Bob and the technician try to review it
    by_bob = client.post(f"/orders/{paid_order['id']}/review", json={"stars": 1}, headers=bob)
    by_tech = client.post(
        f"/orders/{paid_order['id']}/review", json={"stars": 5}, headers=technician
    )

    # then Bob finds no such order and the technician may not review
    assert by_bob.status_code == 404
    assert by_tech.status_code == 403
    assert client.get(f"/technicians/{shop['technician_id']}/reviews").json()["count"] == 0
