"""Strategies for scheduling: technicians (profile, hours) and their work schedules
(date overrides, time off, a store's rota, a daily cap)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pendulum
from hypothesis import strategies as st
from pendulum import Date

from booking_core.ids import ServiceId, StoreId, TechnicianId
from booking_core.scheduling import Technician
from booking_core.scheduling.dispatch_settings import MAX_ORDERS_PER_DAY, DispatchSettings
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.scheduling.schedule import DateOverride, Shift, TimeOff, WorkSchedule, WorkStatus
from booking_core.testing.strategies._shared import DEFAULT_SERVICE_IDS, moneys_of, subsets
from booking_core.testing.strategies.values import _day_ranges, weekly_hours, zones
from booking_core.timerange import TimeRange

__all__ = ["service_areas", "technician_profiles", "technicians", "work_schedules"]

_DEFAULT_TECHNICIAN_IDS = tuple(TechnicianId(f"tec_{n}") for n in (1, 2, 3))
_DEFAULT_STORE_IDS = (StoreId("sto_1"), StoreId("sto_2"))
_SKILLS = ("tuina", "thai", "aromatherapy", "deep_cleaning")
_FIRST_DAY = pendulum.date(2026, 3, 2)


def service_areas() -> st.SearchStrategy[ServiceArea]:
    """Circles of 1 to 30 km around a point in Shanghai."""
    return st.builds(
        ServiceArea,
        st.builds(
            GeoPoint,
            st.floats(min_value=31.0, max_value=31.4),
            st.floats(min_value=121.2, max_value=121.7),
        ),
        st.integers(min_value=1, max_value=30).map(float),
    )


@st.composite
def technician_profiles(
    draw: st.DrawFn,
    *,
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    store_ids: Sequence[StoreId] = _DEFAULT_STORE_IDS,
    currency: str = "CNY",
) -> TechnicianProfile:
    """Profiles with a gender or none, skills, a rating (one decimal) or none, his own
    price for some of ``service_ids``, a store among ``store_ids`` or none, a service area
    or none, and any dispatch settings."""
    priced = draw(subsets(service_ids, max_size=len(service_ids)))
    return TechnicianProfile(
        gender=draw(st.none() | st.sampled_from(Gender)),
        skills=draw(subsets(_SKILLS, max_size=3)),
        rating=draw(st.none() | st.integers(0, 50).map(lambda n: Decimal(n) / 10)),
        prices={s: draw(moneys_of(currency, 0, 100_000)) for s in sorted(priced)},
        store_id=draw(st.none() | st.sampled_from(store_ids)) if store_ids else None,
        service_area=draw(st.none() | service_areas()),
        dispatch=DispatchSettings(
            accepts_grabs=draw(st.booleans()),
            max_orders_per_day=draw(st.none() | st.integers(1, MAX_ORDERS_PER_DAY)),
        ),
    )


@st.composite
def technicians(
    draw: st.DrawFn,
    *,
    ids: Sequence[TechnicianId] = _DEFAULT_TECHNICIAN_IDS,
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    time_zone: str | None = None,
    currency: str = "CNY",
) -> Technician:
    """Technicians with weekly hours (up to three ranges a day on a 15-minute grid) in
    ``time_zone`` (a random zone when None), offering some of ``service_ids`` (his own
    prices among them), with a profile. His date overrides, time off and rota are a
    :class:`~booking_core.scheduling.schedule.WorkSchedule`: draw one with
    :func:`work_schedules` for his id and zone."""
    offered = draw(subsets(service_ids, max_size=len(service_ids)))
    return Technician(
        id=draw(st.sampled_from(ids)),
        name=draw(st.sampled_from(("Li", "Wang", "Zhang", "Chen"))),
        time_zone=time_zone or draw(zones()),
        weekly_hours=draw(weekly_hours()),
        service_ids=offered,
        profile=draw(technician_profiles(service_ids=sorted(offered), currency=currency)),
    )


@st.composite
def work_schedules(
    draw: st.DrawFn,
    *,
    technician_id: TechnicianId = _DEFAULT_TECHNICIAN_IDS[0],
    time_zone: str = "Asia/Shanghai",
    first_day: Date = _FIRST_DAY,
    days: int = 14,
    store_ids: Sequence[StoreId] = _DEFAULT_STORE_IDS,
) -> WorkSchedule:
    """Schedules of ``technician_id`` over the ``days`` local days from ``first_day``:
    date overrides (other hours, or the day off), time off (whole days or a few hours),
    shifts of a store's rota (never overlapping on one day), maybe a daily cap, a status."""
    day_offsets = st.integers(min_value=0, max_value=days - 1)
    override_days = draw(st.sets(day_offsets, max_size=4))
    overrides = [
        DateOverride(first_day.add(days=n), draw(_day_ranges())) for n in sorted(override_days)
    ]
    time_off: list[TimeOff] = []
    for _ in range(draw(st.integers(0, 2))):
        first = first_day.add(days=draw(day_offsets))
        if draw(st.booleans()):
            last = first.add(days=draw(st.integers(0, 2)))
            time_off.append(TimeOff.whole_days(first, last, time_zone, "leave"))
        else:
            start = pendulum.datetime(first.year, first.month, first.day, tz=time_zone).add(
                minutes=15 * draw(st.integers(0, 95))
            )
            minutes = 15 * draw(st.integers(1, 16))
            time_off.append(TimeOff(_range(start, minutes), "appointment"))
    shifts: list[Shift] = []
    if store_ids:
        for n in sorted(draw(st.sets(day_offsets, max_size=3))):
            day = first_day.add(days=n)
            for begins, ends in draw(_day_ranges()):
                store = draw(st.sampled_from(store_ids))
                shifts.append(Shift(f"sh_{len(shifts) + 1}", store, day, begins, ends))
    return WorkSchedule(
        technician_id,
        overrides=overrides,
        time_off=time_off,
        shifts=shifts,
        daily_cap=draw(st.none() | st.integers(1, 8)),
        status=draw(st.sampled_from(WorkStatus)),
        daily_minutes_cap=draw(st.none() | st.integers(30, 600)),
    )


def _range(start: pendulum.DateTime, minutes: int) -> TimeRange:
    return TimeRange(start, start.add(minutes=minutes))
