"""Working ranges that touch form one continuous stretch of work (issue 8, item 9).

Within one day's list they are joined into one range; across midnight a slot may run on
from the last range of a day into the first range of the next. Overlapping ranges in one
list are still refused (a typo more often than a wish).
"""

from __future__ import annotations

import pendulum
import pytest
from pendulum import Date

from booking_core.catalog import Service
from booking_core.errors import InvalidSchedule, SlotTaken
from booking_core.ids import BookingId, CategoryId, ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    day_ranges,
    from_epoch_minutes,
)
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule
from booking_core.services.steps.reservations import Reservations
from booking_core.testing import InMemoryStore
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
MONDAY = pendulum.date(2026, 3, 2)
TUESDAY = MONDAY.add(days=1)
NOW = pendulum.datetime(2026, 3, 1, 0, 0, tz=ZONE)
OPEN = BookingPolicy(notice_minutes=0, window_days=60)
HOUR_EVERY_HALF = ServiceTiming(duration=60, step=30)
TECH = TechnicianId("tec_1")


def tech(hours: WeeklyHours, zone: str = ZONE) -> Technician:
    return Technician(TECH, "Li", zone, hours, frozenset({ServiceId("svc_1")}))


def offered(
    technician: Technician,
    days: list[Date],
    *,
    timing: ServiceTiming = HOUR_EVERY_HALF,
    schedule: WorkSchedule | None = None,
    bookings: list[Booking] | None = None,
    policy: BookingPolicy = OPEN,
    location: GeoPoint | None = None,
) -> list[str]:
    agenda = TechnicianAgenda(technician, schedule, BusyIndex(bookings or []))
    minutes = [
        m
        for day in days
        for m in agenda.offered(
            timing, day, now_minute=NOW.int_timestamp // 60, policy=policy, location=location
        )
    ]
    return [from_epoch_minutes(m, technician.time_zone).format("ddd HH:mm") for m in minutes]


def test_touching_ranges_of_one_day_offer_what_the_joined_range_offers() -> None:
    split = tech(WeeklyHours.parse({"mon": ["09:00-12:00", "12:00-15:00"]}))
    joined = tech(WeeklyHours.parse({"mon": ["09:00-15:00"]}))

    result = offered(split, [MONDAY])

    assert "Mon 11:30" in result
    assert result == offered(joined, [MONDAY])
    assert result == [f"Mon {h:02d}:{m:02d}" for h in range(9, 14) for m in (0, 30)] + ["Mon 14:00"]


def test_touching_ranges_of_one_day_are_one_working_range() -> None:
    split = tech(WeeklyHours.parse({"mon": ["09:00-10:00", "10:00-11:00", "11:00-12:00"]}))

    ranges = day_ranges(split, None, MONDAY)

    assert [(r[0], r[1]) for r in ranges] == [
        (r[0], r[1])
        for r in day_ranges(tech(WeeklyHours.parse({"mon": ["09:00-12:00"]})), None, MONDAY)
    ]
    assert len(ranges) == 1


def test_a_slot_runs_on_across_midnight_into_the_next_days_first_range() -> None:
    split = tech(WeeklyHours.parse({"mon": ["23:00-24:00"], "tue": ["00:00-01:00"]}))
    joined = tech(WeeklyHours.parse({"mon": ["23:00-01:00"]}))

    result = offered(split, [MONDAY, TUESDAY])

    assert result == ["Mon 23:00", "Mon 23:30", "Tue 00:00"]
    assert result == offered(joined, [MONDAY, TUESDAY])


def test_a_long_service_runs_across_a_whole_next_day_range_and_beyond() -> None:
    # 23:00-24:00, then Tuesday 00:00-01:00 and 01:00-02:00 (joined): 150 minutes fit from 23:00.
    hours = WeeklyHours.parse({"mon": ["23:00-24:00"], "tue": ["00:00-01:00", "01:00-02:00"]})

    result = offered(tech(hours), [MONDAY, TUESDAY], timing=ServiceTiming(150, 30))

    assert result == ["Mon 23:00", "Mon 23:30"]


def test_a_date_override_touching_yesterdays_weekly_hours_joins_them() -> None:
    hours = WeeklyHours.parse({"mon": ["20:00-24:00"]})
    schedule = WorkSchedule(TECH, overrides=[DateOverride.parse(TUESDAY, ["00:00-02:00"])])

    result = offered(tech(hours), [MONDAY, TUESDAY], schedule=schedule)

    assert result == [f"Mon {h:02d}:{m:02d}" for h in range(20, 24) for m in (0, 30)] + [
        "Tue 00:00",
        "Tue 00:30",
        "Tue 01:00",
    ]


def test_yesterdays_range_overlapping_todays_override_is_joined_without_repeating_starts() -> None:
    # Weekly hours (Monday 22:00-02:00) and a Tuesday override (01:00-05:00) cannot be checked
    # against each other when either is saved; the engine takes their union.
    hours = WeeklyHours.parse({"mon": ["22:00-02:00"]})
    schedule = WorkSchedule(TECH, overrides=[DateOverride.parse(TUESDAY, ["01:00-05:00"])])

    result = offered(tech(hours), [MONDAY, TUESDAY], schedule=schedule)

    expected = [
        f"{'Mon' if h < 24 else 'Tue'} {h % 24:02d}:{m:02d}" for h in range(22, 28) for m in (0, 30)
    ] + ["Tue 04:00"]
    assert result == expected
    assert len(result) == len(set(result))


