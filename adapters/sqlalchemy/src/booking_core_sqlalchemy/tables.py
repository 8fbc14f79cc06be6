"""The schema: one typed declarative row class per table, all on one :data:`metadata`.

Row classes describe the tables; the repositories run SQLAlchemy Core statements against
their ``__table__`` (no ORM unit of work on the hot paths). The schema in a database is
created and changed only by the Alembic migrations in ``booking_core_sqlalchemy.migrations``;
a test keeps them and this module in step.

Conventions:

* instants are :class:`UtcDateTime`: ``timestamp with time zone`` on PostgreSQL, fixed-width
  ISO 8601 text in UTC on SQLite (so text order is time order); read back as aware pendulum
  ``DateTime`` in UTC;
* money is two columns, ``<name>_amount`` (BIGINT minor units) and ``<name>_currency`` (CHAR 3);
* ids and names compare byte-wise (``COLLATE "C"`` on PostgreSQL), so "ordered by name" means
  the same on every database as in the in-memory reference;
* JSON-ish values (weekly hours, outbox payloads) are written in the core converter's wire form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, cast

import pendulum
from pendulum import DateTime
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Sequence,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

__all__ = [
    "NAMING_CONVENTION",
    "AccountRow",
    "AgendaVersionRow",
    "AuditEntryRow",
    "Base",
    "BookingRow",
    "BusyBlockRow",
    "CalendarFeedRow",
    "CampaignRow",
    "CategoryRow",
    "CommissionRow",
    "ComplaintRow",
    "CounterRow",
    "CouponRow",
    "CouponTemplateRow",
    "CustomerRow",
    "DispatchMetricsRow",
    "DistributorRow",
    "FeedSecretRow",
    "IdempotencyKeyRow",
    "JobRow",
    "LedgerPostingRow",
    "LedgerTransactionRow",
    "LoginSessionRow",
    "MoneyMovementRow",
    "NotificationDeliveryRow",
    "NotificationPreferencesRow",
    "NotificationRow",
    "OneTimeCodeRow",
    "OrderRow",
    "OrderTransitionRow",
    "OutboxMessageRow",
    "PackageHoldingRow",
    "PackageRow",
    "PaymentAttemptRow",
    "PointsAccountRow",
    "PointsCheckInRow",
    "PointsLotRow",
    "PointsMovementRow",
    "PositionReportRow",
    "ReferralBindingRow",
    "ReferralCodeRow",
    "RefundRow",
    "ReviewRow",
    "RewardExchangeRow",
    "RewardGiftRow",
    "RewardRedemptionRow",
    "ServiceRow",
    "StatementCheckRow",
    "StoreAnnouncementRow",
    "StoreRow",
    "SubscriptionGrantRow",
    "TechnicianApplicationRow",
    "TechnicianRow",
    "TierChangeRow",
    "TierStatusRow",
    "UtcDateTime",
    "WebhookEventRow",
    "WithdrawalRow",
    "WorkScheduleRow",
    "accounts",
    "agenda_versions",
    "audit_entries",
    "bookings",
    "busy_blocks",
    "calendar_feeds",
    "campaigns",
    "categories",
    "commissions",
    "complaints",
    "counters",
    "coupon_templates",
    "coupons",
    "customers",
    "dispatch_metrics",
    "distributors",
    "feed_secrets",
    "idempotency_keys",
    "jobs",
    "ledger_postings",
    "ledger_transactions",
    "login_sessions",
    "metadata",
    "money_movements",
    "notification_deliveries",
    "notification_preferences",
    "notifications",
    "one_time_codes",
    "order_number_seq",
    "order_transitions",
    "orders",
    "outbox_messages",
    "package_holdings",
    "packages",
    "payment_attempts",
    "points_accounts",
    "points_check_ins",
    "points_lots",
    "points_movements",
    "position_reports",
    "referral_bindings",
    "referral_codes",
    "refunds",
    "reviews",
    "reward_exchanges",
    "reward_gifts",
    "reward_redemptions",
    "services",
    "statement_checks",
    "store_announcements",
    "stores",
    "subscription_grants",
    "technician_applications",
    "technicians",
    "tier_changes",
    "tier_statuses",
    "utc_instant",
    "webhook_events",
    "withdrawals",
    "work_schedules",
]

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_UTC = dt.UTC
_ZERO = dt.timedelta(0)
_PendulumDateTime = pendulum.DateTime
_PENDULUM_UTC = pendulum.UTC


def key_type() -> TypeEngine[str]:
    """Ids and names: byte-wise comparison everywhere (``COLLATE "C"`` on PostgreSQL)."""
    return Text().with_variant(Text(collation="C"), "postgresql")


def json_type() -> TypeEngine[Any]:
    """JSON text on SQLite, ``jsonb`` on PostgreSQL."""
    return JSON().with_variant(postgresql.JSONB(), "postgresql")


def nullable_json_type() -> TypeEngine[Any]:
    """:func:`json_type` whose None is SQL ``NULL`` rather than the JSON text ``null``, so
    that ``IS NULL`` / ``IS NOT NULL`` filter on it (and a partial index can)."""
    return JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


class UtcDateTime(TypeDecorator[DateTime]):
    """An aware instant stored in UTC; naive datetimes are refused.

    PostgreSQL: ``timestamp with time zone``. SQLite: ``YYYY-MM-DD HH:MM:SS.ffffff+00:00``
    text — fixed width, so comparing the text compares the instants.
    """

    impl = postgresql.TIMESTAMP(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))

    def process_bind_param(self, value: DateTime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.utcoffset() is None:
            raise ValueError(f"booking_core stores aware datetimes only; got {value!r}")
        utc = value.astimezone(_UTC)
        # A plain stdlib datetime: drivers need not know pendulum.
        plain = dt.datetime(
            utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, _UTC
        )
        if dialect.name == "sqlite":
            return plain.isoformat(sep=" ", timespec="microseconds")
        return plain

    def process_result_value(self, value: Any, dialect: Dialect) -> DateTime | None:
        return utc_instant(value)


def utc_instant(value: Any) -> DateTime | None:
    """What :class:`UtcDateTime` reads from the driver's value (text on SQLite, a datetime
    on PostgreSQL): the instant as a pendulum DateTime in UTC; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    utc = cast(dt.datetime, value)
    if utc.utcoffset() != _ZERO:  # what UtcDateTime writes is UTC already
        utc = utc.astimezone(_UTC)
    # Built field by field: ~9x cheaper than pendulum.instance(...).in_timezone("UTC"),
    # and every instant of every row read passes here (positional: cheaper still).
    return _PendulumDateTime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond,
        _PENDULUM_UTC,
    )  # fmt: skip


