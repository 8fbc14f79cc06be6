"""Idempotent order placement: a retry under the same key books once (issue 8, item 4)."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from booking_core.errors import (
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    SlotUnavailable,
)
from booking_core.ids import CustomerId
from booking_core.orders import Actor
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.services.ordering import PlaceOrder
from booking_core.testing.memory import InMemoryStore, InMemoryUnitOfWork
from booking_core.testing.orders import CUSTOMER, HOME, OrderWorld, at, order_world
from booking_core.timerange import TimeRange

KEY = "9f0c2c7e-2b1a-4c3e-9d7a-5b8e1f2a3c4d"


@pytest.fixture
def world() -> OrderWorld:
    return order_world()


def command(world: OrderWorld, *, key: str | None = KEY, **changes: Any) -> PlaceOrder:
    fields: dict[str, Any] = {
        "customer_id": CustomerId("cus_1"),
        "technician_id": world.li,
        "service_id": world.tuina,
        "start": at(3, 10),
        "location": HOME,
        "payment_mode": PaymentMode.FULL,
        "idempotency_key": key,
    }
    fields.update(changes)
    return PlaceOrder(**fields)


def stored(world: OrderWorld, customer: str = "cus_1") -> list[tuple[str, str, str]]:
    """``(order id, state, slot start)`` of the customer's stored orders."""
    with world.uow() as uow:
        return [
            (o.id, o.state, o.slot.start.isoformat())
            for o in uow.orders.list_for_customer(CustomerId(customer))
        ]


def active_bookings(world: OrderWorld) -> int:
    """How many active bookings Li has this week."""
    with world.uow() as uow:
        return len(uow.bookings.list_active(world.li, TimeRange(at(2, 0), at(9, 0))))


def test_a_retry_with_the_same_key_and_request_returns_the_same_order(world: OrderWorld) -> None:
    first = world.app.ordering.place(command(world), CUSTOMER)
    world.clock.advance(pendulum.duration(minutes=3))

    again = world.app.ordering.place(command(world), CUSTOMER)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.order.id == first.order.id
    assert (again.order.number, again.order.price) == (first.order.number, first.order.price)
    assert stored(world) == [(first.order.id, "pending_payment", "2026-03-03T10:00:00+08:00")]
    assert active_bookings(world) == 1
    assert world.outbox().count("OrderPlaced") == 1


def test_the_same_instant_in_another_offset_is_the_same_request(world: OrderWorld) -> None:
    first = world.app.ordering.place(command(world), CUSTOMER)

    again = world.app.ordering.place(command(world, start=at(3, 10).in_timezone("UTC")), CUSTOMER)

    assert (again.order.id, again.replayed) == (first.order.id, True)


def test_the_replay_shows_the_order_as_it_is_now(world: OrderWorld) -> None:
    first = world.app.ordering.place(command(world), CUSTOMER)
    world.app.payments.pay(first.order.id, CUSTOMER)

    again = world.app.ordering.place(command(world), CUSTOMER)

    assert (again.order.id, again.order.state) == (first.order.id, "pending_acceptance")


@pytest.mark.parametrize(
    "change",
    [
        {"start": at(3, 11)},
        {"payment_mode": PaymentMode.ON_ARRIVAL},
        {"location": None},
        {"technician_id": "wang"},
    ],
    ids=["start", "payment_mode", "location", "technician"],
)
def test_the_same_key_with_another_request_is_refused_and_nothing_is_stored(
    world: OrderWorld, change: dict[str, Any]
) -> None:
    first = world.app.ordering.place(command(world), CUSTOMER)
    if change.get("technician_id") == "wang":
        change = {"technician_id": world.wang}

    with pytest.raises(IdempotencyKeyReused) as refused:
        world.app.ordering.place(command(world, **change), CUSTOMER)

    assert refused.value.code == "idempotency_key_reused"
    assert refused.value.details == {"idempotency_key": KEY, "order_id": first.order.id}
    assert stored(world) == [(first.order.id, "pending_payment", "2026-03-03T10:00:00+08:00")]
    assert active_bookings(world) == 1


