"""Schedule edits through the services: removing time off frees its time, and a change
made on a stale version changes nothing (issue 10)."""

from __future__ import annotations

import pendulum
import pytest
from pendulum import DateTime

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import Category, Service
from booking_core.errors import ConcurrentUpdate, NotFound, PermissionDenied
from booking_core.ids import CategoryId, ServiceId, StoreId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkStatus
from booking_core.services.availability import SlotSearch
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
MONDAY = pendulum.date(2026, 3, 2)
SERVICE = ServiceId("svc_1")
LI, WANG = TechnicianId("tec_li"), TechnicianId("tec_wang")
STORE = StoreId("sto_1")
LI_HIMSELF = Actor(LI, Role.TECHNICIAN)


def at(clock: str) -> DateTime:
    hour, minute = map(int, clock.split(":"))
    return pendulum.datetime(2026, 3, 2, hour, minute, tz=ZONE)


@pytest.fixture
def app() -> BookingApp:
    store = InMemoryStore()
    built = build(
        uow=store.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=FrozenClock(at("07:00")),
        ids=SequentialIds(),
        policy=BookingPolicy(notice_minutes=60, window_days=14, hold_minutes=10),
    )
    hours = WeeklyHours.every_day("09:00", "13:00")
    with store.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina 60", 60, Money(19900, "CNY")))
        profile = TechnicianProfile(store_id=STORE)
        uow.technicians.add(Technician(LI, "Li", ZONE, hours, {SERVICE}, profile))
        uow.technicians.add(Technician(WANG, "Wang", ZONE, hours, {SERVICE}))
        uow.commit()
    return built


def _offered(app: BookingApp) -> list[str]:
    found = app.availability.search(SlotSearch(SERVICE, MONDAY, technician_ids=frozenset({LI})))
    return [s.slot.start.in_timezone(ZONE).format("HH:mm") for s in found]


def _morning_off(app: BookingApp) -> str:
    schedule = app.schedules.add_time_off(
        LI_HIMSELF, LI, TimeOff(TimeRange(at("09:00"), at("11:00")), "dentist")
    )
    (entry,) = schedule.time_off
    return entry.id


def test_removed_time_off_is_offered_again(app: BookingApp) -> None:
    # given his morning off, searched once (the answer is remembered under his agenda version)
    time_off_id = _morning_off(app)
    assert _offered(app) == ["11:00", "12:00"]

    # when he removes it
    schedule = app.schedules.remove_time_off(LI_HIMSELF, LI, time_off_id)

    # then the search offers the morning again: his agenda version moved with the schedule
    assert schedule.time_off == ()
    assert _offered(app) == ["09:00", "10:00", "11:00", "12:00"]


def test_time_off_ids_name_the_version_they_were_added_at_and_are_not_reused(
    app: BookingApp,
) -> None:
    first = _morning_off(app)
    app.schedules.set_daily_cap(LI_HIMSELF, LI, 4)
    app.schedules.remove_time_off(LI_HIMSELF, LI, first)

    again = _morning_off(app)

    assert (first, again) == ("off_1", "off_4")


@pytest.mark.parametrize(
    "actor",
    [
        LI_HIMSELF,
        Actor(STORE, Role.STORE),
        Actor.platform("ops-1", StaffRole.OPERATIONS),
        Actor.platform("root"),
    ],
    ids=["himself", "his store", "operations", "super admin"],
)
def test_he_his_store_and_staff_with_the_technicians_permission_remove_time_off(
    app: BookingApp, actor: Actor
) -> None:
    time_off_id = _morning_off(app)

    schedule = app.schedules.remove_time_off(actor, LI, time_off_id)

    assert schedule.time_off == ()


@pytest.mark.parametrize(
    "actor",
    [
        Actor(WANG, Role.TECHNICIAN),
        Actor("sto_other", Role.STORE),
        Actor.customer("cus_alice"),
        Actor.platform("fin-1", StaffRole.FINANCE),
        Actor.platform("cs-1", StaffRole.CUSTOMER_SERVICE),
    ],
    ids=["another technician", "another store", "customer", "finance", "customer service"],
)
def test_no_one_else_removes_his_time_off(app: BookingApp, actor: Actor) -> None:
    time_off_id = _morning_off(app)

    with pytest.raises(PermissionDenied):
        app.schedules.remove_time_off(actor, LI, time_off_id)

    assert [t.id for t in app.schedules.get(LI, LI_HIMSELF).time_off] == [time_off_id]


def test_removing_time_off_he_does_not_have_is_time_off_not_found(app: BookingApp) -> None:
    _morning_off(app)

    with pytest.raises(NotFound) as caught:
        app.schedules.remove_time_off(LI_HIMSELF, LI, "off_99")

    assert caught.value.error_code == "time_off_not_found"
    assert app.schedules.get(LI, LI_HIMSELF).version == 1


SHIFT = Shift.parse("sh_1", STORE, MONDAY, "14:00-18:00")
#: Every schedule change, given the version its caller expects.
CHANGES = {
    "set override": lambda a, v: a.schedules.set_override(
        LI_HIMSELF, LI, DateOverride.day_off(MONDAY), expected_version=v
    ),
    "clear override": lambda a, v: a.schedules.clear_override(
        LI_HIMSELF, LI, MONDAY, expected_version=v
    ),
    "add time off": lambda a, v: a.schedules.add_time_off(
        LI_HIMSELF, LI, TimeOff(TimeRange(at("12:00"), at("13:00"))), expected_version=v
    ),
    "remove time off": lambda a, v: a.schedules.remove_time_off(
        LI_HIMSELF, LI, "off_1", expected_version=v
    ),
    "set daily cap": lambda a, v: a.schedules.set_daily_cap(LI_HIMSELF, LI, 2, expected_version=v),
    "set status": lambda a, v: a.schedules.set_status(
        LI_HIMSELF, LI, WorkStatus.ONLINE, expected_version=v
    ),
    "assign shift": lambda a, v: a.schedules.assign_shift(
        Actor(STORE, Role.STORE), LI, SHIFT, expected_version=v
    ),
    "remove shift": lambda a, v: a.schedules.remove_shift(
        Actor(STORE, Role.STORE), LI, "sh_1", expected_version=v
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_on_a_stale_version_is_refused_and_changes_nothing(
    app: BookingApp, change: str
) -> None:
    # given a schedule someone read at version 2, then changed by someone else (version 3)
    _morning_off(app)
    app.schedules.assign_shift(Actor(STORE, Role.STORE), LI, SHIFT)
    app.schedules.set_daily_cap(Actor(STORE, Role.STORE), LI, 5)
    before = app.schedules.get(LI, LI_HIMSELF)
    make = CHANGES[change]

    # when the change is made expecting version 2
    with pytest.raises(ConcurrentUpdate) as caught:
        make(app, 2)

    # then it is refused naming the current version, and the schedule is as it was
    assert caught.value.details["current_version"] == 3
    assert caught.value.details["expected_version"] == 2
    assert app.schedules.get(LI, LI_HIMSELF) == before
    # and with the current version it goes through
    assert make(app, 3).version == 4


def test_without_an_expected_version_a_change_applies_to_whatever_is_stored(
    app: BookingApp,
) -> None:
    _morning_off(app)

    changed = app.schedules.set_daily_cap(LI_HIMSELF, LI, 2)

    assert (changed.version, changed.daily_cap, len(changed.time_off)) == (2, 2, 1)