def test_time_off_at_the_join_keeps_the_ranges_apart() -> None:
    hours = WeeklyHours.parse({"mon": ["09:00-12:00", "12:00-15:00"]})
    noon = pendulum.datetime(2026, 3, 2, 12, 0, tz=ZONE)
    schedule = WorkSchedule(TECH, time_off=[TimeOff(TimeRange(noon, noon.add(minutes=30)))])

    result = offered(tech(hours), [MONDAY], schedule=schedule)

    assert "Mon 11:30" not in result
    assert "Mon 11:00" in result
    assert "Mon 12:30" in result


def test_a_booking_at_the_join_still_blocks() -> None:
    hours = WeeklyHours.parse({"mon": ["23:00-24:00"], "tue": ["00:00-01:00"]})
    start = pendulum.datetime(2026, 3, 3, 0, 0, tz=ZONE)
    taken = Booking(
        BookingId("bkg_1"),
        TECH,
        None,
        TimeRange(start, start.add(minutes=30)),
        TimeRange(start, start.add(minutes=30)),
    )

    result = offered(tech(hours), [MONDAY, TUESDAY], bookings=[taken])

    assert result == ["Mon 23:00"]


def test_touching_shifts_in_different_areas_are_not_joined() -> None:
    here, there = GeoPoint(31.20, 121.40), GeoPoint(31.30, 121.50)
    schedule = WorkSchedule(
        TECH,
        shifts=[
            Shift.parse("sh_1", StoreId("s"), MONDAY, "09:00-12:00", ServiceArea(here, 1.0)),
            Shift.parse("sh_2", StoreId("s"), MONDAY, "12:00-15:00", ServiceArea(there, 1.0)),
        ],
    )
    same_area = WorkSchedule(
        TECH,
        shifts=[
            Shift.parse("sh_1", StoreId("s"), MONDAY, "09:00-12:00", ServiceArea(here, 1.0)),
            Shift.parse("sh_2", StoreId("s"), MONDAY, "12:00-15:00", ServiceArea(here, 1.0)),
        ],
    )
    hours = WeeklyHours.parse({})

    assert "Mon 11:30" not in offered(tech(hours), [MONDAY], schedule=schedule)
    assert "Mon 11:30" in offered(tech(hours), [MONDAY], schedule=same_area, location=here)


@pytest.mark.parametrize(
    "spec",
    [
        {"mon": ["09:00-12:00", "11:00-15:00"]},
        {"mon": ["22:00-02:00"], "tue": ["01:00-03:00"]},
    ],
)
def test_overlapping_ranges_of_one_list_are_still_refused(spec: dict[str, list[str]]) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        WeeklyHours.parse(spec)

    assert caught.value.code == "invalid_schedule"


def test_ranges_touching_across_midnight_are_accepted() -> None:
    hours = WeeklyHours.parse({"mon": ["22:00-02:00"], "tue": ["02:00-04:00"]})

    result = offered(tech(hours), [MONDAY, TUESDAY])

    # 01:30 (Monday's range) runs on into Tuesday's 02:00-04:00; 03:00 is the last start.
    assert result == [
        f"{'Mon' if h < 24 else 'Tue'} {h % 24:02d}:{m:02d}" for h in range(22, 27) for m in (0, 30)
    ] + ["Tue 03:00"]


def test_a_booking_across_midnight_is_accepted_and_then_blocks_the_time() -> None:
    # The one rule path (I2): what is offered across the join is also accepted.
    store = InMemoryStore()
    technician = tech(WeeklyHours.parse({"mon": ["23:00-24:00"], "tue": ["00:00-01:00"]}))
    service = Service(ServiceId("svc_1"), CategoryId("cat_1"), "Tuina", 60, Money(100, "CNY"))
    start = pendulum.datetime(2026, 3, 2, 23, 30, tz=ZONE)
    policy = BookingPolicy(notice_minutes=0, window_days=60, slot_step_minutes=30)

    reservations = Reservations(policy)
    with store.unit_of_work() as uow:
        uow.services.add(service)
        uow.technicians.add(technician)
        booking = reservations.reserve(
            uow,
            technician.id,
            service.id,
            start,
            booking_id=BookingId("bkg_1"),
            order_id=None,
            now=NOW,
        ).booking
        uow.commit()

    assert booking.slot == TimeRange(start, start.add(minutes=60))
    with store.unit_of_work() as uow, pytest.raises(SlotTaken):
        reservations.plan(uow, technician.id, service.id, start.add(minutes=30), now=NOW)


def test_a_run_on_slot_is_offered_when_now_is_past_the_end_minus_the_duration() -> None:
    # Found by the oracle: Monday's range ends at 00:36; 00:35 + 15 min runs on into
    # Tuesday's 00:36-00:51. Now (00:30) is past Monday's end minus the duration (00:21),
    # which once made the engine give up before looking at the next day.
    hours = WeeklyHours.parse({"mon": ["14:45-00:36"], "tue": ["00:36-00:51"]})
    agenda = TechnicianAgenda(tech(hours), None, BusyIndex([]))
    now = pendulum.datetime(2026, 3, 3, 0, 30, tz=ZONE).int_timestamp // 60

    minutes = agenda.offered(ServiceTiming(15, 5), MONDAY, now_minute=now, policy=OPEN)

    assert [from_epoch_minutes(m, ZONE).format("ddd HH:mm") for m in minutes] == ["Tue 00:35"]
