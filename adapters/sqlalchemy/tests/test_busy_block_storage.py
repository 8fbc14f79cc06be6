"""Busy blocks and calendar feeds through SQLite and PostgreSQL: every field round-trips,
a put is an upsert by key, a replace is one source's whole set, writes move the agenda
version, and the agenda read carries the blocks in its one statement."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import DuplicateEntity, NotFound
from booking_core.ids import TechnicianId
from booking_core.scheduling import BusyBlock, CalendarFeed, Technician, WeeklyHours
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage

T0 = pendulum.datetime(2026, 3, 2, 9, 0, 30, tz="Asia/Shanghai")  # off the minute on purpose
LI, WANG = TechnicianId("tec_li"), TechnicianId("tec_wang")


def _block(tech: TechnicianId, uid: str, start: int, minutes: int = 60, **kw: object) -> BusyBlock:
    span = TimeRange(T0.add(minutes=start), T0.add(minutes=start + minutes))
    return BusyBlock(tech, str(kw.pop("source", "api")), uid, span, **kw)  # type: ignore[arg-type]


@pytest.fixture
def seeded(storage: SqlAlchemyStorage) -> SqlAlchemyStorage:
    with storage.unit_of_work() as uow:
        for tech in (LI, WANG):
            hours = WeeklyHours.every_day("09:00", "18:00")
            uow.technicians.add(Technician(tech, tech, "Asia/Shanghai", hours, set()))
        uow.commit()
    return storage


def test_every_field_round_trips_and_a_put_replaces_by_key(seeded: SqlAlchemyStorage) -> None:
    block = _block(LI, "u1", 0, buffer_before_minutes=15, buffer_after_minutes=5, summary="牙医")
    with seeded.unit_of_work() as uow:
        assert uow.busy_blocks.put(block) is True
        assert uow.busy_blocks.put(block) is False
        uow.busy_blocks.put(_block(LI, "u1", 0, source="ical:cal_1"))  # another source
        uow.commit()

    with seeded.unit_of_work() as uow:
        found = uow.busy_blocks.list_for(LI, source="api")
        everything = uow.busy_blocks.list_for(LI)

    assert found == [block]
    assert found[0].span.start == T0
    assert found[0].minutes == block.minutes
    assert [b.source for b in everything] == ["api", "ical:cal_1"]


def test_listings_filter_by_overlap_of_the_blocked_range(seeded: SqlAlchemyStorage) -> None:
    with seeded.unit_of_work() as uow:
        uow.busy_blocks.put(_block(LI, "a", 0, buffer_after_minutes=30))  # blocked to 10:30
        uow.busy_blocks.put(_block(LI, "b", 180))
        uow.busy_blocks.put(_block(WANG, "c", 0))
        uow.commit()
    after = TimeRange(T0.add(minutes=61), T0.add(minutes=120))

    with seeded.unit_of_work() as uow:
        mine = uow.busy_blocks.list_for(LI, within=after)
        many = uow.busy_blocks.list_many([WANG, LI], TimeRange(T0, T0.add(hours=1)))

    assert [b.uid for b in mine] == ["a"]  # by its buffer
    assert [(b.technician_id, b.uid) for b in many] == [(LI, "a"), (WANG, "c")]


def test_replace_is_the_sources_whole_set_and_remove_one(seeded: SqlAlchemyStorage) -> None:
    with seeded.unit_of_work() as uow:
        for uid in ("a", "b"):
            uow.busy_blocks.put(_block(LI, uid, 0, source="ical:cal_1"))
        uow.busy_blocks.put(_block(LI, "keep", 0))
        uow.commit()

    with seeded.unit_of_work() as uow:
        removed = uow.busy_blocks.replace(
            LI, "ical:cal_1", [_block(LI, "b", 30, source="ical:cal_1")]
        )
        gone = uow.busy_blocks.remove(LI, "api", "keep")
        again = uow.busy_blocks.remove(LI, "api", "keep")
        uow.commit()

    with seeded.unit_of_work() as uow:
        left = uow.busy_blocks.list_for(LI)
    assert (removed, gone, again) == (1, True, False)
    assert [(b.uid, b.span.start) for b in left] == [("b", T0.add(minutes=30))]


def test_writes_move_the_agenda_version_and_the_agenda_carries_the_blocks(
    seeded: SqlAlchemyStorage,
) -> None:
    with seeded.unit_of_work() as uow:
        before = uow.agendas.versions([LI])[LI]
        uow.busy_blocks.put(_block(LI, "a", 0))
        uow.busy_blocks.put(_block(LI, "z", 24 * 60))  # outside the range asked for
        uow.commit()
    with seeded.unit_of_work() as uow:
        after_put = uow.agendas.versions([LI])[LI]
        uow.busy_blocks.remove(LI, "api", "z")
        uow.commit()

    with seeded.unit_of_work() as uow:
        agenda = uow.agendas.load(LI, TimeRange(T0.subtract(hours=1), T0.add(hours=2)))
        after_remove = uow.agendas.versions([LI])[LI]

    assert before < after_put < after_remove
    assert [b.uid for b in agenda.busy_blocks] == ["a"]
    assert agenda.bookings == ()


def test_feeds_round_trip(seeded: SqlAlchemyStorage) -> None:
    feed = CalendarFeed(
        "cal_1", LI, "https://calendar.example/li.ics", refresh_minutes=15,
        buffer_before_minutes=10, buffer_after_minutes=20, time_zone="Europe/Paris",
    )  # fmt: skip
    read = CalendarFeed(
        "cal_1", LI, "https://calendar.example/li.ics", refresh_minutes=15,
        buffer_before_minutes=10, buffer_after_minutes=20, time_zone="Europe/Paris",
        last_refreshed_at=T0, failures=2, last_error="calendar_unavailable: 503",
    )  # fmt: skip
    with seeded.unit_of_work() as uow:
        uow.calendar_feeds.add(feed)
        with pytest.raises(DuplicateEntity):
            uow.calendar_feeds.add(feed)
        uow.calendar_feeds.save(read)
        uow.commit()

    with seeded.unit_of_work() as uow:
        assert uow.calendar_feeds.get("cal_1") == read
        assert uow.calendar_feeds.list_for(LI) == [read]
        assert uow.calendar_feeds.list_for(WANG) == []
        uow.calendar_feeds.remove("cal_1")
        with pytest.raises(NotFound):
            uow.calendar_feeds.get("cal_1")


def test_feed_secrets_are_set_replaced_and_cleared_per_technician(
    seeded: SqlAlchemyStorage,
) -> None:
    with seeded.unit_of_work() as uow:
        uow.feed_secrets.put(LI, "hash-1")
        uow.feed_secrets.put(LI, "hash-2")  # a new link: the old one stops working
        uow.feed_secrets.put(WANG, "hash-w")
        uow.commit()
    with seeded.unit_of_work() as uow:
        before = (uow.feed_secrets.get(LI), uow.feed_secrets.get(WANG))
        uow.feed_secrets.put(WANG, None)
        uow.feed_secrets.put(TechnicianId("tec_nobody"), None)  # nothing to clear
        uow.commit()
    with seeded.unit_of_work() as uow:
        after = (uow.feed_secrets.get(LI), uow.feed_secrets.get(WANG))

    assert before == ("hash-2", "hash-w")
    assert after == ("hash-2", None)