class Base(DeclarativeBase):
    """Declarative base of every row class; carries the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata: Final = Base.metadata


class CategoryRow(Base):
    """A row of ``categories``."""

    __tablename__ = "categories"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    name: Mapped[str] = mapped_column(key_type())
    parent_id: Mapped[str | None] = mapped_column(key_type())


class ServiceRow(Base):
    """A row of ``services``; the price is ``price_amount`` + ``price_currency``."""

    __tablename__ = "services"
    __table_args__ = (Index(None, "category_id"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    category_id: Mapped[str] = mapped_column(key_type())
    name: Mapped[str] = mapped_column(key_type())
    description: Mapped[str] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    price_currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    # Its own booking rules (revision 0026); null: the platform's.
    rules_step_minutes: Mapped[int | None] = mapped_column(Integer)
    rules_notice_minutes: Mapped[int | None] = mapped_column(Integer)
    rules_window_days: Mapped[int | None] = mapped_column(Integer)
    rules_window_kind: Mapped[str | None] = mapped_column(Text)
    # How many technicians serve it at once (revision 0027).
    technicians_needed: Mapped[int] = mapped_column(Integer, server_default="1")


class TechnicianRow(Base):
    """A row of ``technicians``; weekly hours and profile in the converter's wire form."""

    __tablename__ = "technicians"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    name: Mapped[str] = mapped_column(key_type())
    time_zone: Mapped[str] = mapped_column(Text)
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(json_type())
    service_ids: Mapped[list[str]] = mapped_column(json_type())
    profile: Mapped[dict[str, Any]] = mapped_column(json_type())


