"""Holds with a manual-capture provider: the core's deposit and cancellation-fee strategy
(PAYMENTS.md, "Capabilities are data"; docs/payments.md, "Holds").

The world's gateway holds for seven days; an order starting within six days of its payment
is only authorized. Tuina costs 199.00, a deposit 59.70.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking_core import Money
from booking_core.orders.payments import PaymentStatus
from booking_core.orders.policy import PaymentMode
from booking_core.ports.payments import WebhookKind
from booking_core.testing.orders import CUSTOMER, OrderWorld, at, order_world
from booking_core.testing.payments import Outcome, ScriptedPaymentGateway


def holding_world(*, partial_capture: bool = True) -> OrderWorld:
    gateway = ScriptedPaymentGateway(manual_capture=True, partial_capture=partial_capture)
    return order_world(gateway=gateway)


@pytest.fixture
def world() -> OrderWorld:
    return holding_world()


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def alerts(world: OrderWorld) -> list[str]:
    with world.uow() as uow:
        return [
            str(m.payload["problem"])
            for m in uow.outbox.pending(10_000)
            if m.name == "OrderNeedsAttention"
        ]


def attempt_status(world: OrderWorld, key: str) -> PaymentStatus:
    with world.uow() as uow:
        return uow.payments.get(key).status


def test_a_held_deposit_secures_the_order_and_moves_no_money(world: OrderWorld) -> None:
    order_id = world.place(at(3, 10), mode=PaymentMode.DEPOSIT)

    result = world.app.payments.pay(order_id, CUSTOMER)

    order = world.get(order_id)
    assert result.status is PaymentStatus.AUTHORIZED
    assert world.gateway.request_of(result.idempotency_key).hold
    assert order.state == "pending_acceptance"
    assert (order.held_amount, order.paid_amount) == (cny(5970), cny(0))
    assert world.movements(order_id) == []
    assert world.journal(order_id) == []  # the books post only captures


@pytest.mark.parametrize(
    ("now", "held"),
    [
        (at(2, 10), True),  # starts exactly 6 days later: the hold outlives it by a day
        (at(2, 9, 59), False),  # a minute less to spare: charged at once
    ],
)
def test_only_a_booking_the_hold_outlives_by_a_day_is_held(
    world: OrderWorld, now: object, held: bool
) -> None:
    world.clock.set(now)  # type: ignore[arg-type]
    order_id = world.place(at(8, 10))

    result = world.app.payments.pay(order_id, CUSTOMER)

    assert result.status is (PaymentStatus.AUTHORIZED if held else PaymentStatus.CAPTURED)
    assert world.movements(order_id) == ([] if held else [("captured", 19900)])


def test_a_provider_without_manual_capture_is_never_asked_to_hold() -> None:
    world = order_world()
    order_id = world.place(at(3, 10), mode=PaymentMode.DEPOSIT)

    world.app.payments.pay(order_id, CUSTOMER)

    assert not world.gateway.request_of(f"{order_id}:dep:1").hold
    assert world.movements(order_id) == [("captured", 5970)]


def test_the_hold_is_captured_when_the_technician_arrives(world: OrderWorld) -> None:
    order_id = world.place(at(3, 10), mode=PaymentMode.DEPOSIT)
    world.app.payments.pay(order_id, CUSTOMER)
    world.fire_on_schedule(order_id, "accept", "depart")
    assert world.movements(order_id) == []

    world.fire_on_schedule(order_id, "arrive")

    order = world.get(order_id)
    assert (order.held_amount, order.paid_amount) == (cny(0), cny(5970))
    assert world.movements(order_id) == [("captured", 5970)]
    world.app.payments.pay(order_id, CUSTOMER)  # the balance, charged at once
    world.fire_on_schedule(order_id, "start_service", "complete")
    assert world.get(order_id).state == "completed"
    assert world.movements(order_id) == [("captured", 5970), ("captured", 13930)]
    assert alerts(world) == []


def test_a_fully_held_order_completes_on_what_its_hold_captured(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 10))

    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service", "complete")

    assert world.get(order_id).state == "completed"
    assert world.movements(order_id) == [("captured", 19900)]
    entries = [t for t, _ in world.journal(order_id)]
    assert entries == [f"pay:{order_id}:ful:1", f"done:{order_id}:1"]


def test_a_late_cancellation_captures_the_fee_from_the_hold_and_releases_the_rest(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order(at(3, 10))
    world.clock.set(at(3, 8))  # 2 h before: 30 % fee

    result = world.app.cancellation.cancel(order_id, CUSTOMER)

    order = world.get(order_id)
    assert (result.quote.paid, result.quote.fee, result.quote.refund) == (
        cny(19900), cny(5970), cny(13930),
    )  # fmt: skip
    assert result.refunds == ()  # nothing to refund: the rest of the hold is released
    assert world.gateway.get_payment(f"{order_id}:ful:1").amount == cny(5970)
    assert world.movements(order_id) == [("captured", 5970)]
    assert (order.state, order.held_amount, order.paid_amount) == ("cancelled", cny(0), cny(5970))
    entries = dict(world.journal(order_id))
    assert f"fee:{order_id}:1" in entries  # the fee is earned once it is captured
    assert alerts(world) == []


def test_a_free_cancellation_voids_the_hold(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 10))
    world.clock.set(at(2, 9))  # 25 h before: free

    world.app.cancellation.cancel(order_id, CUSTOMER)

    order = world.get(order_id)
    assert world.gateway.get_payment(f"{order_id}:ful:1").status is PaymentStatus.CANCELLED
    assert (order.state, order.held_amount, order.paid_amount) == ("cancelled", cny(0), cny(0))
    assert world.movements(order_id) == []
    assert world.journal(order_id) == []
    assert alerts(world) == []


def test_a_provider_capturing_all_or_nothing_takes_all_and_refunds_the_rest() -> None:
    world = holding_world(partial_capture=False)
    order_id = world.paid_order(at(3, 10))
    world.clock.set(at(3, 8))

    world.app.cancellation.cancel(order_id, CUSTOMER)

    order = world.get(order_id)
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 13930)]
    assert (order.state, order.paid_amount, order.refunded_amount) == (
        "partially_refunded", cny(19900), cny(13930),
    )  # fmt: skip


def test_a_hold_about_to_lapse_is_captured_by_the_job(world: OrderWorld) -> None:
    world.clock.set(at(2, 10))
    order_id = world.paid_order(at(8, 10))  # the hold lapses on the 9th at 10:00
    world.clock.set(at(2, 10, 1))
    assert world.run_jobs() == ["reconcile_payments:again"]  # for the day before the lapse
    world.clock.set(at(8, 9, 59))
    assert "reconcile_payments:again" not in world.run_jobs()  # not due yet
    assert world.movements(order_id) == []

    world.clock.set(at(8, 10))
    world.run_jobs()

    assert world.movements(order_id) == [("captured", 19900)]
    assert world.get(order_id).held_amount == cny(0)


def test_a_hold_lost_at_the_provider_leaves_the_order_unpaid_and_tells_the_platform(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order(at(3, 10))
    world.gateway.cancel(f"{order_id}:ful:1")  # the bank released it

    world.app.payments.reconcile(order_id)

    order = world.get(order_id)
    assert (order.held_amount, order.paid_amount) == (cny(0), cny(0))
    assert alerts(world) == ["hold_lost"]


def test_the_authorization_arrives_by_webhook_once_whatever_the_replays(
    world: OrderWorld,
) -> None:
    world.gateway.script(Outcome.REQUIRES_ACTION)
    order_id = world.place(at(3, 10), mode=PaymentMode.DEPOSIT)
    key = world.app.payments.pay(order_id, CUSTOMER).idempotency_key
    world.gateway.complete_action(key)
    headers, body = world.gateway.notification(WebhookKind.PAYMENT_AUTHORIZED, key)

    world.app.payments.handle_webhook(headers, body)
    world.app.payments.handle_webhook(headers, body)
    world.app.payments.reconcile(order_id)

    order = world.get(order_id)
    assert (order.state, order.held_amount) == ("pending_acceptance", cny(5970))


def test_the_capture_notice_of_a_partial_capture_is_no_alert(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 10))
    world.clock.set(at(3, 8))
    world.app.cancellation.cancel(order_id, CUSTOMER)
    key = f"{order_id}:ful:1"

    world.app.payments.handle_webhook(
        *world.gateway.notification(WebhookKind.PAYMENT_CAPTURED, key)
    )

    assert attempt_status(world, key) is PaymentStatus.CAPTURED
    assert world.movements(order_id) == [("captured", 5970)]
    assert alerts(world) == []


@settings(max_examples=40, deadline=None)
@given(
    minutes=st.integers(min_value=1, max_value=26 * 60),
    mode=st.sampled_from([PaymentMode.FULL, PaymentMode.DEPOSIT]),
    partial=st.booleans(),
)
def test_a_cancelled_hold_keeps_exactly_the_fee(
    minutes: int, mode: PaymentMode, partial: bool
) -> None:
    world = holding_world(partial_capture=partial)
    order_id = world.paid_order(at(3, 10), mode=mode)
    world.clock.set(at(3, 10).subtract(minutes=minutes))

    fee = world.app.cancellation.cancel(order_id, CUSTOMER).quote.fee

    order = world.get(order_id)
    moved = world.movements(order_id)
    captured = sum(a for k, a in moved if k == "captured")
    refunded = sum(a for k, a in moved if k == "refunded")
    assert captured - refunded == fee.amount
    assert order.held_amount == cny(0)
    purpose = "ful" if mode is PaymentMode.FULL else "dep"
    assert attempt_status(world, f"{order_id}:{purpose}:1") in (
        PaymentStatus.CAPTURED, PaymentStatus.CANCELLED,
    )  # fmt: skip
    assert alerts(world) == []
