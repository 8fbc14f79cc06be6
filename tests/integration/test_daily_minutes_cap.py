"""A technician's daily cap of booked minutes beside his daily cap of bookings (issue 15).

Li works 09:00–21:00; tuina is 60 minutes, the SPA 90, a foot massage 60. Monday 2 March
08:00 in Shanghai; his cap is 180 minutes a day.
"""

from __future__ import annotations

import pytest

from booking_core.errors import DailyCapReached, InvalidSchedule
from booking_core.ids import ServiceId
from booking_core.testing.orders import LOCAL_ZONE, OPERATOR, OrderWorld, at, order_world


@pytest.fixture
def world() -> OrderWorld:
    world = order_world()
    world.app.schedules.set_daily_minutes_cap(OPERATOR, world.li, 180)
    return world


def starts(world: OrderWorld, service: ServiceId, day: int) -> list[str]:
    slots = world.app.availability.free_slots(world.li, service, at(day, 0).date())
    return [s.start.in_timezone(LOCAL_ZONE).format("HH:mm") for s in slots]


def test_a_day_takes_bookings_until_their_minutes_would_pass_the_cap(world: OrderWorld) -> None:
    world.paid_order(at(3, 10))  # 60
    world.paid_order(at(3, 11), service=world.spa)  # 90: 150 booked

    assert starts(world, world.tuina, 3) == []  # 150 + 60 > 180
    assert starts(world, world.tuina, 4)[0] == "09:00"  # another day, another budget
    with pytest.raises(DailyCapReached) as caught:
        world.paid_order(at(3, 16))
    assert "booked minutes" in caught.value.message


def test_a_shorter_service_still_fits_what_is_left(world: OrderWorld) -> None:
    world.paid_order(at(3, 9), service=world.spa)  # 90
    world.paid_order(at(3, 11, 30))  # 60: 150 booked, 30 left

    assert starts(world, world.foot, 3) == []  # 60 minutes do not fit
    world.app.schedules.set_daily_minutes_cap(OPERATOR, world.li, 210)
    assert starts(world, world.foot, 3)[0] == "10:30"  # 150 + 60 = 210 fits exactly


def test_a_cap_out_of_range_names_its_field(world: OrderWorld) -> None:
    before = world.app.schedules.get(world.li, OPERATOR)

    with pytest.raises(InvalidSchedule) as caught:
        world.app.schedules.set_daily_minutes_cap(OPERATOR, world.li, 0)

    assert caught.value.details["field"] == "daily_minutes_cap"
    assert world.app.schedules.get(world.li, OPERATOR) == before
