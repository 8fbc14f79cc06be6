"""Payments through the port: modes, unknown outcomes, webhooks, late money, idempotency."""

from __future__ import annotations

import pendulum
import pytest

from booking_core import Money
from booking_core.errors import (
    InvalidWebhook,
    NothingToPay,
    RefundExceedsCaptured,
    TransitionNotAllowed,
)
from booking_core.orders import Actor
from booking_core.orders.payments import PaymentStatus, RefundStatus
from booking_core.orders.policy import PaymentMode
from booking_core.ports.payments import WebhookKind
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, order_world
from booking_core.testing.payments import Outcome, RefundOutcome


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def test_full_prepayment_charges_the_price_and_awaits_acceptance(world: OrderWorld) -> None:
    order_id = world.place()

    result = world.app.payments.pay(order_id, CUSTOMER)

    order = world.get(order_id)
    assert result.status is PaymentStatus.CAPTURED
    assert (order.state, order.paid) == ("pending_acceptance", Money(19900, "CNY"))
    assert world.movements(order_id) == [("captured", 19900)]


def test_deposit_now_and_balance_before_completion(world: OrderWorld) -> None:
    order_id = world.place(mode=PaymentMode.DEPOSIT)

    deposit = world.app.payments.pay(order_id, CUSTOMER)
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service")
    with pytest.raises(TransitionNotAllowed) as refused:
        world.fire_on_schedule(order_id, "complete")
    balance = world.app.payments.pay(order_id, CUSTOMER)
    order = world.fire(order_id, "complete")

    assert deposit.amount == Money(5970, "CNY")  # 30 % of 199.00, rounded half-up
    assert "balance has not been paid" in refused.value.message
    assert refused.value.details["guards"] == ["fully_paid"]  # on time: only money lacks
    assert balance.amount == Money(13930, "CNY")
    assert (order.state, order.paid) == ("completed", Money(19900, "CNY"))


def test_pay_on_arrival_needs_nothing_up_front_but_everything_before_the_service(
    world: OrderWorld,
) -> None:
    order_id = world.place(mode=PaymentMode.ON_ARRIVAL)
    state_at_checkout = world.get(order_id).state

    world.fire_on_schedule(order_id, "accept", "depart", "arrive")
    with pytest.raises(TransitionNotAllowed) as refused:
        world.fire_on_schedule(order_id, "start_service")
    world.app.payments.pay(order_id, CUSTOMER)
    order = world.fire(order_id, "start_service")

    assert state_at_checkout == "pending_acceptance"
    assert "paid in full before the service starts" in refused.value.message
    assert refused.value.details["guards"] == ["arrival_settled"]  # on time: only money lacks
    assert order.state == "in_service"


def test_paying_when_nothing_is_due_is_refused_without_calling_the_gateway(
    world: OrderWorld,
) -> None:
    order_id = world.place()
    world.app.payments.pay(order_id, CUSTOMER)
    calls = list(world.gateway.calls)

    with pytest.raises(NothingToPay) as refused:
        world.app.payments.pay(order_id, CUSTOMER)

    assert refused.value.error_code == "nothing_to_pay"
    assert world.gateway.calls == calls


def test_a_declined_payment_can_be_retried_under_a_new_key(world: OrderWorld) -> None:
    order_id = world.place()
    world.gateway.script(Outcome.DECLINE)

    first = world.app.payments.pay(order_id, CUSTOMER)
    second = world.app.payments.pay(order_id, CUSTOMER)

    assert first.status is PaymentStatus.DECLINED
    assert second.status is PaymentStatus.CAPTURED
    assert (first.idempotency_key, second.idempotency_key) == (
        f"{order_id}:ful:1",
        f"{order_id}:ful:2",
    )
    assert world.get(order_id).paid == Money(19900, "CNY")


def test_a_timeout_is_unknown_and_paying_again_asks_instead_of_charging_twice(
    world: OrderWorld,
) -> None:
    order_id = world.place()
    world.gateway.script(Outcome.UNKNOWN_THEN_APPROVE)

    first = world.app.payments.pay(order_id, CUSTOMER)
    state_after_timeout = world.get(order_id).state
    second = world.app.payments.pay(order_id, CUSTOMER)

    assert first.status is PaymentStatus.UNKNOWN
    assert state_after_timeout == "pending_payment"
    assert second.status is PaymentStatus.CAPTURED
    assert [c for c in world.gateway.calls if c.startswith("create")] == [
        f"create_payment {order_id}:ful:1"
    ]
    assert world.get(order_id).state == "pending_acceptance"


def test_the_reconciliation_job_settles_an_unknown_outcome(world: OrderWorld) -> None:
    order_id = world.place()
    world.gateway.script(Outcome.UNKNOWN_THEN_DECLINE)
    world.app.payments.pay(order_id, CUSTOMER)

    world.clock.advance(pendulum_minutes(2))
    runs = world.run_jobs()

    assert "reconcile_payments:done" in runs
    with world.uow() as uow:
        (attempt,) = uow.payments.for_order(order_id)
    assert attempt.status is PaymentStatus.DECLINED
    assert world.get(order_id).state == "pending_payment"


def test_a_webhook_applies_once_and_in_any_order(world: OrderWorld) -> None:
    order_id = world.place()
    world.gateway.script(Outcome.REQUIRES_ACTION)
    pending = world.app.payments.pay(order_id, CUSTOMER)
    world.gateway.complete_action(pending.idempotency_key)
    headers, body = world.gateway.notification(
        WebhookKind.PAYMENT_CAPTURED, pending.idempotency_key
    )

    ack = world.app.payments.handle_webhook(headers, body)
    world.app.payments.handle_webhook(headers, body)  # the provider retries
    world.app.payments.reconcile(order_id)  # and the job asks, too

    assert pending.next_action is not None
    assert (ack.status_code, ack.body) == (200, "success")
    assert world.movements(order_id) == [("captured", 19900)]
    assert [r.event for r in world.get(order_id).timeline] == ["pay"]


