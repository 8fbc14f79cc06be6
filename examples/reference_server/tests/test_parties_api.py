"""POST /parties and GET /parties/{party_id}: a couple's massage over HTTP — offered where
both technicians are free together, booked all or none, retried safely (issue 15)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from booking_core.orders import Actor, Role
from booking_server.credentials import headers_for

Headers = dict[str, str]
TUESDAY_NOON = "2026-03-03T13:00:00+08:00"


def _couples(client: TestClient, platform: Headers) -> tuple[str, list[str]]:
    """A 60-minute couple's massage for two, and two technicians offering it."""
    category = client.post("/categories", json={"name": "双人 Couples"}, headers=platform)
    service = client.post(
        "/services",
        json={
            "category_id": category.json()["id"],
            "name": "双人按摩 Couple's massage",
            "duration_minutes": 60,
            "price": {"amount": 19900, "currency": "CNY"},
            "technicians_needed": 2,
        },
        headers=platform,
    ).json()
    pair = [
        client.post(
            "/technicians",
            json={
                "name": name,
                "time_zone": "Asia/Shanghai",
                "weekly_hours": {"tue": ["09:00-21:00"]},
                "service_ids": [service["id"]],
            },
            headers=platform,
        ).json()["id"]
        for name in ("陈静 Chen Jing", "刘洋 Liu Yang")
    ]
    return service["id"], pair


def test_a_retried_party_is_the_same_orders_and_a_lost_race_stores_nothing(
    client: TestClient, platform: Headers, alice: Headers, bob: Headers
) -> None:
    service, pair = _couples(client, platform)
    body = {"service_id": service, "technician_ids": pair, "start": TUESDAY_NOON}
    key = {"Idempotency-Key": "party-4c1d"}

    first = client.post("/parties", json=body, headers={**alice, **key})
    again = client.post("/parties", json=body, headers={**alice, **key})
    lost = client.post("/parties", json=body, headers=bob)

    assert first.status_code == 201, first.text
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (200, "true")
    assert again.json()["party_id"] == first.json()["party_id"]
    assert [o["id"] for o in again.json()["orders"]] == [o["id"] for o in first.json()["orders"]]
    assert (lost.status_code, lost.json()["code"]) == (409, "slot_taken")
    assert client.get("/orders", headers=bob).json()["items"] == []
    seats = [o["party"] for o in first.json()["orders"]]
    assert [(s["size"], s["seat"]) for s in seats] == [(2, 0), (2, 1)]


def test_a_party_of_the_wrong_shape_is_refused(
    client: TestClient, platform: Headers, alice: Headers, shop: dict[str, str]
) -> None:
    service, pair = _couples(client, platform)

    one = {"service_id": service, "technician_ids": pair[:1], "start": TUESDAY_NOON}
    twice = {"service_id": service, "technician_ids": [pair[0], pair[0]], "start": TUESDAY_NOON}
    for_one = {"service_id": shop["service_id"], "technician_ids": pair, "start": TUESDAY_NOON}

    assert client.post("/parties", json=one, headers=alice).status_code == 422
    assert client.post("/parties", json=twice, headers=alice).json()["code"] == "invalid_party"
    assert client.post("/parties", json=for_one, headers=alice).json()["code"] == "invalid_party"
    tech = headers_for(client.app, Actor(pair[0], Role.TECHNICIAN))  # type: ignore[arg-type]
    party = {"service_id": service, "technician_ids": pair, "start": TUESDAY_NOON}
    assert client.post("/parties", json=party, headers=tech).status_code == 403
