"""The payment webhook over HTTP: no secret has a default, and a forged, tampered, replayed
or reordered notification is refused or changes nothing (issue 8, item 3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.orders import Actor
from booking_core.ports.payments import WebhookKind
from booking_core.testing import ScriptedPaymentGateway
from booking_core.testing.payments import FAKE_SIGNATURE_HEADER, Outcome
from booking_server.main import create_server
from booking_server.settings import MEMORY_URL, Settings

from .conftest import headers_of

Json = dict[str, Any]
#: The secret the fake gateway used by default before issue 8: public, in the source.
PUBLIC_DEFAULT_SECRET = b"fake-webhook-secret"
CONFIGURED_SECRET = "s3cr3t-for-these-tests-only-0123456789abcdef"


def _signed(secret: bytes, event: Json) -> tuple[dict[str, str], bytes]:
    body = json.dumps(event, sort_keys=True).encode()
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return {FAKE_SIGNATURE_HEADER: signature, "Content-Type": "application/json"}, body


def _capture_event(payment_key: str, amount: int, event_id: str = "evt_forged") -> Json:
    return {
        "id": event_id,
        "type": WebhookKind.PAYMENT_CAPTURED.value,
        "payment_key": payment_key,
        "refund_key": None,
        "amount": amount,
        "currency": "CNY",
    }


@pytest.fixture
def awaiting_payment(
    client: TestClient,
    place: Callable[..., Json],
    alice: dict[str, str],
    gateway: ScriptedPaymentGateway,
) -> Json:
    """Alice's order with a payment that awaits her action (a QR code not yet scanned)."""
    order_id = place()["id"]
    gateway.script(Outcome.REQUIRES_ACTION)
    payment = client.post(f"/orders/{order_id}/payments", headers=alice).json()
    assert payment["status"] == "requires_action", payment
    return {"order_id": order_id, "payment_key": payment["idempotency_key"]}


def _order_and_money(client: TestClient, order_id: str, alice: dict[str, str]) -> Json:
    return {
        "order": client.get(f"/orders/{order_id}/lifecycle", headers=alice).json(),
        "money": client.get(f"/orders/{order_id}/money", headers=alice).json(),
    }


# --- no secret has a default ---------------------------------------------------------------


def test_settings_have_no_webhook_secret_unless_one_is_configured() -> None:
    # given no environment, and one with a secret

    # when settings are read
    demo = Settings.from_env({})
    configured = Settings.from_env({"BOOKING_CORE_WEBHOOK_SECRET": CONFIGURED_SECRET})

    # then demo mode has none (a random one is made per start), and the repr hides it
    assert (demo.webhook_secret, demo.demo_mode) == (None, True)
    assert (configured.webhook_secret, configured.demo_mode) == (CONFIGURED_SECRET, False)
    assert CONFIGURED_SECRET not in repr(configured)


def test_a_short_webhook_secret_is_refused_without_showing_it() -> None:
    # given a guessable secret
    short = "hunter2-secret"

    # when settings are read
    with pytest.raises(ValueError, match="BOOKING_CORE_WEBHOOK_SECRET") as raised:
        Settings.from_env({"BOOKING_CORE_WEBHOOK_SECRET": short})

    # then the message names the variable, not the value
    assert short not in str(raised.value)


def test_a_demo_server_refuses_webhooks_signed_with_the_public_default_secret() -> None:
    # given a server started in demo mode (no secret configured) and an unpaid order
    with TestClient(create_server(Settings(db_url=MEMORY_URL))) as client:
        catalog = client.get("/technicians").json()["items"][0]
        alice = headers_of(client, Actor.customer("cus-alice"))
        order = _place_first_offered(client, catalog, alice)

        # when an attacker posts a capture signed with the secret once public in the source
        headers, body = _signed(PUBLIC_DEFAULT_SECRET, _capture_event(f"{order}:ful:1", 1))
        forged = client.post("/payments/webhook", content=body, headers=headers)

        # then it is refused and the order is still unpaid
        assert (forged.status_code, forged.json()["code"]) == (422, "invalid_webhook")
        state = client.get(f"/orders/{order}", headers=alice).json()["state"]
        assert state == "pending_payment"


