"""Slots by instants (``from``/``to``) and local times beside UTC in answers (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import DAY


def starts(items: list[dict[str, Any]]) -> list[str]:
    return [item["start"] for item in items]


def test_free_slots_from_to_keep_starts_in_the_half_open_window(
    client: TestClient, shop: dict[str, str]
) -> None:
    response = client.get(
        f"/technicians/{shop['technician_id']}/free-slots",
        # 09:00–11:00 in Shanghai, given in UTC.
        params={
            "service_id": shop["service_id"],
            "from": f"{DAY}T01:00:00Z",
            "to": f"{DAY}T03:00Z",
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    # 09:00 starts at `from`: in; 11:00 starts at `to`: out. In his zone.
    assert starts(body["items"]) == [f"{DAY}T09:00:00+08:00", f"{DAY}T10:00:00+08:00"]
    assert (body["first_day"], body["last_day"], body["time_zone"]) == (DAY, DAY, "Asia/Shanghai")


def test_any_technician_search_by_instants_shows_each_technicians_local_time(
    client: TestClient, shop: dict[str, str], platform: dict[str, str]
) -> None:
    london = client.post(
        "/technicians",
        json={
            "name": "Smith",
            "time_zone": "Europe/London",
            "weekly_hours": {"tue": ["09:00-12:00"]},
            "service_ids": [shop["service_id"]],
        },
        headers=platform,
    )
    assert london.status_code == 201, london.json()

    response = client.get(
        "/slots",
        params={
            "service_id": shop["service_id"],
            "from": f"{DAY}T03:00:00+00:00",
            "to": f"{DAY}T10:00:00+00:00",
        },
    )

    assert response.status_code == 200, response.json()
    items = response.json()["items"]
    assert starts(items) == [f"{DAY}T{h:02d}:00:00Z" for h in (3, 5, 6, 7, 8, 9)]
    shanghai = items[0]["technicians"][0]
    assert shanghai["time_zone"] == "Asia/Shanghai"
    assert (shanghai["local_start"], shanghai["local_end"]) == (
        f"{DAY}T11:00:00+08:00",
        f"{DAY}T12:00:00+08:00",
    )
    smith = next(t for t in items[-1]["technicians"] if t["technician_id"] == london.json()["id"])
    # 09:00Z in London is 09:00 GMT; 17:00 in Shanghai for the others at the same start.
    assert (smith["time_zone"], smith["local_start"]) == ("Europe/London", f"{DAY}T09:00:00Z")
    assert {t["local_start"] for t in items[-1]["technicians"] if t is not smith} == {
        f"{DAY}T17:00:00+08:00"
    }


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": f"{DAY}T09:00:00", "to": f"{DAY}T11:00:00+08:00"}, "invalid_input"),  # naive
        ({"from": f"{DAY}T09:00:00+08:00"}, "invalid_input"),  # `to` missing
        (
            {"first_day": DAY, "from": f"{DAY}T09:00+08:00", "to": f"{DAY}T11:00+08:00"},
            "invalid_input",
        ),
        ({}, "invalid_input"),  # neither days nor instants
        ({"from": f"{DAY}T11:00:00+08:00", "to": f"{DAY}T09:00:00+08:00"}, "invalid_time_range"),
        ({"from": f"{DAY}T00:00:00Z", "to": "2026-04-03T00:00:01Z"}, "date_out_of_range"),
    ],
    ids=["naive", "to-missing", "days-and-instants", "nothing", "backwards", "too-long"],
)
@pytest.mark.parametrize("route", ["technician", "any"])
def test_bad_instant_windows_are_422(
    client: TestClient, shop: dict[str, str], params: dict[str, str], code: str, route: str
) -> None:
    path = f"/technicians/{shop['technician_id']}/free-slots" if route == "technician" else "/slots"

    response = client.get(path, params={"service_id": shop["service_id"], **params})

    assert response.status_code == 422, response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_a_31_day_window_is_accepted(client: TestClient, shop: dict[str, str]) -> None:
    response = client.get(
        "/slots",
        params={
            "service_id": shop["service_id"],
            "from": f"{DAY}T00:00:00Z",
            "to": "2026-04-03T00:00Z",
        },
    )

    assert response.status_code == 200, response.json()


def test_holds_and_moved_bookings_show_utc_and_the_local_time(
    client: TestClient,
    shop: dict[str, str],
    alice: dict[str, str],
    place: Callable[..., dict[str, Any]],
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
    order = place(f"{DAY}T10:00:00+08:00")
    moved = client.post(
        f"/bookings/{order['booking_id']}/reschedule",
        json={"start": f"{DAY}T16:00:00+08:00"},
        headers=alice,
    )

    assert hold["slot"]["start"] == f"{DAY}T06:00:00Z"
    assert hold["hold_expires_at"].endswith("Z")
    assert (hold["time_zone"], hold["local_start"], hold["local_end"]) == (
        "Asia/Shanghai",
        f"{DAY}T14:00:00+08:00",
        f"{DAY}T15:00:00+08:00",
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["slot"]["start"] == f"{DAY}T08:00:00Z"
    assert moved.json()["local_start"] == f"{DAY}T16:00:00+08:00"
