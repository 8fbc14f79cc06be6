"""What the place-order benchmarks share: a world to book in, a statement recorder, and the
replay of one recorded order with fresh values (the "raw driver" baseline).

Not a benchmark itself (the bench session runs ``bench_*.py`` only).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs
import pendulum
from pendulum import DateTime
from sqlalchemy import Engine, event

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.ordering import Placement, PlaceOrder
from booking_core.services.technicians import RegisterTechnician
from booking_core.system import UuidIds
from booking_core.testing.clock import FrozenClock
from booking_core.testing.payments import ScriptedPaymentGateway

T = TypeVar("T")

ZONE = "Asia/Shanghai"
HOME = GeoPoint(31.2304, 121.4737)
OPERATOR = Actor("ops_bench", Role.PLATFORM)
#: The clock stands still here; every slot is booked between FIRST_DAY and WINDOW_DAYS on.
NOW = pendulum.datetime(2026, 3, 2, 8, tz=ZONE)
FIRST_DAY = pendulum.date(2026, 3, 3)
WINDOW_DAYS = 60
OPEN_HOUR, CLOSE_HOUR = 9, 21  # a 60-minute service: 12 slots a day

#: Transaction control: not counted as statements (savepoints are counted apart).
_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|END)\b", re.IGNORECASE)
_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK\s+TO)\b", re.IGNORECASE)
#: How UtcDateTime writes an instant on SQLite.
_SQLITE_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$")


class RecordingIds:
    """UUID ids, remembering every id handed out since :meth:`clear`."""

    def __init__(self) -> None:
        self._ids = UuidIds()
        self.issued: list[str] = []

    def new_id(self, prefix: str) -> str:
        """A new random id, recorded."""
        new = self._ids.new_id(prefix)
        self.issued.append(new)
        return new

    def clear(self) -> None:
        """Forget the ids handed out so far."""
        self.issued.clear()


def wire(uow: UnitOfWorkFactory, ids: RecordingIds | None = None) -> BookingApp:
    """The app with the default OrderPolicy (so the unpaid-order count runs)."""
    return build(
        uow=uow,
        payments=ScriptedPaymentGateway(),
        clock=FrozenClock(NOW),
        ids=ids or RecordingIds(),
        policy=BookingPolicy(notice_minutes=60, window_days=WINDOW_DAYS),
        order_policy=OrderPolicy(),
    )


@attrs.frozen
class Catalog:
    """The one service and the technicians a world books."""

    service: ServiceId
    technicians: tuple[TechnicianId, ...]


def seed(app: BookingApp, technicians: int) -> Catalog:
    """A 60-minute service and ``technicians`` technicians open 09:00–21:00 every day."""
    category = app.catalog.create_category(CreateCategory("Massage"), OPERATOR)
    service = app.catalog.create_service(
        CreateService(category.id, "Tuina", 60, Money(19900, "CNY")), OPERATOR
    )
    hours = WeeklyHours.every_day(f"{OPEN_HOUR:02d}:00", f"{CLOSE_HOUR:02d}:00")
    ids = tuple(
        app.technicians.register(
            RegisterTechnician(f"Tech {n}", ZONE, hours, frozenset({service.id})), OPERATOR
        ).id
        for n in range(technicians)
    )
    return Catalog(service.id, ids)


def slots(
    technicians: Sequence[TechnicianId], *, first: int = 0
) -> Iterator[tuple[TechnicianId, DateTime]]:
    """Every (technician, start) of the window from day ``first`` on, day by day, hour by
    hour, technician by technician: consecutive orders go to different technicians."""
    for day in range(first, WINDOW_DAYS - 1):
        date = FIRST_DAY.add(days=day)
        for hour in range(OPEN_HOUR, CLOSE_HOUR):
            start = pendulum.datetime(date.year, date.month, date.day, hour, tz=ZONE)
            for technician in technicians:
                yield technician, start


def order(
    customer: str, technician: TechnicianId, service: ServiceId, start: DateTime, key: str
) -> PlaceOrder:
    """An at-home order with an idempotency key."""
    return PlaceOrder(
        CustomerId(customer), technician, service, start, location=HOME, idempotency_key=key
    )


def place(app: BookingApp, command: PlaceOrder) -> Placement:
    """``app.ordering.place`` as the command's customer (the one call every benchmark
    times)."""
    return app.ordering.place(command, Actor(command.customer_id, Role.CUSTOMER))


@attrs.frozen
class Statement:
    """One statement as the dialect handed it to the DB-API cursor."""

    sql: str
    params: Any
    many: bool
    rowcount: int

    def short(self) -> str:
        """The SQL on one line."""
        return " ".join(self.sql.split())


@attrs.define
class Recorder:
    """Statements sent to the cursor, split into work, savepoints and transaction control."""

    statements: list[Statement] = attrs.field(factory=list)
    savepoints: list[str] = attrs.field(factory=list)
    transaction: list[str] = attrs.field(factory=list)
    pings: int = 0


@contextmanager
def recording(engine: Engine) -> Iterator[Recorder]:
    """Record what ``engine`` sends while the block runs (pool pre-pings counted apart:
    they bypass the cursor events)."""
    recorder = Recorder()
    pending: list[tuple[str, Any, bool]] = []

    def before(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        pending.append((sql, params, many))

    def after(_c: Any, cursor: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        pending.pop()
        if _TRANSACTION.match(sql):
            recorder.transaction.append(sql)
        elif _SAVEPOINT.match(sql):
            recorder.savepoints.append(sql)
        else:
            recorder.statements.append(Statement(sql, params, many, cursor.rowcount))

    dialect: Any = engine.dialect
    ping: Callable[[Any], bool] = dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        recorder.pings += 1
        return ping(dbapi_connection)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    dialect.do_ping = counting_ping
    try:
        yield recorder
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        del dialect.do_ping
    if pending:  # a statement failed: keep it, it was sent
        recorder.statements.extend(Statement(s, p, m, -1) for s, p, m in pending)


def fresh(original: str, tag: str) -> str:
    """``original`` with its tail replaced by ``tag`` (same length when it is long enough,
    so that length limits still hold)."""
    return original[: -len(tag)] + tag if len(original) > 2 * len(tag) else f"{original}-{tag}"


#: Makes one parameter of a replay from (fresh strings by recorded string, day shift).
Maker = Callable[[dict[str, str], dt.timedelta], Any]


def _maker(value: Any, pattern: re.Pattern[str]) -> Maker | None:
    """How to make ``value`` fresh, or None when it stays as recorded."""
    if isinstance(value, str):
        if _SQLITE_INSTANT.match(value):
            instant = dt.datetime.fromisoformat(value)
            return lambda _m, shift: (instant + shift).isoformat(" ", "microseconds")
        parts = pattern.split(value)  # recorded strings at the odd places
        if len(parts) == 1:
            return None
        return lambda m, _s: "".join(m.get(part, part) for part in parts)
    if isinstance(value, dt.datetime | dt.date):
        return lambda _m, shift: value + shift
    if isinstance(value, dict):
        makers = {k: _maker(v, pattern) for k, v in value.items()}
        if not any(makers.values()):
            return None
        return lambda m, s: {k: (f(m, s) if f else value[k]) for k, f in makers.items()}
    if isinstance(value, list | tuple):
        items = [_maker(v, pattern) for v in value]
        if not any(items):
            return None
        kind = type(value)
        return lambda m, s: kind(f(m, s) if f else v for f, v in zip(items, value, strict=True))
    wrapped = getattr(value, "obj", None)  # psycopg's Json and Jsonb wrappers
    if wrapped is not None:
        inner = _maker(wrapped, pattern)
        if inner is None:
            return None
        wrapper = type(value)
        return lambda m, s: wrapper(inner(m, s))
    return None


@attrs.frozen
class Replay:
    """One recorded order, to be sent again with fresh values.

    Every string naming the order (the ids issued while placing it, the customer, the
    idempotency key, the order number) is replaced by a fresh one wherever it occurs (JSON
    documents and composite ids included), the technician by another one, and every instant
    is shifted by whole days, so each replay passes the unique and exclusion constraints the
    recorded order passed. Nothing here depends on which statements the SDK sends.
    """

    statements: tuple[Statement, ...]
    tokens: tuple[str, ...]  # strings unique to the order, replaced in every replay
    technician: str
    makers: tuple[Maker | None, ...]  # one per statement's parameters

    @classmethod
    def of(cls, statements: Sequence[Statement], tokens: Sequence[str], technician: str) -> Replay:
        """The replay of ``statements``, naming the order with ``tokens`` and ``technician``."""
        names = sorted({*tokens, technician}, key=len, reverse=True)  # longest first
        pattern = re.compile("(" + "|".join(re.escape(name) for name in names) + ")")
        makers = tuple(_maker(s.params, pattern) for s in statements)
        return cls(tuple(statements), tuple(tokens), technician, makers)

    def fresh(self, tag: str, technician: str, shift_days: int) -> list[tuple[str, Any, bool]]:
        """The statements with fresh values: ``tag`` (unique per replay, ≤ 7 characters)
        marks the strings, ``technician`` replaces the recorded one, ``shift_days`` moves
        the instants."""
        mapping = {token: fresh(token, tag) for token in self.tokens}
        mapping[self.technician] = technician
        shift = dt.timedelta(days=shift_days)
        return [
            (s.sql, make(mapping, shift) if make else s.params, s.many)
            for s, make in zip(self.statements, self.makers, strict=True)
        ]


def median_of(values: Sequence[float]) -> float:
    """The median."""
    return statistics.median(values)
