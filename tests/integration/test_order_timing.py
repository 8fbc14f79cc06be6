"""Issue 8 item 5: a technician could walk an order weeks ahead to completion and be paid.

Through the real services over in-memory storage: the chart's time guards refuse setting
off, starting and completing too early, with the earliest allowed time; on the day itself
the same walk goes through, and only then are the technician's earnings booked. The
automatic completion of a service started late waits for its minimum duration too.
"""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import TooEarly
from booking_core.orders import OrderState
from booking_core.scheduling.availability import BookingPolicy
from booking_core.testing.orders import OrderWorld, at, order_world

#: Monday 2 March 2026 08:00 Shanghai plus 25 days: Friday 27 March, 10:00-11:00.
IN_25_DAYS = pendulum.datetime(2026, 3, 27, 10, tz="Asia/Shanghai")


@pytest.fixture
def world() -> OrderWorld:
    return order_world(booking_policy=BookingPolicy(notice_minutes=60, window_days=30))


def test_an_order_25_days_ahead_cannot_be_walked_to_completion_today(world: OrderWorld) -> None:
    # given a paid, accepted order for a slot 25 days ahead
    order_id = world.paid_order(IN_25_DAYS)
    world.fire(order_id, "accept")
    journal = world.journal(order_id)
    outbox = world.outbox()

    # when Li tries to set off today
    with pytest.raises(TooEarly) as refused:
        world.fire(order_id, "depart")

    # then it is refused, naming the guard and the earliest time, and nothing moved
    assert refused.value.details["guards"] == ["lead_time_reached"]
    assert refused.value.details["not_before"] == "2026-03-27T07:00:00+08:00"
    order = world.get(order_id)
    assert (order.state, [r.event for r in order.timeline]) == ("accepted", ["pay", "accept"])
    assert world.journal(order_id) == journal  # no technician share booked
    assert world.outbox() == outbox


def test_on_the_day_each_step_waits_for_its_time_and_only_then_is_the_share_booked(
    world: OrderWorld,
) -> None:
    order_id = world.paid_order(IN_25_DAYS)
    world.fire(order_id, "accept")

    # the evening before and at 06:59 it is still too early to set off
    for when in (at(26, 20), at(27, 6, 59)):
        world.clock.set(when)
        with pytest.raises(TooEarly):
            world.fire(order_id, "depart")
    world.clock.set(at(27, 7))
    world.fire(order_id, "depart")
    world.clock.set(at(27, 9))
    world.fire(order_id, "arrive")
    with pytest.raises(TooEarly) as early_start:  # half an hour is the tolerance
        world.fire(order_id, "start_service")
    world.clock.set(at(27, 9, 30))
    world.fire(order_id, "start_service")
    world.clock.set(at(27, 9, 59))
    with pytest.raises(TooEarly) as early_end:  # half of the 60 minutes since 09:30
        world.fire(order_id, "complete")
    shares_before = [t for t, _ in world.journal(order_id) if t.startswith("done:")]
    world.clock.set(at(27, 10))
    order = world.fire(order_id, "complete")

    assert early_start.value.details["not_before"] == "2026-03-27T09:30:00+08:00"
    assert early_end.value.details["not_before"] == "2026-03-27T10:00:00+08:00"
    assert order.state == OrderState.COMPLETED
    assert [(r.event, r.at) for r in order.timeline][2:] == [
        ("depart", at(27, 7)),
        ("arrive", at(27, 9)),
        ("start_service", at(27, 9, 30)),
        ("complete", at(27, 10)),
    ]
    assert shares_before == []
    assert [t for t, _ in world.journal(order_id) if t.startswith("done:")] == [
        f"done:{order_id}:1"
    ]


def test_automatic_completion_of_a_late_start_waits_for_the_minimum_service_time(
    world: OrderWorld,
) -> None:
    # given a 60-minute order whose service started 50 minutes after its end
    order_id = world.paid_order(at(2, 10))
    world.fire(order_id, "accept", "depart", "arrive")
    world.clock.set(at(2, 11, 50))
    world.fire(order_id, "start_service")

    # when the jobs run at the end plus the grace (12:00), and again at 12:20
    world.clock.set(at(2, 12))
    first = world.run_jobs()
    world.clock.set(at(2, 12, 20))
    second = world.run_jobs()

    # then the first run found nothing due (it was scheduled at 12:20: 11:50 + 30 minutes)
    assert [run for run in first if run.startswith("auto_complete")] == []
    assert [run for run in second if run.startswith("auto_complete")] == ["auto_complete:done"]
    order = world.get(order_id)
    assert (order.state, order.timeline[-1].actor.id, order.timeline[-1].at) == (
        "completed",
        "auto-complete",
        at(2, 12, 20),
    )
