"""A busy block pushed and a booking placed for the same time at once, on SQLite and
PostgreSQL: never both (issue 15). The push and the reservation take the technician's lock
before reading what they check, so the second one sees the first."""

from __future__ import annotations

from collections import Counter

from booking_core.ids import CustomerId
from booking_core.orders import Actor
from booking_core.services.ordering import PlaceOrder
from booking_core.testing.contracts.orders import race
from booking_core.testing.orders import HOME, OPERATOR, at, order_world
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage

ROUNDS = 6


def test_a_push_and_a_booking_of_the_same_time_never_both_succeed(
    storage: SqlAlchemyStorage,
) -> None:
    world = order_world(uow=storage.unit_of_work)
    outcomes: Counter[str] = Counter()
    for n in range(ROUNDS):
        customer = CustomerId(f"cus_{n + 1}")

        def attempt(i: int, hour: int = 10 + n, customer: CustomerId = customer) -> None:
            if i == 0:
                world.app.outside_calendars.push_block(
                    OPERATOR,
                    world.li,
                    f"block-{hour}",
                    TimeRange(at(3, hour, 30), at(3, hour + 1)),
                )
            else:
                world.app.ordering.place_order(
                    PlaceOrder(customer, world.li, world.tuina, at(3, hour), location=HOME),
                    Actor.customer(customer),
                )

        results = race(2, attempt)
        outcomes.update(results)

        assert results.count("ok") == 1, results
        assert set(results) <= {"ok", "busy_time_conflict", "slot_taken"}, results
        with world.uow() as uow:
            window = TimeRange(at(3, 10 + n), at(3, 11 + n))
            booked = uow.bookings.list_active(world.li, window)
            blocks = uow.busy_blocks.list_for(world.li, within=window)
        assert len(booked) + len(blocks) == 1, (booked, blocks)
    assert outcomes["ok"] == ROUNDS