def test_a_forged_webhook_is_refused_and_changes_nothing(world: OrderWorld) -> None:
    order_id = world.place()
    world.gateway.script(Outcome.REQUIRES_ACTION)
    pending = world.app.payments.pay(order_id, CUSTOMER)
    world.gateway.complete_action(pending.idempotency_key)
    headers, body = world.gateway.notification(
        WebhookKind.PAYMENT_CAPTURED, pending.idempotency_key
    )

    with pytest.raises(InvalidWebhook):
        world.app.payments.handle_webhook(headers, body.replace(b"19900", b"1"))
    with pytest.raises(InvalidWebhook):
        world.app.payments.handle_webhook({}, body)

    assert world.get(order_id).state == "pending_payment"
    assert world.movements(order_id) == []


def test_money_arriving_for_a_cancelled_order_is_refunded_automatically(world: OrderWorld) -> None:
    order_id = world.place()
    world.gateway.script(Outcome.REQUIRES_ACTION)
    pending = world.app.payments.pay(order_id, CUSTOMER)
    world.app.cancellation.cancel(order_id, CUSTOMER, reason="changed my mind")
    # The customer had scanned the QR code just before: the payment lands afterwards.
    world.gateway.complete_action(pending.idempotency_key)

    world.app.payments.reconcile(order_id)

    order = world.get(order_id)
    assert order.state == "refunded"
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 19900)]
    assert "OrderNeedsAttention" in world.outbox()
    assert [r.event for r in order.timeline] == ["cancel", "refund", "settle_refund"]


def test_an_unknown_refund_is_settled_by_asking_and_counted_once(world: OrderWorld) -> None:
    order_id = world.paid_order()
    world.gateway.script_refunds(RefundOutcome.UNKNOWN_THEN_SUCCEED)

    result = world.app.cancellation.cancel(order_id, CUSTOMER)
    state_after_timeout = world.get(order_id).state
    world.app.payments.reconcile(order_id)
    world.app.payments.reconcile(order_id)

    assert [r.status for r in result.refunds] == [RefundStatus.UNKNOWN]
    assert state_after_timeout == "refunding"
    assert world.get(order_id).state == "refunded"
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 19900)]


def test_asynchronous_refunds_wait_in_refunding_until_settled(world: OrderWorld) -> None:
    order_id = world.paid_order()
    world.gateway.script_refunds(RefundOutcome.PENDING)

    world.app.cancellation.cancel(order_id, CUSTOMER)
    waiting = world.get(order_id).state
    world.gateway.settle_refunds()
    (key,) = [c.split()[1] for c in world.gateway.calls if c.startswith("refund ")]
    headers, body = world.gateway.notification(
        WebhookKind.REFUND_SUCCEEDED, f"{order_id}:ful:1", refund_key=key
    )
    world.app.payments.handle_webhook(headers, body)

    assert waiting == "refunding"
    assert world.get(order_id).state == "refunded"


def test_a_failed_refund_gives_the_reservation_back_and_asks_for_attention(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order()
    world.gateway.script_refunds(RefundOutcome.FAIL)

    world.app.cancellation.cancel(order_id, CUSTOMER)

    order = world.get(order_id)
    assert order.state == "refunding"
    assert order.refunded_amount == Money(0, "CNY")
    assert "OrderNeedsAttention" in world.outbox()


def test_refunds_never_exceed_what_was_captured(world: OrderWorld) -> None:
    order_id = world.paid_order()
    world.app.cancellation.cancel(order_id, OPERATOR)

    with pytest.raises(RefundExceedsCaptured):
        world.app.payments.refund(
            order_id, Money(1, "CNY"), reason="one more fen", actor=Actor.system()
        )

    assert world.get(order_id).refunded_amount == Money(19900, "CNY")


def test_an_unpaid_order_expires_after_the_timeout_and_its_payment_is_closed(
    world: OrderWorld,
) -> None:
    order_id = world.place()
    world.gateway.script(Outcome.REQUIRES_ACTION)
    pending = world.app.payments.pay(order_id, CUSTOMER)

    world.clock.advance(pendulum_minutes(14))
    early = world.run_jobs()
    world.clock.advance(pendulum_minutes(2))
    late = world.run_jobs()

    order = world.get(order_id)
    assert "expire_unpaid:done" not in early
    assert "expire_unpaid:done" in late
    assert (order.state, order.cancel_cause) == ("cancelled", "unpaid")
    assert world.gateway.get_payment(pending.idempotency_key).status is PaymentStatus.CANCELLED


def test_the_expiry_job_leaves_a_paid_order_alone(world: OrderWorld) -> None:
    order_id = world.paid_order()

    world.clock.advance(pendulum_minutes(30))
    runs = world.run_jobs()

    assert "expire_unpaid:done" in runs
    assert world.get(order_id).state == "pending_acceptance"


def test_the_expiry_job_never_assumes_an_unknown_payment_failed(world: OrderWorld) -> None:
    order_id = world.place()
    world.gateway.script(Outcome.UNKNOWN_THEN_APPROVE)
    world.app.payments.pay(order_id, CUSTOMER)

    world.clock.advance(pendulum_minutes(16))
    world.run_jobs()

    assert world.get(order_id).state == "pending_acceptance"


def pendulum_minutes(n: int) -> pendulum.Duration:
    return pendulum.duration(minutes=n)
