"""Each availability rule, on the engine directly: whole slot lists compared exactly."""

from __future__ import annotations

from collections.abc import Sequence

import pendulum
import pytest
from pendulum import Date, DateTime

from booking_core.errors import InvalidSchedule
from booking_core.ids import BookingId, CustomerId, StoreId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    ServiceTiming,
    TechnicianAgenda,
    from_epoch_minutes,
)
from booking_core.scheduling.geo import GeoPoint, ServiceArea, StraightLineTravel
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
MONDAY = pendulum.date(2026, 3, 2)
NOW = pendulum.datetime(2026, 3, 1, 0, 0, tz=ZONE)  # the day before: notice never bites
OPEN = BookingPolicy(notice_minutes=0, window_days=60)
HOUR = ServiceTiming(duration=60, step=60)


def tech(
    hours: WeeklyHours | None = None, *, zone: str = ZONE, profile: TechnicianProfile | None = None
) -> Technician:
    return Technician(
        TechnicianId("tec_1"),
        "Li",
        zone,
        hours or WeeklyHours.every_day("09:00", "13:00"),
        profile=profile or TechnicianProfile(),
    )


def at(day: Date, clock: str, zone: str = ZONE) -> DateTime:
    hour, minute = map(int, clock.split(":"))
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=zone)


def booking(
    n: int,
    start: DateTime,
    minutes: int,
    *,
    before: int = 0,
    after: int = 0,
    travel: int = 0,
    location: GeoPoint | None = None,
    holder: str | None = None,
    expires: DateTime | None = None,
) -> Booking:
    slot = TimeRange(start, start.add(minutes=minutes))
    blocked = slot.expand(
        pendulum.duration(minutes=before + travel), pendulum.duration(minutes=after)
    )
    return Booking(
        BookingId(f"bkg_{n}"),
        TechnicianId("tec_1"),
        None,
        slot,
        blocked,
        holder=CustomerId(holder) if holder else None,
        hold_expires_at=expires,
        location=location,
        travel_minutes=travel,
    )


def slots(
    technician: Technician,
    day: Date,
    *,
    timing: ServiceTiming = HOUR,
    bookings: Sequence[Booking] = (),
    schedule: WorkSchedule | None = None,
    policy: BookingPolicy = OPEN,
    now: DateTime = NOW,
    customer: str | None = None,
    location: GeoPoint | None = None,
    travel: StraightLineTravel | None = None,
) -> list[str]:
    busy = BusyIndex.build(
        bookings, now=now, customer_id=CustomerId(customer) if customer else None
    )
    agenda = TechnicianAgenda(technician, schedule, busy)
    minutes = agenda.offered(
        timing,
        day,
        now_minute=now.int_timestamp // 60,
        policy=policy,
        location=location,
        travel=travel.minutes if travel else None,
    )
    return [from_epoch_minutes(m, technician.time_zone).format("ddd HH:mm") for m in minutes]


# -- working hours ---------------------------------------------------------------------------


def test_several_ranges_a_day_with_a_break_between() -> None:
    hours = WeeklyHours.parse({"mon": ["09:00-11:00", "13:00-15:30"]})

    result = slots(tech(hours), MONDAY)

    assert result == ["Mon 09:00", "Mon 10:00", "Mon 13:00", "Mon 14:00"]


def test_a_day_without_hours_offers_nothing() -> None:
    hours = WeeklyHours.parse({"tue": ["09:00-11:00"]})

    assert slots(tech(hours), MONDAY) == []


def test_hours_across_midnight_belong_to_the_day_they_start() -> None:
    hours = WeeklyHours.parse({"mon": ["22:00-02:00"]})

    monday = slots(tech(hours), MONDAY)
    tuesday = slots(tech(hours), MONDAY.add(days=1))

    assert monday == ["Mon 22:00", "Mon 23:00", "Tue 00:00", "Tue 01:00"]
    assert tuesday == []


# -- overrides, time off, rota ---------------------------------------------------------------


