"""A technician's schedule, calendar and status over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.orders import Actor, Role
from booking_core.testing import FrozenClock

from .conftest import DAY, ZONE

PROBLEM = "application/problem+json"
WEDNESDAY = "2026-03-04"


def _schedule(shop: dict[str, str]) -> str:
    return f"/technicians/{shop['technician_id']}/schedule"


def test_he_shapes_his_schedule_and_the_answers_show_it(
    client: TestClient, shop: dict[str, str], technician: dict[str, str]
) -> None:
    base = _schedule(shop)

    override = client.put(
        f"{base}/overrides/{WEDNESDAY}", json={"hours": ["10:00-14:00"]}, headers=technician
    )
    days_off = client.post(
        f"{base}/time-off",
        json={"first_day": "2026-03-09", "last_day": "2026-03-10", "reason": "leave"},
        headers=technician,
    )
    afternoon = client.post(
        f"{base}/time-off",
        json={"start": "2026-03-05T14:00:00+08:00", "end": "2026-03-05T16:00:00+08:00"},
        headers=technician,
    )
    cap = client.put(f"{base}/daily-cap", json={"daily_cap": 4}, headers=technician)
    online = client.put(f"{base}/status", json={"status": "online"}, headers=technician)
    schedule = client.get(base, headers=technician)

    assert override.status_code == 200, override.text
    assert days_off.status_code == afternoon.status_code == 201
    assert cap.status_code == online.status_code == 200
    body = schedule.json()
    assert body["overrides"] == [{"date": WEDNESDAY, "hours": ["10:00-14:00"]}]
    assert body["time_off"] == [
        {
            "id": "off_3",
            "start": "2026-03-05T14:00:00+08:00",
            "end": "2026-03-05T16:00:00+08:00",
            "reason": "",
        },
        {
            "id": "off_2",
            "start": "2026-03-09T00:00:00+08:00",
            "end": "2026-03-11T00:00:00+08:00",
            "reason": "leave",
        },
    ]
    assert (body["daily_cap"], body["status"], body["version"]) == (4, "online", 5)
    assert body["time_zone"] == ZONE


def test_an_override_moves_his_slots_and_his_calendar_and_clearing_it_restores_them(
    client: TestClient, shop: dict[str, str], technician: dict[str, str]
) -> None:
    base = _schedule(shop)
    slots = (
        f"/technicians/{shop['technician_id']}/slots?service_id={shop['service_id']}"
        f"&date={WEDNESDAY}"
    )
    client.put(f"{base}/overrides/{WEDNESDAY}", json={"hours": ["10:00-12:00"]}, headers=technician)

    starts = [s["start"][11:16] for s in client.get(slots).json()["items"]]
    day = client.get(
        f"/technicians/{shop['technician_id']}/calendar/day",
        params={"date": WEDNESDAY},
        headers=technician,
    )
    cleared = client.delete(f"{base}/overrides/{WEDNESDAY}", headers=technician)
    starts_after = client.get(slots).json()["items"]

    assert starts
    assert starts[0] == "10:00"
    assert starts[-1] <= "11:00"
    assert day.json()["days"][0]["working"] == [
        {"start": f"{WEDNESDAY}T10:00:00+08:00", "end": f"{WEDNESDAY}T12:00:00+08:00"}
    ]
    assert cleared.status_code == 200
    assert cleared.json()["overrides"] == []
    assert starts_after[0]["start"] == f"{WEDNESDAY}T09:00:00+08:00"


def test_the_calendar_and_status_show_his_bookings(
    client: TestClient,
    shop: dict[str, str],
    technician: dict[str, str],
    place: Callable[..., dict[str, Any]],
    clock: FrozenClock,
) -> None:
    order = place(f"{DAY}T10:00:00+08:00")
    client.put(f"{_schedule(shop)}/status", json={"status": "online"}, headers=technician)
    calendar = f"/technicians/{shop['technician_id']}/calendar"
    status = f"/technicians/{shop['technician_id']}/status"

    week = client.get(f"{calendar}/week", params={"first_day": "2026-03-02"}, headers=technician)
    clock.set(pendulum.datetime(2026, 3, 3, 8, 0, tz=ZONE))
    booked = client.get(status).json()
    clock.set(pendulum.datetime(2026, 3, 3, 10, 30, tz=ZONE))
    in_service = client.get(status).json()

    days = week.json()["days"]
    assert [d["date"] for d in days][:2] == ["2026-03-02", DAY]
    assert len(days) == 7
    (entry,) = days[1]["busy"]
    assert entry["kind"] == "booking"
    assert entry["order_id"] == order["id"]
    assert entry["slot"] == {"start": f"{DAY}T10:00:00+08:00", "end": f"{DAY}T11:00:00+08:00"}
    assert booked["presence"] == "booked"
    assert booked["next_booking"]["start"] == f"{DAY}T10:00:00+08:00"
    assert in_service["presence"] == "in_service"
    assert in_service["current_booking_id"] == order["booking_id"]


def test_a_booking_past_his_daily_cap_is_409(
    client: TestClient,
    shop: dict[str, str],
    technician: dict[str, str],
    place: Callable[..., dict[str, Any]],
    order_body: Callable[..., dict[str, Any]],
    alice: dict[str, str],
) -> None:
    client.put(f"{_schedule(shop)}/daily-cap", json={"daily_cap": 1}, headers=technician)
    place(f"{DAY}T10:00:00+08:00")

    refused = client.post("/orders", json=order_body(f"{DAY}T15:00:00+08:00"), headers=alice)

    assert refused.status_code == 409
    assert refused.json()["code"] == "daily_cap_reached"


def test_the_rota_is_his_stores_and_the_platforms(
    client: TestClient,
    shop: dict[str, str],
    technician: dict[str, str],
    platform: dict[str, str],
    as_: Callable[[Actor], dict[str, str]],
) -> None:
    tech_id = shop["technician_id"]
    client.put(f"/technicians/{tech_id}/profile", json={"store_id": "sto-east"}, headers=platform)
    shift = {"store_id": "sto-east", "date": "2026-03-07", "hours": "22:00-02:00"}
    base = f"{_schedule(shop)}/shifts"
    store = as_(Actor("sto-east", Role.STORE))
    other_store = as_(Actor("sto-west", Role.STORE))

    by_himself = client.put(f"{base}/night", json=shift, headers=technician)
    by_other_store = client.put(f"{base}/night", json=shift, headers=other_store)
    by_store = client.put(f"{base}/night", json=shift, headers=store)
    overlapping = client.put(f"{base}/late", json={**shift, "hours": "23:00-23:30"}, headers=store)
    foreign = client.put(f"{base}/x", json={**shift, "store_id": "sto-west"}, headers=platform)
    removed = client.delete(f"{base}/night", headers=platform)

    assert by_himself.status_code == by_other_store.status_code == 403
    assert by_himself.headers["content-type"] == PROBLEM
    assert by_store.status_code == 200, by_store.text
    assert by_store.json()["shifts"] == [
        {
            "id": "night",
            "store_id": "sto-east",
            "date": "2026-03-07",
            "hours": "22:00-02:00",
            "service_area": None,
        }
    ]
    assert (overlapping.status_code, overlapping.json()["code"]) == (422, "invalid_schedule")
    assert (foreign.status_code, foreign.json()["code"]) == (422, "invalid_input")
    assert removed.status_code == 200
    assert removed.json()["shifts"] == []


def test_only_he_his_store_and_the_platform_change_his_schedule(
    client: TestClient,
    shop: dict[str, str],
    other_technician: dict[str, str],
    alice: dict[str, str],
    platform: dict[str, str],
) -> None:
    base = _schedule(shop)

    by_colleague = client.put(f"{base}/daily-cap", json={"daily_cap": 2}, headers=other_technician)
    by_customer = client.put(f"{base}/status", json={"status": "offline"}, headers=alice)
    anonymous = client.put(f"{base}/status", json={"status": "offline"})
    anonymous_read = client.get(base)
    by_platform = client.put(f"{base}/daily-cap", json={"daily_cap": 2}, headers=platform)

    assert by_colleague.status_code == by_customer.status_code == 403
    assert by_customer.json()["code"] == "permission_denied"
    assert anonymous.status_code == anonymous_read.status_code == 401
    assert by_platform.status_code == 200
    # Reading it is his, his store's and the platform's too (time-off reasons, I25)
    assert client.get(base, headers=alice).status_code == 403
    assert client.get(base, headers=platform).json()["version"] == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("put", "/overrides/2026-03-04", {"hours": ["25:00-26:00"]}, "invalid_input"),
        (
            "put",
            "/overrides/2026-03-04",
            {"hours": ["09:00-12:00", "11:00-13:00"]},
            "invalid_schedule",
        ),
        ("put", "/overrides/1999-12-31", {"hours": []}, "date_out_of_range"),
        ("put", "/overrides/not-a-date", {"hours": []}, "invalid_input"),
        ("put", "/daily-cap", {"daily_cap": 0}, "invalid_input"),
        ("put", "/daily-cap", {"daily_cap": "3"}, "invalid_input"),
        ("put", "/status", {"status": "asleep"}, "invalid_input"),
        (
            "put",
            "/shifts/bad id",
            {"store_id": "s", "date": DAY, "hours": "09:00-10:00"},
            "invalid_input",
        ),
        (
            "post",
            "/time-off",
            {"first_day": "2026-03-10", "last_day": "2026-03-09"},
            "invalid_schedule",
        ),
        (
            "post",
            "/time-off",
            {"start": "2026-03-05T16:00:00+08:00", "end": "2026-03-05T14:00:00+08:00"},
            "invalid_time_range",
        ),
        (
            "post",
            "/time-off",
            {"start": "2026-03-05T14:00:00", "end": "2026-03-05T16:00:00"},
            "invalid_input",
        ),
        (
            "post",
            "/time-off",
            {
                "first_day": "2026-03-09",
                "last_day": "2026-03-10",
                "end": "2026-03-05T16:00:00+08:00",
            },
            "invalid_input",
        ),
        (
            "post",
            "/time-off",
            {"first_day": "2026-03-09", "last_day": "2026-03-10", "reason": "x" * 201},
            "invalid_input",
        ),
        (
            "post",
            "/time-off",
            {"first_day": "2026-03-09", "reason": "half a form"},
            "invalid_input",
        ),
        (
            "post",
            "/time-off",
            {"start": "2026-03-05T14:00:00+08:00", "end": "3632-08-28T08:57:46Z"},
            "date_out_of_range",
        ),
    ],
)
def test_bad_input_is_a_422_problem_and_changes_nothing(
    client: TestClient,
    shop: dict[str, str],
    technician: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
    code: str,
) -> None:
    base = _schedule(shop)

    response = client.request(method.upper(), f"{base}{path}", json=body, headers=technician)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == code
    assert client.get(base, headers=technician).json()["version"] == 0


def test_calendars_refuse_bad_days_and_unknown_technicians(
    client: TestClient, shop: dict[str, str], technician: dict[str, str]
) -> None:
    calendar = f"/technicians/{shop['technician_id']}/calendar"

    no_day = client.get(f"{calendar}/day", headers=technician)
    far = client.get(f"{calendar}/week", params={"first_day": "2101-01-01"}, headers=technician)
    unknown = client.get("/technicians/tec_nope/calendar/day?date=2026-03-03", headers=technician)
    unknown_status = client.get("/technicians/tec_nope/status")
    unknown_change = client.put(
        "/technicians/tec_nope/schedule/status", json={"status": "online"}, headers=technician
    )

    assert no_day.status_code == 422
    assert (far.status_code, far.json()["code"]) == (422, "date_out_of_range")
    assert unknown.status_code == unknown_status.status_code == unknown_change.status_code == 404
    assert unknown.json()["code"] == "technician_not_found"


def test_hours_with_seconds_are_taken_and_rounded_inwards(
    client: TestClient, shop: dict[str, str], technician: dict[str, str]
) -> None:
    # A calendar export gives seconds: the start rounds up, the end down (never time he
    # did not give).
    base = _schedule(shop)

    put = client.put(
        f"{base}/overrides/{WEDNESDAY}", json={"hours": ["09:30:30-18:00:59"]}, headers=technician
    )

    assert put.status_code == 200, put.text
    assert client.get(base, headers=technician).json()["overrides"] == [
        {"date": WEDNESDAY, "hours": ["09:31-18:00"]}
    ]
