"""The agenda versions the triggers keep, seen through the "any technician" search.

The app remembers each technician's answer under his agenda version; a write of his
bookings, schedule or record — through the services, the repositories or an operator's
plain SQL — changes the version in the same transaction, so the next search reads him
again and answers as a search that remembers nothing.
"""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from sqlalchemy import event, text

from booking_core.bootstrap import BookingApp, build
from booking_core.catalog import Category, Service
from booking_core.ids import CategoryId, CustomerId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.offer_memo import OfferMemo
from booking_core.scheduling.schedule import DateOverride
from booking_core.services.availability import SlotSearch
from booking_core.services.holds import HoldSlot
from booking_core.system import UuidIds
from booking_core.testing import FrozenClock, ScriptedPaymentGateway
from booking_core_sqlalchemy import SqlAlchemyStorage

ZONE = "Asia/Shanghai"
SERVICE = ServiceId("svc_1")
LI, WANG = TechnicianId("tec_li"), TechnicianId("tec_wang")
ALICE = CustomerId("cus_alice")
DAY = pendulum.date(2026, 3, 2)
TEN = pendulum.datetime(2026, 3, 2, 10, tz=ZONE)
SEARCH = SlotSearch(SERVICE, DAY)


def _apps(storage: SqlAlchemyStorage) -> tuple[BookingApp, BookingApp, OfferMemo]:
    clock = FrozenClock(pendulum.datetime(2026, 3, 1, 20, tz=ZONE))
    memo = OfferMemo()

    def app(offer_memo: OfferMemo) -> BookingApp:
        return build(
            uow=storage.unit_of_work,
            payments=ScriptedPaymentGateway(),
            clock=clock,
            ids=UuidIds(),
            policy=BookingPolicy(notice_minutes=60, window_days=14, slot_step_minutes=30),
            offer_memo=offer_memo,
        )

    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(
            Service(SERVICE, CategoryId("cat_1"), "Tuina 60", 60, Money(19900, "CNY"),
                    buffer_before_minutes=10, buffer_after_minutes=15)
        )  # fmt: skip
        for tid, name in ((LI, "Li"), (WANG, "Wang")):
            uow.technicians.add(
                Technician(tid, name, ZONE, WeeklyHours.every_day("09:00", "13:00"), {SERVICE})
            )
        uow.commit()
    return app(memo), app(OfferMemo(max_entries=0)), memo


def _who_at_ten(app: BookingApp) -> list[TechnicianId]:
    for slot in app.availability.search(SEARCH):
        if slot.slot.start == TEN:
            return [offer.technician_id for offer in slot.technicians]
    return []


def test_a_search_after_each_kind_of_write_answers_as_a_fresh_one(
    storage: SqlAlchemyStorage,
) -> None:
    remembering, fresh, memo = _apps(storage)
    assert _who_at_ten(remembering) == [LI, WANG]
    assert len(memo) == 2

    # A hold through the services (the booking insert's trigger)
    hold = remembering.holds.hold(HoldSlot(ALICE, LI, SERVICE, TEN), actor=Actor.customer(ALICE))
    assert _who_at_ten(remembering) == _who_at_ten(fresh) == [WANG]

    # Its release (the booking update's trigger)
    remembering.holds.release(hold.id, actor=Actor.customer(ALICE))
    assert _who_at_ten(remembering) == _who_at_ten(fresh) == [LI, WANG]

    # An operator's plain SQL on the technician's record (the technicians trigger)
    with storage.engine.begin() as connection:
        connection.execute(
            # His hours now count in London: 09:00 there is 17:00 in Shanghai.
            text("UPDATE technicians SET time_zone = :zone WHERE id = :id"),
            {"zone": "Europe/London", "id": WANG},
        )
    assert _who_at_ten(remembering) == _who_at_ten(fresh) == [LI]

    # A schedule saved through the repository (the work_schedules trigger)
    with storage.unit_of_work() as uow:
        uow.schedules.save(uow.schedules.get(LI).with_override(DateOverride.day_off(DAY)))
        uow.commit()
    assert _who_at_ten(remembering) == _who_at_ten(fresh) == []


def test_an_unchanged_technician_is_not_read_again(storage: SqlAlchemyStorage) -> None:
    remembering, _, _ = _apps(storage)
    remembering.availability.search(SEARCH)
    remembering.holds.hold(HoldSlot(ALICE, LI, SERVICE, TEN), actor=Actor.customer(ALICE))
    sent: list[tuple[str, str]] = []

    def listen(*args: Any) -> None:
        # (conn, cursor, statement, parameters, context, executemany)
        sent.append((args[2], repr(args[3])))

    event.listen(storage.engine, "before_cursor_execute", listen)
    try:
        remembering.availability.search(SEARCH)
    finally:
        event.remove(storage.engine, "before_cursor_execute", listen)

    # The versions of both are read; the bookings of Li alone (Wang's answer is remembered)
    assert any("agenda_versions" in statement for statement, _ in sent)
    bookings = [params for statement, params in sent if "FROM bookings" in statement]
    assert len(bookings) == 1
    assert LI in bookings[0]
    assert WANG not in bookings[0]


@pytest.mark.parametrize("cap", [None, 1])
def test_versions_survive_a_rolled_back_write(storage: SqlAlchemyStorage, cap: int | None) -> None:
    _apps(storage)
    with storage.unit_of_work() as uow:
        before = uow.agendas.versions([LI])
        uow.schedules.save(uow.schedules.get(LI).with_daily_cap(cap))
        uow.rollback()
    with storage.unit_of_work() as uow:
        assert uow.agendas.versions([LI]) == before
