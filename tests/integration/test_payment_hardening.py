"""Money commands under retries, replays and failures (issue 8, items 1, 2 and 15).

* A webhook is recorded and applied in one transaction: when applying fails nothing is
  recorded, the error reaches the caller (the server answers 5xx) and the provider's retry
  applies it.
* A capture or refund counts once per key; the same key with another amount is refused and
  changes nothing.
* A pay that finds an attempt still on its way to the gateway never closes it; a repeated
  cancellation is told the order is cancelled already.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from booking_core import Money
from booking_core.errors import AlreadyCancelled, IdempotencyConflict, NothingToPay
from booking_core.ids import OrderId
from booking_core.orders.payments import PaymentPurpose, PaymentStatus, RefundStatus
from booking_core.ports.payments import PaymentRequest, PaymentResult, RefundResult, WebhookKind
from booking_core.ports.storage import UnitOfWork
from booking_core.testing.faults import failing_movements
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.orders import CUSTOMER, OrderWorld, order_world
from booking_core.testing.payments import (
    FAKE_SIGNATURE_HEADER,
    Outcome,
    RefundOutcome,
    ScriptedPaymentGateway,
)


def _requires_action(world: OrderWorld) -> tuple[OrderId, str]:
    order_id = world.place()
    world.gateway.script(Outcome.REQUIRES_ACTION)
    pending = world.app.payments.pay(order_id, CUSTOMER)
    world.gateway.complete_action(pending.idempotency_key)  # paid at the provider
    return order_id, pending.idempotency_key


def _webhooks(store: InMemoryStore) -> int:
    return len(store.tables["webhooks"])


def _attention(world: OrderWorld) -> list[str]:
    with world.uow() as uow:
        return [
            m.payload["problem"]
            for m in uow.outbox.pending(1000)
            if m.name == "OrderNeedsAttention"
        ]


# -- item 2: a webhook whose apply fails is not recorded; the retry applies it ---------------


def test_a_webhook_that_fails_to_apply_is_not_recorded_and_its_retry_applies_it() -> None:
    failures: list[str] = []
    store = InMemoryStore()
    world = order_world(uow=failing_movements(store, failures))
    order_id, key = _requires_action(world)
    headers, body = world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)
    failures.append("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        world.app.payments.handle_webhook(headers, body)
    after_failure = (world.get(order_id).state, world.movements(order_id), _webhooks(store))
    ack = world.app.payments.handle_webhook(headers, body)  # the provider retries
    replay = world.app.payments.handle_webhook(headers, body)  # and once more

    assert after_failure == ("pending_payment", [], 0)
    assert (ack.status_code, ack.body, replay.status_code) == (200, "success", 200)
    order = world.get(order_id)
    assert (order.state, order.paid_amount.amount) == ("pending_acceptance", 19900)
    assert world.movements(order_id) == [("captured", 19900)]
    assert [r.event for r in order.timeline] == ["pay"]
    assert _webhooks(store) == 1
    with world.uow() as uow:
        (attempt,) = uow.payments.for_order(order_id)
    assert (attempt.key, attempt.status) == (key, PaymentStatus.CAPTURED)


def test_a_refund_webhook_that_fails_to_apply_is_applied_by_the_retry() -> None:
    failures: list[str] = []
    store = InMemoryStore()
    world = order_world(uow=failing_movements(store, failures))
    order_id = world.paid_order()
    world.gateway.script_refunds(RefundOutcome.PENDING)  # asynchronous: the webhook tells
    world.app.cancellation.cancel(order_id, CUSTOMER)
    world.gateway.settle_refunds()
    headers, body = world.gateway.notification(
        WebhookKind.REFUND_SUCCEEDED, f"{order_id}:ful:1", refund_key=f"{order_id}:rf:1"
    )
    failures.append("connection reset")

    with pytest.raises(RuntimeError, match="connection reset"):
        world.app.payments.handle_webhook(headers, body)
    state_after_failure = (world.get(order_id).state, _webhooks(store))
    world.app.payments.handle_webhook(headers, body)

    assert state_after_failure == ("refunding", 0)
    assert world.get(order_id).state == "refunded"
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 19900)]


# -- item 15: one key, one amount -------------------------------------------------------------


def test_the_same_key_with_another_amount_is_refused_and_changes_nothing() -> None:
    world = order_world()
    order_id, key = _requires_action(world)
    books_before, outbox_before = world.journal(order_id), world.outbox()

    with pytest.raises(IdempotencyConflict) as refused:
        world.app.payments.apply_payment(
            PaymentResult(key, PaymentStatus.CAPTURED, Money(19800, "CNY")), source="api"
        )

    assert refused.value.error_code == "idempotency_conflict"
    assert refused.value.details == {"key": key}
    assert "198.00 CNY" in refused.value.message
    with world.uow() as uow:
        (attempt,) = uow.payments.for_order(order_id)
    assert (attempt.status, attempt.amount) == (PaymentStatus.REQUIRES_ACTION, Money(19900, "CNY"))
    assert world.movements(order_id) == []
    assert world.get(order_id).state == "pending_payment"
    assert (world.journal(order_id), world.outbox()) == (books_before, outbox_before)


def test_the_gateway_refuses_a_key_reused_for_another_amount() -> None:
    gateway = ScriptedPaymentGateway()
    first = PaymentRequest("ord_9:ful:1", OrderId("ord_9"), Money(19900, "CNY"), _full())

    gateway.create_payment(first)
    again = gateway.create_payment(first)
    with pytest.raises(IdempotencyConflict):
        gateway.create_payment(
            PaymentRequest("ord_9:ful:1", OrderId("ord_9"), Money(100, "CNY"), _full())
        )

    assert again.status is PaymentStatus.CAPTURED
    assert [c for c in gateway.calls if c.startswith("create")] == [
        "create_payment ord_9:ful:1"
    ] * 3


def _full() -> PaymentPurpose:
    return PaymentPurpose.FULL


def test_a_replayed_capture_is_applied_once_whatever_brings_it() -> None:
    world = order_world()
    order_id, key = _requires_action(world)
    captured = world.gateway.get_payment(key)
    headers, body = world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)

    world.app.payments.apply_payment(captured, source="api")
    books_after_first = world.journal(order_id)
    world.app.payments.apply_payment(captured, source="api")  # the same answer, replayed
    world.app.payments.handle_webhook(headers, body)  # the provider's word
    world.app.payments.reconcile(order_id)  # the reconciliation's

    order = world.get(order_id)
    assert world.movements(order_id) == [("captured", 19900)]
    assert world.journal(order_id) == books_after_first
    assert len(books_after_first) == 1
    assert (order.state, order.paid_amount.amount) == ("pending_acceptance", 19900)
    assert [r.event for r in order.timeline] == ["pay"]
    assert world.outbox().count("PaymentCaptured") == 1


def test_a_signed_webhook_with_another_amount_raises_an_alert_and_applies_nothing() -> None:
    store = InMemoryStore()
    world = order_world(store=store)
    order_id, key = _requires_action(world)
    _, body = world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)
    tampered = json.loads(body)
    tampered["amount"] = 1
    signed = json.dumps(tampered, sort_keys=True).encode()
    headers = {FAKE_SIGNATURE_HEADER: world.gateway.sign(signed)}

    ack = world.app.payments.handle_webhook(headers, signed)
    world.app.payments.handle_webhook(headers, signed)  # retried: recorded once

    assert ack.status_code == 200
    assert world.movements(order_id) == []
    assert world.get(order_id).state == "pending_payment"
    assert _attention(world) == ["webhook_amount_mismatch"]
    assert _webhooks(store) == 1


def test_a_refund_answer_with_another_amount_is_refused_and_changes_nothing() -> None:
    world = order_world()
    order_id = world.paid_order()
    world.gateway.script_refunds(RefundOutcome.PENDING)
    world.app.cancellation.cancel(order_id, CUSTOMER)

    with pytest.raises(IdempotencyConflict) as refused:
        world.app.payments.apply_refund(
            RefundResult(f"{order_id}:rf:1", RefundStatus.SUCCEEDED, Money(100, "CNY")),
            source="webhook",
        )

    assert refused.value.details == {"key": f"{order_id}:rf:1"}
    with world.uow() as uow:
        (refund,) = uow.refunds.for_order(order_id)
    assert (refund.status, refund.amount) == (RefundStatus.PENDING, Money(19900, "CNY"))
    assert world.movements(order_id) == [("captured", 19900)]
    assert world.get(order_id).state == "refunding"


# -- item 1: a caller never closes an attempt that is still on its way ------------------------


class _SlowGateway(ScriptedPaymentGateway):
    """Runs ``meanwhile`` when a payment is asked for, before the gateway records it: what
    other callers do while the first call is still on the wire."""

    meanwhile: Callable[[], None] | None = None

    def create_payment(self, request: PaymentRequest) -> PaymentResult:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return super().create_payment(request)


def test_pays_while_the_first_attempt_is_in_flight_wait_for_it() -> None:
    gateway = _SlowGateway()
    world = order_world(gateway=gateway)
    order_id = world.place()
    seen: list[PaymentStatus | str] = []

    def two_more_taps() -> None:
        for _ in range(2):
            seen.append(world.app.payments.pay(order_id, CUSTOMER).status)

    gateway.meanwhile = two_more_taps
    first = world.app.payments.pay(order_id, CUSTOMER)
    with pytest.raises(NothingToPay):
        world.app.payments.pay(order_id, CUSTOMER)

    assert seen == [PaymentStatus.UNKNOWN, PaymentStatus.UNKNOWN]
    assert first.status is PaymentStatus.CAPTURED
    with world.uow() as uow:
        attempts = [(a.key, a.status) for a in uow.payments.for_order(order_id)]
    assert attempts == [(f"{order_id}:ful:1", PaymentStatus.CAPTURED)]
    assert [c for c in gateway.calls if c.startswith("create")] == [
        f"create_payment {order_id}:ful:1"
    ]
    assert world.movements(order_id) == [("captured", 19900)]


# -- item 1: a repeated cancellation is told so ------------------------------------------------


def test_a_second_cancellation_is_told_the_order_is_cancelled_already() -> None:
    world = order_world()
    order_id = world.paid_order()
    world.app.cancellation.cancel(order_id, CUSTOMER)
    version = world.get(order_id).version

    with pytest.raises(AlreadyCancelled) as again:
        world.app.cancellation.cancel(order_id, CUSTOMER)
    with pytest.raises(AlreadyCancelled) as preview:
        world.app.cancellation.preview(order_id, CUSTOMER)

    assert again.value.error_code == "order_already_cancelled"
    assert again.value.details == {"state": "refunded", "order_id": order_id}
    assert "cancelled already" in again.value.message
    assert preview.value.error_code == "order_already_cancelled"
    assert world.get(order_id).version == version
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 19900)]
    with world.uow() as uow:
        assert [r.key for r in uow.refunds.for_order(order_id)] == [f"{order_id}:rf:1"]


def test_a_webhook_about_a_key_that_is_not_ours_is_recorded_once_and_applies_nothing() -> None:
    store = InMemoryStore()
    world = order_world(store=store)
    order_id = world.place()
    body = json.dumps(
        {
            "id": "evt_other_shop",
            "type": "payment_captured",
            "payment_key": "ord_elsewhere:ful:1",
            "refund_key": None,
            "amount": 19900,
            "currency": "CNY",
        },
        sort_keys=True,
    ).encode()
    headers = {FAKE_SIGNATURE_HEADER: world.gateway.sign(body)}

    first = world.app.payments.handle_webhook(headers, body)
    again = world.app.payments.handle_webhook(headers, body)

    assert (first.status_code, again.status_code) == (200, 200)
    assert _webhooks(store) == 1
    assert len(store.tables["movements"]) == 0
    assert world.get(order_id).state == "pending_payment"
    assert _attention(world) == []


# -- money that must go back is planned with the capture, so a crash cannot lose it ---------


def _dies_after(commands: int, store: InMemoryStore) -> tuple[Callable[[], UnitOfWork], list[int]]:
    """A unit-of-work factory that works ``budget[0]`` more times, then the process "dies"."""
    budget = [commands]

    def unit_of_work() -> UnitOfWork:
        if budget[0] <= 0:
            raise RuntimeError("killed")
        budget[0] -= 1
        return store.unit_of_work()

    return unit_of_work, budget


def test_a_crash_right_after_a_late_capture_still_refunds_it() -> None:
    store = InMemoryStore()
    uow, budget = _dies_after(10_000, store)
    world = order_world(uow=uow)
    order_id = world.place()
    world.gateway.script(Outcome.REQUIRES_ACTION)
    pending = world.app.payments.pay(order_id, CUSTOMER)
    world.app.cancellation.cancel(order_id, CUSTOMER, reason="changed my mind")
    world.gateway.complete_action(pending.idempotency_key)  # the money lands after the cancel
    budget[0] = 1  # the process dies after the unit of work that applies the capture

    with pytest.raises(RuntimeError, match="killed"):
        world.app.payments.apply_payment(
            world.gateway.get_payment(pending.idempotency_key), source="api"
        )
    budget[0] = 10_000  # restarted: the reconciliation job runs
    with world.uow() as check:
        planned = [(r.amount.amount, r.reason) for r in check.refunds.for_order(order_id)]
        jobs = [j.kind for j in check.jobs.list_for_subject(order_id)]
    world.app.payments.reconcile(order_id)

    assert planned == [(19900, "payment arrived after the order was closed")]
    assert "reconcile_payments" in jobs
    assert world.get(order_id).state == "refunded"
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 19900)]
