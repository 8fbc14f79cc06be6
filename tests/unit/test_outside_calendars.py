"""Outside calendars: busy blocks treated like bookings, pushed by API, read from feeds,
imported in bulk, and the bookings out as an iCalendar feed (issue 15)."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import (
    BusyTimeConflict,
    CalendarUnavailable,
    InvalidCalendar,
    NotFound,
    PermissionDenied,
    SlotTaken,
)
from booking_core.ids import ServiceId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.ports.jobs import Job
from booking_core.scheduling import BusyBlock, CalendarFeed, ExternalBusy
from booking_core.scheduling.availability import BusyIndex
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.services.bulk_import import (
    ImportedBooking,
    ImportedBusyBlock,
    RowStatus,
    imported_booking_id,
)
from booking_core.services.jobs import JobKind
from booking_core.services.outside_calendars import OutsideCalendarService, refresh_job_id
from booking_core.testing.ids import SequentialIds
from booking_core.testing.orders import CUSTOMER, OPERATOR, OrderWorld, at, order_world
from booking_core.timerange import TimeRange

SYSTEM = Actor.system()


def _span(day: int, hour: int, minutes: int = 60, minute: int = 0) -> TimeRange:
    start = at(day, hour, minute)
    return TimeRange(start, start.add(minutes=minutes))


def _starts(world: OrderWorld, day: int = 3, service: ServiceId | None = None) -> list[str]:
    slots = world.app.availability.free_slots(
        world.li, service or world.tuina, pendulum.date(2026, 3, day)
    )
    return [s.start.format("HH:mm") for s in slots]


class FakeSource:
    """A CalendarSource answering from a list, or failing when told to."""

    def __init__(self) -> None:
        self.busy: list[ExternalBusy] = []
        self.failing = False
        self.asked: list[tuple[str, TimeRange, str]] = []

    def fetch(self, feed: CalendarFeed, within: TimeRange, *, time_zone: str) -> list[ExternalBusy]:
        self.asked.append((feed.id, within, time_zone))
        if self.failing:
            raise CalendarUnavailable("the host answered 503", details={"status": 503})
        return list(self.busy)


def _service(world: OrderWorld, source: FakeSource | None = None) -> OutsideCalendarService:
    return OutsideCalendarService(world.uow, world.clock, SequentialIds(start=500), source=source)


# -- the engine ------------------------------------------------------------------------------


def test_a_pushed_block_is_never_offered_and_refused_at_booking() -> None:
    world = order_world()
    before = _starts(world)

    world.app.outside_calendars.push_block(OPERATOR, world.li, "dentist", _span(3, 12))

    after = _starts(world)
    assert "12:00" in before
    assert "12:00" not in after
    assert "11:30" not in after
    assert "12:30" not in after
    assert "11:00" in after
    assert "13:00" in after
    with pytest.raises(SlotTaken) as refused:
        world.place(start=at(3, 12))
    assert refused.value.details["busy"] == "calendar"
    assert "dentist" not in refused.value.message  # the summary is never shown


def test_a_blocks_buffers_block_around_it() -> None:
    world = order_world()

    world.app.outside_calendars.push_block(
        OPERATOR, world.li, "gym", _span(3, 12), buffer_before_minutes=30, buffer_after_minutes=15
    )

    starts = _starts(world)
    assert "11:00" not in starts  # would end at 12:00, inside the 30 minutes before
    assert "10:00" in starts
    assert "13:00" not in starts
    assert "13:15" in starts


def test_blocks_overlapping_each_other_and_a_booking_block_their_union() -> None:
    world = order_world()
    world.place(start=at(3, 10))  # 10:00-11:00
    calendars = world.app.outside_calendars
    calendars.push_block(OPERATOR, world.li, "a", _span(3, 11, 90))  # 11:00-12:30
    calendars.push_block(OPERATOR, world.li, "b", _span(3, 12, 90))  # 12:00-13:30

    starts = _starts(world)

    assert [s for s in starts if "09:00" <= s < "14:00"] == ["09:00", "13:30"]


def test_the_index_keeps_blocks_apart_from_bookings_it_overlaps() -> None:
    # A block reaching into a booking adds only the time beyond it, as a block of its own
    # without an address (no travel), and it is not a booking for the daily cap.
    world = order_world()
    world.place(start=at(3, 10))
    with world.uow() as uow:
        booking = uow.bookings.list_active(world.li, _span(3, 0, 24 * 60))[0]
    block = BusyBlock(world.li, "api", "x", _span(3, 10, 120, 30))

    index = BusyIndex([booking], [block.minutes])

    start = booking.minutes[0]
    assert index.starts == [start, start + 60]
    assert index.ends == [start + 60, start + 150]
    assert index.locations == [booking.location, None]
    assert index.count_starting(start, start + 24 * 60) == 1


def test_busy_blocks_do_not_count_towards_the_daily_cap() -> None:
    world = order_world()
    with world.uow() as uow:
        uow.schedules.save(WorkSchedule.empty(world.li).with_daily_cap(1))
        uow.commit()
    world.app.outside_calendars.push_block(OPERATOR, world.li, "a", _span(3, 9))

    assert "12:00" in _starts(world)


def test_the_any_technician_search_sees_busy_blocks() -> None:
    from booking_core.services.availability import SlotSearch

    world = order_world()
    search = SlotSearch(world.tuina, pendulum.date(2026, 3, 3))
    first = world.app.availability.search(search)  # remembered now
    world.app.outside_calendars.push_block(OPERATOR, world.li, "a", _span(3, 12))

    again = world.app.availability.search(search)

    def who(slots: list, hour: int) -> set[str]:  # type: ignore[type-arg]
        start = at(3, hour)
        return {t.technician_id for s in slots if s.slot.start == start for t in s.technicians}

    assert who(first, 12) == {world.li, world.wang}
    assert who(again, 12) == {world.wang}  # the memo was not reused past the push


# -- pushed blocks -----------------------------------------------------------------------


def test_a_push_over_a_booking_is_refused_and_stores_nothing() -> None:
    world = order_world()
    order_id = world.place(start=at(3, 10))

    with pytest.raises(BusyTimeConflict) as caught:
        world.app.outside_calendars.push_block(OPERATOR, world.li, "a", _span(3, 10, 30, 30))

    assert caught.value.details["booking_id"] == world.get(order_id).booking_id
    assert world.app.outside_calendars.blocks(OPERATOR, world.li) == []


def test_a_push_with_the_same_uid_replaces_it_and_delete_frees_the_time() -> None:
    world = order_world()
    calendars = world.app.outside_calendars
    calendars.push_block(OPERATOR, world.li, "a", _span(3, 12), summary="dentist")

    calendars.push_block(OPERATOR, world.li, "a", _span(3, 15), summary="moved")

    blocks = calendars.blocks(OPERATOR, world.li)
    assert [(b.uid, b.span.start, b.summary) for b in blocks] == [("a", at(3, 15), "moved")]
    assert "12:00" in _starts(world)
    assert "15:00" not in _starts(world)
    calendars.delete_block(OPERATOR, world.li, "a")
    assert "15:00" in _starts(world)
    with pytest.raises(NotFound) as missing:
        calendars.delete_block(OPERATOR, world.li, "a")
    assert missing.value.error_code == "busy_block_not_found"


def test_only_he_his_store_and_the_platform_touch_his_busy_time() -> None:
    world = order_world()
    calendars = world.app.outside_calendars
    himself = Actor(world.li, Role.TECHNICIAN)
    other = Actor(world.wang, Role.TECHNICIAN)

    calendars.push_block(himself, world.li, "a", _span(3, 12))

    for actor in (CUSTOMER, other):
        with pytest.raises(PermissionDenied):
            calendars.push_block(actor, world.li, "b", _span(3, 14))
        with pytest.raises(PermissionDenied):
            calendars.blocks(actor, world.li)
        with pytest.raises(PermissionDenied):
            calendars.feed_out(actor, world.li)


@pytest.mark.parametrize(
    ("uid", "before"), [("", 0), ("a\nb", 0), ("a", -1), ("a", 24 * 60 + 1), ("a", 1.5)]
)
def test_a_malformed_block_is_refused(uid: str, before: int) -> None:
    world = order_world()

    with pytest.raises(InvalidCalendar):
        world.app.outside_calendars.push_block(
            OPERATOR, world.li, uid, _span(3, 12), buffer_before_minutes=before
        )


def test_a_block_off_the_minute_blocks_every_minute_it_touches() -> None:
    block = BusyBlock(
        TechnicianId("t"),
        "api",
        "a",
        TimeRange(at(3, 12).add(seconds=30), at(3, 13).add(seconds=1)),
    )

    start, end = block.minutes

    assert start == at(3, 12).int_timestamp // 60
    assert end == at(3, 13).int_timestamp // 60 + 1


# -- feeds in ------------------------------------------------------------------------------


def _feed(world: OrderWorld, calendars: OutsideCalendarService, **kwargs: object) -> CalendarFeed:
    return calendars.register_feed(
        OPERATOR,
        world.li,
        "https://calendar.example/li.ics",
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_registered_feed_is_read_by_its_job_and_its_blocks_replaced_atomically() -> None:
    world = order_world()
    source = FakeSource()
    calendars = _service(world, source)
    feed = _feed(world, calendars, buffer_after_minutes=15)
    with world.uow() as uow:
        job = uow.jobs.get(refresh_job_id(feed.id, world.clock.now()))
    assert job.kind == JobKind.REFRESH_CALENDAR.value
    assert job.due_at == world.clock.now()
    source.busy = [ExternalBusy("e1", _span(3, 12), "yoga"), ExternalBusy("e2", _span(3, 16))]

    assert calendars.run_refresh_job(job, world.clock.now()) is None

    with world.uow() as uow:
        following = uow.jobs.get(refresh_job_id(feed.id, world.clock.now().add(minutes=60)))
    assert following.subject == feed.id
    blocks = calendars.blocks(OPERATOR, world.li)
    assert [(b.uid, b.source, b.buffer_after_minutes) for b in blocks] == [
        ("e1", feed.source, 15),
        ("e2", feed.source, 15),
    ]
    assert source.asked[0][2] == "Asia/Shanghai"  # all-day events in his zone
    assert "12:00" not in _starts(world)
    assert "13:00" not in _starts(world)

    source.busy = [ExternalBusy("e2", _span(3, 17))]
    outcome = calendars.refresh(feed.id)

    assert (outcome.ok, outcome.blocks, outcome.removed) == (True, 1, 1)
    assert [b.span.start for b in calendars.blocks(OPERATOR, world.li)] == [at(3, 17)]
    assert "12:00" in _starts(world)


def test_a_failed_read_keeps_the_last_blocks_and_backs_off() -> None:
    world = order_world()
    source = FakeSource()
    calendars = _service(world, source)
    feed = _feed(world, calendars)
    source.busy = [ExternalBusy("e1", _span(3, 12))]
    calendars.refresh(feed.id)
    source.failing = True

    now = world.clock.now()
    first = calendars.refresh(feed.id)  # by hand: reported, nothing scheduled
    job = Job("refresh_calendar:test", "refresh_calendar", feed.id, now)
    calendars.run_refresh_job(job, now)  # the job's reads schedule the next, backing off
    calendars.run_refresh_job(job, now)

    assert (first.ok, first.blocks, first.next_at) == (False, 1, None)
    assert "503" in (first.error or "")
    assert calendars.feeds(OPERATOR, world.li)[0].failures == 3
    with world.uow() as uow:
        later = sorted(j.due_at for j in uow.jobs.list_for_subject(feed.id) if j.due_at > now)
    assert len(later) == 2
    assert now < later[0] < now.add(minutes=60)
    assert later[1] - now > later[0] - now  # the wait grows
    assert "12:00" not in _starts(world)  # still blocked
    source.failing = False
    calendars.refresh(feed.id)
    assert calendars.feeds(OPERATOR, world.li)[0].failures == 0


def test_a_removed_feed_takes_its_blocks_and_its_job_ends() -> None:
    world = order_world()
    source = FakeSource()
    calendars = _service(world, source)
    feed = _feed(world, calendars)
    source.busy = [ExternalBusy("e1", _span(3, 12))]
    calendars.refresh(feed.id)

    calendars.remove_feed(OPERATOR, feed.id)

    assert calendars.blocks(OPERATOR, world.li) == []
    job = Job("refresh_calendar:x", JobKind.REFRESH_CALENDAR.value, feed.id, at(2, 8))
    with world.uow() as uow:
        jobs_before = len(uow.jobs.list_for_subject(feed.id))
    assert calendars.run_refresh_job(job, world.clock.now()) is None
    with world.uow() as uow:
        assert len(uow.jobs.list_for_subject(feed.id)) == jobs_before  # no next read


def test_a_feed_block_over_a_booking_is_kept_and_counted_as_a_conflict() -> None:
    world = order_world()
    world.place(start=at(3, 12))
    source = FakeSource()
    calendars = _service(world, source)
    feed = _feed(world, calendars)
    source.busy = [ExternalBusy("e1", _span(3, 12, 30))]

    outcome = calendars.refresh(feed.id)

    assert (outcome.blocks, outcome.conflicts) == (1, 1)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x/a.ics",
        "webcal://x/a.ics",
        "https://",
        "not a url",
        "https://a]/x",
        "https://例え.jp/a.ics",
        "https://x/a\u0085.ics",
    ],
)
def test_a_feed_needs_an_http_url(url: str) -> None:
    world = order_world()

    with pytest.raises(InvalidCalendar):
        world.app.outside_calendars.register_feed(OPERATOR, world.li, url)


def test_without_a_source_a_feed_is_kept_and_its_reads_fail() -> None:
    world = order_world()
    feed = world.app.outside_calendars.register_feed(OPERATOR, world.li, "https://x.example/a")

    outcome = world.app.outside_calendars.refresh(feed.id)

    assert not outcome.ok
    assert "calendar_unavailable" in (outcome.error or "")


# -- the feed out ----------------------------------------------------------------------------


def test_the_feed_out_has_a_utc_event_per_booking_and_no_customer_data() -> None:
    world = order_world()
    order_id = world.place(start=at(3, 10))
    with world.uow() as uow:
        booking_id = uow.orders.get(order_id).booking_id

    text = world.app.outside_calendars.feed_out(OPERATOR, world.li)

    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 1
    assert f"UID:{booking_id}@booking-core\r\n" in text
    assert "DTSTART:20260303T020000Z\r\n" in text
    assert "DTEND:20260303T030000Z\r\n" in text
    assert "DTSTAMP:20260302T000000Z\r\n" in text
    assert "SUMMARY:Chinese tuina\r\n" in text
    assert "cus_1" not in text
    assert "31.23" not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_the_feed_out_leaves_holds_out() -> None:
    from booking_core.services.holds import HoldSlot

    world = order_world()
    world.app.holds.hold(HoldSlot(CUSTOMER.id, world.li, world.tuina, at(3, 10)), CUSTOMER)  # type: ignore[arg-type]

    assert "BEGIN:VEVENT" not in world.app.outside_calendars.feed_out(OPERATOR, world.li)


# -- bulk import ------------------------------------------------------------------------------


def test_an_import_reports_every_row() -> None:
    world = order_world()
    world.place(start=at(3, 10))
    rows = [
        ImportedBooking("old-1", world.li, world.tuina, at(3, 14)),
        ImportedBooking("old-2", world.li, world.tuina, at(3, 10, 30)),  # the placed one
        ImportedBooking("old-3", world.li, world.tuina, at(3, 14, 30)),  # old-1
        ImportedBooking("old-4", TechnicianId("nobody"), world.tuina, at(3, 9)),
        ImportedBooking("old-5", world.li, world.tuina, at(3, 9).add(seconds=30)),
        ImportedBooking("old-6", world.wang, world.spa, at(3, 9), at(3, 9)),
        ImportedBooking("old-1", world.wang, world.tuina, at(3, 16)),  # id twice
    ]
    blocks = [
        ImportedBusyBlock("b-1", world.li, at(3, 16), at(3, 17), summary="gym"),
        ImportedBusyBlock("b-2", world.li, at(3, 14, 30), at(3, 15, 30)),  # old-1
        ImportedBusyBlock("b-3", world.wang, at(3, 17), at(3, 16)),
    ]

    report = world.app.imports.run(OPERATOR, rows, blocks)

    got = [(r.kind, r.external_id, r.status.value, r.reason) for r in report.rows]
    assert [g[2] for g in got] == [
        "imported", "conflict", "conflict", "invalid", "invalid", "invalid", "invalid",
        "imported", "conflict", "invalid",
    ]  # fmt: skip
    assert got[2][3] == f"booking {imported_booking_id('old-1')}"
    assert "no technician" in (got[3][3] or "")
    assert "whole minutes" in (got[4][3] or "")
    assert "twice" in (got[6][3] or "")
    assert report.count(RowStatus.IMPORTED) == 2
    assert len(report.problems) == 8
    starts = _starts(world)
    assert "14:00" not in starts
    assert "16:00" not in starts
    assert "15:00" in starts


def test_an_import_is_idempotent_by_external_id() -> None:
    world = order_world()
    rows = [ImportedBooking("old-1", world.li, world.tuina, at(3, 14))]
    blocks = [ImportedBusyBlock("b-1", world.li, at(3, 16), at(3, 17))]
    world.app.imports.run(OPERATOR, rows, blocks)

    again = world.app.imports.run(OPERATOR, rows, blocks)
    moved = world.app.imports.run(
        OPERATOR, [ImportedBooking("old-1", world.li, world.tuina, at(3, 18))]
    )

    assert [r.status for r in again.rows] == [RowStatus.UNCHANGED, RowStatus.UNCHANGED]
    assert again.rows[0].booking_id == imported_booking_id("old-1")
    assert moved.rows[0].status is RowStatus.CONFLICT
    with world.uow() as uow:
        assert len(uow.bookings.list_active(world.li, _span(3, 0, 24 * 60))) == 1


def test_only_the_platform_imports() -> None:
    world = order_world()

    with pytest.raises(PermissionDenied):
        world.app.imports.run(Actor(world.li, Role.TECHNICIAN))
    assert world.app.imports.run(SYSTEM).rows == ()


def test_the_feed_out_is_read_by_its_secret_and_a_new_secret_retires_the_old() -> None:
    world = order_world()
    world.place(start=at(3, 10))
    calendars = world.app.outside_calendars
    li = Actor(world.li, Role.TECHNICIAN)

    with pytest.raises(NotFound):  # no link issued yet
        calendars.feed_out_by_secret(world.li, "h-first")
    calendars.set_feed_secret(li, world.li, "h-first")
    first = calendars.feed_out_by_secret(world.li, "h-first")
    calendars.set_feed_secret(OPERATOR, world.li, "h-second")

    assert first == calendars.feed_out(li, world.li)
    for wrong in ("h-first", "h-second-", ""):
        with pytest.raises(NotFound) as refused:
            calendars.feed_out_by_secret(world.li, wrong)
        assert refused.value.error_code == "technician_not_found"
    assert calendars.feed_out_by_secret(world.li, "h-second").count("BEGIN:VEVENT") == 1
    calendars.set_feed_secret(li, world.li, None)
    with pytest.raises(NotFound):
        calendars.feed_out_by_secret(world.li, "h-second")


def test_only_he_his_store_and_staff_issue_the_feed_link_and_a_bad_hash_is_refused() -> None:
    world = order_world()
    calendars = world.app.outside_calendars

    with pytest.raises(PermissionDenied):
        calendars.set_feed_secret(CUSTOMER, world.li, "h")
    with pytest.raises(PermissionDenied):
        calendars.set_feed_secret(Actor(world.wang, Role.TECHNICIAN), world.li, "h")
    for bad in ("", "x" * 257, "a b", "中文"):
        with pytest.raises(InvalidCalendar):
            calendars.set_feed_secret(OPERATOR, world.li, bad)
    with world.uow() as uow:
        assert uow.feed_secrets.get(world.li) is None
