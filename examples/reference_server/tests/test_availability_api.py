"""Slot search, holds and rescheduling over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from .conftest import DAY


def starts(items: list[dict[str, Any]]) -> list[str]:
    return [item["start"] for item in items]


def test_free_slots_over_a_date_range_in_the_technicians_zone(
    client: TestClient, shop: dict[str, str]
) -> None:
    response = client.get(
        f"/technicians/{shop['technician_id']}/free-slots",
        params={"service_id": shop["service_id"], "first_day": DAY, "last_day": "2026-03-04"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "Asia/Shanghai"
    day_starts = [f"{h:02d}:00:00+08:00" for h in (9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20)]
    assert starts(body["items"]) == [f"{DAY}T{t}" for t in day_starts] + [
        f"2026-03-04T{t}" for t in day_starts
    ]


def test_any_technician_search_says_who_can_take_each_slot(
    client: TestClient, shop: dict[str, str], place: Callable[..., dict[str, Any]]
) -> None:
    place(f"{DAY}T10:00:00+08:00")

    response = client.get("/slots", params={"service_id": shop["service_id"], "first_day": DAY})

    assert response.status_code == 200
    by_start = {
        item["start"]: sorted(t["technician_id"] for t in item["technicians"])
        for item in response.json()["items"]
    }
    both = sorted([shop["technician_id"], shop["other_technician_id"]])
    assert by_start["2026-03-03T01:00:00Z"] == both  # 09:00 local
    assert by_start["2026-03-03T02:00:00Z"] == [shop["other_technician_id"]]  # 10:00 is taken


def test_a_held_slot_is_refused_to_others_and_converted_by_its_holder(
    client: TestClient,
    shop: dict[str, str],
    alice: dict[str, str],
    bob: dict[str, str],
    order_body: Callable[..., dict[str, Any]],
) -> None:
    hold = client.post(
        "/holds",
        json={
            "technician_id": shop["technician_id"],
            "service_id": shop["service_id"],
            "start": f"{DAY}T14:00:00+08:00",
        },
        headers=alice,
    )

    refused = client.post("/orders", json=order_body(f"{DAY}T14:00:00+08:00"), headers=bob)
    placed = client.post("/orders", json=order_body(f"{DAY}T14:00:00+08:00"), headers=alice)

    assert hold.status_code == 201, hold.json()
    assert hold.json()["hold_expires_at"] is not None
    assert refused.status_code == 409
    assert refused.json()["code"] == "slot_held"
    assert placed.status_code == 201, placed.json()


def test_releasing_a_hold_frees_the_slot(
    client: TestClient,
    shop: dict[str, str],
    alice: dict[str, str],
    bob: dict[str, str],
    order_body: Callable[..., dict[str, Any]],
) -> None:
    hold = client.post(
        "/holds",
        json={
            "technician_id": shop["technician_id"],
            "service_id": shop["service_id"],
            "start": f"{DAY}T14:00:00+08:00",
        },
        headers=alice,
    ).json()

    not_his = client.delete(f"/holds/{hold['id']}", headers=bob)
    released = client.delete(f"/holds/{hold['id']}", headers=alice)
    placed = client.post("/orders", json=order_body(f"{DAY}T14:00:00+08:00"), headers=bob)

    assert not_his.status_code in (403, 404)
    assert released.status_code == 204
    assert placed.status_code == 201, placed.json()


def test_rescheduling_moves_the_order_and_frees_the_old_time(
    client: TestClient,
    shop: dict[str, str],
    alice: dict[str, str],
    bob: dict[str, str],
    place: Callable[..., dict[str, Any]],
    order_body: Callable[..., dict[str, Any]],
) -> None:
    order = place(f"{DAY}T10:00:00+08:00")

    moved = client.post(
        f"/bookings/{order['booking_id']}/reschedule",
        json={"start": f"{DAY}T15:00:00+08:00"},
        headers=alice,
    )
    stranger = client.post(
        f"/bookings/{order['booking_id']}/reschedule",
        json={"start": f"{DAY}T16:00:00+08:00"},
        headers=bob,
    )
    old_time = client.post("/orders", json=order_body(f"{DAY}T10:00:00+08:00"), headers=bob)

    assert moved.status_code == 200, moved.json()
    assert moved.json()["slot"]["start"] == "2026-03-03T07:00:00Z"
    assert stranger.status_code in (403, 404)
    assert old_time.status_code == 201, old_time.json()
    order_now = client.get(f"/orders/{order['id']}", headers=alice).json()
    assert order_now["slot"]["start"] == f"{DAY}T15:00:00+08:00"


def test_bad_search_input_gets_problem_json(client: TestClient, shop: dict[str, str]) -> None:
    no_service = client.get("/slots", params={"first_day": DAY})
    bad_day = client.get(
        f"/technicians/{shop['technician_id']}/free-slots",
        params={"service_id": shop["service_id"], "first_day": "03/03/2026"},
    )
    half_address = client.get(
        "/slots", params={"service_id": shop["service_id"], "first_day": DAY, "lat": 31.2}
    )

    for response in (no_service, bad_day, half_address):
        assert response.status_code == 422, response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"]
