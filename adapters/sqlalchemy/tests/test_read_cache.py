"""The agenda read's cheaper paths: values built from raw row text and remembered by it equal
the values the tables' own types build, the cache is bounded and follows changed rows, and the
SQLite booking insert (one statement) still tells a taken slot from a taken id."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pendulum
import pytest
from sqlalchemy import select

from booking_core.catalog import Category, Service
from booking_core.errors import DuplicateEntity, SlotTaken
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage, mapping
from booking_core_sqlalchemy.tables import bookings, utc_instant

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
TECH = TechnicianId("tec_1")
SERVICE = ServiceId("svc_1")


def _technician(hours: WeeklyHours | None = None) -> Technician:
    profile = TechnicianProfile(
        gender=Gender.FEMALE,
        skills={"tuina"},
        rating=Decimal("4.5"),
        prices={SERVICE: Money(25900, "CNY")},
        service_area=ServiceArea(GeoPoint(31.2304, 121.4737), 8.5),
    )
    return Technician(TECH, "Li", "Asia/Shanghai", hours or WeeklyHours.every_day("09:00", "18:00"),
                      {SERVICE}, profile)  # fmt: skip


def _booking(n: int, start_minutes: int, **changes: Any) -> Booking:
    start = T0.add(minutes=start_minutes)
    slot = TimeRange(start, start.add(hours=1))
    booking = Booking(
        BookingId(f"bkg_{n}"), TECH, OrderId(f"ord_{n}"), slot,
        slot.expand(pendulum.duration(minutes=15), pendulum.duration(minutes=10)),
        service_id=SERVICE, location=GeoPoint(31.2, 121.4), travel_minutes=5,
    )  # fmt: skip
    return attrs.evolve(booking, **changes)


def _seed(storage: SqlAlchemyStorage, *items: Booking) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(Service(SERVICE, CategoryId("cat_1"), "Tuina", 60, Money(100, "CNY")))
        uow.technicians.add(_technician())
        for booking in items:
            uow.bookings.add(booking)
        uow.commit()


def _day() -> TimeRange:
    return TimeRange(T0.subtract(days=1), T0.add(days=1))


def test_the_agenda_equals_what_each_repository_reads(storage: SqlAlchemyStorage) -> None:
    hold = _booking(2, 120, holder=CustomerId("cus_1"), hold_expires_at=T0.add(hours=3),
                    order_id=None, location=None, service_id=None)  # fmt: skip
    _seed(storage, _booking(1, 0), hold)
    with storage.unit_of_work() as uow:
        schedule = uow.schedules.save(WorkSchedule.empty(TECH).with_daily_cap(3))
        uow.commit()

    for _ in range(2):  # the second read comes from the cache
        with storage.unit_of_work() as uow:
            agenda = uow.agendas.load(TECH, _day(), service_id=SERVICE)
            assert agenda.technician == uow.technicians.get(TECH)
            assert agenda.schedule == schedule == uow.schedules.get(TECH)
            assert agenda.bookings == tuple(uow.bookings.list_active(TECH, _day()))
            assert agenda.bookings == (_booking(1, 0), hold)
            assert all(b.slot.start.tzinfo is pendulum.UTC for b in agenda.bookings)


def test_the_agenda_follows_changed_rows(storage: SqlAlchemyStorage) -> None:
    # Cached values are keyed by every column they come from: a change is a new entry.
    _seed(storage, _booking(1, 0), _booking(2, 120))
    with storage.unit_of_work() as uow:
        before = uow.agendas.load(TECH, _day())
        uow.bookings.release(BookingId("bkg_1"))
        uow.technicians.save(_technician(WeeklyHours.every_day("10:00", "20:00")))
        saved = uow.schedules.save(WorkSchedule.empty(TECH).with_daily_cap(2))
        uow.commit()

    with storage.unit_of_work() as uow:
        after = uow.agendas.load(TECH, _day())
        again = uow.schedules.save(saved.with_daily_cap(5))
        uow.commit()
    with storage.unit_of_work() as uow:
        latest = uow.agendas.load(TECH, _day())

    assert [b.id for b in before.bookings] == ["bkg_1", "bkg_2"]
    assert [b.id for b in after.bookings] == ["bkg_2"]
    assert before.technician.weekly_hours == WeeklyHours.every_day("09:00", "18:00")
    assert after.technician.weekly_hours == WeeklyHours.every_day("10:00", "20:00")
    assert (before.schedule.daily_cap, after.schedule.daily_cap) == (None, 2)
    assert latest.schedule == again
    assert latest.schedule.version == 2


def test_the_cache_is_the_storages_and_bounded() -> None:
    cache = mapping.ReadCache(max_documents=2, max_bookings=3)
    texts = ['{"mon": ["09:00-12:00"]}', '{"tue": ["09:00-12:00"]}', '{"wed": ["09:00-12:00"]}']

    parsed = [cache.weekly_hours(text) for text in texts + texts[:1]]

    assert parsed[0] == WeeklyHours.parse({"mon": ["09:00-12:00"]}) == parsed[3]
    assert cache.weekly_hours.cache_info().currsize == 2
    assert cache.weekly_hours.cache_info().maxsize == 2
    # Two storages never share one: the cache is no module-level state.
    first, second = SqlAlchemyStorage.create_sqlite(), SqlAlchemyStorage.create_sqlite()
    assert first.unit_of_work()._cache is first.unit_of_work()._cache
    assert first.unit_of_work()._cache is not second.unit_of_work()._cache


def test_booking_from_raw_equals_booking_to_domain_on_both_databases(
    storage: SqlAlchemyStorage,
) -> None:
    hold = _booking(2, 120, holder=CustomerId("cus_1"), hold_expires_at=T0.add(hours=3))
    _seed(storage, _booking(1, 0), hold)
    with storage.unit_of_work() as uow:
        typed = uow.connection.execute(select(bookings).order_by(bookings.c.id)).all()
        # The driver's values, as the agenda query reads the bookings' columns.
        raw = uow.connection.exec_driver_sql(
            f"SELECT {', '.join(bookings.c.keys())} FROM bookings ORDER BY id"
        ).all()

    assert (
        [mapping.booking_from_raw(tuple(r)) for r in raw]
        == [mapping.booking_to_domain(r) for r in typed]
        == [_booking(1, 0), hold]
    )


def test_technician_from_text_equals_technician_to_domain() -> None:
    technician = _technician()
    row = mapping.technician_to_row(technician)
    as_text = {k: v if k not in {"weekly_hours", "service_ids", "profile"} else _json(v)
               for k, v in row.items()}  # fmt: skip

    got = mapping.technician_from_text(_Row(as_text), mapping.ReadCache())

    assert got == mapping.technician_to_domain(_Row(row)) == technician


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-02 01:00:00.000000+00:00",
        "2026-03-02 09:00:00.250000+08:00",
        "1969-12-31 23:59:59.999999+00:00",
        dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 9, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        pendulum.datetime(2026, 11, 1, 1, 30, tz="America/New_York").replace(fold=1),
        None,
    ],
)
def test_utc_instant_reads_as_before(value: str | dt.datetime | None) -> None:
    # As UtcDateTime read before: pendulum.instance of the parsed value, in UTC.
    parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    expected = None if parsed is None else pendulum.instance(parsed).in_timezone("UTC")

    got = utc_instant(value)

    assert got == expected
    if got is not None and expected is not None:
        assert got.tzinfo is pendulum.UTC
        assert (got.isoformat(), got.microsecond) == (expected.isoformat(), expected.microsecond)


def test_a_booking_insert_tells_a_taken_slot_from_a_taken_id(storage: SqlAlchemyStorage) -> None:
    _seed(storage, _booking(1, 0))
    with storage.unit_of_work() as uow:
        with pytest.raises(SlotTaken):  # another id, overlapping time
            uow.bookings.add(_booking(9, 30))
        # The same id and overlapping time: SQLite checks the time first (as it always
        # did), PostgreSQL's primary key fires before its exclusion constraint.
        both = SlotTaken if storage.dialect == "sqlite" else DuplicateEntity
        with pytest.raises(both):
            uow.bookings.add(_booking(1, 30))
        with pytest.raises(DuplicateEntity):  # the same id, free time
            uow.bookings.add(_booking(1, 600))
        with pytest.raises(DuplicateEntity):  # an inactive booking is never checked for time
            uow.bookings.add(_booking(1, 0, active=False))
        uow.bookings.add(_booking(2, 600))
        uow.bookings.add(_booking(3, 0, active=False))  # inactive: overlaps freely
        uow.commit()

    with storage.unit_of_work() as uow:
        assert [b.id for b in uow.bookings.list_active(TECH, _day())] == ["bkg_1", "bkg_2"]
        assert uow.bookings.get(BookingId("bkg_3")) == _booking(3, 0, active=False)


class _Row:
    def __init__(self, values: dict[str, object]) -> None:
        self.__dict__.update(values)


def _json(value: object) -> str:
    import json

    return json.dumps(value)