def test_keys_are_scoped_to_the_customer(world: OrderWorld) -> None:
    alice = world.app.ordering.place(command(world), CUSTOMER)

    bob = world.app.ordering.place(
        command(world, customer_id=CustomerId("cus_2"), start=at(3, 12)), Actor.customer("cus_2")
    )

    assert bob.replayed is False
    assert bob.order.id != alice.order.id
    assert [o[0] for o in stored(world, "cus_2")] == [bob.order.id]


def test_without_a_key_every_request_places_an_order(world: OrderWorld) -> None:
    first = world.app.ordering.place(command(world, key=None), CUSTOMER)

    second = world.app.ordering.place(command(world, key=None, start=at(3, 12)), CUSTOMER)

    assert (first.replayed, second.replayed) == (False, False)
    assert len({first.order.id, second.order.id}) == 2


def test_a_key_expires_after_the_policy_s_hours_and_may_then_be_used_afresh() -> None:
    world = order_world(OrderPolicy(idempotency_key_hours=2))
    first = world.app.ordering.place(command(world), CUSTOMER)
    world.clock.advance(pendulum.duration(hours=1, minutes=59))
    with pytest.raises(IdempotencyKeyReused):
        world.app.ordering.place(command(world, start=at(3, 14)), CUSTOMER)
    world.clock.advance(pendulum.duration(minutes=1))

    later = world.app.ordering.place(command(world, start=at(3, 14)), CUSTOMER)

    assert later.replayed is False
    assert later.order.id != first.order.id
    assert sorted(s[2] for s in stored(world)) == [
        "2026-03-03T10:00:00+08:00",
        "2026-03-03T14:00:00+08:00",
    ]


def test_a_refused_request_leaves_no_record_so_the_key_serves_a_corrected_request(
    world: OrderWorld,
) -> None:
    with pytest.raises(SlotUnavailable):
        world.app.ordering.place(command(world, start=at(3, 10, 7)), CUSTOMER)  # not on the grid

    placed = world.app.ordering.place(command(world), CUSTOMER)

    assert placed.replayed is False
    assert [o[0] for o in stored(world)] == [placed.order.id]


class _DiesOnceArmed:
    """A unit-of-work factory whose next commit, once armed, dies (a process killed
    mid-request: nothing of that transaction is stored)."""

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.armed = False

    def __call__(self) -> InMemoryUnitOfWork:
        factory = self

        class Dying(InMemoryUnitOfWork):
            def commit(self) -> None:
                if factory.armed:
                    factory.armed = False
                    raise ConnectionResetError("killed before the commit")
                super().commit()

        return Dying(self.store)


def test_a_client_killed_mid_request_retries_without_booking_twice() -> None:
    factory = _DiesOnceArmed()
    world = order_world(uow=factory)
    factory.armed = True
    with pytest.raises(ConnectionResetError):
        world.app.ordering.place(command(world), CUSTOMER)

    retried = world.app.ordering.place(command(world), CUSTOMER)
    again = world.app.ordering.place(command(world), CUSTOMER)

    assert (retried.replayed, again.replayed) == (False, True)
    assert again.order.id == retried.order.id
    assert [o[0] for o in stored(world)] == [retried.order.id]
    assert active_bookings(world) == 1


@pytest.mark.parametrize("key", ["", " ", "a b", "x" * 256, "ключ", "k\x00", "tab\tkey"], ids=repr)
def test_a_malformed_key_is_refused_before_anything_is_stored(world: OrderWorld, key: str) -> None:
    with pytest.raises(InvalidIdempotencyKey) as refused:
        world.app.ordering.place(command(world, key=key), CUSTOMER)

    assert refused.value.code == "invalid_idempotency_key"
    assert refused.value.details == {"max_length": 255}
    assert stored(world) == []


def test_place_order_returns_the_order_of_a_replay_too(world: OrderWorld) -> None:
    first = world.app.ordering.place_order(command(world), CUSTOMER)

    again = world.app.ordering.place_order(command(world), CUSTOMER)

    assert again.id == first.id
