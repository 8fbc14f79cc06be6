"""Queries by instants (issue 15): slots whose START lies in ``[from, to)``, for one
technician and across technicians in several zones, and the zones answers are given in
(docs/availability.md, "Time zones in answers")."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest
from pendulum import DateTime

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import Category, Service
from booking_core.errors import InvalidInput, InvalidTimeRange
from booking_core.ids import CategoryId, CustomerId, ServiceId, TechnicianId
from booking_core.orders import Actor
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services.availability import SlotSearch, local_days
from booking_core.services.holds import HoldSlot
from booking_core.services.ordering import PlaceOrder
from booking_core.services.rescheduling import RescheduleBooking
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core.timerange import TimeRange

SHANGHAI, LONDON = "Asia/Shanghai", "Europe/London"
SERVICE = ServiceId("svc_1")
#: 09:00–12:00 in Shanghai; 09:00–12:00 in London; 21:00–02:00 (past midnight) in Shanghai.
LI, SMITH, NIGHT = TechnicianId("tec_li"), TechnicianId("tec_smith"), TechnicianId("tec_night")
ALICE = CustomerId("cus_alice")


@attrs.define
class World:
    app: BookingApp
    store: InMemoryStore


def utc(text: str) -> DateTime:
    parsed = pendulum.parse(text, tz="UTC")
    assert isinstance(parsed, DateTime)
    return parsed


def local(zone: str, text: str) -> DateTime:
    parsed = pendulum.parse(text, tz=zone)
    assert isinstance(parsed, DateTime)
    return parsed


def window(start: DateTime, end: DateTime) -> TimeRange:
    return TimeRange(start, end)


def iso(slots: list[TimeRange]) -> list[str]:
    return [s.start.isoformat() for s in slots]


@pytest.fixture
def world() -> World:
    store = InMemoryStore()
    app = build(
        uow=store.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=FrozenClock(utc("2026-03-01T00:00:00")),
        ids=SequentialIds(),
        policy=BookingPolicy(notice_minutes=0, window_days=40),
    )
    with store.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina 60", 60, Money(19900, "CNY")))
        day = WeeklyHours.every_day("09:00", "12:00")
        uow.technicians.add(Technician(LI, "Li", SHANGHAI, day, {SERVICE}))
        uow.technicians.add(Technician(SMITH, "Smith", LONDON, day, {SERVICE}))
        night = WeeklyHours.every_day("21:00", "02:00")
        uow.technicians.add(Technician(NIGHT, "Night", SHANGHAI, night, {SERVICE}))
        uow.commit()
    return World(app, store)


# -- one technician ---------------------------------------------------------------------------


def test_from_is_inside_and_to_is_outside(world: World) -> None:
    nine, eleven = local(SHANGHAI, "2026-03-03T09:00"), local(SHANGHAI, "2026-03-03T11:00")

    found = world.app.availability.free_slots_in(LI, SERVICE, window(nine, eleven))

    # 09:00 starts at `from`: in. 11:00 starts at `to`: out, though it is offered.
    assert iso(found) == ["2026-03-03T09:00:00+08:00", "2026-03-03T10:00:00+08:00"]


def test_a_slot_is_in_the_window_by_its_start_only(world: World) -> None:
    half_past = local(SHANGHAI, "2026-03-03T09:30")

    found = world.app.availability.free_slots_in(
        LI, SERVICE, window(half_past, half_past.add(hours=2))
    )

    # 09:00–10:00 overlaps the window but starts before it; 11:00–12:00 ends after 11:30.
    assert iso(found) == ["2026-03-03T10:00:00+08:00", "2026-03-03T11:00:00+08:00"]


def test_a_window_crossing_local_midnight_finds_the_slots_of_a_shift_past_midnight(
    world: World,
) -> None:
    # Tuesday 23:00 to Wednesday 01:30, given in UTC (15:00–17:30Z). Wednesday's 00:00 and
    # 01:00 belong to Tuesday's 21:00–02:00 shift: listed under Tuesday, not Wednesday.
    found = world.app.availability.free_slots_in(
        NIGHT, SERVICE, window(utc("2026-03-03T15:00"), utc("2026-03-03T17:30"))
    )

    assert iso(found) == [
        "2026-03-03T23:00:00+08:00",
        "2026-03-04T00:00:00+08:00",
        "2026-03-04T01:00:00+08:00",
    ]
    # In his zone, whatever zone the window was given in.
    assert {s.start.timezone_name for s in found} == {SHANGHAI}
    # From Wednesday's midnight on: still Tuesday's shift that offers them.
    after_midnight = world.app.availability.free_slots_in(
        NIGHT, SERVICE, window(local(SHANGHAI, "2026-03-04T00:00"), utc("2026-03-03T18:00"))
    )
    assert iso(after_midnight) == ["2026-03-04T00:00:00+08:00", "2026-03-04T01:00:00+08:00"]


def test_the_london_spring_forward_day(world: World) -> None:
    # 29 March 2026: 01:00 GMT becomes 02:00 BST. 09:00 local is 09:00Z the day before,
    # 08:00Z that day.
    found = world.app.availability.free_slots_in(
        SMITH, SERVICE, window(utc("2026-03-28T10:00"), utc("2026-03-29T10:00"))
    )

    assert [s.start.in_timezone("UTC").isoformat() for s in found] == [
        "2026-03-28T10:00:00+00:00",
        "2026-03-28T11:00:00+00:00",
        "2026-03-29T08:00:00+00:00",
        "2026-03-29T09:00:00+00:00",
    ]
    assert iso(found)[2:] == ["2026-03-29T09:00:00+01:00", "2026-03-29T10:00:00+01:00"]


def test_the_same_answer_as_by_dates_kept_to_the_window(world: World) -> None:
    span = window(local(LONDON, "2026-03-27T10:30"), local(LONDON, "2026-03-30T09:00"))
    first, last = local_days(span, LONDON)

    by_dates = world.app.availability.free_slots_between(SMITH, SERVICE, first, last)
    by_instants = world.app.availability.free_slots_in(SMITH, SERVICE, span)

    assert (first, last) == (pendulum.date(2026, 3, 26), pendulum.date(2026, 3, 30))
    assert by_instants == [s for s in by_dates if span.contains(s.start)]
    assert len(by_instants) == 1 + 3 + 3  # the 30th's 09:00 starts at `to`


def test_a_naive_time_is_refused_with_the_naive_time_error(world: World) -> None:
    naive = dt.datetime(2026, 3, 3, 9, 0)  # noqa: DTZ001 - naive on purpose

    with pytest.raises(InvalidTimeRange, match="timezone-aware"):
        world.app.availability.free_slots_in(
            LI,
            SERVICE,
            TimeRange(naive, naive + dt.timedelta(hours=2)),
        )
    with pytest.raises(InvalidTimeRange):
        world.app.availability.free_slots_in(LI, SERVICE, (naive, naive))  # type: ignore[arg-type]


def test_a_window_is_at_most_62_days_long(world: World) -> None:
    start = utc("2026-03-02T00:00")

    assert world.app.availability.free_slots_in(LI, SERVICE, window(start, start.add(days=62)))
    with pytest.raises(InvalidTimeRange, match="at most 62 days"):
        world.app.availability.free_slots_in(
            LI, SERVICE, window(start, start.add(days=62, minutes=1))
        )


# -- across technicians -----------------------------------------------------------------------


def test_one_search_over_shanghai_and_london(world: World) -> None:
    # 01:00Z–10:00Z on 3 March: Li's whole morning (09:00–12:00 +08:00 is 01:00–04:00Z)
    # and Smith's 09:00 (GMT); Smith's 10:00 starts at `to`, left out.
    span = window(utc("2026-03-03T01:00"), utc("2026-03-03T10:00"))

    found = world.app.availability.search(
        SlotSearch(SERVICE, window=span, technician_ids=frozenset({LI, SMITH}))
    )

    assert [
        (s.slot.start.isoformat(), [o.technician_id for o in s.technicians]) for s in found
    ] == [
        ("2026-03-03T01:00:00+00:00", [LI]),
        ("2026-03-03T02:00:00+00:00", [LI]),
        ("2026-03-03T03:00:00+00:00", [LI]),
        ("2026-03-03T09:00:00+00:00", [SMITH]),
    ]
    # UTC answers, each offer carrying the zone to show it in.
    assert {s.slot.start.timezone_name for s in found} == {"UTC"}
    assert [s.technicians[0].time_zone for s in found] == [SHANGHAI] * 3 + [LONDON]


def test_a_search_window_is_the_date_search_kept_to_the_window(world: World) -> None:
    span = window(local(SHANGHAI, "2026-03-03T23:30"), local(LONDON, "2026-03-04T10:00"))
    by_dates = world.app.availability.search(
        SlotSearch(SERVICE, pendulum.date(2026, 3, 2), pendulum.date(2026, 3, 5))
    )

    by_instants = world.app.availability.search(SlotSearch(SERVICE, window=span))

    assert by_instants == [s for s in by_dates if span.contains(s.slot.start)]
    assert {o.technician_id for s in by_instants for o in s.technicians} == {LI, SMITH, NIGHT}


def test_a_search_says_dates_or_a_window_exactly_once() -> None:
    span = window(utc("2026-03-03T00:00"), utc("2026-03-04T00:00"))

    with pytest.raises(InvalidInput, match="not both"):
        SlotSearch(SERVICE, pendulum.date(2026, 3, 3), window=span)
    with pytest.raises(InvalidInput, match="not both"):
        SlotSearch(SERVICE, last_day=pendulum.date(2026, 3, 3), window=span)
    with pytest.raises(InvalidInput, match="Say what time to search"):
        SlotSearch(SERVICE)
    with pytest.raises(InvalidTimeRange, match="at most 62 days"):
        SlotSearch(SERVICE, window=window(span.start, span.start.add(days=63)))
    with pytest.raises(InvalidTimeRange, match="TimeRange"):
        SlotSearch(SERVICE, window=(span.start, span.end))


# -- holds and bookings are answered in UTC ---------------------------------------------------


def test_holds_and_moved_bookings_come_back_in_utc(world: World) -> None:
    alice = Actor.customer(ALICE)
    start = local(SHANGHAI, "2026-03-03T10:00")

    hold = world.app.holds.hold(HoldSlot(ALICE, LI, SERVICE, start), alice)

    assert hold.slot.start == start
    assert hold.slot.start.timezone_name == "UTC"
    assert hold.blocked.end.timezone_name == "UTC"
    assert hold.hold_expires_at is not None
    assert hold.hold_expires_at.timezone_name == "UTC"
    assert world.app.holds.get(hold.id, alice).slot.start.timezone_name == "UTC"

    order = world.app.ordering.place_order(PlaceOrder(ALICE, LI, SERVICE, start), alice)
    moved = world.app.rescheduling.reschedule(
        RescheduleBooking(order.booking_id, start.add(hours=1), alice)
    )

    assert moved.slot.start == start.add(hours=1)
    assert moved.slot.start.timezone_name == "UTC"


def test_an_order_is_shown_in_its_technicians_zone_whatever_zone_it_was_asked_in(
    world: World,
) -> None:
    alice = Actor.customer(ALICE)

    # 10:00 in London asked as 10:00 UTC (March: London is on UTC), and moved by a UTC start.
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE, SMITH, SERVICE, utc("2026-03-03T10:00")), alice
    )
    world.app.modification.change_time(order.id, alice, utc("2026-03-03T11:00"))
    moved = world.app.ordering.get_order(order.id, alice)

    assert (order.time_zone, order.slot.start.timezone_name) == (LONDON, LONDON)
    assert moved.slot.start.timezone_name == LONDON
    assert moved.slot == TimeRange(utc("2026-03-03T11:00"), utc("2026-03-03T12:00"))