class BookingRow(Base):
    """A row of ``bookings`` (checkout holds included: ``hold_expires_at`` is set).

    On PostgreSQL the exclusion constraint ``ex_bookings_no_overlap`` refuses two active rows
    of one technician whose ``[blocked_start, blocked_end)`` ranges overlap (INVARIANTS I1).
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("slot_end > slot_start", name="slot_not_empty"),
        CheckConstraint("blocked_end > blocked_start", name="blocked_not_empty"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    technician_id: Mapped[str] = mapped_column(key_type())
    order_id: Mapped[str | None] = mapped_column(key_type())
    slot_start: Mapped[DateTime] = mapped_column(UtcDateTime())
    slot_end: Mapped[DateTime] = mapped_column(UtcDateTime())
    blocked_start: Mapped[DateTime] = mapped_column(UtcDateTime())
    blocked_end: Mapped[DateTime] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(Boolean)
    service_id: Mapped[str | None] = mapped_column(key_type())
    holder: Mapped[str | None] = mapped_column(key_type())
    hold_expires_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    location_lat: Mapped[float | None] = mapped_column(Double())
    location_lon: Mapped[float | None] = mapped_column(Double())
    travel_minutes: Mapped[int] = mapped_column(Integer)


class WorkScheduleRow(Base):
    """A row of ``work_schedules``: a technician's schedule as a converter document.

    ``version`` is the compare-and-set counter (a technician without a row is at version 0).
    """

    __tablename__ = "work_schedules"

    technician_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer)


class AgendaVersionRow(Base):
    """A row of ``agenda_versions``: a technician's agenda version (revision 0005).

    Kept by triggers, never by the adapter's statements: every insert, update or delete of
    his ``bookings``, ``technicians`` or ``work_schedules`` rows adds one, in the same
    transaction (so the booking path sends no statement more). A technician without a row
    is at version 0. ``AgendaRepository.versions`` reads it; the "any technician" search
    reuses answers computed under the same version.
    """

    __tablename__ = "agenda_versions"

    technician_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class CustomerRow(Base):
    """A row of ``customers`` (revision 0006): key columns plus the converter document of
    the customer (details, address book, favourites); ``tier`` is a column because
    checkout's standing read takes it with the order counts in one statement."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    tier: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class StoreRow(Base):
    """A row of ``stores`` (revision 0008): key columns plus the converter document of the
    store (profile, own prices, invitations). Its members are the technicians whose profile
    names it."""

    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    name: Mapped[str] = mapped_column(key_type())
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class StoreAnnouncementRow(Base):
    """A row of ``store_announcements`` (revision 0008), listed per store newest first."""

    __tablename__ = "store_announcements"
    __table_args__ = (Index(None, "store_id", "published_at"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    store_id: Mapped[str] = mapped_column(key_type())
    audience: Mapped[str] = mapped_column(Text)
    published_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)


class OrderRow(Base):
    """A row of ``orders``; ``version`` is the compare-and-set counter of ``save``.

    Money columns come in pairs (``price_*``, ``upfront_*``, ``paid_*``, ``refunded_*``,
    ``cancellation_fee_*``, ``held_*``); the destination is ``destination_lat``/``destination_lon``;
    ``quote`` is how the price was made, as a converter document (null for orders stored
    before revision 0003); ``contact`` the address-book entry copied at placement (null
    when placed without one); ``dispatch`` the dispatch state of an order placed without a
    technician (revision 0016; SQL ``NULL`` — not JSON ``null`` — for the others, so that
    the waiting filter ``technician_id IS NULL AND dispatch IS NOT NULL`` and the partial
    index ``ix_orders_waiting`` below can test it).
    """

    __tablename__ = "orders"
    # A customer's orders by placing time; a technician's (and a store's) by slot start.
    __table_args__ = (
        Index(None, "customer_id", "placed_at"),
        Index(None, "technician_id", "slot_start"),
        Index(None, "party_id"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    number: Mapped[str] = mapped_column(key_type())
    customer_id: Mapped[str] = mapped_column(key_type())
    technician_id: Mapped[str | None] = mapped_column(key_type())
    service_id: Mapped[str] = mapped_column(key_type())
    booking_id: Mapped[str] = mapped_column(key_type())
    slot_start: Mapped[DateTime] = mapped_column(UtcDateTime())
    slot_end: Mapped[DateTime] = mapped_column(UtcDateTime())
    time_zone: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(Text)
    payment_mode: Mapped[str] = mapped_column(Text)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    price_currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    upfront_amount: Mapped[int] = mapped_column(BigInteger)
    upfront_currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    paid_amount: Mapped[int | None] = mapped_column(BigInteger)
    paid_currency: Mapped[str | None] = mapped_column(postgresql.CHAR(3))
    refunded_amount: Mapped[int | None] = mapped_column(BigInteger)
    refunded_currency: Mapped[str | None] = mapped_column(postgresql.CHAR(3))
    cancellation_fee_amount: Mapped[int | None] = mapped_column(BigInteger)
    cancellation_fee_currency: Mapped[str | None] = mapped_column(postgresql.CHAR(3))
    # Authorized on a hold, not yet captured or voided (revision 0023).
    held_amount: Mapped[int | None] = mapped_column(BigInteger)
    held_currency: Mapped[str | None] = mapped_column(postgresql.CHAR(3))
    destination_lat: Mapped[float | None] = mapped_column(Double())
    destination_lon: Mapped[float | None] = mapped_column(Double())
    late_minutes: Mapped[int | None] = mapped_column(Integer)
    cancel_cause: Mapped[str | None] = mapped_column(Text)
    review_closed: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    quote: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    contact: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    dispatch: Mapped[dict[str, Any] | None] = mapped_column(nullable_json_type())
    # The party of a service for several technicians (revision 0027); null: none.
    party_id: Mapped[str | None] = mapped_column(key_type())
    party_size: Mapped[int | None] = mapped_column(Integer)
    party_seat: Mapped[int | None] = mapped_column(Integer)
    # The package holding whose visit paid the order (revision 0030); null: paid with money.
    holding_id: Mapped[str | None] = mapped_column(key_type())


class CounterRow(Base):
    """A row of ``counters``: named increasing numbers (SQLite's order numbers; PostgreSQL
    uses the sequence ``order_number_seq`` instead, which never blocks concurrent orders)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(key_type(), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class JobRow(Base):
    """A row of ``jobs``: time-driven work, claimed by one worker at a time (a lease)."""

    __tablename__ = "jobs"
    __table_args__ = (Index(None, "subject"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(key_type())
    due_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    locked_by: Mapped[str | None] = mapped_column(Text)
    locked_until: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


def _serial() -> TypeEngine[int]:
    # BIGSERIAL on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
    return BigInteger().with_variant(Integer(), "sqlite")


class PaymentAttemptRow(Base):
    """A row of ``payment_attempts``, one per idempotency key."""

    __tablename__ = "payment_attempts"
    __table_args__ = (Index(None, "order_id"),)

    key: Mapped[str] = mapped_column(key_type(), primary_key=True)
    order_id: Mapped[str] = mapped_column(key_type())
    purpose: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    status: Mapped[str] = mapped_column(Text)
    created_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    updated_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    gateway_reference: Mapped[str | None] = mapped_column(Text)
    failure_code: Mapped[str | None] = mapped_column(Text)
    # The provider that was asked (revision 0021); '' before routing: the default one.
    gateway: Mapped[str] = mapped_column(Text, server_default="")
    # The part of a hold that was captured (revision 0023); null: all of it, or none.
    captured_amount: Mapped[int | None] = mapped_column(BigInteger)


class RefundRow(Base):
    """A row of ``refunds``, one per idempotency key."""

    __tablename__ = "refunds"
    __table_args__ = (Index(None, "order_id"),)

    key: Mapped[str] = mapped_column(key_type(), primary_key=True)
    order_id: Mapped[str] = mapped_column(key_type())
    payment_key: Mapped[str] = mapped_column(key_type())
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    status: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    updated_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    gateway: Mapped[str] = mapped_column(Text, server_default="")  # revision 0021


class MoneyMovementRow(Base):
    """A row of the append-only ``money_movements``; ``position`` is the order applied."""

    __tablename__ = "money_movements"
    __table_args__ = (Index(None, "order_id"), Index(None, "at"))

    position: Mapped[int] = mapped_column(_serial(), primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(key_type(), unique=True)
    order_id: Mapped[str] = mapped_column(key_type())
    kind: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    at: Mapped[DateTime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(Text)
    gateway: Mapped[str] = mapped_column(Text, server_default="")  # revision 0022


class StatementCheckRow(Base):
    """A row of ``statement_checks`` (revision 0022): one provider's statement of one day
    matched against our money, with every difference (a JSON list)."""

    __tablename__ = "statement_checks"

    provider: Mapped[str] = mapped_column(key_type(), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    checked_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    entries: Mapped[int] = mapped_column(Integer)
    differences: Mapped[Any] = mapped_column(json_type())


class WebhookEventRow(Base):
    """A row of ``webhook_events``: a raw payment notification, once per (gateway, id)."""

    __tablename__ = "webhook_events"

    gateway: Mapped[str] = mapped_column(key_type(), primary_key=True)
    event_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[DateTime] = mapped_column(UtcDateTime())


class IdempotencyKeyRow(Base):
    """A row of ``idempotency_keys``: an order placed under a client's idempotency key.

    The primary key (actor, key) decides between concurrent requests with the same key;
    the row is written in the transaction that stores the order (revision 0004).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index(None, "expires_at"),)

    actor_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    key: Mapped[str] = mapped_column(key_type(), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)
    order_id: Mapped[str] = mapped_column(key_type())
    created_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    expires_at: Mapped[DateTime] = mapped_column(UtcDateTime())


class ComplaintRow(Base):
    """A row of ``complaints``: key columns plus the converter document of the complaint."""

    __tablename__ = "complaints"
    __table_args__ = (Index(None, "order_id"), Index(None, "state", "filed_at"))

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    order_id: Mapped[str] = mapped_column(key_type())
    state: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class TechnicianApplicationRow(Base):
    """A row of ``technician_applications`` (revision 0007): key columns plus the converter
    document of the application (documents, review notes, timeline)."""

    __tablename__ = "technician_applications"
    __table_args__ = (
        Index(None, "technician_id", "submitted_at"),
        Index(None, "state", "submitted_at"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    technician_id: Mapped[str] = mapped_column(key_type())
    state: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class PositionReportRow(Base):
    """A row of ``position_reports``: where a technician was on the way to an order."""

    __tablename__ = "position_reports"
    __table_args__ = (Index(None, "order_id", "reported_at"),)

    id: Mapped[int] = mapped_column(_serial(), primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(key_type())
    technician_id: Mapped[str] = mapped_column(key_type())
    lat: Mapped[float] = mapped_column(Double())
    lon: Mapped[float] = mapped_column(Double())
    reported_at: Mapped[DateTime] = mapped_column(UtcDateTime())


class OrderTransitionRow(Base):
    """A row of ``order_transitions``: one timeline record, appended once, never updated."""

    __tablename__ = "order_transitions"

    order_id: Mapped[str] = mapped_column(key_type(), ForeignKey("orders.id"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(Text)
    from_state: Mapped[str] = mapped_column(Text)
    to_state: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str] = mapped_column(Text)
    actor_role: Mapped[str] = mapped_column(Text)
    at: Mapped[DateTime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text)


class ReviewRow(Base):
    """A row of ``reviews``; at most one per order."""

    __tablename__ = "reviews"
    __table_args__ = (Index(None, "technician_id", "created_at"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    order_id: Mapped[str] = mapped_column(key_type(), unique=True)
    customer_id: Mapped[str] = mapped_column(key_type())
    technician_id: Mapped[str] = mapped_column(key_type())
    stars: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    # Revision 0024: ratings, tags, photos, anonymity, reply, follow-up and moderation in
    # the converter's document; the moderation state beside it for the staff's queue.
    document: Mapped[dict[str, Any]] = mapped_column(json_type(), server_default="{}")
    moderation_state: Mapped[str | None] = mapped_column(Text, index=True)
    version: Mapped[int] = mapped_column(Integer, server_default="0")


class OutboxMessageRow(Base):
    """A row of ``outbox_messages``; ``payload`` is the event unstructured by the converter."""

    __tablename__ = "outbox_messages"
    # The relay's scan: pending messages, oldest first.
    __table_args__ = (Index(None, "state", "created_at", "id"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer)
    delivered_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)
    due_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())


class CouponTemplateRow(Base):
    """A row of ``coupon_templates``: the template as a converter document and ``issued``, the
    number of coupons issued from it ever (read and raised under the row's lock)."""

    __tablename__ = "coupon_templates"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    issued: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class CouponRow(Base):
    """A row of ``coupons``: key columns plus the converter document of the coupon.

    ``status`` and ``order_id`` are what :meth:`replace` compares and sets.
    """

    __tablename__ = "coupons"
    __table_args__ = (
        Index(None, "template_id", "customer_id"),
        Index(None, "customer_id", "issued_at"),
        Index(None, "order_id"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    template_id: Mapped[str] = mapped_column(key_type())
    customer_id: Mapped[str] = mapped_column(key_type())
    status: Mapped[str] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(key_type())
    issued_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class CampaignRow(Base):
    """A row of ``campaigns``: the campaign (with what it spent) as a converter document."""

    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    starts_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class LedgerTransactionRow(Base):
    """A row of the append-only ``ledger_transactions`` (a trigger refuses UPDATE and DELETE).

    ``position`` is the recording order. ``id`` is unique (idempotent recording), ``reverses``
    is unique (a transaction is reversed once), and ``(order_id, order_sequence)`` is unique
    (two entries built from the same history of an order cannot both be recorded).
    """

    __tablename__ = "ledger_transactions"
    __table_args__ = (
        UniqueConstraint("order_id", "order_sequence"),
        UniqueConstraint("reverses"),
    )

    position: Mapped[int] = mapped_column(_serial(), primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(key_type(), unique=True)
    kind: Mapped[str] = mapped_column(Text)
    at: Mapped[DateTime] = mapped_column(UtcDateTime())
    order_id: Mapped[str | None] = mapped_column(key_type())
    order_sequence: Mapped[int | None] = mapped_column(Integer)
    reverses: Mapped[str | None] = mapped_column(key_type())
    memo: Mapped[str] = mapped_column(Text)


class LedgerPostingRow(Base):
    """A row of the append-only ``ledger_postings``: one posting (debit positive) of a
    transaction; balances are sums over these rows."""

    __tablename__ = "ledger_postings"
    __table_args__ = (Index(None, "account_kind", "account_owner", "currency"),)

    transaction_id: Mapped[str] = mapped_column(
        key_type(), ForeignKey("ledger_transactions.id"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_kind: Mapped[str] = mapped_column(Text)
    account_owner: Mapped[str] = mapped_column(key_type())
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(postgresql.CHAR(3))


class AuditEntryRow(Base):
    """A row of the append-only ``audit_entries`` (revision 0010): one platform action.

    ``before`` and ``after`` are the changed fields as plain JSON (null when absent). The
    listing reads newest first by ``(at, id)``; the other indexes serve its filters on a
    record and on a staff member.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index(None, "at", "id"),
        Index(None, "subject_kind", "subject_id", "at"),
        Index(None, "actor_id", "at"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    at: Mapped[DateTime] = mapped_column(UtcDateTime())
    actor_id: Mapped[str] = mapped_column(key_type())
    staff: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(key_type())
    subject_kind: Mapped[str] = mapped_column(key_type())
    subject_id: Mapped[str] = mapped_column(key_type())
    before: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    after: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    reason: Mapped[str | None] = mapped_column(Text)


class AccountRow(Base):
    """A row of ``accounts`` (revision 0011): one way in to the server. Each sign-in key
    (login — stored casefolded —, phone, WeChat openid) is unique where set, and so is the
    actor an account signs in as."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("login"),
        UniqueConstraint("phone"),
        UniqueConstraint("wechat_openid"),
        UniqueConstraint("role", "actor_id"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    role: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str] = mapped_column(key_type())
    staff: Mapped[str | None] = mapped_column(Text)
    login: Mapped[str | None] = mapped_column(key_type())
    phone: Mapped[str | None] = mapped_column(key_type())
    password_hash: Mapped[str | None] = mapped_column(Text)
    wechat_openid: Mapped[str | None] = mapped_column(key_type())
    email: Mapped[str | None] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class LoginSessionRow(Base):
    """A row of ``login_sessions`` (revision 0011): one signed-in device, found by id;
    an account's sessions are revoked together (the ``account_id`` index)."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index(None, "account_id"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    account_id: Mapped[str] = mapped_column(key_type())
    refresh_hash: Mapped[str] = mapped_column(Text)
    generation: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    expires_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)


class OneTimeCodeRow(Base):
    """A row of ``one_time_codes`` (revision 0011): the live code of a (phone, purpose)."""

    __tablename__ = "one_time_codes"

    phone: Mapped[str] = mapped_column(key_type(), primary_key=True)
    purpose: Mapped[str] = mapped_column(key_type(), primary_key=True)
    code_hash: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    expires_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class NotificationRow(Base):
    """A row of ``notifications`` (revision 0014): one message for one recipient — his inbox
    entry. ``params`` is the template's parameters as a JSON object of strings.

    The inbox reads one recipient's rows newest first by ``(created_at, id)``: the first
    index; ``ix_notifications_unread`` (partial, below) serves the unread list and count.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "recipient_role", "recipient_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    recipient_role: Mapped[str] = mapped_column(key_type())
    recipient_id: Mapped[str] = mapped_column(key_type())
    template: Mapped[str] = mapped_column(key_type())
    params: Mapped[dict[str, str]] = mapped_column(json_type())
    kind: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(key_type())
    created_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    urgent: Mapped[bool] = mapped_column(Boolean)
    read_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())


class NotificationDeliveryRow(Base):
    """A row of ``notification_deliveries`` (revision 0014): one notification on one push
    channel (id ``<notification id>:<channel>``), listed per notification by channel."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index(None, "notification_id", "channel"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    notification_id: Mapped[str] = mapped_column(key_type())
    channel: Mapped[str] = mapped_column(key_type())
    status: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[DateTime] = mapped_column(UtcDateTime())


class NotificationPreferencesRow(Base):
    """A row of ``notification_preferences`` (revision 0014): one recipient's saved settings
    (no row: the defaults). ``muted`` is a JSON list of ``[kind, channel]`` pairs; quiet
    hours are three columns (local ``HH:MM:SS`` start and end, IANA zone), all set or none."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL) "
            "AND (quiet_start IS NULL) = (quiet_time_zone IS NULL)",
            name="quiet_hours_whole",
        ),
    )

    recipient_role: Mapped[str] = mapped_column(key_type(), primary_key=True)
    recipient_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    muted: Mapped[list[list[str]]] = mapped_column(json_type())
    quiet_start: Mapped[str | None] = mapped_column(Text)
    quiet_end: Mapped[str | None] = mapped_column(Text)
    quiet_time_zone: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(Text)


class SubscriptionGrantRow(Base):
    """A row of ``subscription_grants`` (revision 0014): how many one-time grants for a
    template a recipient has left. Taking one is a single conditional ``UPDATE``; the check
    is the database's last word that none is taken twice."""

    __tablename__ = "subscription_grants"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_not_negative"),)

    recipient_role: Mapped[str] = mapped_column(key_type(), primary_key=True)
    recipient_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    template: Mapped[str] = mapped_column(key_type(), primary_key=True)
    remaining: Mapped[int] = mapped_column(Integer)


class DispatchMetricsRow(Base):
    """A row of ``dispatch_metrics`` (revision 0016): one technician's dispatch counts (no
    row: all zero). ``DispatchMetricsRepository.record`` is one ``INSERT ... ON CONFLICT
    (technician_id) DO UPDATE SET <count> = <count> + 1``, so counts made at once add up."""

    __tablename__ = "dispatch_metrics"

    technician_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    offered: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer)
    timed_out: Mapped[int] = mapped_column(Integer)
    grabbed: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    last_assigned_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())


class WithdrawalRow(Base):
    """A row of ``withdrawals`` (revision 0017): key columns and the converter document of a
    withdrawal, compare-and-set on ``version``. ``(payee, idempotency_key)`` is unique: one
    withdrawal per request key of a payee. The indexes serve a payee's list (newest first),
    the finance queue by status and the per-period totals."""

    __tablename__ = "withdrawals"
    __table_args__ = (
        UniqueConstraint("payee", "idempotency_key"),
        Index(None, "payee", "requested_at", "id"),
        Index(None, "status", "requested_at", "id"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    payee: Mapped[str] = mapped_column(key_type())
    idempotency_key: Mapped[str] = mapped_column(key_type())
    status: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class PointsAccountRow(Base):
    """A row of ``points_accounts`` (revision 0018): one customer's points totals and the
    number of his last journal entry (``sequence``: compare-and-set, and the row a spend
    locks). The checks are the database's last word that a balance never goes below zero
    beyond a recorded debt."""

    __tablename__ = "points_accounts"
    __table_args__ = (
        CheckConstraint("debt >= 0", name="debt_not_negative"),
        CheckConstraint(
            "earned - spent - expired - clawed_back + debt >= 0", name="balance_covered"
        ),
    )

    customer_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    debt: Mapped[int] = mapped_column(BigInteger)
    earned: Mapped[int] = mapped_column(BigInteger)
    spent: Mapped[int] = mapped_column(BigInteger)
    expired: Mapped[int] = mapped_column(BigInteger)
    clawed_back: Mapped[int] = mapped_column(BigInteger)
    sequence: Mapped[int] = mapped_column(Integer)


class PointsLotRow(Base):
    """A row of ``points_lots`` (revision 0018): one award and what is left of it."""

    __tablename__ = "points_lots"
    __table_args__ = (
        CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_in_lot"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(key_type())
    source: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    earned_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    expires_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(key_type())


class PointsMovementRow(Base):
    """A row of the append-only ``points_movements`` (revision 0018): one journal entry;
    its id is its idempotency key, ``(customer_id, sequence)`` its place in his statement,
    ``effects`` its lot effects as ``[[lot id, points], ...]``."""

    __tablename__ = "points_movements"
    __table_args__ = (
        UniqueConstraint("customer_id", "sequence"),
        Index(None, "customer_id", "order_id"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(key_type())
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[DateTime] = mapped_column(UtcDateTime())
    effects: Mapped[list[list[Any]]] = mapped_column(json_type())
    debt_change: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[str | None] = mapped_column(key_type())
    reason: Mapped[str | None] = mapped_column(Text)


class PointsCheckInRow(Base):
    """A row of ``points_check_ins`` (revision 0018): the primary key (customer, local date)
    lets one check-in per local day in, however many taps arrive at once (I19)."""

    __tablename__ = "points_check_ins"

    customer_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    local_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    streak: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[DateTime] = mapped_column(UtcDateTime())
    movement_id: Mapped[str] = mapped_column(key_type())


class TierStatusRow(Base):
    """A row of ``tier_statuses`` (revision 0018): a customer's tier as last evaluated."""

    __tablename__ = "tier_statuses"

    customer_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    tier: Mapped[str | None] = mapped_column(Text)
    metric: Mapped[int] = mapped_column(BigInteger)
    evaluated_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    since: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    below_since: Mapped[DateTime | None] = mapped_column(UtcDateTime())


class TierChangeRow(Base):
    """A row of the append-only ``tier_changes`` (revision 0018): one change of tier."""

    __tablename__ = "tier_changes"
    __table_args__ = (Index(None, "customer_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(key_type())
    from_tier: Mapped[str | None] = mapped_column(Text)
    to_tier: Mapped[str | None] = mapped_column(Text)
    metric: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[DateTime] = mapped_column(UtcDateTime())
    cause: Mapped[str] = mapped_column(Text)


class ReferralCodeRow(Base):
    """A row of ``referral_codes`` (revision 0019): an invite code and its owner (one code
    per owner, ``"<kind>:<id>"``)."""

    __tablename__ = "referral_codes"

    code: Mapped[str] = mapped_column(key_type(), primary_key=True)
    owner: Mapped[str] = mapped_column(key_type(), unique=True)
    created_at: Mapped[DateTime] = mapped_column(UtcDateTime())


class ReferralBindingRow(Base):
    """A row of ``referral_bindings`` (revision 0019): a referee's binding (one per referee,
    the primary key) with its history in the converter document; ``referrer`` is indexed for
    the upline and team reads, ``version`` is what a change compares."""

    __tablename__ = "referral_bindings"

    referee: Mapped[str] = mapped_column(key_type(), primary_key=True)
    referrer: Mapped[str] = mapped_column(key_type(), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class DistributorRow(Base):
    """A row of ``distributors`` (revision 0019): a member's distributor record."""

    __tablename__ = "distributors"

    member: Mapped[str] = mapped_column(key_type(), primary_key=True)
    status: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class CommissionRow(Base):
    """A row of ``commissions`` (revision 0019). ``(order_id, line, beneficiary, level)`` is
    unique: a replayed capture inserts nothing (INVARIANTS I22); ``state``, ``unfreeze_at``
    and ``version`` are what the settle job finds and compares."""

    __tablename__ = "commissions"
    __table_args__ = (
        UniqueConstraint("order_id", "line", "beneficiary", "level"),
        Index(None, "beneficiary", "frozen_at"),
        Index(None, "frozen_at"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    order_id: Mapped[str] = mapped_column(key_type())
    line: Mapped[int] = mapped_column(Integer)
    beneficiary: Mapped[str] = mapped_column(key_type())
    level: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[str] = mapped_column(Text)
    frozen_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    unfreeze_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class RewardGiftRow(Base):
    """A row of ``reward_gifts`` (revision 0020): a gift of the catalog — its stock and
    ``active`` as columns (a redemption takes a unit with ``UPDATE … SET stock = stock - 1
    WHERE stock >= 1 AND active``), the rest as the converter document; compare-and-set on
    ``version``. The check is the database's last word that stock never goes below zero."""

    __tablename__ = "reward_gifts"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),)

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean)
    stock: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class RewardExchangeRow(Base):
    """A row of ``reward_exchanges`` (revision 0020): a coupon template sold for points."""

    __tablename__ = "reward_exchanges"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class RewardRedemptionRow(Base):
    """A row of ``reward_redemptions`` (revision 0020): points spent on a gift, a coupon or
    a tier. ``(customer_id, idempotency_key)`` is unique: a key redeems once. The indexes
    serve his list, the staff queue by status and his per-gift count and tier floor."""

    __tablename__ = "reward_redemptions"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key"),
        Index(None, "customer_id", "kind", "item_id"),
        Index(None, "status", "id"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(key_type())
    idempotency_key: Mapped[str] = mapped_column(key_type())
    kind: Mapped[str] = mapped_column(Text)
    item_id: Mapped[str] = mapped_column(key_type())
    status: Mapped[str] = mapped_column(Text)
    until: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


class BusyBlockRow(Base):
    """A row of ``busy_blocks``: a technician's busy time from outside the platform
    (revision 0025). ``blocked_*`` is the span widened by the block's own buffers, kept so
    the agenda read filters on it as it does on bookings'."""

    __tablename__ = "busy_blocks"
    __table_args__ = (
        CheckConstraint("span_end > span_start", name="span_not_empty"),
        CheckConstraint("blocked_end > blocked_start", name="blocked_not_empty"),
    )

    technician_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    source: Mapped[str] = mapped_column(key_type(), primary_key=True)
    uid: Mapped[str] = mapped_column(key_type(), primary_key=True)
    span_start: Mapped[DateTime] = mapped_column(UtcDateTime())
    span_end: Mapped[DateTime] = mapped_column(UtcDateTime())
    blocked_start: Mapped[DateTime] = mapped_column(UtcDateTime())
    blocked_end: Mapped[DateTime] = mapped_column(UtcDateTime())
    buffer_before_minutes: Mapped[int] = mapped_column(Integer)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)


class CalendarFeedRow(Base):
    """A row of ``calendar_feeds``: a technician's registered iCalendar feed (revision
    0025)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    technician_id: Mapped[str] = mapped_column(key_type(), index=True)
    url: Mapped[str] = mapped_column(Text)
    refresh_minutes: Mapped[int] = mapped_column(Integer)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str | None] = mapped_column(Text)
    last_refreshed_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    failures: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class FeedSecretRow(Base):
    """A row of ``feed_secrets`` (revision 0029): the hash of the secret in the URL of a
    technician's feed out."""

    __tablename__ = "feed_secrets"

    technician_id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(Text)


class PackageRow(Base):
    """A row of ``packages`` (revision 0028): a package (套餐); its parts in the converter's
    wire form."""

    __tablename__ = "packages"

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    name: Mapped[str] = mapped_column(key_type())
    active: Mapped[bool] = mapped_column(Boolean)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    price_currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    valid_days: Mapped[int | None] = mapped_column(Integer)
    parts: Mapped[list[Any]] = mapped_column(json_type())


class PackageHoldingRow(Base):
    """A row of ``package_holdings`` (revision 0028): key columns and the converter document
    of a bought package, compare-and-set on ``version``. ``payment_reference`` is unique: one
    holding per payment."""

    __tablename__ = "package_holdings"
    __table_args__ = (
        UniqueConstraint("payment_reference"),
        Index(None, "customer_id", "purchased_at", "id"),
    )

    id: Mapped[str] = mapped_column(key_type(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(key_type())
    package_id: Mapped[str] = mapped_column(key_type())
    payment_reference: Mapped[str] = mapped_column(key_type())
    purchased_at: Mapped[DateTime] = mapped_column(UtcDateTime())
    expires_at: Mapped[DateTime | None] = mapped_column(UtcDateTime())
    paid_amount: Mapped[int] = mapped_column(BigInteger)
    paid_currency: Mapped[str] = mapped_column(postgresql.CHAR(3))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(json_type())


def _table(row_class: type[Base]) -> Table:
    table = row_class.__table__
    assert isinstance(table, Table)
    return table


categories: Final = _table(CategoryRow)
services: Final = _table(ServiceRow)
technicians: Final = _table(TechnicianRow)
bookings: Final = _table(BookingRow)
work_schedules: Final = _table(WorkScheduleRow)
orders: Final = _table(OrderRow)
order_transitions: Final = _table(OrderTransitionRow)
counters: Final = _table(CounterRow)
jobs: Final = _table(JobRow)
payment_attempts: Final = _table(PaymentAttemptRow)
refunds: Final = _table(RefundRow)
money_movements: Final = _table(MoneyMovementRow)
statement_checks: Final = _table(StatementCheckRow)
webhook_events: Final = _table(WebhookEventRow)
idempotency_keys: Final = _table(IdempotencyKeyRow)
complaints: Final = _table(ComplaintRow)
technician_applications: Final = _table(TechnicianApplicationRow)
position_reports: Final = _table(PositionReportRow)
reviews: Final = _table(ReviewRow)
outbox_messages: Final = _table(OutboxMessageRow)
coupon_templates: Final = _table(CouponTemplateRow)
coupons: Final = _table(CouponRow)
campaigns: Final = _table(CampaignRow)
ledger_transactions: Final = _table(LedgerTransactionRow)
ledger_postings: Final = _table(LedgerPostingRow)
agenda_versions: Final = _table(AgendaVersionRow)
customers: Final = _table(CustomerRow)
stores: Final = _table(StoreRow)
store_announcements: Final = _table(StoreAnnouncementRow)
accounts: Final = _table(AccountRow)
login_sessions: Final = _table(LoginSessionRow)
one_time_codes: Final = _table(OneTimeCodeRow)
audit_entries: Final = _table(AuditEntryRow)
notifications: Final = _table(NotificationRow)
notification_deliveries: Final = _table(NotificationDeliveryRow)
notification_preferences: Final = _table(NotificationPreferencesRow)
subscription_grants: Final = _table(SubscriptionGrantRow)
dispatch_metrics: Final = _table(DispatchMetricsRow)
referral_codes: Final = _table(ReferralCodeRow)
referral_bindings: Final = _table(ReferralBindingRow)
distributors: Final = _table(DistributorRow)
commissions: Final = _table(CommissionRow)
# Frozen commissions by unfreeze time: what the settle job reads, however many settled
# ones the table holds (revision 0019).
Index(
    "ix_commissions_due",
    commissions.c.unfreeze_at,
    commissions.c.id,
    sqlite_where=commissions.c.state == "frozen",
    postgresql_where=commissions.c.state == "frozen",
)
points_accounts: Final = _table(PointsAccountRow)
points_lots: Final = _table(PointsLotRow)
points_movements: Final = _table(PointsMovementRow)
points_check_ins: Final = _table(PointsCheckInRow)
tier_statuses: Final = _table(TierStatusRow)
tier_changes: Final = _table(TierChangeRow)
withdrawals: Final = _table(WithdrawalRow)
reward_gifts: Final = _table(RewardGiftRow)
reward_exchanges: Final = _table(RewardExchangeRow)
reward_redemptions: Final = _table(RewardRedemptionRow)
busy_blocks: Final = _table(BusyBlockRow)
calendar_feeds: Final = _table(CalendarFeedRow)
feed_secrets: Final = _table(FeedSecretRow)
packages: Final = _table(PackageRow)
package_holdings: Final = _table(PackageHoldingRow)
# A technician's blocks by blocked start: what the agenda read and the listings ask for.
Index("ix_busy_blocks_technician_blocked_start", busy_blocks.c.technician_id,
      busy_blocks.c.blocked_start)  # fmt: skip

# Dialect-specific schema objects, attached to the tables so that metadata and migrations agree.
Index(
    "ix_bookings_active_technician_blocked_start",
    bookings.c.technician_id,
    bookings.c.blocked_start,
    sqlite_where=bookings.c.active,
).ddl_if(dialect="sqlite")
bookings.append_constraint(
    postgresql.ExcludeConstraint(
        (bookings.c.technician_id, "="),
        (
            func.tstzrange(
                bookings.c.blocked_start, bookings.c.blocked_end, literal_column("'[)'")
            ),
            "&&",
        ),
        name="ex_bookings_no_overlap",
        using="gist",
        where=bookings.c.active,
    ).ddl_if(dialect="postgresql")
)
# PostgreSQL only (SQLite has no sequences; SQLAlchemy skips it there).
order_number_seq: Final = Sequence("order_number_seq", metadata=metadata)
Index(
    "uq_orders_number",
    orders.c.number,
    unique=True,
    sqlite_where=orders.c.number != "",
    postgresql_where=orders.c.number != "",
)
Index(
    "ix_jobs_claimable",
    jobs.c.due_at,
    jobs.c.id,
    sqlite_where=jobs.c.status.in_(["pending", "running"]),
    postgresql_where=jobs.c.status.in_(["pending", "running"]),
)
# At most one payment attempt of an order is open (unknown, requires_action, authorized):
# the pay command locks the order and asks about an open attempt instead of opening another;
# this is the database's last line of defence (issue 8). Captures are not constrained: a
# capture is the gateway's fact, stored even when it is one too many (and refunded).
Index(
    "uq_payment_attempts_one_open",
    payment_attempts.c.order_id,
    unique=True,
    sqlite_where=payment_attempts.c.status.in_(["unknown", "requires_action", "authorized"]),
    postgresql_where=payment_attempts.c.status.in_(["unknown", "requires_action", "authorized"]),
)
Index(
    "ix_outbox_messages_pending",
    outbox_messages.c.created_at,
    outbox_messages.c.id,
    sqlite_where=outbox_messages.c.delivered_at.is_(None),
    postgresql_where=outbox_messages.c.delivered_at.is_(None),
)
# A recipient's unread entries, newest first: the unread list and count read only these.
Index(
    "ix_notifications_unread",
    notifications.c.recipient_role,
    notifications.c.recipient_id,
    notifications.c.created_at,
    notifications.c.id,
    sqlite_where=notifications.c.read_at.is_(None),
    postgresql_where=notifications.c.read_at.is_(None),
)
# Orders waiting for dispatch (placed without a technician, none assigned yet), soonest
# first: the dispatcher's board and the grab pool read only these, however many orders
# the table holds (OrderQuery.waiting; revision 0016).
Index(
    "ix_orders_waiting",
    orders.c.slot_start,
    orders.c.id,
    sqlite_where=orders.c.technician_id.is_(None) & orders.c.dispatch.is_not(None),
    postgresql_where=orders.c.technician_id.is_(None) & orders.c.dispatch.is_not(None),
)
# A customer's lots holding points (what spending loads) and the lots the expiry job sweeps.
Index(
    "ix_points_lots_open",
    points_lots.c.customer_id,
    sqlite_where=points_lots.c.remaining > 0,
    postgresql_where=points_lots.c.remaining > 0,
)
Index(
    "ix_points_lots_expiring",
    points_lots.c.expires_at,
    sqlite_where=points_lots.c.remaining > 0,
    postgresql_where=points_lots.c.remaining > 0,
)
