"""GET /orders for every role (issue 10): filters, a technician's views, cursors that follow
the order asked for; and POST /orders with a payment mode and the service address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_core.ids import StoreId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.testing import FrozenClock
from booking_server.paging import MAX_CURSOR_LENGTH

Json = dict[str, Any]
Headers = dict[str, str]
DAY = "2026-03-03"
PEOPLES_SQUARE = {"lat": 31.2304, "lon": 121.4737}


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [o["id"] for o in response.json()["items"]]


def _change_technician(app: BookingApp, technician_id: str, **profile: Any) -> None:
    with app.uow() as uow:
        technician = uow.technicians.get(TechnicianId(technician_id))
        changed = attrs.evolve(technician.profile, **profile)
        uow.technicians.save(attrs.evolve(technician, profile=changed))
        uow.commit()


@pytest.fixture
def orders(
    client: TestClient,
    place: Callable[..., Json],
    order_body: Callable[..., Json],
    shop: dict[str, str],
    alice: Headers,
    bob: Headers,
) -> dict[str, str]:
    """Alice: 10:00 (paid) and 14:00 with the first technician; Bob: 16:00 with the second."""
    paid = place(f"{DAY}T10:00:00+08:00")["id"]
    assert client.post(f"/orders/{paid}/payments", headers=alice).status_code == 200
    unpaid = place(f"{DAY}T14:00:00+08:00")["id"]
    body = {**order_body(f"{DAY}T16:00:00+08:00"), "technician_id": shop["other_technician_id"]}
    bobs = client.post("/orders", json=body, headers=bob)
    assert bobs.status_code == 201, bobs.json()
    return {"paid": paid, "unpaid": unpaid, "bobs": bobs.json()["id"]}


def test_each_role_lists_what_it_may(
    client: TestClient,
    booking_app: BookingApp,
    orders: dict[str, str],
    shop: dict[str, str],
    alice: Headers,
    platform: Headers,
    technician: Headers,
    as_: Callable[[Actor], Headers],
) -> None:
    # given the first technician works for the north store
    _change_technician(booking_app, shop["technician_id"], store_id=StoreId("sto_north"))
    north = as_(Actor("sto_north", Role.STORE))

    # when each role lists orders
    listed = {
        "alice": _ids(client.get("/orders", headers=alice)),
        "technician": _ids(client.get("/orders", headers=technician)),
        "north": _ids(client.get("/orders", headers=north)),
        "platform": _ids(client.get("/orders", headers=platform)),
    }

    # then each sees its own, newest placed first (one instant: the larger id first)
    paid, unpaid, bobs = orders["paid"], orders["unpaid"], orders["bobs"]
    assert listed == {
        "alice": [unpaid, paid],
        "technician": [unpaid, paid],
        "north": [unpaid, paid],
        "platform": [bobs, unpaid, paid],
    }


def test_filters_narrow_the_list(
    client: TestClient, orders: dict[str, str], platform: Headers, alice: Headers
) -> None:
    def listed(headers: Headers, **params: Any) -> list[str]:
        return _ids(client.get("/orders", params=params, headers=headers))

    paid, unpaid, bobs = orders["paid"], orders["unpaid"], orders["bobs"]
    assert listed(platform, state=["pending_acceptance"]) == [paid]
    assert listed(platform, state=["pending_payment", "pending_acceptance"]) == [bobs, unpaid, paid]
    assert listed(platform, customer_id="cus-bob") == [bobs]
    slots = {"slot_from": f"{DAY}T14:00:00+08:00", "slot_until": f"{DAY}T16:00:00+08:00"}
    assert listed(platform, **slots) == [unpaid]
    assert listed(platform, placed_until="2026-03-02T00:00:00Z") == []
    assert listed(platform, sort="soonest_slot") == [paid, unpaid, bobs]
    assert listed(alice, sort="latest_slot") == [unpaid, paid]


def test_naming_someone_else_is_forbidden(
    client: TestClient,
    orders: dict[str, str],
    alice: Headers,
    technician: Headers,
    as_: Callable[[Actor], Headers],
) -> None:
    for headers, params in (
        (alice, {"customer_id": "cus-bob"}),
        (as_(Actor("sto_south", Role.STORE)), {"store_id": "sto_north"}),
    ):
        response = client.get("/orders", params=params, headers=headers)

        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_a_technicians_views(
    client: TestClient,
    clock: FrozenClock,
    orders: dict[str, str],
    technician: Headers,
    alice: Headers,
) -> None:
    # given his paid order accepted, and the clock on the day of both his orders
    accepted = client.post(f"/orders/{orders['paid']}/accept", headers=technician)
    assert accepted.status_code == 200, accepted.json()

    def view(name: str, headers: Headers = technician) -> list[str]:
        return _ids(client.get("/orders", params={"view": name}, headers=headers))

    # when he looks at each view
    before = {name: view(name) for name in ("new", "today", "upcoming", "history")}
    clock.set(clock.now().add(days=1))  # Tuesday, his orders' day
    today = view("today")

    # then each holds what it promises
    assert before == {"new": [], "today": [], "upcoming": [orders["paid"]], "history": []}
    assert today == [orders["paid"], orders["unpaid"]]  # soonest first
    refused = client.get("/orders", params={"view": "new"}, headers=alice)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")


def test_a_view_takes_no_other_filters(client: TestClient, technician: Headers) -> None:
    response = client.get(
        "/orders", params={"view": "today", "state": "accepted"}, headers=technician
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert response.json()["details"] == {"view": "today", "filters": ["states"]}


def test_pages_follow_the_sort_and_refuse_another_sorts_cursor(
    client: TestClient, orders: dict[str, str], platform: Headers
) -> None:
    # given the first page of the soonest-slot list
    first = client.get("/orders", params={"sort": "soonest_slot", "limit": 2}, headers=platform)
    cursor = first.json()["next_cursor"]

    # when the next page is read in the same sort, and in another
    second = client.get(
        "/orders", params={"sort": "soonest_slot", "limit": 2, "cursor": cursor}, headers=platform
    )
    other = client.get("/orders", params={"limit": 2, "cursor": cursor}, headers=platform)

    # then the pages walk the list once; the other sort refuses the cursor
    assert _ids(first) + _ids(second) == [orders["paid"], orders["unpaid"], orders["bobs"]]
    assert second.json()["next_cursor"] is None
    assert (other.status_code, other.json()["code"]) == (422, "invalid_cursor")


@pytest.mark.parametrize(
    "params",
    [
        {"state": "lost"},
        {"view": "tomorrow"},
        {"sort": "random"},
        {"technician_id": "bad id!"},
        {"store_id": "x" * 129},
        {"slot_from": "2026-03-03T10:00:00"},  # no offset
        {"placed_until": "10000-01-01T00:00:00Z"},
        {"cursor": "x" * (MAX_CURSOR_LENGTH + 1)},
    ],
)
def test_malformed_filters_are_422(client: TestClient, alice: Headers, params: Json) -> None:
    response = client.get("/orders", params=params, headers=alice)

    assert response.status_code == 422, response.json()


# -- POST /orders: payment mode and address -------------------------------------------------


def test_an_order_paid_on_arrival_waits_for_acceptance_at_once(
    client: TestClient, order_body: Callable[..., Json], alice: Headers
) -> None:
    body = {**order_body(), "payment_mode": "on_arrival", "address": PEOPLES_SQUARE}

    placed = client.post("/orders", json=body, headers=alice)
    lifecycle = client.get(f"/orders/{placed.json()['id']}/lifecycle", headers=alice).json()

    assert (placed.status_code, placed.json()["state"]) == (201, "pending_acceptance")
    assert (lifecycle["payment_mode"], lifecycle["upfront"]["amount"]) == ("on_arrival", 0)


def test_a_deposit_order_owes_the_deposit_up_front(
    client: TestClient, order_body: Callable[..., Json], alice: Headers
) -> None:
    placed = client.post("/orders", json={**order_body(), "payment_mode": "deposit"}, headers=alice)
    lifecycle = client.get(f"/orders/{placed.json()['id']}/lifecycle", headers=alice).json()

    assert (placed.status_code, placed.json()["state"]) == (201, "pending_payment")
    assert lifecycle["payment_mode"] == "deposit"
    assert 0 < lifecycle["upfront"]["amount"] < placed.json()["price"]["amount"]


def test_the_address_is_checked_against_the_service_area(
    client: TestClient,
    booking_app: BookingApp,
    order_body: Callable[..., Json],
    shop: dict[str, str],
    alice: Headers,
) -> None:
    # given the technician serves 5 km around People's Square
    area = ServiceArea(GeoPoint(PEOPLES_SQUARE["lat"], PEOPLES_SQUARE["lon"]), 5.0)
    _change_technician(booking_app, shop["technician_id"], service_area=area)

    # when Alice books from Pudong airport (~40 km away), then from the square
    far = {**order_body(), "address": {"lat": 31.1443, "lon": 121.8083}}
    refused = client.post("/orders", json=far, headers=alice)
    placed = client.post("/orders", json={**order_body(), "address": PEOPLES_SQUARE}, headers=alice)

    # then the far one is refused and nothing was booked; the near one is placed
    assert (refused.status_code, refused.json()["code"]) == (422, "outside_service_area")
    assert placed.status_code == 201, placed.json()


@pytest.mark.parametrize(
    "extra",
    [
        {"payment_mode": "later"},
        {"address": {"lat": 91, "lon": 0}},
        {"address": {"lat": 0}},
        {"address": {"lat": 0, "lon": 0, "floor": 3}},
    ],
)
def test_a_malformed_mode_or_address_is_422(
    client: TestClient, order_body: Callable[..., Json], alice: Headers, extra: Json
) -> None:
    response = client.post("/orders", json={**order_body(), **extra}, headers=alice)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