def test_a_date_override_replaces_the_weekly_hours_of_that_day_only() -> None:
    schedule = WorkSchedule(
        TechnicianId("tec_1"), overrides=[DateOverride.parse(MONDAY, ["15:00-17:00"])]
    )

    monday = slots(tech(), MONDAY, schedule=schedule)
    tuesday = slots(tech(), MONDAY.add(days=1), schedule=schedule)

    assert monday == ["Mon 15:00", "Mon 16:00"]
    assert tuesday == ["Tue 09:00", "Tue 10:00", "Tue 11:00", "Tue 12:00"]


def test_a_date_override_without_ranges_is_a_day_off() -> None:
    schedule = WorkSchedule(TechnicianId("tec_1"), overrides=[DateOverride.day_off(MONDAY)])

    assert slots(tech(), MONDAY, schedule=schedule) == []


def test_time_off_is_cut_out_of_the_working_time() -> None:
    leave = TimeOff(TimeRange(at(MONDAY, "10:30"), at(MONDAY, "11:00")), "dentist")
    schedule = WorkSchedule(TechnicianId("tec_1"), time_off=[leave])

    result = slots(tech(), MONDAY, schedule=schedule)

    # 11:00 is the grid point after the cut; 09:00 fits before it, 10:00 would end at 11:00.
    assert result == ["Mon 09:00", "Mon 11:00", "Mon 12:00"]


def test_a_holiday_takes_whole_local_days() -> None:
    holiday = TimeOff.whole_days(MONDAY, MONDAY, ZONE, "holiday")
    schedule = WorkSchedule(TechnicianId("tec_1"), time_off=[holiday])

    assert slots(tech(), MONDAY, schedule=schedule) == []
    assert slots(tech(), MONDAY.add(days=1), schedule=schedule) == [
        "Tue 09:00",
        "Tue 10:00",
        "Tue 11:00",
        "Tue 12:00",
    ]


def test_time_off_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidSchedule) as caught:
        TimeOff.whole_days(MONDAY, MONDAY.subtract(days=1), ZONE)

    assert caught.value.code == "invalid_schedule"


def test_the_store_rota_wins_over_the_technicians_own_hours_and_override() -> None:
    store = StoreId("sto_1")
    schedule = WorkSchedule(
        TechnicianId("tec_1"),
        overrides=[DateOverride.parse(MONDAY, ["08:00-10:00"])],
        shifts=[Shift.parse("sh_1", store, MONDAY, "14:00-16:00")],
    )

    assert slots(tech(), MONDAY, schedule=schedule) == ["Mon 14:00", "Mon 15:00"]


def test_time_off_wins_over_the_rota() -> None:
    schedule = WorkSchedule(
        TechnicianId("tec_1"),
        shifts=[Shift.parse("sh_1", StoreId("sto_1"), MONDAY, "14:00-16:00")],
        time_off=[TimeOff(TimeRange(at(MONDAY, "15:00"), at(MONDAY, "16:00")))],
    )

    assert slots(tech(), MONDAY, schedule=schedule) == ["Mon 14:00"]


def test_a_shift_area_decides_which_addresses_are_served() -> None:
    west = ServiceArea(GeoPoint(31.20, 121.40), 5)
    schedule = WorkSchedule(
        TechnicianId("tec_1"),
        shifts=[
            Shift.parse("sh_1", StoreId("sto_1"), MONDAY, "09:00-11:00", area=west),
            Shift.parse("sh_2", StoreId("sto_1"), MONDAY, "14:00-16:00"),
        ],
    )
    profile = TechnicianProfile(service_area=ServiceArea(GeoPoint(31.30, 121.60), 5))
    in_the_west = GeoPoint(31.21, 121.41)

    result = slots(tech(profile=profile), MONDAY, schedule=schedule, location=in_the_west)

    assert result == ["Mon 09:00", "Mon 10:00"]


# -- duration, step, alignment ---------------------------------------------------------------


def test_the_step_may_differ_from_the_duration() -> None:
    result = slots(tech(), MONDAY, timing=ServiceTiming(duration=90, step=30))

    assert result == [
        "Mon 09:00",
        "Mon 09:30",
        "Mon 10:00",
        "Mon 10:30",
        "Mon 11:00",
        "Mon 11:30",
    ]


