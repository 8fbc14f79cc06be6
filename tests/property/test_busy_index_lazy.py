"""The lazy busy index of a search answers exactly as the index the booking path builds.

``BusyIndex.of_sorted`` looks only at the bookings near the stretch asked for; the booking
path (``BusyIndex.build``) indexes every booking. Offering a slot in a search and accepting
it must not depend on which one was used (INVARIANTS I2).
"""

from __future__ import annotations

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_core import Money
from booking_core.catalog import Service
from booking_core.ids import BookingId, CategoryId, CustomerId, ServiceId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import (
    BookingPolicy,
    BusyIndex,
    TechnicianAgenda,
    from_epoch_minutes,
    local_midnight,
)
from booking_core.scheduling.geo import GeoPoint, ServiceArea, StraightLineTravel
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.services.availability import find_offered_slots
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
DAY = pendulum.date(2026, 3, 2)
NOW = pendulum.datetime(2026, 3, 1, 12, tz=ZONE)
ME = CustomerId("cus_me")
HOME = GeoPoint(31.23, 121.47)
SERVICE = Service(
    ServiceId("svc_1"),
    CategoryId("cat_1"),
    "Tuina",
    60,
    Money(19900, "CNY"),
    buffer_before_minutes=10,
    buffer_after_minutes=5,
)


@st.composite
def storage_bookings(draw: st.DrawFn, technician: TechnicianId) -> list[Booking]:
    """Active bookings as storage lists them: by blocked start, never overlapping; plain
    bookings, live and expired holds, the searching customer's own holds, some at an
    address, some with travel time."""
    base = local_midnight(ZONE, DAY) - 24 * 60
    cursor = base
    result: list[Booking] = []
    for n in range(draw(st.integers(0, 14))):
        start = cursor + draw(st.integers(0, 8 * 60))
        length = draw(st.integers(5, 240))
        travel = draw(st.sampled_from([0, 0, 15]))
        kind = draw(st.sampled_from(["plain", "plain", "live", "expired", "mine"]))
        at = from_epoch_minutes(start)
        blocked = TimeRange(at, at.add(minutes=length))
        slot = TimeRange(at.add(minutes=min(travel, length - 1)), blocked.end)
        expires = {"live": NOW.add(minutes=5), "mine": NOW.add(minutes=5)}.get(
            kind, NOW.subtract(minutes=1)
        )
        result.append(
            Booking(
                BookingId(f"bkg_{technician}_{n}"),
                technician,
                None,
                slot,
                blocked,
                holder=ME if kind == "mine" else (CustomerId("cus_x") if kind != "plain" else None),
                hold_expires_at=None if kind == "plain" else expires,
                location=draw(st.sampled_from([None, GeoPoint(31.25, 121.5)])),
                travel_minutes=min(travel, length - 1),
            )
        )
        cursor = start + length
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bookings=storage_bookings(TechnicianId("tec_1")),
    start=st.integers(-36 * 60, 72 * 60),
    length=st.integers(0, 48 * 60),
    customer=st.sampled_from([None, ME]),
)
def test_the_lazy_index_gives_the_blocks_the_full_index_gives(
    bookings: list[Booking], start: int, length: int, customer: CustomerId | None
) -> None:
    # Given the same bookings, indexed in full and lazily
    full = BusyIndex.build(bookings, now=NOW, customer_id=customer)
    lazy = BusyIndex.of_sorted(bookings, now=NOW, customer_id=customer)
    origin = local_midnight(ZONE, DAY)

    # When both are asked for a stretch
    asked = lazy.blocks(origin + start, origin + start + length)

    # Then they answer the same blocks (with their neighbours), and the same arrays
    assert asked == full.blocks(origin + start, origin + start + length)
    assert (lazy.starts, lazy.ends, lazy.cores, lazy.locations, lazy.service_starts) == (
        full.starts,
        full.ends,
        full.cores,
        full.locations,
        full.service_starts,
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    count=st.integers(1, 4),
    at_home=st.booleans(),
    customer=st.sampled_from([None, ME]),
    cap=st.sampled_from([None, 2]),
    minutes_cap=st.sampled_from([None, 90, 240]),
)
def test_a_search_offers_what_each_technicians_agenda_offers(
    data: st.DataObject,
    count: int,
    at_home: bool,
    customer: CustomerId | None,
    cap: int | None,
    minutes_cap: int | None,
) -> None:
    # Given technicians with bookings as storage lists them
    # Monday's day and evening; Sunday's range runs on past midnight into Monday.
    monday = ((8 * 60, 12 * 60), (13 * 60, 23 * 60 + 30))
    hours = WeeklyHours((monday, (), (), (), (), (), ((20 * 60, 26 * 60),)))
    technicians = [
        Technician(
            TechnicianId(f"tec_{n}"),
            f"T{n}",
            ZONE,
            hours,
            {SERVICE.id},
            TechnicianProfile(
                Gender.FEMALE, set(), None, {}, None, ServiceArea(GeoPoint(31.23, 121.47), 20.0)
            ),
        )
        for n in range(count)
    ]
    bookings = {t.id: data.draw(storage_bookings(t.id)) for t in technicians}
    schedules = {
        t.id: WorkSchedule(t.id, daily_cap=cap, daily_minutes_cap=minutes_cap) for t in technicians
    }
    policy = BookingPolicy(notice_minutes=60, window_days=30, slot_step_minutes=15)
    location = HOME if at_home else None
    travel = StraightLineTravel() if at_home else None
    days = [DAY.subtract(days=1), DAY]

    # When searching any technician
    found = find_offered_slots(
        technicians,
        schedules,
        bookings,
        SERVICE,
        days,
        now=NOW,
        policy=policy,
        location=location,
        travel=travel,
        customer_id=customer,
    )

    # Then each start lists exactly the technicians whose own full agenda offers it
    expected: dict[int, list[TechnicianId]] = {}
    for technician in technicians:
        agenda = TechnicianAgenda(
            technician,
            schedules[technician.id],
            BusyIndex.build(bookings[technician.id], now=NOW, customer_id=customer),
        )
        for day in days:
            for minute in agenda.offered(
                policy.timing(60, 10, 5),
                day,
                now_minute=NOW.int_timestamp // 60,
                policy=policy,
                location=location,
                travel=travel.minutes if travel is not None else None,
            ):
                expected.setdefault(minute, []).append(technician.id)
    assert {
        s.slot.start.int_timestamp // 60: [o.technician_id for o in s.technicians] for s in found
    } == expected
