"""A remembered answer is always the answer the engine would give now.

``OfferMemo`` hands an "any technician" search the starts it computed earlier while the
technician's agenda version, the clamped notice and window, the counted holds and the
searching customer allow. These properties check, for generated agendas and clocks, that
whatever it hands out equals a fresh computation — and the stateful test drives the
service through storage writes and time, comparing a remembering search with a fresh one.
"""

from __future__ import annotations

import attrs
import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from booking_core import Money
from booking_core.bootstrap import build
from booking_core.catalog import Category, Service, WindowKind
from booking_core.errors import SlotTaken
from booking_core.ids import BookingId, CategoryId, CustomerId, ServiceId, TechnicianId
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy, from_epoch_minutes, local_midnight
from booking_core.scheduling.geo import GeoPoint, ServiceArea, StraightLineTravel
from booking_core.scheduling.offer_memo import OfferMemo, OfferQuestion, offered_minutes
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.services.availability import SlotSearch
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
DAY = pendulum.date(2026, 3, 2)
#: Early on the day before DAY: searches of DAY - 1 have the notice cut into the day.
T0 = pendulum.datetime(2026, 3, 1, 6, tz=ZONE)
ME, OTHER = CustomerId("cus_me"), CustomerId("cus_other")
HOME = GeoPoint(31.23, 121.47)
FAR = GeoPoint(31.40, 121.47)  # about 19 km north: outside a 10 km area around HOME
TECH = TechnicianId("tec_1")
HOURS = WeeklyHours.parse(
    {d: ["08:00-12:00", "13:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)
TECHNICIAN = Technician(
    TECH,
    "Li",
    ZONE,
    HOURS,
    {ServiceId("svc_1")},
    TechnicianProfile(service_area=ServiceArea(HOME, 10.0)),
)


@st.composite
def bookings(draw: st.DrawFn) -> list[Booking]:
    """Active bookings as storage lists them (by blocked start, not overlapping) from the
    day before DAY to the day after: plain ones and holds of two customers expiring at
    different times after T0, some at an address."""
    cursor = local_midnight(ZONE, DAY) - 24 * 60
    result: list[Booking] = []
    for n in range(draw(st.integers(0, 12))):
        start = cursor + draw(st.integers(0, 6 * 60))
        length = draw(st.integers(15, 180))
        at = from_epoch_minutes(start)
        blocked = TimeRange(at, at.add(minutes=length))
        holder = draw(st.sampled_from([None, None, ME, OTHER]))
        expires = T0.add(minutes=draw(st.integers(-30, 3 * 24 * 60))) if holder else None
        result.append(
            Booking(
                BookingId(f"bkg_{n}"),
                TECH,
                None,
                blocked,
                blocked,
                holder=holder,
                hold_expires_at=expires,
                location=draw(st.sampled_from([None, HOME])),
            )
        )
        cursor = start + length
    return result


def _question(
    now: pendulum.DateTime,
    policy: BookingPolicy,
    days: tuple[pendulum.Date, ...],
    location: GeoPoint | None,
    customer: CustomerId | None,
) -> OfferQuestion:
    return OfferQuestion(
        policy.timing(60, 10, 5),
        policy,
        days,
        now,
        location=location,
        travel=StraightLineTravel().minutes,
        customer_id=customer,
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stored=bookings(),
    first=st.integers(0, 3 * 24 * 60 * 60),
    later=st.integers(0, 2 * 24 * 60 * 60),
    customers=st.tuples(*[st.sampled_from([None, ME, OTHER])] * 2),
    location=st.sampled_from([None, HOME, FAR]),
    days=st.sampled_from([(DAY,), (DAY.subtract(days=1),), (DAY.subtract(days=1), DAY)]),
    policy=st.builds(
        BookingPolicy,
        notice_minutes=st.sampled_from([0, 60, 20 * 60]),
        window_days=st.sampled_from([1, 2, 30]),
        slot_step_minutes=st.sampled_from([15, 45]),
        restart_after_busy=st.booleans(),
        window_kind=st.sampled_from(list(WindowKind)),
    ),
    schedule=st.sampled_from([None, WorkSchedule(TECH, daily_cap=2)]),
)
def test_a_recalled_answer_is_the_answer_of_now(
    stored: list[Booking],
    first: int,
    later: int,
    customers: tuple[CustomerId | None, CustomerId | None],
    location: GeoPoint | None,
    days: tuple[pendulum.Date, ...],
    policy: BookingPolicy,
    schedule: WorkSchedule | None,
) -> None:
    # Given an answer computed at one instant, by one customer
    memo = OfferMemo()
    then = T0.add(seconds=first)
    asked = _question(then, policy, days, location, customers[0])
    computed = memo.compute(TECHNICIAN, schedule, stored, 7, asked)

    # When the same technician, unchanged, is searched later, maybe by someone else
    now = then.add(seconds=later)
    again = _question(now, policy, days, location, customers[1])
    known, missing = memo.recall([TECHNICIAN], {TECH: 7}, again)

    # Then the first answer was the engine's, and a recalled one is the engine's of now
    assert computed == offered_minutes(TECHNICIAN, schedule, stored, asked)
    if TECH in known:
        assert known[TECH] == offered_minutes(TECHNICIAN, schedule, stored, again)
    else:
        assert missing == [TECHNICIAN]
    # And another version is never recalled
    assert memo.recall([TECHNICIAN], {TECH: 8}, again) == ({}, [TECHNICIAN])


def test_an_unchanged_technician_is_recalled_until_a_hold_he_counted_expires() -> None:
    hold = Booking(
        BookingId("bkg_hold"),
        TECH,
        None,
        TimeRange(
            pendulum.datetime(2026, 3, 2, 10, tz=ZONE), pendulum.datetime(2026, 3, 2, 11, tz=ZONE)
        ),
        TimeRange(
            pendulum.datetime(2026, 3, 2, 10, tz=ZONE), pendulum.datetime(2026, 3, 2, 11, tz=ZONE)
        ),
        holder=OTHER,
        hold_expires_at=T0.add(minutes=10),
    )
    policy = BookingPolicy(notice_minutes=60, window_days=30, slot_step_minutes=15)
    memo = OfferMemo()
    memo.compute(TECHNICIAN, None, [hold], 1, _question(T0, policy, (DAY,), None, None))

    def recalled(now: pendulum.DateTime, customer: CustomerId | None = None) -> bool:
        question = _question(now, policy, (DAY,), None, customer)
        return TECH in memo.recall([TECHNICIAN], {TECH: 1}, question)[0]

    # The notice and the window stay clear of the day for hours: the answer holds...
    assert recalled(T0.add(minutes=9, seconds=59))
    # ...for anyone but the hold's own customer (his hold does not block him)...
    assert recalled(T0, ME)
    assert not recalled(T0, OTHER)
    # ...and not once the hold has expired.
    assert not recalled(T0.add(minutes=10))


def test_a_memo_of_no_entries_remembers_nothing() -> None:
    policy = BookingPolicy()
    memo = OfferMemo(max_entries=0)
    question = _question(T0, policy, (DAY,), None, None)
    memo.compute(TECHNICIAN, None, [], 1, question)

    assert len(memo) == 0
    assert memo.recall([TECHNICIAN], {TECH: 1}, question) == ({}, [TECHNICIAN])


def test_the_memo_forgets_the_least_recently_used_first() -> None:
    policy = BookingPolicy()
    memo = OfferMemo(max_entries=2)
    others = [attrs.evolve(TECHNICIAN, id=TechnicianId(f"tec_{n}")) for n in range(3)]
    question = _question(T0, policy, (DAY,), None, None)
    for technician in others[:2]:
        memo.compute(technician, None, [], 1, question)
    memo.recall([others[0]], {}, attrs.evolve(question))  # version 0: a miss, nothing moves
    memo.recall([others[0]], {others[0].id: 1}, question)  # a hit: tec_0 is now the newest
    memo.compute(others[2], None, [], 1, question)

    versions = {t.id: 1 for t in others}
    known, _ = memo.recall(others, versions, question)
    assert sorted(known) == [others[0].id, others[2].id]


# -- the service, through storage writes and time ---------------------------------------------

SERVICE = Service(
    ServiceId("svc_1"),
    CategoryId("cat_1"),
    "Tuina 60",
    60,
    Money(19900, "CNY"),
    buffer_before_minutes=10,
    buffer_after_minutes=15,
)
TECHS = [TechnicianId(f"tec_{n}") for n in range(3)]
POLICY = BookingPolicy(notice_minutes=60, window_days=3, slot_step_minutes=30, hold_minutes=10)


class RememberingSearchMachine(RuleBasedStateMachine):
    """Writes through storage and a moving clock; a remembering search always answers as a
    search that remembers nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryStore()
        self.clock = FrozenClock(T0)
        self.count = 0

        def app(memo: OfferMemo) -> object:
            return build(
                uow=self.store.unit_of_work,
                payments=ScriptedPaymentGateway(),
                clock=self.clock,
                ids=SequentialIds(),
                policy=POLICY,
                offer_memo=memo,
            )

        self.remembering = app(OfferMemo()).availability  # type: ignore[attr-defined]
        self.fresh = app(OfferMemo(max_entries=0)).availability  # type: ignore[attr-defined]
        with self.store.unit_of_work() as uow:
            uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
            uow.services.add(SERVICE)
            for tid in TECHS:
                uow.technicians.add(attrs.evolve(TECHNICIAN, id=tid, service_ids={SERVICE.id}))
            uow.commit()

    @rule(
        technician=st.sampled_from(TECHS),
        day=st.sampled_from([DAY.subtract(days=1), DAY]),
        minute=st.integers(8 * 60, 21 * 60),
        length=st.sampled_from([30, 60, 90]),
        hold=st.sampled_from([None, ME, OTHER]),
        where=st.sampled_from([None, HOME]),
    )
    def book(
        self,
        technician: TechnicianId,
        day: pendulum.Date,
        minute: int,
        length: int,
        hold: CustomerId | None,
        where: GeoPoint | None,
    ) -> None:
        start = pendulum.datetime(day.year, day.month, day.day, tz=ZONE).add(minutes=minute)
        blocked = TimeRange(start, start.add(minutes=length))
        self.count += 1
        booking = Booking(
            BookingId(f"bkg_{self.count}"),
            technician,
            None,
            blocked,
            blocked,
            holder=hold,
            hold_expires_at=self.clock.now().add(minutes=10) if hold else None,
            location=where,
        )
        with self.store.unit_of_work() as uow:
            try:
                uow.bookings.add(booking)
            except SlotTaken:
                return
            uow.commit()

    @rule(n=st.integers(1, 40))
    def release(self, n: int) -> None:
        with self.store.unit_of_work() as uow:
            active = [
                b
                for t in TECHS
                for b in uow.bookings.list_active(t, TimeRange(T0.subtract(days=2), T0.add(days=5)))
            ]
            if active:
                uow.bookings.release(active[n % len(active)].id)
                uow.commit()

    @rule(technician=st.sampled_from(TECHS), cap=st.sampled_from([None, 1, 2]))
    def cap(self, technician: TechnicianId, cap: int | None) -> None:
        with self.store.unit_of_work() as uow:
            current = uow.schedules.get(technician)
            uow.schedules.save(attrs.evolve(current, daily_cap=cap))
            uow.commit()

    @rule(technician=st.sampled_from(TECHS), late=st.booleans())
    def rehours(self, technician: TechnicianId, late: bool) -> None:
        hours = WeeklyHours.every_day("12:00", "23:00") if late else HOURS
        with self.store.unit_of_work() as uow:
            uow.technicians.save(attrs.evolve(uow.technicians.get(technician), weekly_hours=hours))
            uow.commit()

    @rule(minutes=st.sampled_from([1, 5, 9, 30, 240, 18 * 60]))
    def wait(self, minutes: int) -> None:
        self.clock.advance(pendulum.duration(minutes=minutes))

    @invariant()
    def remembering_answers_as_fresh(self) -> None:
        for customer in (None, ME):
            for location in (None, HOME):
                search = SlotSearch(
                    SERVICE.id,
                    DAY.subtract(days=1),
                    DAY,
                    location=location,
                    customer_id=customer,
                )
                assert self.remembering.search(search) == self.fresh.search(search)


TestRememberingSearch = RememberingSearchMachine.TestCase
TestRememberingSearch.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
