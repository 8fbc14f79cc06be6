"""The booking slice over HTTP: catalog, technicians, slots, orders, payment, reviews."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
from fastapi.testclient import TestClient

from booking_core.orders import Actor, Role
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_core.testing.payments import Outcome

ZONE = "Asia/Shanghai"
DAY = "2026-03-03"  # a Tuesday; the clock stands on the Monday before 08:00


def _tuesday(hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2026, 3, 3, hour, minute, tz=ZONE)


#: When a punctual technician takes each step of the 10:00-11:00 order (the order's time
#: guards refuse setting off, starting and completing earlier).
ON_TIME = {
    "accept": pendulum.datetime(2026, 3, 2, 8, 10, tz=ZONE),
    "depart": _tuesday(9),
    "arrive": _tuesday(9, 50),
    "start-service": _tuesday(10),
    "complete": _tuesday(11),
}


def test_the_whole_slice_over_http(
    client: TestClient,
    clock: FrozenClock,
    platform: dict[str, str],
    alice: dict[str, str],
    bob: dict[str, str],
    as_: Callable[[Actor], dict[str, str]],
) -> None:
    # given a category, a service and a technician created by the platform
    category = client.post("/categories", json={"name": "按摩 Massage"}, headers=platform).json()
    service = client.post(
        "/services",
        json={
            "category_id": category["id"],
            "name": "中式推拿 Chinese tuina",
            "duration_minutes": 60,
            "price": {"amount": 19900, "currency": "CNY"},
        },
        headers=platform,
    ).json()
    technician = client.post(
        "/technicians",
        json={
            "name": "李伟 Li Wei",
            "time_zone": ZONE,
            "weekly_hours": {"tue": ["09:00-12:00"]},
            "service_ids": [service["id"]],
        },
        headers=platform,
    ).json()
    tech = as_(Actor(technician["id"], Role.TECHNICIAN))
    slots_url = f"/technicians/{technician['id']}/slots"
    query = {"service_id": service["id"], "date": DAY}

    # when the customer lists the free slots, books one, pays, and the technician works it
    slots = client.get(slots_url, params=query).json()
    placed = client.post(
        "/orders",
        json={
            "technician_id": technician["id"],
            "service_id": service["id"],
            "start": f"{DAY}T10:00:00+08:00",
        },
        headers=alice,
    )
    overlapping = client.post(
        "/orders",
        json={
            "technician_id": technician["id"],
            "service_id": service["id"],
            "start": f"{DAY}T10:30:00+08:00",
        },
        headers=bob,
    )
    slots_after = client.get(slots_url, params=query).json()
    order_url = f"/orders/{placed.json()['id']}"
    payment = client.post(f"{order_url}/payments", headers=alice)
    states = []
    for action in ("accept", "depart", "arrive", "start-service", "complete"):
        clock.set(ON_TIME[action])  # each step when a punctual technician takes it
        states.append(client.post(f"{order_url}/{action}", headers=tech).json()["state"])
    review = client.post(f"{order_url}/review", json={"stars": 5, "text": "好"}, headers=alice)
    reviews = client.get(f"/technicians/{technician['id']}/reviews").json()
    final = client.get(order_url, headers=alice).json()

    # then every step answered as the rules say
    assert [s["start"] for s in slots["items"]] == [
        f"{DAY}T09:00:00+08:00",
        f"{DAY}T10:00:00+08:00",
        f"{DAY}T11:00:00+08:00",
    ]
    assert slots["time_zone"] == ZONE
    assert placed.status_code == 201
    assert placed.json()["state"] == "pending_payment"
    assert placed.json()["price"] == {"amount": 19900, "currency": "CNY"}
    assert placed.json()["slot"] == {
        "start": f"{DAY}T10:00:00+08:00",
        "end": f"{DAY}T11:00:00+08:00",
    }
    assert overlapping.status_code == 409
    assert overlapping.json()["code"] == "slot_taken"
    assert [s["start"] for s in slots_after["items"]] == [
        f"{DAY}T09:00:00+08:00",
        f"{DAY}T11:00:00+08:00",
    ]
    assert payment.status_code == 200
    assert payment.json()["status"] == "captured"
    assert payment.json()["order_state"] == "pending_acceptance"
    assert states == ["accepted", "departed", "arrived", "in_service", "completed"]
    assert review.status_code == 201
    assert review.json()["stars"] == 5
    assert reviews["count"] == 1
    assert reviews["average_stars"] == "5.0"
    assert final["state"] == "completed"
    assert final["paid"] == {"amount": 19900, "currency": "CNY"}
    assert [r["to_state"] for r in final["timeline"]] == [
        "pending_acceptance",
        "accepted",
        "departed",
        "arrived",
        "in_service",
        "completed",
    ]
    assert final["timeline"][1]["actor"] == {"id": technician["id"], "role": "technician"}
    assert [r["at"] for r in final["timeline"][1:]] == [
        "2026-03-02T08:10:00+08:00",
        f"{DAY}T09:00:00+08:00",
        f"{DAY}T09:50:00+08:00",
        f"{DAY}T10:00:00+08:00",
        f"{DAY}T11:00:00+08:00",
    ]


def test_the_catalog_reads_back_what_the_platform_created(
    client: TestClient, shop: dict[str, str]
) -> None:
    # given the shop

    # when the catalog is read
    categories = client.get("/categories").json()["items"]
    services = client.get("/services").json()["items"]
    in_category = client.get("/services", params={"category_id": shop["category_id"]}).json()
    in_other = client.get("/services", params={"category_id": "cat_nope"}).json()
    one = client.get(f"/services/{shop['service_id']}").json()

    # then it holds the category and its service
    assert categories == [{"id": shop["category_id"], "name": "按摩 Massage", "parent_id": None}]
    assert [s["id"] for s in services] == [shop["service_id"]]
    assert in_category["items"] == services
    assert in_other["items"] == []
    assert one == {
        "id": shop["service_id"],
        "category_id": shop["category_id"],
        "name": "中式推拿 Chinese tuina",
        "description": "",
        "duration_minutes": 60,
        "price": {"amount": 19900, "currency": "CNY"},
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "rules": None,
        "technicians_needed": 1,
    }


def test_a_subcategory_names_its_parent(
    client: TestClient, shop: dict[str, str], platform: dict[str, str]
) -> None:
    # given the shop's category

    # when a subcategory is created under it
    response = client.post(
        "/categories",
        json={"name": "足疗 Foot", "parent_id": shop["category_id"]},
        headers=platform,
    )

    # then it points at its parent
    assert response.status_code == 201
    assert response.json()["parent_id"] == shop["category_id"]


def test_technicians_read_back_with_their_hours(client: TestClient, shop: dict[str, str]) -> None:
    # given the shop's technicians

    # when they are read
    listed = client.get("/technicians").json()["items"]
    one = client.get(f"/technicians/{shop['technician_id']}").json()

    # then hours and services come back as they were given
    assert [t["id"] for t in listed] == [shop["technician_id"], shop["other_technician_id"]]
    assert one["time_zone"] == ZONE
    assert one["weekly_hours"]["mon"] == ["09:00-12:00", "13:00-21:00"]
    assert "sat" not in one["weekly_hours"]
    assert one["service_ids"] == [shop["service_id"]]


def test_no_slots_on_a_day_off(client: TestClient, shop: dict[str, str]) -> None:
    # given a technician who does not work on Saturdays

    # when Saturday's slots are listed
    response = client.get(
        f"/technicians/{shop['technician_id']}/slots",
        params={"service_id": shop["service_id"], "date": "2026-03-07"},
    )

    # then there are none
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_customer_lists_only_her_own_orders_newest_first(
    client: TestClient,
    place: Callable[..., dict[str, Any]],
    clock: FrozenClock,
    alice: dict[str, str],
    bob: dict[str, str],
) -> None:
    # given two orders of Alice and one of Bob
    first = place(f"{DAY}T09:00:00+08:00")
    clock.advance(pendulum.duration(minutes=1))
    second = place(f"{DAY}T13:00:00+08:00")
    place(f"{DAY}T15:00:00+08:00", headers=bob)

    # when Alice lists her orders
    response = client.get("/orders", headers=alice)

    # then she sees hers, newest first
    assert [o["id"] for o in response.json()["items"]] == [second["id"], first["id"]]


def test_a_declined_payment_is_an_answer_and_leaves_the_order_unpaid(
    client: TestClient,
    place: Callable[..., dict[str, Any]],
    gateway: ScriptedPaymentGateway,
    alice: dict[str, str],
) -> None:
    # given an order and a bank that declines
    order = place()
    gateway.script(Outcome.DECLINE)

    # when Alice pays
    response = client.post(f"/orders/{order['id']}/payments", headers=alice)

    # then the decline is reported and the order still awaits payment
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["failure_code"] == "card_declined"
    assert response.json()["order_state"] == "pending_payment"


def test_paying_twice_is_a_conflict(
    client: TestClient, paid_order: dict[str, Any], alice: dict[str, str]
) -> None:
    # given a paid order

    # when Alice pays again
    response = client.post(f"/orders/{paid_order['id']}/payments", headers=alice)

    # then it is refused: nothing is owed any more
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_pay"


def test_cancelling_frees_the_slot_and_keeps_the_reason(
    client: TestClient, shop: dict[str, str], paid_order: dict[str, Any], alice: dict[str, str]
) -> None:
    # given a paid order at 10:00

    # when Alice cancels it with a reason
    response = client.post(
        f"/orders/{paid_order['id']}/cancel", json={"reason": "plans changed"}, headers=alice
    )
    slots = client.get(
        f"/technicians/{shop['technician_id']}/slots",
        params={"service_id": shop["service_id"], "date": DAY},
    ).json()

    # then the order is cancelled by her for that reason, and 10:00 is free again
    assert response.status_code == 200
    cancel = next(r for r in response.json()["timeline"] if r["event"] == "cancel")
    assert (cancel["to_state"], cancel["reason"]) == ("cancelled", "plans changed")
    assert cancel["actor"] == {"id": "cus-alice", "role": "customer"}
    assert f"{DAY}T10:00:00+08:00" in [s["start"] for s in slots["items"]]


def test_an_action_without_a_body_has_an_empty_reason(
    client: TestClient, technician: dict[str, str], paid_order: dict[str, Any]
) -> None:
    # given a paid order

    # when the technician accepts it with no body at all
    response = client.post(f"/orders/{paid_order['id']}/accept", headers=technician)

    # then it is accepted
    assert response.status_code == 200
    assert response.json()["timeline"][-1]["reason"] == ""


def test_the_platform_may_see_and_move_any_order(
    client: TestClient, paid_order: dict[str, Any], platform: dict[str, str]
) -> None:
    # given Alice's paid order

    # when the platform reads and accepts it
    seen = client.get(f"/orders/{paid_order['id']}", headers=platform)
    accepted = client.post(f"/orders/{paid_order['id']}/accept", headers=platform)

    # then both work
    assert seen.status_code == 200
    assert accepted.json()["state"] == "accepted"


def test_a_technician_sees_his_own_order(
    client: TestClient, technician: dict[str, str], paid_order: dict[str, Any]
) -> None:
    # given Alice's paid order with the shop's technician

    # when he reads it
    response = client.get(f"/orders/{paid_order['id']}", headers=technician)

    # then he sees it
    assert response.status_code == 200
    assert response.json()["customer_id"] == "cus-alice"


def test_reviews_of_a_technician_without_any(client: TestClient, shop: dict[str, str]) -> None:
    # given a technician nobody reviewed

    # when his reviews are read
    response = client.get(f"/technicians/{shop['technician_id']}/reviews")

    # then there are none and no average
    assert response.json() == {
        "technician_id": shop["technician_id"],
        "count": 0,
        "average_stars": None,
        "star_level": None,
        "items": [],
        "next_cursor": None,
    }
