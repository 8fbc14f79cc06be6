"""A service's own booking rules (step, notice, window) and the ways a window is counted
(issue 15; docs/availability.md, "Rules per service" and "The booking window").

The world: Monday 2 March 2026, 08:00 Shanghai; the platform's rules are a 60-minute notice
and a 14-day rolling window, slots every service length; Li works 09:00–21:00 every day.
"""

from __future__ import annotations

import pendulum
import pytest

from booking_core import Money
from booking_core.catalog import BookingRules, WindowKind
from booking_core.errors import InvalidSchedule, PermissionDenied, SlotUnavailable
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.orders import Order
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services.availability import SlotSearch
from booking_core.services.catalog import CreateService
from booking_core.services.ordering import PlaceOrder
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.orders import (
    CUSTOMER,
    HOME,
    LOCAL_ZONE,
    OPERATOR,
    OrderWorld,
    at,
    order_world,
)


def with_service(world: OrderWorld, rules: BookingRules | None, minutes: int = 60) -> ServiceId:
    """A new service with ``rules``, and Zhao (09:00–21:00 daily) who offers only it."""
    category = world.app.catalog.get_service(world.tuina).category_id
    service = world.app.catalog.create_service(
        CreateService(category, "Deep tissue", minutes, Money(25900, "CNY"), rules=rules),
        OPERATOR,
    )
    hours = WeeklyHours.every_day("09:00", "21:00")
    world.app.technicians.register(
        RegisterTechnician("Zhao", LOCAL_ZONE, hours, frozenset({service.id})), OPERATOR
    )
    return service.id


def zhao(world: OrderWorld, service: ServiceId) -> TechnicianId:
    return next(t.id for t in world.app.technicians.list() if service in t.service_ids)


def starts(world: OrderWorld, service: ServiceId, day: int) -> list[str]:
    technician = world.li if service == world.tuina else zhao(world, service)
    slots = world.app.availability.free_slots(technician, service, at(day, 0).date())
    return [s.start.in_timezone(LOCAL_ZONE).format("HH:mm") for s in slots]


def book(world: OrderWorld, service: ServiceId, start: pendulum.DateTime) -> Order:
    command = PlaceOrder(CustomerId("cus_1"), zhao(world, service), service, start, location=HOME)
    return world.app.ordering.place_order(command, CUSTOMER)


def test_a_service_with_its_own_notice_offers_later_than_the_platform() -> None:
    world = order_world()
    own = with_service(world, BookingRules(notice_minutes=26 * 60))  # after Tuesday 10:00

    assert starts(world, world.tuina, 3)[:2] == ["09:00", "10:00"]
    assert starts(world, own, 3)[:2] == ["11:00", "12:00"]  # the notice is strict
    with pytest.raises(SlotUnavailable):  # the booking path refuses what is not offered
        book(world, own, at(3, 10))
    assert book(world, own, at(3, 11)).slot.start == at(3, 11)


def test_a_service_with_its_own_step_offers_its_own_grid() -> None:
    world = order_world()
    own = with_service(world, BookingRules(slot_step_minutes=30))

    assert starts(world, world.tuina, 3)[:3] == ["09:00", "10:00", "11:00"]
    assert starts(world, own, 3)[:3] == ["09:00", "09:30", "10:00"]
    assert book(world, own, at(3, 9, 30)).slot.start == at(3, 9, 30)


def test_a_rolling_day_ends_at_this_hour_tomorrow_and_a_calendar_day_at_its_midnight() -> None:
    world = order_world()
    rolling = with_service(world, BookingRules(window_days=1))
    calendar = with_service(
        world, BookingRules(window_days=1, window_kind=WindowKind.CALENDAR_DAYS)
    )

    assert starts(world, rolling, 3) == []  # Tuesday's first start, 09:00, is past 08:00
    assert starts(world, calendar, 3)[0] == "09:00"
    assert starts(world, calendar, 3)[-1] == "20:00"
    assert starts(world, calendar, 4) == []  # Wednesday is the second calendar day


def test_no_window_is_a_value_not_a_hundred_years() -> None:
    world = order_world()
    open_ended = with_service(world, BookingRules(window_kind=WindowKind.NONE))
    far = at(2, 10).add(days=200)

    assert world.app.availability.free_slots(world.li, world.tuina, far.date()) == []
    assert world.app.availability.free_slots(zhao(world, open_ended), open_ended, far.date())
    assert book(world, open_ended, far).slot.start == far


def test_a_search_across_technicians_follows_the_services_rules() -> None:
    world = order_world()
    own = with_service(world, BookingRules(slot_step_minutes=30, notice_minutes=25 * 60))

    found = world.app.availability.search(SlotSearch(own, at(3, 0).date()))

    first = found[0].slot.start.in_timezone(LOCAL_ZONE)
    assert (first.hour, first.minute) == (9, 30)  # 09:00 is inside the 25-hour notice
    assert {s.slot.start.minute for s in found} == {0, 30}


def test_rules_that_combine_into_nothing_are_refused_when_the_service_is_made() -> None:
    world = order_world()
    before = world.app.catalog.list_services()

    with pytest.raises(InvalidSchedule) as caught:
        with_service(world, BookingRules(notice_minutes=15 * 24 * 60))  # the window is 14 days

    assert caught.value.error_code == "invalid_schedule"
    assert world.app.catalog.list_services() == before


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"slot_step_minutes": 0}, "slot_step_minutes"),
        ({"notice_minutes": -1}, "notice_minutes"),
        ({"window_days": 0}, "window_days"),
        ({"window_kind": "weekly"}, "window_kind"),
    ],
)
def test_bad_rules_name_their_field(rules: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        BookingRules(**rules)  # type: ignore[arg-type]

    assert caught.value.details["field"] == field


def test_the_platform_may_count_its_window_in_calendar_days_or_not_at_all() -> None:
    calendar = order_world(
        booking_policy=BookingPolicy(window_days=1, window_kind=WindowKind.CALENDAR_DAYS)
    )
    unlimited = order_world(booking_policy=BookingPolicy(notice_minutes=60, window_kind="none"))

    assert starts(calendar, calendar.tuina, 3)[-1] == "20:00"
    assert starts(calendar, calendar.tuina, 4) == []
    assert starts(unlimited, unlimited.tuina, 30) != []


def test_rules_set_later_apply_from_the_next_question_and_none_restores_the_platforms() -> None:
    world = order_world()
    own = with_service(world, None)  # every 60 minutes, like the platform
    booked = book(world, own, at(3, 10))
    before = starts(world, own, 3)[:3]

    world.app.catalog.set_rules(own, BookingRules(slot_step_minutes=30), OPERATOR)
    every_half_hour = starts(world, own, 3)[:3]
    world.app.catalog.set_rules(own, None, OPERATOR)

    assert before == ["09:00", "11:00", "12:00"]
    assert every_half_hour == ["09:00", "11:00", "11:30"]
    assert starts(world, own, 3)[:3] == before
    assert world.get(booked.id).slot.start == at(3, 10)  # bookings keep their times
    assert world.app.catalog.get_service(own).rules is None


def test_rules_that_book_nothing_are_refused_and_change_nothing() -> None:
    world = order_world()
    own = with_service(world, BookingRules(slot_step_minutes=30))

    with pytest.raises(InvalidSchedule):
        world.app.catalog.set_rules(own, BookingRules(notice_minutes=14 * 24 * 60), OPERATOR)
    with pytest.raises(PermissionDenied):
        world.app.catalog.set_rules(own, None, CUSTOMER)

    assert world.app.catalog.get_service(own).rules == BookingRules(slot_step_minutes=30)
