"""For any window of instants, ``free_slots_in`` is the date-based answer kept to the starts
inside ``[from, to)`` (issue 15, queries by instants), in any zone, across DST changes and
shifts running past midnight."""

from __future__ import annotations

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import Category, Service
from booking_core.ids import BookingId, CategoryId, ServiceId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway
from booking_core.timerange import TimeRange

SERVICE = ServiceId("svc_1")
#: March 2026: New York springs forward on the 8th, London on the 29th.
START = pendulum.datetime(2026, 3, 1, tz="UTC")
TECHNICIANS = {
    TechnicianId("tec_sh"): ("Asia/Shanghai", WeeklyHours.every_day("09:00", "12:00")),
    TechnicianId("tec_ldn"): ("Europe/London", WeeklyHours.every_day("22:00", "03:00")),
    TechnicianId("tec_ny"): ("America/New_York", WeeklyHours.every_day("01:00", "04:30")),
}


def _app() -> BookingApp:
    store = InMemoryStore()
    app = build(
        uow=store.unit_of_work,
        payments=ScriptedPaymentGateway(),
        clock=FrozenClock(START),
        policy=BookingPolicy(notice_minutes=0, window_days=40, slot_step_minutes=45),
    )
    with store.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina 60", 60, Money(100, "CNY")))
        for tid, (zone, hours) in TECHNICIANS.items():
            uow.technicians.add(Technician(tid, tid, zone, hours, {SERVICE}))
        # One booking each, so that the answers are not the bare grid.
        for n, tid in enumerate(TECHNICIANS):
            taken = TimeRange(
                START.add(days=7 + n, hours=n * 5), START.add(days=7 + n, hours=n * 5 + 1)
            )
            uow.bookings.add(Booking(BookingId(f"bkg_{n}"), tid, None, taken, taken))
        uow.commit()
    return app


APP = _app()  # read only: every example asks, none books


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    technician=st.sampled_from(sorted(TECHNICIANS)),
    # Often on the quarter hours slots start on (a slot starting exactly at `to` or
    # `from`), sometimes at any second.
    offset=st.one_of(
        st.integers(0, 34 * 24 * 4).map(lambda q: q * 900), st.integers(0, 34 * 24 * 3600)
    ),
    length=st.one_of(st.integers(1, 4 * 24 * 4).map(lambda q: q * 900), st.integers(1, 345600)),
    zone=st.sampled_from(["UTC", "Asia/Shanghai", "Europe/London", "America/New_York"]),
)
def test_free_slots_in_is_the_date_answer_kept_to_the_window(
    technician: TechnicianId, offset: int, length: int, zone: str
) -> None:
    start = START.add(seconds=offset).in_timezone(zone)
    window = TimeRange(start, start.add(seconds=length))
    tech_zone = TECHNICIANS[technician][0]
    # Generously wide local days (two before, one after), independent of the code's own.
    first = window.start.in_timezone(tech_zone).date().subtract(days=2)
    last = window.end.in_timezone(tech_zone).date().add(days=1)

    by_dates = APP.availability.free_slots_between(technician, SERVICE, first, last)
    by_instants = APP.availability.free_slots_in(technician, SERVICE, window)

    expected = sorted((s for s in by_dates if window.contains(s.start)), key=lambda s: s.start)
    assert by_instants == expected
    assert all(s.start.timezone_name == tech_zone for s in by_instants)
