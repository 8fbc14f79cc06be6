"""Anti-hoarding: limits on open orders with nothing paid (issue 8, item 6)."""

from __future__ import annotations

import pytest
from pendulum import DateTime

from booking_core.errors import InvalidOrderPolicy, TooManyUnpaidOrders
from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.orders import Actor
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.services.ordering import PlaceOrder
from booking_core.testing.orders import CUSTOMER, HOME, OrderWorld, at, order_world
from booking_core.timerange import TimeRange


def place(
    world: OrderWorld,
    start: DateTime,
    *,
    technician: TechnicianId | None = None,
    mode: PaymentMode = PaymentMode.ON_ARRIVAL,
    customer: str = "cus_1",
) -> OrderId:
    order = world.app.ordering.place_order(
        PlaceOrder(
            CustomerId(customer),
            technician or world.li,
            world.tuina,
            start,
            location=HOME,
            payment_mode=mode,
        ),
        Actor.customer(customer),
    )
    return order.id


def counted(world: OrderWorld, technician: TechnicianId) -> UnpaidCount:
    with world.uow() as uow:
        return uow.customers.standing(CustomerId("cus_1"), technician_id=technician).unpaid


def test_the_default_limits_stop_a_customer_hoarding_a_technician_s_window() -> None:
    world = order_world()
    for hour in (9, 10, 11):
        place(world, at(3, hour))

    with pytest.raises(TooManyUnpaidOrders) as refused:
        place(world, at(3, 12))

    assert refused.value.code == "too_many_unpaid_orders"
    assert refused.value.details == {
        "limit": "max_unpaid_orders_per_customer_technician",
        "max": 3,
        "open_unpaid": 3,
    }
    assert "3 open orders with this technician" in refused.value.message
    assert counted(world, world.li) == UnpaidCount(total=3, with_technician=3)


def test_the_defaults_are_six_per_customer_and_three_per_customer_and_technician() -> None:
    policy = OrderPolicy()

    assert (
        policy.max_unpaid_orders_per_customer,
        policy.max_unpaid_orders_per_customer_technician,
        policy.idempotency_key_hours,
    ) == (6, 3, 24)


def test_the_per_customer_limit_counts_orders_with_every_technician() -> None:
    world = order_world(OrderPolicy(max_unpaid_orders_per_customer=4))
    for hour in (9, 10):
        place(world, at(3, hour))
        place(world, at(3, hour), technician=world.wang)

    with pytest.raises(TooManyUnpaidOrders) as refused:
        place(world, at(4, 9), technician=world.wang)

    assert refused.value.details == {
        "limit": "max_unpaid_orders_per_customer",
        "max": 4,
        "open_unpaid": 4,
    }
    assert "4 open orders with nothing paid" in refused.value.message
    assert counted(world, world.wang) == UnpaidCount(total=4, with_technician=2)


def test_only_open_orders_with_nothing_captured_count() -> None:
    world = order_world(OrderPolicy(max_unpaid_orders_per_customer=3))
    on_arrival = place(world, at(3, 9))  # counts: nothing captured, accepted or not
    world.fire(on_arrival, "accept")
    awaiting_payment = place(world, at(3, 10), mode=PaymentMode.FULL)  # counts
    paid = place(world, at(3, 11), mode=PaymentMode.FULL, technician=world.wang)
    world.app.payments.pay(paid, CUSTOMER)  # captured: does not count
    deposit = place(world, at(3, 12), mode=PaymentMode.DEPOSIT, technician=world.wang)
    world.app.payments.pay(deposit, CUSTOMER)  # a deposit captured: does not count
    cancelled = place(world, at(3, 13), technician=world.wang)
    world.app.ordering.transition(cancelled, "cancel", CUSTOMER)  # closed: does not count
    place(world, at(3, 14), customer="cus_2")  # someone else's
    place(world, at(3, 15), customer="cus_2")
    place(world, at(3, 16), customer="cus_2")

    assert counted(world, world.li) == UnpaidCount(total=2, with_technician=2)
    assert counted(world, world.wang) == UnpaidCount(total=2, with_technician=0)
    third = place(world, at(4, 9), technician=world.wang)
    with pytest.raises(TooManyUnpaidOrders) as refused:
        place(world, at(4, 10), technician=world.wang)
    assert refused.value.details["limit"] == "max_unpaid_orders_per_customer"

    world.app.payments.pay(awaiting_payment, CUSTOMER)  # paying frees a place
    assert place(world, at(4, 10), technician=world.wang) != third


def test_a_refused_order_stores_nothing() -> None:
    world = order_world(OrderPolicy(max_unpaid_orders_per_customer_technician=1))
    first = place(world, at(3, 9))

    with pytest.raises(TooManyUnpaidOrders):
        place(world, at(3, 10))

    with world.uow() as uow:
        orders = uow.orders.list_for_customer(CustomerId("cus_1"))
        assert [o.id for o in orders] == [first]
        day = TimeRange(at(3, 0), at(4, 0))
        assert [b.order_id for b in uow.bookings.list_active(world.li, day)] == [first]


def test_no_limit_when_the_policy_says_none() -> None:
    world = order_world(
        OrderPolicy(
            max_unpaid_orders_per_customer=None, max_unpaid_orders_per_customer_technician=None
        )
    )

    placed = [place(world, at(3, hour)) for hour in range(9, 21)]

    assert len(set(placed)) == 12


@pytest.mark.parametrize(
    "fields",
    [
        {"max_unpaid_orders_per_customer": 0},
        {"max_unpaid_orders_per_customer_technician": -1},
        {"max_unpaid_orders_per_customer": 2.0},
        {"max_unpaid_orders_per_customer_technician": True},
        {"idempotency_key_hours": 0},
        {"idempotency_key_hours": "24"},
    ],
    ids=str,
)
def test_a_limit_or_a_key_lifetime_that_makes_no_sense_is_refused(
    fields: dict[str, object],
) -> None:
    with pytest.raises(InvalidOrderPolicy) as refused:
        OrderPolicy(**fields)  # type: ignore[arg-type]

    assert refused.value.details == {"field": next(iter(fields))}