def test_starts_are_aligned_to_the_step_from_local_midnight() -> None:
    hours = WeeklyHours.parse({"mon": ["09:10-12:00"]})
    policy = BookingPolicy(notice_minutes=0, window_days=60, slot_alignment="midnight")

    result = slots(tech(hours), MONDAY, timing=ServiceTiming(duration=30, step=30), policy=policy)

    assert result == ["Mon 09:30", "Mon 10:00", "Mon 10:30", "Mon 11:00", "Mon 11:30"]


def test_the_grid_restarts_right_after_a_busy_block() -> None:
    existing = [booking(1, at(MONDAY, "09:00"), 50)]

    result = slots(tech(), MONDAY, bookings=existing)

    assert result == ["Mon 09:50", "Mon 10:50", "Mon 11:50"]


def test_without_restart_the_grid_stays_put_after_a_busy_block() -> None:
    existing = [booking(1, at(MONDAY, "09:00"), 50)]
    policy = BookingPolicy(notice_minutes=0, window_days=60, restart_after_busy=False)

    result = slots(tech(), MONDAY, bookings=existing, policy=policy)

    assert result == ["Mon 10:00", "Mon 11:00", "Mon 12:00"]


# -- buffers and travel ----------------------------------------------------------------------


def test_buffers_add_up_across_neighbouring_bookings() -> None:
    # The existing booking 09:00–10:00 keeps 15 minutes after it; the new service needs 10
    # minutes before it: the next start is 10:25, not 10:15.
    existing = [booking(1, at(MONDAY, "09:00"), 60, after=15)]
    timing = ServiceTiming(duration=60, step=60, buffer_before=10, buffer_after=5)

    result = slots(tech(), MONDAY, timing=timing, bookings=existing)

    assert result == ["Mon 10:25", "Mon 11:25"]


def test_buffers_before_the_next_booking_are_respected() -> None:
    existing = [booking(1, at(MONDAY, "11:00"), 60, before=20)]
    timing = ServiceTiming(duration=60, step=60, buffer_after=15)

    result = slots(tech(), MONDAY, timing=timing, bookings=existing)

    # 09:00 ends 10:15 (its after-buffer) before 10:40; 10:00 would run into it; 12:00 is free.
    assert result == ["Mon 09:00", "Mon 12:00"]


def test_travel_time_from_the_previous_jobs_address() -> None:
    speed = StraightLineTravel(speed_kmh=30, detour_factor=1.0, round_to_minutes=5)
    home = GeoPoint(31.2000, 121.4000)
    across_town = GeoPoint(31.2000, 121.5570)  # ~14.9 km east: 30 minutes at 30 km/h
    existing = [booking(1, at(MONDAY, "09:00"), 60, location=home)]

    result = slots(tech(), MONDAY, bookings=existing, location=across_town, travel=speed)

    assert speed.minutes(home, across_town) == 30
    assert result == ["Mon 10:30", "Mon 11:30"]


def test_travel_time_to_the_next_jobs_address() -> None:
    speed = StraightLineTravel(speed_kmh=30, detour_factor=1.0, round_to_minutes=5)
    home = GeoPoint(31.2000, 121.4000)
    across_town = GeoPoint(31.2000, 121.5570)
    existing = [booking(1, at(MONDAY, "11:00"), 60, location=home)]

    result = slots(tech(), MONDAY, bookings=existing, location=across_town, travel=speed)

    # 10:00–11:00 leaves no time to cross town before 11:00; 12:00 starts after the
    # 30-minute trip from the 11:00 job (restart at 12:30 is past the last fitting start).
    assert result == ["Mon 09:00"]


def test_without_an_address_no_travel_time_is_counted() -> None:
    existing = [booking(1, at(MONDAY, "09:00"), 60, location=GeoPoint(31.2, 121.4))]

    assert slots(tech(), MONDAY, bookings=existing) == ["Mon 10:00", "Mon 11:00", "Mon 12:00"]


# -- notice, window, cap ---------------------------------------------------------------------


