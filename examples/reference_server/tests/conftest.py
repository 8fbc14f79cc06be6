"""Fixtures: the server over in-memory storage, a frozen clock and the scripted gateway."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_server import create_app

ZONE = "Asia/Shanghai"
DAY = "2026-03-03"  # a Tuesday; the clock stands on the Monday before


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(pendulum.datetime(2026, 3, 2, 8, 0, tz=ZONE))


@pytest.fixture
def gateway() -> ScriptedPaymentGateway:
    return ScriptedPaymentGateway()


@pytest.fixture
def booking_app(clock: FrozenClock, gateway: ScriptedPaymentGateway) -> BookingApp:
    return build(
        uow=InMemoryStore().unit_of_work, payments=gateway, clock=clock, ids=SequentialIds()
    )


@pytest.fixture
def client(booking_app: BookingApp) -> Iterator[TestClient]:
    with TestClient(create_app(booking_app)) as test_client:
        yield test_client


@pytest.fixture
def platform() -> dict[str, str]:
    return {"X-Actor-Id": "admin-1", "X-Actor-Role": "platform"}


@pytest.fixture
def alice() -> dict[str, str]:
    return {"X-Actor-Id": "cus-alice", "X-Actor-Role": "customer"}


@pytest.fixture
def bob() -> dict[str, str]:
    return {"X-Actor-Id": "cus-bob", "X-Actor-Role": "customer"}


@pytest.fixture
def shop(client: TestClient, platform: dict[str, str]) -> dict[str, str]:
    """Ids of a category, a 60-minute tuina at 199.00 CNY and two technicians doing it.

    Both technicians work 09:00–12:00 and 13:00–21:00 Asia/Shanghai, Monday to Friday.
    """
    category = client.post("/categories", json={"name": "按摩 Massage"}, headers=platform)
    service = client.post(
        "/services",
        json={
            "category_id": category.json()["id"],
            "name": "中式推拿 Chinese tuina",
            "duration_minutes": 60,
            "price": {"amount": 19900, "currency": "CNY"},
        },
        headers=platform,
    )
    hours = {day: ["09:00-12:00", "13:00-21:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    technicians = [
        client.post(
            "/technicians",
            json={
                "name": name,
                "time_zone": ZONE,
                "weekly_hours": hours,
                "service_ids": [service.json()["id"]],
            },
            headers=platform,
        )
        for name in ("李伟 Li Wei", "王芳 Wang Fang")
    ]
    assert all(r.status_code == 201 for r in (category, service, *technicians))
    return {
        "category_id": category.json()["id"],
        "service_id": service.json()["id"],
        "technician_id": technicians[0].json()["id"],
        "other_technician_id": technicians[1].json()["id"],
    }


@pytest.fixture
def technician(shop: dict[str, str]) -> dict[str, str]:
    """Headers of the shop's first technician."""
    return {"X-Actor-Id": shop["technician_id"], "X-Actor-Role": "technician"}


@pytest.fixture
def other_technician(shop: dict[str, str]) -> dict[str, str]:
    """Headers of the shop's second technician."""
    return {"X-Actor-Id": shop["other_technician_id"], "X-Actor-Role": "technician"}


@pytest.fixture
def order_body(shop: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """The POST /orders body for the shop's tuina with the first technician at ``start``."""

    def body(start: str = f"{DAY}T10:00:00+08:00") -> dict[str, Any]:
        return {
            "technician_id": shop["technician_id"],
            "service_id": shop["service_id"],
            "start": start,
        }

    return body


@pytest.fixture
def place(
    client: TestClient, order_body: Callable[..., dict[str, Any]], alice: dict[str, str]
) -> Callable[..., dict[str, Any]]:
    """Place an order as Alice (or ``headers``) at ``start``; asserts it was created."""

    def place_order(
        start: str = f"{DAY}T10:00:00+08:00", headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = client.post("/orders", json=order_body(start), headers=headers or alice)
        assert response.status_code == 201, response.json()
        body: dict[str, Any] = response.json()
        return body

    return place_order


@pytest.fixture
def paid_order(
    client: TestClient, place: Callable[..., dict[str, Any]], alice: dict[str, str]
) -> dict[str, Any]:
    order = place()
    response = client.post(f"/orders/{order['id']}/payments", headers=alice)
    assert response.json()["order_state"] == "pending_acceptance"
    return order


@pytest.fixture
def snapshot(
    client: TestClient, shop: dict[str, str], alice: dict[str, str], bob: dict[str, str]
) -> Callable[[], dict[str, Any]]:
    """Everything the list endpoints show, to prove a refused request stored nothing."""
    slots = f"/technicians/{shop['technician_id']}/slots?service_id={shop['service_id']}&date={DAY}"
    views: dict[str, tuple[str, dict[str, str] | None]] = {
        "categories": ("/categories", None),
        "services": ("/services", None),
        "technicians": ("/technicians", None),
        "slots": (slots, None),
        "alice's orders": ("/orders", alice),
        "bob's orders": ("/orders", bob),
    }

    def take() -> dict[str, Any]:
        return {
            name: client.get(path, headers=headers).json()
            for name, (path, headers) in views.items()
        }

    return take
