"""Under the default slot alignment, every working stretch at least as long as the service
offers a slot (docs/availability.md, "Slot grid").

A working stretch is a run of consecutive working minutes, found here minute by minute with
the brute-force oracle's own clock (tests/property/test_availability_engine.py): weekly
hours, date overrides and time off around a day, in zones with daylight saving, ranges often
touching (also across midnight). With no bookings and the notice and window out of the way,
the first minute of each stretch of at least ``duration`` minutes is offered, whatever the
step — under ``SlotAlignment.MIDNIGHT`` an eight-hour step on 09:00–17:00 offers nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

import pendulum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from booking_core.ids import TechnicianId
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    TechnicianAgenda,
    from_epoch_minutes,
)
from booking_core.scheduling.schedule import DateOverride, TimeOff, WorkSchedule
from booking_core.timerange import TimeRange
from tests.property.test_availability_engine import (
    minutes,
    one_days_ranges,
    own_ranges,
    wall_to_instant,
    weekly_hours,
    zoned_days,
)

_MIN = 24 * 60


def _pdate(day: date) -> pendulum.Date:
    return pendulum.date(day.year, day.month, day.day)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone_day=zoned_days(),
    weekly=weekly_hours(),
    data=st.data(),
    duration=minutes(1, 600),
    step=minutes(1, _MIN) | st.sampled_from([45, 60, 90, 120, 480]),
    restart=st.booleans(),
)
def test_every_stretch_as_long_as_the_service_offers_a_slot(
    zone_day: tuple[str, date],
    weekly: WeeklyHours,
    data: st.DataObject,
    duration: int,
    step: int,
    restart: bool,
) -> None:
    # Given any hours, overrides and time off around a day, no bookings, and a policy with
    # the default alignment whose notice and window cut nothing
    zone, day = zone_day
    near = [day + timedelta(days=d) for d in range(-2, 3)]
    override_days = data.draw(st.lists(st.sampled_from(near), unique=True, max_size=2))
    overrides = {d: data.draw(one_days_ranges()) for d in override_days}
    midnight = wall_to_instant(zone, day, 0)
    cuts = data.draw(st.lists(st.tuples(minutes(-_MIN, 2 * _MIN), minutes(1, 240)), max_size=3))
    time_off = sorted((midnight + s, midnight + s + n) for s, n in cuts)
    schedule = WorkSchedule(
        TechnicianId("tec_1"),
        overrides=[DateOverride(_pdate(d), r) for d, r in overrides.items()],
        time_off=[
            TimeOff(TimeRange(from_epoch_minutes(s), from_epoch_minutes(e))) for s, e in time_off
        ],
    )
    agenda = TechnicianAgenda(
        Technician(TechnicianId("tec_1"), "Li", zone, weekly), schedule, BusyIndex([])
    )
    policy = BookingPolicy(
        notice_minutes=0, window_days=30, slot_step_minutes=step, restart_after_busy=restart
    )
    listed = [day - timedelta(days=1), day, day + timedelta(days=1)]

    # When the engine lists the slots of three days
    now = midnight - 5 * _MIN
    offered = {
        t
        for d in listed
        for t in agenda.offered(policy.timing(duration), _pdate(d), now_minute=now, policy=policy)
    }

    # Then every stretch that starts on one of them and is at least as long as the service
    # offers its first minute
    owner: dict[int, date] = {}
    current = day - timedelta(days=4)
    while current <= day + timedelta(days=4):
        for begin, end, _ in own_ranges(zone, weekly, overrides, {}, current):
            for minute in range(begin, end):
                owner.setdefault(minute, current)  # the earlier day keeps a minute
        current += timedelta(days=1)
    for cut_start, cut_end in time_off:
        for minute in range(cut_start, cut_end):
            owner.pop(minute, None)
    long_enough = [
        t
        for t in sorted(owner)
        if owner[t] in listed
        and t - 1 not in owner
        and all(m in owner for m in range(t, t + duration))
    ]
    missing = [t for t in long_enough if t not in offered]
    assert missing == [], [from_epoch_minutes(t, zone).format("ddd DD HH:mm Z") for t in missing]
    event("a stretch fits the service" if long_enough else "no stretch fits")
    event("the step divides the day" if _MIN % step == 0 else "the step does not divide the day")
