"""A webhook that fails to apply answers 5xx and is applied by the provider's retry (issue 8,
item 2): the server never answers ``200`` for a notification it did not apply."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.ports.payments import WebhookKind
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core.testing.faults import failing_movements
from booking_core.testing.payments import Outcome
from booking_server import create_app


@pytest.fixture
def failures() -> list[str]:
    return []


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def booking_app(
    clock: FrozenClock, gateway: ScriptedPaymentGateway, store: InMemoryStore, failures: list[str]
) -> BookingApp:
    return build(
        uow=failing_movements(store, failures), payments=gateway, clock=clock, ids=SequentialIds()
    )


@pytest.fixture
def client(booking_app: BookingApp) -> Iterator[TestClient]:
    # A 500 is an answer here, not an error of the test.
    with TestClient(create_app(booking_app), raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_webhook_that_fails_to_apply_answers_5xx_and_the_retry_applies_it(
    client: TestClient,
    place: Callable[..., dict[str, Any]],
    alice: dict[str, str],
    gateway: ScriptedPaymentGateway,
    store: InMemoryStore,
    failures: list[str],
) -> None:
    order_id = place()["id"]
    gateway.script(Outcome.REQUIRES_ACTION)
    pending = client.post(f"/orders/{order_id}/payments", headers=alice).json()
    gateway.complete_action(pending["idempotency_key"])
    headers, body = gateway.notification(WebhookKind.PAYMENT_CAPTURED, pending["idempotency_key"])
    failures.append("value contains NUL characters")

    failed = client.post("/payments/webhook", content=body, headers=headers)
    state_after_failure = client.get(f"/orders/{order_id}", headers=alice).json()["state"]
    retried = client.post("/payments/webhook", content=body, headers=headers)
    replayed = client.post("/payments/webhook", content=body, headers=headers)

    assert failed.status_code == 500
    assert failed.headers["content-type"].startswith("application/problem+json")
    assert failed.json()["code"] == "internal_error"
    assert state_after_failure == "pending_payment"
    assert (retried.status_code, retried.text) == (200, "success")
    assert (replayed.status_code, replayed.text) == (200, "success")
    order = client.get(f"/orders/{order_id}/lifecycle", headers=alice).json()
    assert order["order"]["state"] == "pending_acceptance"
    assert [r["event"] for r in order["order"]["timeline"]] == ["pay"]
    assert len(store.tables["webhooks"]) == 1
    captured = [m for _, m in store.tables["movements"].values()]
    assert [(m.kind.value, m.amount.amount, m.source) for m in captured] == [
        ("captured", 19900, "webhook")
    ]
