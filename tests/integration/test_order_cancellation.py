"""Cancelling under the policy: tiers by notice, who caused it, no-shows, lateness (C9, M3)."""

from __future__ import annotations

import pendulum
import pytest

from booking_core import Money
from booking_core.errors import NotFound, PermissionDenied, SlotTaken, TransitionNotAllowed
from booking_core.orders import Actor, Role
from booking_core.orders.policy import PaymentMode
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world
from booking_core.timerange import TimeRange


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


@pytest.mark.parametrize(
    ("now", "fee", "refund"),
    [
        (at(2, 8), 0, 19900),  # 26 h before: free
        (at(2, 10), 0, 19900),  # exactly 24 h before: still free
        (at(2, 10, 1), 5970, 13930),  # 23 h 59 min: 30 % (floor of 59.70 → 59.70)
        (at(3, 8), 5970, 13930),  # exactly 2 h: 30 %
        (at(3, 8, 1), 19900, 0),  # 1 h 59 min: everything kept
    ],
)
def test_customer_cancellation_follows_the_full_payment_tiers(
    world: OrderWorld, now: pendulum.DateTime, fee: int, refund: int
) -> None:
    order_id = world.paid_order(at(3, 10))
    world.clock.set(now)

    preview = world.app.cancellation.preview(order_id, CUSTOMER)
    result = world.app.cancellation.cancel(order_id, CUSTOMER)

    assert (preview.fee.amount, preview.refund.amount) == (fee, refund)
    assert result.quote == preview
    order = world.get(order_id)
    assert order.cancellation_fee == Money(fee, "CNY")
    assert order.refunded_amount == Money(refund, "CNY")
    assert order.state == (
        "cancelled" if refund == 0 else "partially_refunded" if fee else "refunded"
    )
    assert world.movements(order_id)[1:] == ([("refunded", refund)] if refund else [])


def test_the_preview_shows_the_rule_in_words(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 10))

    quote = world.app.cancellation.preview(order_id, CUSTOMER)

    assert quote.rule == (
        "Free with at least 24 h notice; 30 % fee with at least 2 h notice; 100 % fee after that."
    )
    assert world.get(order_id).state == "pending_acceptance"


def test_a_deposit_follows_its_own_schedule(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 10), mode=PaymentMode.DEPOSIT)
    world.clock.set(at(3, 8))

    result = world.app.cancellation.cancel(order_id, CUSTOMER)

    assert (result.quote.paid, result.quote.fee) == (Money(5970, "CNY"), Money(5970, "CNY"))
    assert world.get(order_id).state == "cancelled"


@pytest.mark.parametrize("who", ["technician", "platform"])
def test_technician_and_platform_cancellations_refund_in_full(world: OrderWorld, who: str) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept")
    world.clock.set(at(2, 9, 50))  # inside the 100 % tier
    actor = world.tech if who == "technician" else OPERATOR

    result = world.app.cancellation.cancel(order_id, actor, reason="sick")

    assert (result.quote.fee.amount, result.quote.refund.amount) == (0, 19900)
    assert result.order.state == "refunded"
    assert result.order.cancel_cause == who


def test_a_customer_may_cancel_free_once_the_technician_is_late(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept", "depart")
    world.clock.set(at(2, 10, 14))
    on_time_quote = world.app.cancellation.preview(order_id, CUSTOMER)
    world.clock.set(at(2, 10, 15))

    result = world.app.cancellation.cancel(order_id, CUSTOMER)

    assert on_time_quote.refund == Money(0, "CNY")
    assert result.quote.cause.value == "technician"
    assert result.order.state == "refunded"


def test_a_late_arrival_is_recorded_and_reported(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept", "depart")
    world.clock.set(at(2, 10, 40))

    order = world.fire(order_id, "arrive")

    assert order.late_minutes == 40
    assert "TechnicianLate" in world.outbox()
    assert world.app.cancellation.preview(order_id, CUSTOMER).refund == Money(19900, "CNY")


def test_an_arrival_within_the_grace_is_not_late(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept", "depart")
    world.clock.set(at(2, 10, 15))

    world.fire(order_id, "arrive")

    assert "TechnicianLate" not in world.outbox()


def test_a_no_show_waits_and_is_charged_as_a_cancellation_at_the_start(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept", "depart")
    world.clock.set(at(2, 9, 55))
    world.fire(order_id, "arrive")
    world.clock.set(at(2, 10, 29))
    with pytest.raises(TransitionNotAllowed) as too_early:
        world.app.cancellation.record_no_show(order_id, world.tech)
    world.clock.set(at(2, 10, 30))

    result = world.app.cancellation.record_no_show(order_id, world.tech, reason="nobody home")

    assert "after waiting 30 minutes" in too_early.value.message
    assert result.quote.cause.value == "no_show"
    assert result.quote.fee == Money(19900, "CNY")
    assert result.order.state == "cancelled"
    assert result.order.timeline[-1].event == "no_show"


def test_customers_cannot_record_no_shows_nor_cancel_others_orders(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10))

    with pytest.raises(NotFound):
        world.app.cancellation.cancel(order_id, Actor("cus_2", Role.CUSTOMER))
    with pytest.raises(PermissionDenied):
        world.app.cancellation.record_no_show(order_id, CUSTOMER)

    assert world.get(order_id).state == "pending_acceptance"


def test_an_order_in_service_can_no_longer_be_cancelled(world: OrderWorld) -> None:
    order_id = world.paid_order(at(2, 10))
    world.fire_on_schedule(order_id, "accept", "depart", "arrive", "start_service")

    with pytest.raises(TransitionNotAllowed):
        world.app.cancellation.preview(order_id, CUSTOMER)
    with pytest.raises(TransitionNotAllowed):
        world.app.cancellation.cancel(order_id, CUSTOMER)

    assert world.get(order_id).state == "in_service"


def test_cancelling_frees_the_technicians_time(world: OrderWorld) -> None:
    order_id = world.paid_order(at(3, 10))
    with pytest.raises(SlotTaken):
        world.place(at(3, 10), customer="cus_2")

    world.app.cancellation.cancel(order_id, CUSTOMER)
    second_id = world.place(at(3, 10), customer="cus_2")

    first, second = world.get(order_id), world.get(second_id)
    assert (second.customer_id, second.technician_id) == ("cus_2", world.li)
    assert second.slot == TimeRange(at(3, 10), at(3, 11))
    with world.uow() as uow:
        assert not uow.bookings.get(first.booking_id).active
        active = uow.bookings.list_active(world.li, TimeRange(at(3, 0), at(4, 0)))
    assert [(b.id, b.order_id, b.slot) for b in active] == [
        (second.booking_id, second_id, TimeRange(at(3, 10), at(3, 11)))
    ]