def test_two_demo_starts_use_different_random_secrets_and_log_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given two servers started in demo mode
    caplog.set_level(logging.INFO, logger="booking_server")
    servers = [create_server(Settings(db_url=MEMORY_URL)) for _ in range(2)]

    # when each one's gateway signs the same body
    body = b'{"id": "evt_1"}'
    gateways = [s.state.booking_app.payments.routing.default for s in servers]
    signatures = {g.sign(body) for g in gateways}

    # then the secrets differ, neither is the public default, and the log says demo mode
    # without any secret in it
    assert len(signatures) == 2
    assert ScriptedPaymentGateway(secret=PUBLIC_DEFAULT_SECRET).sign(body) not in signatures
    assert "demo mode" in caplog.text
    for gateway in gateways:
        assert gateway._secret.hex() not in caplog.text


def test_a_configured_secret_verifies_webhooks_and_never_reaches_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a server with its own secret
    caplog.set_level(logging.DEBUG)
    settings = Settings(db_url=MEMORY_URL, webhook_secret=CONFIGURED_SECRET)
    with TestClient(create_server(settings)) as client:
        # when the provider posts a notification about a payment that is not ours, signed
        # with that secret, and an attacker posts the same signed with the public default
        event = _capture_event("ord_elsewhere:ful:1", 100, "evt_1")
        genuine = client.post("/payments/webhook", content=_signed(
            CONFIGURED_SECRET.encode(), event)[1], headers=_signed(
            CONFIGURED_SECRET.encode(), event)[0])  # fmt: skip
        headers, body = _signed(PUBLIC_DEFAULT_SECRET, {**event, "id": "evt_2"})
        forged = client.post("/payments/webhook", content=body, headers=headers)

    # then the genuine one is acknowledged, the forged one refused, and the secret unlogged
    assert (genuine.status_code, genuine.text) == (200, "success")
    assert (forged.status_code, forged.json()["code"]) == (422, "invalid_webhook")
    assert CONFIGURED_SECRET not in caplog.text


# --- forged, tampered, replayed, reordered -------------------------------------------------


def test_a_capture_forged_with_another_secret_changes_nothing(
    client: TestClient, awaiting_payment: Json, alice: dict[str, str]
) -> None:
    # given an order whose payment awaits the customer's action
    order_id = awaiting_payment["order_id"]
    before = _order_and_money(client, order_id, alice)

    # when an attacker signs a capture with a secret of his own (the old public default)
    event = _capture_event(awaiting_payment["payment_key"], 19900)
    headers, body = _signed(PUBLIC_DEFAULT_SECRET, event)
    response = client.post("/payments/webhook", content=body, headers=headers)

    # then it is refused and neither the order nor its money moved
    assert (response.status_code, response.json()["code"]) == (422, "invalid_webhook")
    assert _order_and_money(client, order_id, alice) == before


def test_an_amount_tampered_under_the_genuine_signature_is_refused(
    client: TestClient,
    awaiting_payment: Json,
    alice: dict[str, str],
    gateway: ScriptedPaymentGateway,
) -> None:
    # given a genuine capture notification for the 199.00 payment
    key = awaiting_payment["payment_key"]
    gateway.complete_action(key)
    headers, body = gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)
    before = _order_and_money(client, awaiting_payment["order_id"], alice)

    # when its amount is changed in transit, the signature kept
    tampered = body.replace(b'"amount": 19900', b'"amount": 1')
    response = client.post("/payments/webhook", content=tampered, headers=headers)

    # then it is refused and nothing moved
    assert tampered != body
    assert (response.status_code, response.json()["code"]) == (422, "invalid_webhook")
    assert _order_and_money(client, awaiting_payment["order_id"], alice) == before


