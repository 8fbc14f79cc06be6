"""Packages (套餐) over HTTP: define, list, record a purchase, use visits and give them back
(docs/server/packages.md). Who may call each route is also in the RBAC matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.testing import FrozenClock

Headers = dict[str, str]
Json = dict[str, Any]
PROBLEM = "application/problem+json"


def _cny(amount: int) -> Json:
    return {"amount": amount, "currency": "CNY"}


@pytest.fixture
def package(client: TestClient, shop: dict[str, str], platform: Headers) -> Json:
    """Three tuina visits (199.00 each, 597.00 one by one) for 500.00, valid 30 days."""
    body = {
        "name": "推拿 3 次",
        "parts": [{"service_id": shop["service_id"], "visits": 3}],
        "price": _cny(50000),
        "valid_days": 30,
    }
    created = client.post("/packages", json=body, headers=platform)
    assert created.status_code == 201, created.json()
    result: Json = created.json()
    return result


def _buy(client: TestClient, package: Json, platform: Headers, ref: str = "wx_1") -> Json:
    body = {"customer_id": "cus-alice", "payment_reference": ref, "paid": _cny(50000)}
    bought = client.post(f"/packages/{package['id']}/purchases", json=body, headers=platform)
    assert bought.status_code == 201, bought.json()
    result: Json = bought.json()
    return result


def test_a_package_is_listed_bought_and_a_visit_used(
    client: TestClient, shop: dict[str, str], package: Json, platform: Headers, alice: Headers
) -> None:
    # given a package on sale, bought for Alice
    listed = client.get("/packages").json()
    holding = _buy(client, package, platform)

    # when Alice uses one visit for an order, twice (a retry)
    url = f"/package-holdings/{holding['id']}/redemptions/ord_1"
    body = {"service_id": shop["service_id"]}
    use = client.put(url, json=body, headers=alice)
    again = client.put(url, json=body, headers=alice)
    after = client.get(f"/package-holdings/{holding['id']}", headers=alice).json()

    # then the package is listed with its visits' values; the first visit is used once and
    # the holding shows one visit fewer and that much less to refund
    assert [p["id"] for p in listed["items"]] == [package["id"]]
    assert package["list_total"] == _cny(59700)
    assert [v["amount"] for v in package["parts"][0]["visit_values"]] == [16667, 16667, 16666]
    assert holding["expires_at"] == "2026-04-01T08:00:00+08:00"
    assert (holding["parts"][0]["remaining"], holding["refund_value"]) == (3, _cny(50000))
    assert (use.status_code, use.json()["visit"], use.json()["value"]) == (200, 0, _cny(16667))
    assert again.json() == use.json()
    assert (after["parts"][0]["remaining"], after["parts"][0]["used"]) == (2, [0])
    assert after["refund_value"] == _cny(50000 - 16667)
    assert [u["order_id"] for u in after["uses"]] == ["ord_1"]


def test_a_released_visit_is_free_again(
    client: TestClient, shop: dict[str, str], package: Json, platform: Headers, alice: Headers
) -> None:
    # given a visit used for an order
    holding = _buy(client, package, platform)
    url = f"/package-holdings/{holding['id']}/redemptions/ord_1"
    client.put(url, json={"service_id": shop["service_id"]}, headers=alice)

    # when the platform gives it back (the order was cancelled), and Alice tries to herself
    released = client.delete(url, headers=platform)
    refused = client.delete(url, headers=alice)

    # then all three visits are left, and a customer may not release
    assert released.status_code == 200
    assert (released.json()["parts"][0]["remaining"], released.json()["uses"]) == (3, [])
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_a_package_dearer_than_its_visits_is_invalid_package(
    client: TestClient, shop: dict[str, str], platform: Headers
) -> None:
    # given two tuina visits (398.00 one by one)
    body = {
        "name": "贵",
        "parts": [{"service_id": shop["service_id"], "visits": 2}],
        "price": _cny(40000),
    }

    # when a package of them is priced at 400.00
    refused = client.post("/packages", json=body, headers=platform)

    # then it is refused, naming the price, and nothing is listed
    assert refused.headers["content-type"] == PROBLEM
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_package")
    assert refused.json()["details"]["field"] == "price"
    assert client.get("/packages").json()["items"] == []


def test_a_purchase_of_another_amount_is_invalid_package(
    client: TestClient, package: Json, platform: Headers
) -> None:
    body = {"customer_id": "cus-alice", "payment_reference": "wx_9", "paid": _cny(49999)}

    refused = client.post(f"/packages/{package['id']}/purchases", json=body, headers=platform)

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_package")
    assert refused.json()["details"]["field"] == "paid"


def test_the_same_payment_recorded_again_is_the_same_holding(
    client: TestClient, package: Json, platform: Headers
) -> None:
    # given a purchase recorded
    first = _buy(client, package, platform, ref="wx_7")

    # when the same payment is recorded again (a retried callback), and for Bob
    again = _buy(client, package, platform, ref="wx_7")
    bob = {"customer_id": "cus-bob", "payment_reference": "wx_7", "paid": _cny(50000)}
    conflict = client.post(f"/packages/{package['id']}/purchases", json=bob, headers=platform)

    # then the first is the holding, and Bob's is a conflict
    assert again["id"] == first["id"]
    assert (conflict.status_code, conflict.json()["code"]) == (409, "idempotency_conflict")


def test_another_customers_holding_is_not_found(
    client: TestClient,
    shop: dict[str, str],
    package: Json,
    platform: Headers,
    alice: Headers,
    bob: Headers,
) -> None:
    # given Alice's holding
    holding = _buy(client, package, platform)
    url = f"/package-holdings/{holding['id']}"

    # when Bob reads it, lists Alice's, and tries to use a visit of it
    read = client.get(url, headers=bob)
    listed = client.get("/customers/cus-alice/package-holdings", headers=bob)
    used = client.put(
        f"{url}/redemptions/ord_b", json={"service_id": shop["service_id"]}, headers=bob
    )
    own = client.get("/customers/cus-alice/package-holdings", headers=alice)

    # then the holding is hidden from him (404, as a missing one), his reading of her
    # list is refused, and her visits are all left
    for hidden in (read, used):
        assert (hidden.status_code, hidden.json()["code"]) == (404, "package_holding_not_found")
    assert (listed.status_code, listed.json()["code"]) == (403, "permission_denied")
    assert [h["id"] for h in own.json()["items"]] == [holding["id"]]
    assert own.json()["items"][0]["parts"][0]["remaining"] == 3


def test_when_no_visit_is_left_it_is_package_not_redeemable(
    client: TestClient, shop: dict[str, str], package: Json, platform: Headers, alice: Headers
) -> None:
    # given every visit of Alice's package used
    holding = _buy(client, package, platform)
    base = f"/package-holdings/{holding['id']}/redemptions"
    body = {"service_id": shop["service_id"]}
    for n in range(3):
        assert client.put(f"{base}/ord_{n}", json=body, headers=alice).status_code == 200

    # when a fourth order uses one
    refused = client.put(f"{base}/ord_3", json=body, headers=alice)

    # then it is refused with the reason, and the holding is worth nothing more
    assert (refused.status_code, refused.json()["code"]) == (409, "package_not_redeemable")
    assert refused.json()["details"]["reason"] == "none_left"
    after = client.get(f"/package-holdings/{holding['id']}", headers=alice).json()
    assert after["refund_value"] == _cny(0)


def test_an_expired_package_is_not_redeemable(
    client: TestClient,
    clock: FrozenClock,
    shop: dict[str, str],
    package: Json,
    platform: Headers,
    alice: Headers,
) -> None:
    # given Alice's holding, 30 days later
    holding = _buy(client, package, platform)
    clock.advance(pendulum.duration(days=30))

    # when she uses a visit
    url = f"/package-holdings/{holding['id']}/redemptions/ord_1"
    refused = client.put(url, json={"service_id": shop["service_id"]}, headers=alice)

    # then it has expired
    assert (refused.status_code, refused.json()["details"]["reason"]) == (409, "expired")
    assert client.get(f"/package-holdings/{holding['id']}", headers=alice).json()["expired"]


def test_a_deactivated_package_is_no_longer_listed_nor_sold(
    client: TestClient, package: Json, platform: Headers
) -> None:
    # when the platform stops selling it
    stopped = client.post(f"/packages/{package['id']}/deactivate", headers=platform)

    # then it is still readable, but not listed and not sold
    body = {"customer_id": "cus-alice", "payment_reference": "wx_2", "paid": _cny(50000)}
    sold = client.post(f"/packages/{package['id']}/purchases", json=body, headers=platform)
    assert (stopped.status_code, stopped.json()["active"]) == (200, False)
    assert client.get(f"/packages/{package['id']}").json()["active"] is False
    assert client.get("/packages").json()["items"] == []
    assert (sold.status_code, sold.json()["code"]) == (422, "invalid_package")


def test_an_order_paid_by_a_visit_waits_for_acceptance_at_the_visit_value(
    client: TestClient,
    package: Json,
    platform: Headers,
    alice: Headers,
    order_body: Callable[..., Json],
) -> None:
    # given Alice's package of three tuina visits (166.67, 166.67, 166.66)
    holding = _buy(client, package, platform)

    # when she books a tuina paid by a visit, and again with a coupon as well
    body = {**order_body(), "holding_id": holding["id"]}
    placed = client.post("/orders", json=body, headers=alice)
    with_coupon = client.post("/orders", json={**body, "coupon_id": "cpn_1"}, headers=alice)
    after = client.get(f"/package-holdings/{holding['id']}", headers=alice).json()
    by_hand = client.put(
        f"/package-holdings/{holding['id']}/redemptions/{placed.json()['id']}",
        json={"service_id": body["service_id"]},
        headers=alice,
    )

    # then the order is paid by the first visit and waits for the technician; a coupon is
    # refused, and the order's visit is not moved by hand
    order = placed.json()
    assert placed.status_code == 201, order
    assert (order["state"], order["holding_id"]) == ("pending_acceptance", holding["id"])
    assert (order["price"], order["paid"]) == (_cny(16667), _cny(16667))
    assert (with_coupon.status_code, with_coupon.json()["code"]) == (422, "invalid_input")
    assert [u["order_id"] for u in after["uses"]] == [order["id"]]
    assert (by_hand.status_code, by_hand.json()["details"]["field"]) == (422, "order_id")
