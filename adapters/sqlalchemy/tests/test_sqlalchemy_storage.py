"""What the contract does not pin down but this adapter promises: every field round-trips,
errors leave the transaction usable, timelines are append-only, the SQLite settings hold."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pendulum
import pytest
from pendulum import DateTime
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from booking_core.accounts import Account, LoginSession, OneTimeCode
from booking_core.catalog import Category, Package, PackagePart, Service
from booking_core.dispatch.metrics import DispatchMetrics
from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound, SlotTaken
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.notifications import Delivery, Notification, Preferences, QuietHours, Recipient
from booking_core.orders import Actor, Order, OrderContact, Party, Review, Role
from booking_core.orders.order import TransitionRecord
from booking_core.orders.payments import MoneyMovement, PaymentAttempt, RefundRecord
from booking_core.orders.policy import PaymentMode
from booking_core.orders.statements import StatementCheck
from booking_core.orders.tracking import PositionReport
from booking_core.outbox import OutboxMessage
from booking_core.ports.jobs import Job
from booking_core.ports.storage import OrderQuery, UnitOfWork
from booking_core.pricing import Quote, QuoteLine
from booking_core.promotions import CouponId
from booking_core.scheduling import Booking, BusyBlock, CalendarFeed, Technician, WeeklyHours
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import Gender, TechnicianProfile
from booking_core.scheduling.schedule import DateOverride, WorkSchedule
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage
from booking_core_sqlalchemy.engine import SQLITE_BUSY_TIMEOUT_MS
from booking_core_sqlalchemy.tables import UtcDateTime

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
TECH = TechnicianId("tec_1")


def _order(n: int = 1) -> Order:
    return Order.place(
        order_id=OrderId(f"ord_{n}"),
        customer_id=CustomerId("cus_1"),
        technician_id=TECH,
        service_id=ServiceId("svc_1"),
        booking_id=BookingId(f"bkg_{n}"),
        slot=TimeRange(T0, T0.add(hours=1)),
        time_zone="America/New_York",
        price=Money(19900, "CNY"),
        at=T0.subtract(days=1),
    )


def _record(order: Order, event: str, to_state: str, at: DateTime) -> None:
    # Built by hand rather than through Order.transition: storage must not depend on the
    # lifecycle's rules, only keep what it is given.
    order.timeline.append(
        TransitionRecord(
            sequence=len(order.timeline) + 1,
            event=event,
            from_state=order.state,
            to_state=to_state,
            actor=Actor("ops_1", Role.PLATFORM),
            at=at,
            reason=f"{event} by hand",
        )
    )
    order.state = to_state


def test_technician_profile_round_trips(storage: SqlAlchemyStorage) -> None:
    profile = TechnicianProfile(
        gender=Gender.FEMALE,
        skills={"tuina", "thai"},
        rating=Decimal("4.5"),
        prices={ServiceId("svc_1"): Money(25900, "CNY")},
        store_id=None,
        service_area=ServiceArea(GeoPoint(31.2304, 121.4737), 8.5),
    )
    technician = Technician(
        TECH, "Li", "Asia/Shanghai", WeeklyHours.every_day("09:00", "18:00"), {ServiceId("a")},
        profile,
    )  # fmt: skip
    with storage.unit_of_work() as uow:
        uow.technicians.add(technician)
        uow.commit()

    with storage.unit_of_work() as uow:
        assert uow.technicians.get(TECH) == technician


def test_hold_with_location_round_trips_and_lists_for_many(storage: SqlAlchemyStorage) -> None:
    hold = Booking(
        BookingId("bkg_1"),
        TECH,
        None,
        TimeRange(T0, T0.add(hours=1)),
        TimeRange(T0.subtract(minutes=25), T0.add(hours=1, minutes=15)),
        service_id=ServiceId("svc_1"),
        holder=CustomerId("cus_1"),
        hold_expires_at=T0.subtract(hours=2),
        location=GeoPoint(31.2304, 121.4737),
        travel_minutes=15,
    )
    other = Booking(BookingId("bkg_2"), TechnicianId("tec_0"), OrderId("ord_2"),
                    TimeRange(T0, T0.add(hours=1)), TimeRange(T0, T0.add(hours=1)))  # fmt: skip
    with storage.unit_of_work() as uow:
        uow.bookings.add(hold)
        uow.bookings.add(other)
        uow.commit()

    with storage.unit_of_work() as uow:
        assert uow.bookings.get(BookingId("bkg_1")) == hold
        found = uow.bookings.list_active_many([TECH, TechnicianId("tec_0")], hold.slot)
        assert [b.id for b in found] == ["bkg_2", "bkg_1"]
        assert uow.bookings.list_active_many([], hold.slot) == []


def test_schedules_are_compare_and_set(storage: SqlAlchemyStorage) -> None:
    with storage.unit_of_work() as uow:
        empty = uow.schedules.get(TECH)
    assert empty == WorkSchedule.empty(TECH)
    changed = empty.with_daily_cap(4).with_override(
        DateOverride(pendulum.date(2026, 3, 3), ((9 * 60, 12 * 60),))
    )

    with storage.unit_of_work() as uow:
        saved = uow.schedules.save(changed)
        uow.commit()
    with storage.unit_of_work() as uow, pytest.raises(ConcurrentUpdate):
        uow.schedules.save(changed)  # still version 0: someone saved since

    assert saved.version == 1
    with storage.unit_of_work() as uow:
        assert uow.schedules.get(TECH) == saved
        resaved = uow.schedules.save(saved.with_daily_cap(None))
        many = uow.schedules.get_many([TECH, TechnicianId("tec_9")])
    assert resaved.version == 2
    assert many == {TECH: resaved, TechnicianId("tec_9"): WorkSchedule.empty(TechnicianId("tec_9"))}


def test_order_instants_come_back_in_the_orders_zone(storage: SqlAlchemyStorage) -> None:
    order = _order()
    _record(order, "cancel", "cancelled", T0.subtract(hours=3))
    with storage.unit_of_work() as uow:
        uow.orders.add(order)
        uow.commit()

    with storage.unit_of_work() as uow:
        loaded = uow.orders.get(order.id)
    assert loaded.slot == order.slot
    assert loaded.placed_at == order.placed_at
    assert loaded.slot.start.timezone_name == "America/New_York"
    assert loaded.timeline[0].at.timezone_name == "America/New_York"
    assert loaded.timeline == order.timeline


def test_save_of_an_unknown_order_is_not_found(storage: SqlAlchemyStorage) -> None:
    with storage.unit_of_work() as uow, pytest.raises(NotFound) as caught:
        uow.orders.save(_order())
    assert caught.value.error_code == "order_not_found"


def test_save_appends_only_new_timeline_records(storage: SqlAlchemyStorage) -> None:
    order = _order()
    with storage.unit_of_work() as uow:
        uow.orders.add(order)
        uow.commit()
    for event, state in (("pay", "pending_acceptance"), ("accept", "accepted")):
        with storage.unit_of_work() as uow:
            loaded = uow.orders.get(order.id)
            _record(loaded, event, state, T0)
            uow.orders.save(loaded)
            uow.commit()

    with storage.unit_of_work() as uow:
        stored = uow.orders.get(order.id)
        with pytest.raises(DBAPIError):  # the database refuses to rewrite history
            uow.connection.execute(text("UPDATE order_transitions SET reason = 'rewritten'"))
    assert [(r.sequence, r.event) for r in stored.timeline] == [(1, "pay"), (2, "accept")]
    assert stored.version == 2


def test_errors_leave_the_unit_of_work_usable(storage: SqlAlchemyStorage) -> None:
    booking = Booking(BookingId("bkg_1"), TECH, None, TimeRange(T0, T0.add(hours=1)),
                      TimeRange(T0, T0.add(hours=1)))  # fmt: skip
    with storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.bookings.add(booking)
        with pytest.raises(DuplicateEntity):
            uow.categories.add(Category(CategoryId("cat_1"), "Again"))
        with pytest.raises(SlotTaken):
            uow.bookings.add(attrs.evolve(booking, id=BookingId("bkg_2")))
        uow.categories.add(Category(CategoryId("cat_2"), "Beauty"))
        uow.commit()

    with storage.unit_of_work() as uow:
        assert [c.id for c in uow.categories.list()] == ["cat_2", "cat_1"]


def test_a_unit_of_work_is_used_inside_with_only(storage: SqlAlchemyStorage) -> None:
    uow = storage.unit_of_work()

    with pytest.raises(RuntimeError, match="inside 'with uow:'"):
        uow.categories.list()
    with uow, pytest.raises(RuntimeError, match="in use"):
        uow.__enter__()


def test_sqlite_connections_are_configured(sqlite_storage: SqlAlchemyStorage) -> None:
    with sqlite_storage.engine.connect() as connection:
        settings = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert settings == {"journal_mode": "wal", "foreign_keys": 1,
                        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS}  # fmt: skip


def test_sqlite_stores_instants_as_sortable_utc_text(sqlite_storage: SqlAlchemyStorage) -> None:
    booking = Booking(BookingId("bkg_1"), TECH, None, TimeRange(T0, T0.add(hours=1)),
                      TimeRange(T0, T0.add(hours=1)))  # fmt: skip
    with sqlite_storage.unit_of_work() as uow:
        uow.bookings.add(booking)
        raw = uow.connection.execute(text("SELECT slot_start FROM bookings")).scalar_one()
    assert raw == "2026-03-02 01:00:00.000000+00:00"


def test_naive_datetimes_are_refused(storage: SqlAlchemyStorage) -> None:
    naive = pendulum.naive(2026, 1, 1)

    with pytest.raises(ValueError, match="aware"):
        UtcDateTime().process_bind_param(naive, storage.engine.dialect)  # type: ignore[arg-type]


def _coupon_quote() -> Quote:
    cny = lambda amount: Money(amount, "CNY")  # noqa: E731
    line = QuoteLine(
        index=0,
        service_id=ServiceId("svc_tuina"),
        quantity=1,
        base=cny(19900),
        tier=cny(0),
        campaign=cny(0),
        threshold=cny(0),
        coupon=cny(2000),
        points=cny(0),
        payable=cny(17900),
        platform_funded=cny(2000),
    )
    return Quote("CNY", T0, (line,), cny(0), coupon_id=CouponId("cpn_1"))


def test_every_order_field_round_trips(storage: SqlAlchemyStorage) -> None:
    order = attrs.evolve(
        _order(),
        number="260302-000127-4",
        payment_mode=PaymentMode.DEPOSIT,
        upfront=Money(5000, "CNY"),
        paid=Money(5000, "CNY"),
        refunded=Money(1000, "CNY"),
        destination=GeoPoint(31.2304, 121.4737),
        late_minutes=12,
        cancel_cause="customer",
        cancellation_fee=Money(2000, "CNY"),
        held=Money(3000, "CNY"),
        review_closed=True,
        technician_id=None,
        price=Money(17900, "CNY"),
        quote=_coupon_quote(),
        contact=OrderContact(
            "+8613812345678", "王女士", "上海市", "上海市", "黄浦区", "南京东路 1 号"
        ),
        party=Party("pty_7", 2, 1),
        holding_id="pkh_3",
    )
    with storage.unit_of_work() as uow:
        uow.orders.add(order)
        uow.orders.add(attrs.evolve(_order(), id=OrderId("ord_solo"), number="x"))
        uow.commit()

    with storage.unit_of_work() as uow:
        loaded = uow.orders.get_by_number("260302-000127-4")
        party = uow.orders.find(OrderQuery(party_id="pty_7"))
    fields = [f.name for f in attrs.fields(Order) if f.init and f.name != "timeline"]
    assert {n: getattr(loaded, n) for n in fields} == {n: getattr(order, n) for n in fields}
    assert [o.id for o in party] == [order.id]


def test_order_numbers_grow_and_unknown_numbers_are_not_found(
    storage: SqlAlchemyStorage,
) -> None:
    with storage.unit_of_work() as uow:
        first, second = uow.orders.next_sequence(), uow.orders.next_sequence()
        uow.commit()
    with storage.unit_of_work() as uow:
        third = uow.orders.next_sequence()
        with pytest.raises(NotFound) as caught:
            uow.orders.get_by_number("000000-000000-0")

    assert 0 < first < second < third
    assert caught.value.error_code == "order_not_found"


# When the core adds a field to a stored class, this fails until the adapter stores it
# (update mapping.py, tables.py and add a migration), instead of silently dropping data.
STORED_FIELDS = {
    Category: {"id", "name", "parent_id"},
    Service: {"id", "category_id", "name", "duration_minutes", "price", "description",
              "buffer_before_minutes", "buffer_after_minutes", "rules", "technicians_needed"},
    Technician: {"id", "name", "time_zone", "weekly_hours", "service_ids", "profile"},
    Booking: {"id", "technician_id", "order_id", "slot", "blocked", "active", "service_id",
              "holder", "hold_expires_at", "location", "travel_minutes"},
    Order: {"id", "customer_id", "technician_id", "service_id", "booking_id", "slot",
            "time_zone", "price", "placed_at", "state", "paid", "version", "timeline", "number",
            "payment_mode", "upfront", "refunded", "destination", "late_minutes",
            "cancel_cause", "cancellation_fee", "review_closed", "quote", "contact",
            "dispatch", "held", "party", "holding_id"},
    TransitionRecord: {"sequence", "event", "from_state", "to_state", "actor", "at", "reason"},
    Review: {"id", "order_id", "customer_id", "technician_id", "stars", "text", "created_at",
             "ratings", "tags", "photos", "anonymous", "reply", "follow_up", "moderation",
             "version"},
    OutboxMessage: {"id", "name", "payload", "created_at", "attempts", "delivered_at",
                    "last_error", "state", "due_at"},
    PaymentAttempt: {"key", "order_id", "purpose", "amount", "status", "created_at",
                     "updated_at", "gateway_reference", "failure_code", "gateway", "captured"},
    RefundRecord: {"key", "order_id", "payment_key", "amount", "status", "reason",
                   "requested_at", "updated_at", "gateway"},
    MoneyMovement: {"key", "order_id", "kind", "amount", "at", "source", "gateway"},
    PositionReport: {"order_id", "technician_id", "point", "reported_at"},
    Job: {"id", "kind", "subject", "due_at", "status", "attempts", "locked_by", "locked_until",
          "last_error"},
    Account: {"id", "role", "actor_id", "staff", "login", "phone", "password_hash",
              "wechat_openid", "email", "disabled", "created_at", "version"},
    LoginSession: {"id", "account_id", "refresh_hash", "generation", "created_at", "expires_at",
                   "revoked_at", "revoked_reason", "version"},
    OneTimeCode: {"phone", "purpose", "code_hash", "sent_at", "expires_at", "attempts",
                  "version"},
    Notification: {"id", "recipient", "template", "params", "kind", "subject", "created_at",
                   "urgent", "read_at"},
    Recipient: {"role", "id"},
    Delivery: {"id", "notification_id", "channel", "status", "updated_at", "attempts",
               "provider_id", "detail"},
    Preferences: {"recipient", "muted", "quiet_hours", "locale"},
    QuietHours: {"start", "end", "time_zone"},
    DispatchMetrics: {"technician_id", "offered", "accepted", "refused", "timed_out", "grabbed",
                      "assigned", "completed", "last_assigned_at"},
    StatementCheck: {"provider", "day", "checked_at", "entries", "differences"},
    BusyBlock: {"technician_id", "source", "uid", "span", "buffer_before_minutes",
                "buffer_after_minutes", "summary"},
    CalendarFeed: {"id", "technician_id", "url", "refresh_minutes", "buffer_before_minutes",
                   "buffer_after_minutes", "time_zone", "last_refreshed_at", "failures",
                   "last_error"},
    Package: {"id", "name", "parts", "price", "valid_days", "active"},
    PackagePart: {"service_id", "visits", "unit_price"},
    # Stored as converter documents, so new fields travel by themselves: PackageHolding,
    # WorkSchedule,
    # a review's reply, follow-up and moderation (Reply, FollowUp, Moderation),
    # TechnicianProfile, Complaint, DispatchState, a statement check's differences.
}  # fmt: skip


@pytest.mark.parametrize("cls", list(STORED_FIELDS), ids=lambda c: c.__name__)
def test_every_domain_field_is_stored(cls: type[Any]) -> None:
    fields = {f.name for f in attrs.fields(cls) if f.init}

    assert fields == STORED_FIELDS[cls]


def test_the_unit_of_work_has_every_repository_of_the_port(
    sqlite_storage: SqlAlchemyStorage,
) -> None:
    wanted = {name for name, value in vars(UnitOfWork).items() if isinstance(value, property)}
    uow = sqlite_storage.unit_of_work()

    missing = sorted(name for name in wanted if not hasattr(uow, name))
    assert missing == [], "the port grew: add these repositories to the adapter"