def test_a_signed_notification_with_the_wrong_amount_is_not_applied(
    client: TestClient,
    awaiting_payment: Json,
    alice: dict[str, str],
    gateway: ScriptedPaymentGateway,
) -> None:
    # given a payment of 199.00 awaiting action, and a notification that claims 1.00 was
    # captured, correctly signed (a provider bug, or a leaked secret)
    key = awaiting_payment["payment_key"]
    headers, body = _signed_by(gateway, _capture_event(key, 100, "evt_wrong_amount"))
    before = _order_and_money(client, awaiting_payment["order_id"], alice)

    # when it is posted
    response = client.post("/payments/webhook", content=body, headers=headers)

    # then the provider gets its answer, but the amount that does not match our record is
    # not applied: the order is unpaid and the attempt still awaits action
    assert (response.status_code, response.text) == (200, "success")
    after = _order_and_money(client, awaiting_payment["order_id"], alice)
    assert after == before
    assert after["order"]["order"]["state"] == "pending_payment"
    assert [p["status"] for p in after["money"]["payments"]] == ["requires_action"]


def test_a_replayed_capture_is_applied_once(
    client: TestClient,
    awaiting_payment: Json,
    alice: dict[str, str],
    gateway: ScriptedPaymentGateway,
    platform: dict[str, str],
) -> None:
    # given a genuine capture notification
    key = awaiting_payment["payment_key"]
    gateway.complete_action(key)
    headers, body = gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)

    # when the provider delivers it three times
    answers = [client.post("/payments/webhook", content=body, headers=headers) for _ in range(3)]

    # then each is acknowledged, and the money was taken and booked once
    assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 3
    order_id = awaiting_payment["order_id"]
    order = client.get(f"/orders/{order_id}/lifecycle", headers=alice).json()
    assert (order["order"]["state"], order["order"]["paid"]) == (
        "pending_acceptance",
        {"amount": 19900, "currency": "CNY"},
    )
    journal = client.get(f"/ledger/orders/{order_id}", headers=platform).json()["items"]
    assert [t["id"] for t in journal] == [f"pay:{key}"]


@pytest.mark.parametrize("stale", [WebhookKind.PAYMENT_AUTHORIZED, WebhookKind.PAYMENT_DECLINED,
                                   WebhookKind.PAYMENT_CANCELLED])  # fmt: skip
def test_an_older_notification_arriving_after_the_capture_changes_nothing(
    client: TestClient,
    awaiting_payment: Json,
    alice: dict[str, str],
    gateway: ScriptedPaymentGateway,
    stale: WebhookKind,
) -> None:
    # given a payment captured through its notification
    key = awaiting_payment["payment_key"]
    gateway.complete_action(key)
    captured = gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)
    older = gateway.notification(stale, key)
    assert client.post("/payments/webhook", content=captured[1], headers=captured[0]).is_success
    before = _order_and_money(client, awaiting_payment["order_id"], alice)

    # when a notification the provider sent earlier arrives late (reordered delivery)
    response = client.post("/payments/webhook", content=older[1], headers=older[0])

    # then it is acknowledged and the captured payment stays captured
    assert response.status_code == 200
    after = _order_and_money(client, awaiting_payment["order_id"], alice)
    assert after == before
    assert [p["status"] for p in after["money"]["payments"]] == ["captured"]


def _signed_by(gateway: ScriptedPaymentGateway, event: Json) -> tuple[dict[str, str], bytes]:
    body = json.dumps(event, sort_keys=True).encode()
    return {FAKE_SIGNATURE_HEADER: gateway.sign(body)}, body


def _place_first_offered(client: TestClient, technician: Json, actor: dict[str, str]) -> str:
    service_id = technician["service_ids"][0]
    # The server runs on the system clock: look for a free slot in the coming week.
    for ahead in range(1, 8):
        day = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=ahead)).isoformat()
        slots = client.get(
            f"/technicians/{technician['id']}/slots", params={"service_id": service_id, "date": day}
        ).json()["items"]
        if slots:
            break
    body = {"technician_id": technician["id"], "service_id": service_id, "start": slots[0]["start"]}
    placed = client.post("/orders", json=body, headers=actor)
    assert placed.status_code == 201, placed.json()
    order_id: str = placed.json()["id"]
    return order_id
