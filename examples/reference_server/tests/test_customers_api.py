"""Customers over HTTP: /customers/me for the customer, /customers/{id} for the platform."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

HOME: dict[str, Any] = {
    "label": "Home",
    "city": "上海市",
    "district": "黄浦区",
    "detail": "南京东路 1 号 3 楼",
    "lat": 31.2304,
    "lon": 121.4737,
}


def test_a_customer_registers_and_keeps_his_book(
    client: TestClient, alice: dict[str, str], shop: dict[str, str]
) -> None:
    registered = client.post(
        "/customers/me", json={"nickname": "Alice", "phone": "+8613812345678"}, headers=alice
    )
    added = client.post("/customers/me/addresses", json=HOME, headers=alice)
    office = client.post(
        "/customers/me/addresses",
        json={**HOME, "label": "Office", "district": "浦东新区", "default": True},
        headers=alice,
    )
    favourites = client.patch(
        "/customers/me/favourites",
        json={"add_technicians": [shop["technician_id"]]},
        headers=alice,
    )
    mine = client.get("/customers/me", headers=alice)

    assert registered.status_code == 201, registered.text
    assert registered.json()["phone"] == "+8613812345678"
    assert added.status_code == office.status_code == 201
    assert favourites.status_code == 200, favourites.text
    body = mine.json()
    assert [a["label"] for a in body["addresses"]] == ["Home", "Office"]
    assert body["default_address_id"] == body["addresses"][1]["id"]
    assert body["favourite_technicians"] == [shop["technician_id"]]
    assert body["version"] == 4


def test_the_platform_sets_tiers_and_prices_follow(
    client: TestClient, alice: dict[str, str], platform: dict[str, str], shop: dict[str, str]
) -> None:
    client.post("/customers/me", json={"nickname": "Alice"}, headers=alice)

    refused = client.put("/customers/cus-alice/tier", json={"tier": "gold"}, headers=alice)
    done = client.put("/customers/cus-alice/tier", json={"tier": "gold"}, headers=platform)
    standing = client.get("/customers/me/standing", headers=alice)

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert done.status_code == 200
    assert done.json()["tier"] == "gold"
    assert standing.json() == {"tier": "gold", "is_new": True, "unpaid_orders": 0}


def test_others_cannot_read_a_record_and_bad_input_names_its_field(
    client: TestClient, alice: dict[str, str], bob: dict[str, str], platform: dict[str, str]
) -> None:
    client.post("/customers/me", json={"nickname": "Alice"}, headers=alice)

    by_bob = client.get("/customers/cus-alice", headers=bob)
    by_platform = client.get("/customers/cus-alice", headers=platform)
    twice = client.post("/customers/me", json={"nickname": "Again"}, headers=alice)
    bad_phone = client.put(
        "/customers/me", json={"nickname": "Alice", "phone": "12345"}, headers=alice
    )
    bad_zone = client.put(
        "/customers/me", json={"nickname": "Alice", "time_zone": "Mars/Olympus"}, headers=alice
    )
    missing = client.delete("/customers/me/addresses/addr_nope", headers=alice)

    assert by_bob.status_code == 403
    assert by_platform.status_code == 200
    assert twice.status_code == 409
    assert bad_phone.status_code == 422
    assert bad_zone.status_code == 422
    assert missing.status_code == 404
    assert client.get("/customers/me", headers=alice).json()["version"] == 1
