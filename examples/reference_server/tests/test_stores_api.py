"""The /stores routes: who may do what over HTTP, the one-store rule, store prices in quotes,
and bad input answered 422 (never 500)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.orders import Actor, Role

from .conftest import headers_of

Json = dict[str, Any]
Headers = dict[str, str]

STORE: Json = {
    "name": "静安店 Jing'an",
    "address": {
        "city": "上海市",
        "district": "静安区",
        "detail": "1 号",
        "lat": 31.2,
        "lon": 121.4,
    },
    "time_zone": "Asia/Shanghai",
    "hours": {"mon": ["10:00-22:00"]},
}


def _store(client: TestClient, platform: Headers, **extra: Any) -> tuple[str, Headers]:
    created = client.post("/stores", json={**STORE, **extra}, headers=platform)
    assert created.status_code == 201, created.json()
    store_id = created.json()["id"]
    return store_id, headers_of(client, Actor(store_id, Role.STORE))


def test_a_technician_joins_one_store_and_sells_at_its_price(
    client: TestClient,
    platform: Headers,
    alice: Headers,
    technician: Headers,
    shop: dict[str, str],
) -> None:
    store_id, as_store = _store(client, platform, own_prices_allowed=True)
    other_id, as_other = _store(client, platform, name="外滩店 Bund")
    tech_id = shop["technician_id"]
    for sid, headers in ((store_id, as_store), (other_id, as_other)):
        invited = client.post(
            f"/stores/{sid}/invitations", json={"technician_id": tech_id}, headers=headers
        )
        assert invited.status_code == 201

    joined = client.post(f"/stores/{store_id}/invitations/{tech_id}/accept", headers=technician)
    second = client.post(f"/stores/{other_id}/invitations/{tech_id}/accept", headers=technician)
    priced = client.put(
        f"/stores/{store_id}/prices",
        json={"prices": {shop["service_id"]: {"amount": 15900, "currency": "CNY"}}},
        headers=as_store,
    )
    quote = client.post(
        "/quotes",
        json={"lines": [{"service_id": shop["service_id"]}], "technician_id": tech_id},
        headers=alice,
    )

    assert joined.status_code == 200
    assert (second.status_code, second.json()["code"]) == (409, "membership_conflict")
    assert priced.status_code == 200
    assert quote.json()["payable"]["amount"] == 15900


@pytest.mark.parametrize("role", ["customer", "technician", "store"])
def test_only_the_platform_creates_stores_and_allows_prices(
    client: TestClient, platform: Headers, role: str
) -> None:
    store_id, _ = _store(client, platform)
    headers = headers_of(client, Actor(store_id if role == "store" else "x-1", Role(role)))

    assert client.post("/stores", json=STORE, headers=headers).status_code == 403
    allowed = client.put(
        f"/stores/{store_id}/own-prices-allowed", json={"allowed": True}, headers=headers
    )
    assert allowed.status_code == 403


def test_a_store_manages_only_itself(client: TestClient, platform: Headers) -> None:
    store_id, _ = _store(client, platform)
    _, as_other = _store(client, platform, name="Bund")

    assert client.put(f"/stores/{store_id}", json=STORE, headers=as_other).status_code == 403
    assert client.get(f"/stores/{store_id}/members", headers=as_other).status_code == 403
    published = client.post(
        f"/stores/{store_id}/announcements",
        json={"audience": "both", "title": "Hi", "body": "Hello"},
        headers=as_other,
    )
    assert published.status_code == 403


def test_reading_a_store_needs_no_actor_and_shows_no_invitations(
    client: TestClient, platform: Headers, shop: dict[str, str]
) -> None:
    store_id, as_store = _store(client, platform)
    client.post(
        f"/stores/{store_id}/invitations",
        json={"technician_id": shop["technician_id"]},
        headers=as_store,
    )

    shown = client.get(f"/stores/{store_id}")

    assert shown.status_code == 200
    assert "invitations" not in shown.json()
    assert client.get("/stores/sto_nope").json()["code"] == "store_not_found"


@pytest.mark.parametrize(
    "change",
    [
        {"name": " "},
        {"name": "x" * 81},
        {"time_zone": "Mars/Olympus"},
        {"hours": {"mon": ["25:00-26:00"]}},
        {"hours": {"someday": ["10:00-11:00"]}},
        {"phone": "12345"},
        {"address": {**STORE["address"], "lat": 91}},
        {"address": {**STORE["address"], "district": "  "}},
        {"service_area": {"lat": 31.2, "lon": 121.4, "radius_km": 0}},
        {"own_prices_allowed": "sometimes"},
        {"extra": 1},
    ],
)
def test_bad_store_input_is_422(client: TestClient, platform: Headers, change: Json) -> None:
    response = client.post("/stores", json={**STORE, **change}, headers=platform)

    assert response.status_code == 422, response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"audience": "everyone", "title": "Hi", "body": "Hello"},
        {"audience": "both", "title": "", "body": "Hello"},
        {"audience": "both", "title": "Hi", "body": "x" * 2001},
    ],
)
def test_bad_announcements_are_422(client: TestClient, platform: Headers, body: Json) -> None:
    store_id, as_store = _store(client, platform)

    response = client.post(f"/stores/{store_id}/announcements", json=body, headers=as_store)

    assert response.status_code == 422, response.json()


def test_prices_in_another_currency_or_negative_are_422(
    client: TestClient, platform: Headers, shop: dict[str, str]
) -> None:
    store_id, as_store = _store(client, platform, own_prices_allowed=True)

    for price in ({"amount": 100, "currency": "USD"}, {"amount": -1, "currency": "CNY"}):
        response = client.put(
            f"/stores/{store_id}/prices",
            json={"prices": {shop["service_id"]: price}},
            headers=as_store,
        )
        assert response.status_code == 422, response.json()
