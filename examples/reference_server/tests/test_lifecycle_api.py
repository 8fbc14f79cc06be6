"""The lifecycle endpoints: every transition, cancellation preview, changes, tracking,
complaints and arbitration, the provider's webhook — with role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_core.ports.payments import WebhookKind
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_core.testing.payments import Outcome
from booking_server import create_app

DAY = "2026-03-03"
Json = dict[str, Any]


@pytest.fixture
def client(booking_app: BookingApp) -> Iterator[TestClient]:
    with TestClient(create_app(booking_app)) as test_client:
        yield test_client


@pytest.fixture
def paid(
    client: TestClient, place: Callable[..., Json], alice: dict[str, str]
) -> Callable[..., str]:
    def pay(start: str = f"{DAY}T10:00:00+08:00") -> str:
        order_id: str = place(start)["id"]
        assert client.post(f"/orders/{order_id}/payments", headers=alice).status_code == 200
        return order_id

    return pay


def fire(client: TestClient, order_id: str, headers: dict[str, str], *events: str) -> Json:
    body: Json = {}
    for event in events:
        response = client.post(f"/orders/{order_id}/transitions/{event}", json={}, headers=headers)
        assert response.status_code == 200, response.json()
        body = response.json()
    return body


def test_a_rejection_is_recorded_and_only_the_technician_may_reject(
    client: TestClient,
    paid: Callable[..., str],
    alice: dict[str, str],
    technician: dict[str, str],
) -> None:
    order_id = paid()

    by_customer = client.post(f"/orders/{order_id}/reject", json={}, headers=alice)
    rejected = client.post(
        f"/orders/{order_id}/reject", json={"reason": "too far"}, headers=technician
    )

    assert by_customer.status_code == 403
    assert rejected.status_code == 200
    body = rejected.json()
    assert body["order"]["state"] == "pending_acceptance"
    assert body["order"]["technician_id"] is None
    assert body["order"]["timeline"][-1]["reason"] == "too far"
    assert client.get(f"/orders/{order_id}", headers=technician).status_code == 404


def test_the_whole_way_with_a_stale_version_refused(
    client: TestClient,
    paid: Callable[..., str],
    alice: dict[str, str],
    technician: dict[str, str],
    walk: Callable[..., Json],
) -> None:
    order_id = paid()
    seen = client.get(f"/orders/{order_id}/lifecycle", headers=alice).json()["version"]

    accepted = client.post(
        f"/orders/{order_id}/transitions/accept",
        json={"expected_version": seen},
        headers=technician,
    )
    stale_cancel = client.post(
        f"/orders/{order_id}/cancellation",
        json={"expected_version": seen},
        headers=alice,
    )
    done = walk(
        order_id, technician, "depart", "arrive", "start-service", "complete", transitions=True
    )

    assert accepted.status_code == 200
    assert stale_cancel.status_code == 409
    assert stale_cancel.json()["code"] == "concurrent_update"
    assert done["order"]["state"] == "completed"
    assert done["number"].startswith("260302-")
    found = client.get(f"/orders/by-number/{done['number']}", headers=alice)
    assert found.json()["order"]["id"] == order_id


def test_cancellation_preview_then_cancel_with_the_refund(
    client: TestClient,
    paid: Callable[..., str],
    alice: dict[str, str],
    bob: dict[str, str],
    clock: FrozenClock,
) -> None:
    order_id = paid()
    clock.set(pendulum.datetime(2026, 3, 3, 7, tz="Asia/Shanghai"))

    preview = client.get(f"/orders/{order_id}/cancellation", headers=alice)
    others = client.get(f"/orders/{order_id}/cancellation", headers=bob)
    cancelled = client.post(f"/orders/{order_id}/cancellation", json={}, headers=alice)
    money = client.get(f"/orders/{order_id}/money", headers=alice)

    assert others.status_code == 404
    assert preview.json()["fee"] == {"amount": 5970, "currency": "CNY"}
    assert preview.json()["refund"] == {"amount": 13930, "currency": "CNY"}
    assert "30 % fee" in preview.json()["rule"]
    assert cancelled.json()["quote"] == preview.json()
    assert cancelled.json()["order"]["state"] == "partially_refunded"
    assert [r["status"] for r in money.json()["refunds"]] == ["succeeded"]


def test_a_no_show_is_for_the_technician_after_the_wait(
    client: TestClient,
    paid: Callable[..., str],
    alice: dict[str, str],
    technician: dict[str, str],
    clock: FrozenClock,
) -> None:
    order_id = paid()
    clock.set(pendulum.datetime(2026, 3, 3, 9, 50, tz="Asia/Shanghai"))
    fire(client, order_id, technician, "accept", "depart", "arrive")
    clock.set(pendulum.datetime(2026, 3, 3, 10, 30, tz="Asia/Shanghai"))

    by_customer = client.post(f"/orders/{order_id}/no-show", json={}, headers=alice)
    recorded = client.post(f"/orders/{order_id}/no-show", json={}, headers=technician)

    assert by_customer.status_code == 403
    assert recorded.status_code == 200
    assert recorded.json()["quote"]["cause"] == "no_show"
    assert recorded.json()["order"]["state"] == "cancelled"


def test_changing_the_time_and_the_technician(
    client: TestClient,
    paid: Callable[..., str],
    alice: dict[str, str],
    technician: dict[str, str],
    shop: dict[str, str],
) -> None:
    order_id = paid()

    moved = client.post(
        f"/orders/{order_id}/time", json={"start": f"{DAY}T14:00:00+08:00"}, headers=alice
    )
    by_technician = client.post(
        f"/orders/{order_id}/time", json={"start": f"{DAY}T15:00:00+08:00"}, headers=technician
    )
    swapped = client.post(
        f"/orders/{order_id}/technician",
        json={"technician_id": shop["other_technician_id"]},
        headers=alice,
    )

    assert moved.status_code == 200
    assert moved.json()["order"]["slot"]["start"] == f"{DAY}T14:00:00+08:00"
    assert by_technician.status_code == 403
    assert swapped.json()["order"]["order"]["technician_id"] == shop["other_technician_id"]


def test_tracking_while_on_the_way(
    client: TestClient,
    paid: Callable[..., str],
    alice: dict[str, str],
    technician: dict[str, str],
    walk: Callable[..., Json],
) -> None:
    order_id = paid()
    fire(client, order_id, technician, "accept")
    too_early = client.post(
        f"/orders/{order_id}/positions", json={"lat": 31.2, "lon": 121.4}, headers=technician
    )
    walk(order_id, technician, "depart", transitions=True)  # on the day, an hour before

    reported = client.post(
        f"/orders/{order_id}/positions", json={"lat": 31.2, "lon": 121.4}, headers=technician
    )
    by_customer = client.post(
        f"/orders/{order_id}/positions", json={"lat": 31.2, "lon": 121.4}, headers=alice
    )
    view = client.get(f"/orders/{order_id}/tracking", headers=alice)

    assert too_early.status_code == 409
    assert too_early.json()["code"] == "tracking_unavailable"
    assert reported.status_code == 201
    assert by_customer.status_code == 403
    assert view.json()["position"]["lat"] == 31.2


def test_complaint_and_arbitration(
    client: TestClient,
    paid: Callable[..., str],
    alice: dict[str, str],
    technician: dict[str, str],
    platform: dict[str, str],
    walk: Callable[..., Json],
) -> None:
    order_id = paid()
    walk(order_id, technician, transitions=True)

    filed = client.post(
        f"/orders/{order_id}/complaints",
        json={
            "reason": "Ended early",
            "requested_remedy": "partial_refund",
            "requested_refund": {"amount": 5000, "currency": "CNY"},
            "photos": ["https://img.example/1.jpg"],
        },
        headers=alice,
    )
    complaint_id = filed.json()["id"]
    by_technician = client.post(
        f"/orders/{order_id}/complaints",
        json={"reason": "rude customer", "requested_remedy": "apology"},
        headers=technician,
    )
    queue_for_customer = client.get("/complaints", headers=alice)
    take_by_customer = client.post(f"/complaints/{complaint_id}/take-up", json={}, headers=alice)
    client.post(f"/complaints/{complaint_id}/take-up", json={}, headers=platform)
    resolved = client.post(
        f"/complaints/{complaint_id}/resolve",
        json={"decision": "partial_refund", "refund": {"amount": 5000, "currency": "CNY"}},
        headers=platform,
    )

    assert filed.status_code == 201
    assert by_technician.status_code == 403
    assert queue_for_customer.status_code == 403
    assert take_by_customer.status_code == 403
    assert resolved.json()["state"] == "resolved"
    order = client.get(f"/orders/{order_id}/lifecycle", headers=alice).json()
    assert order["order"]["state"] == "partially_refunded"
    assert order["refunded"] == {"amount": 5000, "currency": "CNY"}


def test_the_webhook_answers_the_provider_and_refuses_forgeries(
    client: TestClient,
    place: Callable[..., Json],
    alice: dict[str, str],
    gateway: ScriptedPaymentGateway,
) -> None:
    order_id = place()["id"]
    gateway.script(Outcome.REQUIRES_ACTION)
    pending = client.post(f"/orders/{order_id}/payments", headers=alice).json()
    gateway.complete_action(pending["idempotency_key"])
    headers, body = gateway.notification(WebhookKind.PAYMENT_CAPTURED, pending["idempotency_key"])

    forged = client.post("/payments/webhook", content=body + b" ", headers=headers)
    accepted = client.post("/payments/webhook", content=body, headers=headers)
    replayed = client.post("/payments/webhook", content=body, headers=headers)

    assert forged.status_code == 422
    assert forged.json()["code"] == "invalid_webhook"
    assert (accepted.status_code, accepted.text) == (200, "success")
    assert replayed.status_code == 200
    order = client.get(f"/orders/{order_id}/lifecycle", headers=alice).json()
    assert order["order"]["state"] == "pending_acceptance"
    assert [r["event"] for r in order["order"]["timeline"]] == ["pay"]