def test_minimum_notice_is_strict() -> None:
    now = at(MONDAY, "08:00")
    policy = BookingPolicy(notice_minutes=120, window_days=60)

    result = slots(tech(), MONDAY, now=now, policy=policy)

    # 10:00 is exactly now + notice: not offered.
    assert result == ["Mon 11:00", "Mon 12:00"]


def test_seconds_past_the_minute_do_not_make_a_slot_earlier() -> None:
    now = at(MONDAY, "08:00").add(seconds=30)
    policy = BookingPolicy(notice_minutes=60, window_days=60)

    assert slots(tech(), MONDAY, now=now, policy=policy) == [
        "Mon 10:00",
        "Mon 11:00",
        "Mon 12:00",
    ]


def test_the_window_is_rolling_and_inclusive() -> None:
    now = at(MONDAY, "10:00")
    policy = BookingPolicy(notice_minutes=0, window_days=1)

    tomorrow = slots(tech(), MONDAY.add(days=1), now=now, policy=policy)

    assert tomorrow == ["Tue 09:00", "Tue 10:00"]


def test_a_day_at_its_cap_offers_nothing() -> None:
    existing = [booking(1, at(MONDAY, "09:00"), 60), booking(2, at(MONDAY, "11:00"), 60)]
    capped = WorkSchedule(TechnicianId("tec_1"), daily_cap=2)
    roomy = WorkSchedule(TechnicianId("tec_1"), daily_cap=3)

    assert slots(tech(), MONDAY, bookings=existing, schedule=capped) == []
    assert slots(tech(), MONDAY, bookings=existing, schedule=roomy) == ["Mon 10:00", "Mon 12:00"]


def test_the_cap_counts_by_the_local_date_of_each_start() -> None:
    hours = WeeklyHours.parse({"mon": ["22:00-02:00"]})
    existing = [booking(1, at(MONDAY, "22:00"), 60)]
    capped = WorkSchedule(TechnicianId("tec_1"), daily_cap=1)

    result = slots(tech(hours), MONDAY, bookings=existing, schedule=capped)

    assert result == ["Tue 00:00", "Tue 01:00"]


# -- holds -----------------------------------------------------------------------------------


def test_a_live_hold_blocks_other_customers_but_not_its_holder() -> None:
    hold = booking(1, at(MONDAY, "10:00"), 60, holder="cus_a", expires=NOW.add(minutes=10))

    others = slots(tech(), MONDAY, bookings=[hold], customer="cus_b")
    holder = slots(tech(), MONDAY, bookings=[hold], customer="cus_a")

    assert others == ["Mon 09:00", "Mon 11:00", "Mon 12:00"]
    assert holder == ["Mon 09:00", "Mon 10:00", "Mon 11:00", "Mon 12:00"]


def test_an_expired_hold_frees_its_time() -> None:
    hold = booking(1, at(MONDAY, "10:00"), 60, holder="cus_a", expires=NOW)

    result = slots(tech(), MONDAY, bookings=[hold], customer="cus_b")

    assert result == ["Mon 09:00", "Mon 10:00", "Mon 11:00", "Mon 12:00"]


# -- contradictory settings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"notice_minutes": 2 * 24 * 60, "window_days": 2}, "nothing could be booked"),
        ({"notice_minutes": -1}, "≥ 0 minutes"),
        ({"window_days": 0}, "at least one day"),
        ({"slot_step_minutes": 0}, "slot step"),
        ({"hold_minutes": 0}, "hold lasts"),
    ],
)
def test_contradictory_policies_are_refused(kwargs: dict[str, int], fragment: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        BookingPolicy(**kwargs)

    assert caught.value.code == "invalid_schedule"
    assert fragment in caught.value.message


def test_overlapping_rota_shifts_are_refused() -> None:
    with pytest.raises(InvalidSchedule):
        WorkSchedule(
            TechnicianId("tec_1"),
            shifts=[
                Shift.parse("sh_1", StoreId("s"), MONDAY, "09:00-12:00"),
                Shift.parse("sh_2", StoreId("s"), MONDAY, "11:00-13:00"),
            ],
        )


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(InvalidSchedule):
        WorkSchedule(TechnicianId("tec_1"), daily_cap=0)
