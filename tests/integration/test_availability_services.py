"""Availability, holds, rescheduling, schedules and calendars through the services."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
import pytest
from pendulum import DateTime

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import Category, Service
from booking_core.errors import (
    DailyCapReached,
    InvalidInput,
    InvalidTimeRange,
    OutsideServiceArea,
    PermissionDenied,
    SlotHeld,
    SlotTaken,
    SlotUnavailable,
)
from booking_core.ids import CategoryId, CustomerId, ServiceId, StoreId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.scheduling.schedule import DateOverride, Shift, WorkStatus
from booking_core.services.availability import SlotSearch
from booking_core.services.calendar import EntryKind, Presence
from booking_core.services.holds import HoldSlot
from booking_core.services.ordering import PlaceOrder
from booking_core.services.rescheduling import RescheduleBooking
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
MONDAY = pendulum.date(2026, 3, 2)
SERVICE = ServiceId("svc_1")
LI, WANG, ZHAO = TechnicianId("tec_li"), TechnicianId("tec_wang"), TechnicianId("tec_zhao")
STORE = StoreId("sto_1")
ALICE, BOB = CustomerId("cus_alice"), CustomerId("cus_bob")
PEOPLES_SQUARE = GeoPoint(31.2304, 121.4737)


@attrs.define
class World:
    app: BookingApp
    store: InMemoryStore
    clock: FrozenClock


def at(clock: str, day: pendulum.Date = MONDAY) -> DateTime:
    hour, minute = map(int, clock.split(":"))
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=ZONE)


def hhmm(ranges: list[object]) -> list[str]:
    return [r.start.in_timezone(ZONE).format("ddd HH:mm") for r in ranges]  # type: ignore[attr-defined]


@pytest.fixture
def world() -> World:
    store = InMemoryStore()
    clock = FrozenClock(at("07:00"))
    app = build(
        uow=store.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=clock,
        ids=SequentialIds(),
        policy=BookingPolicy(notice_minutes=60, window_days=14, hold_minutes=10),
    )
    hours = WeeklyHours.every_day("09:00", "13:00")
    near = ServiceArea(PEOPLES_SQUARE, 10)
    with store.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina 60", 60, Money(19900, "CNY")))
        uow.technicians.add(
            Technician(
                LI,
                "Li",
                ZONE,
                hours,
                {SERVICE},
                TechnicianProfile(
                    Gender.FEMALE,
                    {"tuina", "thai"},
                    Decimal("4.8"),
                    {SERVICE: Money(25900, "CNY")},
                    STORE,
                    near,
                ),
            )
        )
        uow.technicians.add(
            Technician(
                WANG,
                "Wang",
                ZONE,
                WeeklyHours.every_day("11:00", "13:00"),
                {SERVICE},
                TechnicianProfile(Gender.MALE, {"tuina"}, Decimal("4.2"), {}, None, near),
            )
        )
        uow.technicians.add(
            Technician(
                ZHAO,
                "Zhao",
                ZONE,
                hours,
                {SERVICE},
                TechnicianProfile(
                    Gender.FEMALE,
                    {"tuina"},
                    Decimal("4.9"),
                    {},
                    None,
                    ServiceArea(GeoPoint(39.9042, 116.4074), 10),
                ),  # Beijing
            )
        )
        uow.commit()
    return World(app, store, clock)


# -- one technician --------------------------------------------------------------------------


def test_free_slots_over_a_date_range(world: World) -> None:
    slots = world.app.availability.free_slots_between(LI, SERVICE, MONDAY, MONDAY.add(days=1))

    assert hhmm(slots) == [
        "Mon 09:00",
        "Mon 10:00",
        "Mon 11:00",
        "Mon 12:00",
        "Tue 09:00",
        "Tue 10:00",
        "Tue 11:00",
        "Tue 12:00",
    ]


def test_a_date_range_ending_before_it_starts_is_refused(world: World) -> None:
    with pytest.raises(InvalidTimeRange) as caught:
        world.app.availability.free_slots_between(LI, SERVICE, MONDAY, MONDAY.subtract(days=1))

    assert caught.value.code == "invalid_time_range"


def test_the_booking_endpoint_accepts_exactly_what_was_offered(world: World) -> None:
    offered = hhmm(world.app.availability.free_slots(LI, SERVICE, MONDAY))

    with pytest.raises(SlotUnavailable):
        world.app.ordering.place_order(
            PlaceOrder(ALICE, LI, SERVICE, at("09:30")), Actor.customer(ALICE)
        )
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE)
    )

    assert offered == ["Mon 09:00", "Mon 10:00", "Mon 11:00", "Mon 12:00"]
    assert order.price == Money(25900, "CNY")  # his own price, as the search showed it
    assert hhmm(world.app.availability.free_slots(LI, SERVICE, MONDAY)) == [
        "Mon 09:00",
        "Mon 11:00",
        "Mon 12:00",
    ]


def test_an_address_outside_the_service_area_is_refused(world: World) -> None:
    far = GeoPoint(31.5, 121.9)

    assert world.app.availability.free_slots(LI, SERVICE, MONDAY, location=far) == []
    with pytest.raises(OutsideServiceArea) as caught:
        world.app.ordering.place_order(
            PlaceOrder(ALICE, LI, SERVICE, at("10:00"), location=far), Actor.customer(ALICE)
        )
    assert caught.value.code == "outside_service_area"


def test_the_daily_cap_refuses_one_booking_too_many(world: World) -> None:
    world.app.schedules.set_daily_cap(Actor(LI, Role.TECHNICIAN), LI, 1)
    world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("09:00")), Actor.customer(ALICE)
    )

    with pytest.raises(DailyCapReached) as caught:
        world.app.ordering.place_order(
            PlaceOrder(BOB, LI, SERVICE, at("11:00")), Actor.customer(BOB)
        )

    assert caught.value.code == "daily_cap_reached"
    assert world.app.availability.free_slots(LI, SERVICE, MONDAY) == []


# -- holds -----------------------------------------------------------------------------------


def test_a_held_slot_is_refused_to_others_and_taken_by_its_holder(world: World) -> None:
    hold = world.app.holds.hold(HoldSlot(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE))

    with pytest.raises(SlotHeld) as caught:
        world.app.ordering.place_order(
            PlaceOrder(BOB, LI, SERVICE, at("10:00")), Actor.customer(BOB)
        )
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE)
    )

    assert caught.value.code == "slot_held"
    assert hold.hold_expires_at == at("07:10")
    with world.store.unit_of_work() as uow:
        assert uow.bookings.get(hold.id).active is False
        assert uow.bookings.get(order.booking_id).active is True


def test_the_holder_still_sees_his_held_slot_and_others_do_not(world: World) -> None:
    world.app.holds.hold(HoldSlot(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE))

    mine = world.app.availability.free_slots(LI, SERVICE, MONDAY, customer_id=ALICE)
    theirs = world.app.availability.free_slots(LI, SERVICE, MONDAY, customer_id=BOB)

    assert hhmm(mine) == ["Mon 09:00", "Mon 10:00", "Mon 11:00", "Mon 12:00"]
    assert hhmm(theirs) == ["Mon 09:00", "Mon 11:00", "Mon 12:00"]


def test_an_expired_hold_frees_the_slot(world: World) -> None:
    world.app.holds.hold(HoldSlot(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE))

    world.clock.advance(pendulum.duration(minutes=10))
    order = world.app.ordering.place_order(
        PlaceOrder(BOB, LI, SERVICE, at("10:00")), Actor.customer(BOB)
    )

    assert order.customer_id == BOB


def test_only_the_holder_releases_a_hold_and_releasing_is_idempotent(world: World) -> None:
    hold = world.app.holds.hold(HoldSlot(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE))

    with pytest.raises(PermissionDenied):
        world.app.holds.release(hold.id, Actor.customer(BOB))
    world.app.holds.release(hold.id, Actor.customer(ALICE))
    world.app.holds.release(hold.id, Actor.customer(ALICE))

    assert "Mon 10:00" in hhmm(world.app.availability.free_slots(LI, SERVICE, MONDAY))


# -- rescheduling ----------------------------------------------------------------------------


def test_rescheduling_frees_the_old_time_and_takes_the_new(world: World) -> None:
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE)
    )

    moved = world.app.rescheduling.reschedule(
        RescheduleBooking(order.booking_id, at("12:00"), Actor(ALICE, Role.CUSTOMER))
    )

    assert hhmm(world.app.availability.free_slots(LI, SERVICE, MONDAY)) == [
        "Mon 09:00",
        "Mon 10:00",
        "Mon 11:00",
    ]
    stored = world.app.ordering.get_order(order.id, Actor(ALICE, Role.CUSTOMER))
    assert (stored.booking_id, stored.slot) == (moved.id, moved.slot)


def test_rescheduling_may_overlap_the_booking_being_moved(world: World) -> None:
    world.app.schedules.set_override(
        Actor(LI, Role.TECHNICIAN), LI, DateOverride.parse(MONDAY, ["09:00-11:00"])
    )
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("09:00")), Actor.customer(ALICE)
    )

    moved = world.app.rescheduling.reschedule(
        RescheduleBooking(order.booking_id, at("10:00"), Actor(ALICE, Role.CUSTOMER))
    )

    assert moved.slot.start == at("10:00")


def test_a_refused_reschedule_changes_nothing(world: World) -> None:
    mine = world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE)
    )
    world.app.ordering.place_order(PlaceOrder(BOB, LI, SERVICE, at("12:00")), Actor.customer(BOB))

    with pytest.raises(SlotTaken):
        world.app.rescheduling.reschedule(
            RescheduleBooking(mine.booking_id, at("12:00"), Actor(ALICE, Role.CUSTOMER))
        )

    assert hhmm(world.app.availability.free_slots(LI, SERVICE, MONDAY)) == [
        "Mon 09:00",
        "Mon 11:00",
    ]


# -- any technician --------------------------------------------------------------------------


def _search(world: World, **filters: object) -> list[tuple[str, tuple[str, ...]]]:
    found = world.app.availability.search(SlotSearch(SERVICE, MONDAY, **filters))  # type: ignore[arg-type]
    return [
        (
            s.slot.start.in_timezone(ZONE).format("HH:mm"),
            tuple(o.technician_id for o in s.technicians),
        )
        for s in found
    ]


def test_any_technician_lists_who_can_take_each_slot(world: World) -> None:
    assert _search(world) == [
        ("09:00", (LI, ZHAO)),
        ("10:00", (LI, ZHAO)),
        ("11:00", (LI, WANG, ZHAO)),
        ("12:00", (LI, WANG, ZHAO)),
    ]


def test_any_technician_filters(world: World) -> None:
    assert _search(world, gender=Gender.MALE) == [("11:00", (WANG,)), ("12:00", (WANG,))]
    assert _search(world, skills=frozenset({"thai"}))[0] == ("09:00", (LI,))
    assert _search(world, min_rating=Decimal("4.85"))[0] == ("09:00", (ZHAO,))
    assert _search(world, store_id=STORE)[0] == ("09:00", (LI,))
    assert _search(world, max_price=Money(20000, "CNY"))[2] == ("11:00", (WANG, ZHAO))
    assert _search(world, min_price=Money(20000, "CNY"))[2] == ("11:00", (LI,))
    near = _search(world, location=PEOPLES_SQUARE, max_distance_km=5.0)
    assert near == [
        ("09:00", (LI,)),
        ("10:00", (LI,)),
        ("11:00", (LI, WANG)),
        ("12:00", (LI, WANG)),
    ]


def test_search_filters_that_contradict_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput):
        SlotSearch(SERVICE, MONDAY, max_distance_km=5.0)
    with pytest.raises(InvalidInput):
        SlotSearch(SERVICE, MONDAY, min_price=Money(2, "CNY"), max_price=Money(1, "CNY"))


# -- schedules, calendar, status ------------------------------------------------------------


def test_only_his_stores_manager_assigns_rota_shifts(world: World) -> None:
    shift = Shift.parse("sh_1", STORE, MONDAY, "14:00-16:00")

    with pytest.raises(PermissionDenied):
        world.app.schedules.assign_shift(Actor(LI, Role.TECHNICIAN), LI, shift)
    with pytest.raises(PermissionDenied):
        world.app.schedules.assign_shift(Actor("sto_other", Role.STORE), LI, shift)
    world.app.schedules.assign_shift(Actor(STORE, Role.STORE), LI, shift)

    assert hhmm(world.app.availability.free_slots(LI, SERVICE, MONDAY)) == [
        "Mon 14:00",
        "Mon 15:00",
    ]


def test_the_day_calendar_shows_booked_held_and_free_time(world: World) -> None:
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE)
    )
    hold = world.app.holds.hold(HoldSlot(BOB, LI, SERVICE, at("12:00")), Actor.customer(BOB))

    day = world.app.calendar.day(LI, MONDAY, Actor(LI, Role.TECHNICIAN))

    assert [(e.kind, e.booking_id) for e in day.busy] == [
        (EntryKind.BOOKING, order.booking_id),
        (EntryKind.HOLD, hold.id),
    ]
    assert [(f.start.format("HH:mm"), f.end.format("HH:mm")) for f in day.free] == [
        ("09:00", "10:00"),
        ("11:00", "12:00"),
    ]
    assert len(world.app.calendar.week(LI, MONDAY, Actor.platform())) == 7


def test_the_day_calendar_shows_busy_time_from_his_own_calendar_and_frees_none_of_it(
    world: World,
) -> None:
    li = Actor(LI, Role.TECHNICIAN)
    order = world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE)
    )
    # The dentist 11:15–11:45, with 15 minutes to get there and back.
    span = TimeRange(at("11:15"), at("11:45"))
    world.app.outside_calendars.push_block(
        li, LI, "dentist-1", span, summary="Dentist", buffer_before_minutes=15,
        buffer_after_minutes=15,
    )  # fmt: skip

    day = world.app.calendar.day(LI, MONDAY, li)

    assert [(e.kind, e.booking_id, e.busy, e.summary) for e in day.busy] == [
        (EntryKind.BOOKING, order.booking_id, None, None),
        (EntryKind.BUSY, None, ("api", "dentist-1"), "Dentist"),
    ]
    assert day.busy[1].slot == span
    assert day.busy[1].blocked == TimeRange(at("11:00"), at("12:00"))
    assert [(f.start.format("HH:mm"), f.end.format("HH:mm")) for f in day.free] == [
        ("09:00", "10:00"),
        ("12:00", "13:00"),
    ]


@pytest.mark.parametrize(
    "actor",
    [Actor.customer(ALICE), Actor(WANG, Role.TECHNICIAN), Actor("sto_other", Role.STORE)],
    ids=lambda a: a.role.value,
)
def test_only_he_his_store_and_the_platform_read_his_schedule_and_calendar(
    world: World, actor: Actor
) -> None:
    # His calendar shows his bookings and orders, his schedule his reasons for time off
    for read in (
        lambda: world.app.calendar.day(LI, MONDAY, actor),
        lambda: world.app.calendar.week(LI, MONDAY, actor),
        lambda: world.app.schedules.get(LI, actor),
    ):
        with pytest.raises(PermissionDenied):
            read()
    assert world.app.schedules.get(LI, Actor(LI, Role.TECHNICIAN)).technician_id == LI
    assert world.app.calendar.status(LI).presence is Presence.OFFLINE  # public


def test_real_time_status(world: World) -> None:
    li = Actor(LI, Role.TECHNICIAN)
    assert world.app.calendar.status(LI).presence is Presence.OFFLINE

    world.app.schedules.set_status(li, LI, WorkStatus.ONLINE)
    idle = world.app.calendar.status(LI).presence
    world.app.ordering.place_order(
        PlaceOrder(ALICE, LI, SERVICE, at("10:00")), Actor.customer(ALICE)
    )
    booked = world.app.calendar.status(LI).presence
    world.clock.set(at("10:30"))
    serving = world.app.calendar.status(LI)
    world.app.schedules.set_status(li, LI, WorkStatus.RESTING)
    resting = world.app.calendar.status(LI).presence

    assert (idle, booked, serving.presence, resting) == (
        Presence.ONLINE,
        Presence.BOOKED,
        Presence.IN_SERVICE,
        Presence.RESTING,
    )
    assert serving.current_booking_id is not None
