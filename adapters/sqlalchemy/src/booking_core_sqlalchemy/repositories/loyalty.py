"""Loyalty's storage: ``points_accounts``, ``points_lots``, ``points_movements``,
``points_check_ins``, ``tier_statuses`` and ``tier_changes``.

A spend never overdraws, however many arrive at once: :meth:`SqlAlchemyPointsRepository.
account` with ``lock`` creates the customer's account row if missing and locks it
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's unit of work holds the write lock from
its start), so the spends of one customer are decided one after the other, each on what the
one before committed. Saving is compare-and-set on the account's ``sequence`` besides, and
the table's checks refuse a balance below zero beyond a recorded debt. A check-in is an
``INSERT ... ON CONFLICT DO NOTHING`` on the key (customer, local date): one per day.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

import pendulum
from pendulum import Date, DateTime
from sqlalchemy import Row, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from booking_core.errors import ConcurrentUpdate
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import (
    CheckIn,
    LotEffect,
    MovementKind,
    PointsAccount,
    PointsChange,
    PointsLot,
    PointsMovement,
    PointsSource,
    TierChange,
    TierStatus,
)
from booking_core_sqlalchemy.repositories._base import (
    PerDialect,
    Repository,
    insert_or_nothing,
    rowcount,
)
from booking_core_sqlalchemy.tables import (
    UtcDateTime,
    points_accounts,
    points_check_ins,
    points_lots,
    points_movements,
    tier_changes,
    tier_statuses,
)

__all__ = ["SqlAlchemyPointsRepository", "SqlAlchemyTierRepository"]

_a, _l, _m, _c = points_accounts.c, points_lots.c, points_movements.c, points_check_ins.c
_TOTALS: Final = ("debt", "earned", "spent", "expired", "clawed_back", "sequence")
# Bounds standing in for "no bound", so one statement serves every statement query.
_EARLIEST: Final = pendulum.datetime(1970, 1, 1, tz="UTC")
_LATEST: Final = pendulum.datetime(9999, 1, 1, tz="UTC")

_ACCOUNT: Final = select(points_accounts).where(_a.customer_id == bindparam("customer_id"))
_ACCOUNT_LOCKED: Final = _ACCOUNT.with_for_update()
_OPEN_ACCOUNT: Final = insert_or_nothing(points_accounts)
_LOTS: Final = (
    select(points_lots)
    .where(
        _l.customer_id == bindparam("customer_id"),
        or_(_l.remaining > 0, _l.id.in_(bindparam("include", expanding=True))),
    )
    .order_by(_l.id)
)
_SAVE_ACCOUNT: Final = (
    update(points_accounts)
    .where(_a.customer_id == bindparam("owner"), _a.sequence == bindparam("expected"))
    .values({name: bindparam(f"new_{name}") for name in _TOTALS})
)
_INSERT_MOVEMENT: Final = insert_or_nothing(points_movements)


def _upsert_lot(dialect: Any) -> Any:
    insert = dialect.insert(points_lots)
    return insert.on_conflict_do_update(
        index_elements=["id"], set_={"remaining": insert.excluded.remaining}
    )


_UPSERT_LOT: Final = PerDialect(sqlite=_upsert_lot(sqlite), postgres=_upsert_lot(postgresql))
_MOVEMENT: Final = select(points_movements).where(_m.id == bindparam("id"))
_STATEMENT: Final = (
    select(points_movements)
    .where(
        _m.customer_id == bindparam("customer_id"),
        _m.at >= bindparam("start", type_=UtcDateTime()),
        _m.at < bindparam("end", type_=UtcDateTime()),
        _m.sequence > bindparam("after"),
    )
    .order_by(_m.sequence)
    .limit(bindparam("limit"))
)
_FOR_ORDER: Final = (
    select(points_movements)
    .where(_m.customer_id == bindparam("customer_id"), _m.order_id == bindparam("order_id"))
    .order_by(_m.sequence)
)
_COUNT_AWARDS: Final = select(func.count()).where(
    _l.customer_id == bindparam("customer_id"),
    _l.source == bindparam("source"),
    _l.earned_at >= bindparam("start", type_=UtcDateTime()),
    _l.earned_at < bindparam("end", type_=UtcDateTime()),
)
_DUE: Final = (
    select(_l.customer_id)
    .where(_l.remaining > 0, _l.expires_at <= bindparam("at", type_=UtcDateTime()))
    .group_by(_l.customer_id)
    .order_by(_l.customer_id)
    .limit(bindparam("limit"))
)
_INSERT_CHECK_IN: Final = insert_or_nothing(points_check_ins)
_CHECK_IN: Final = select(points_check_ins).where(
    _c.customer_id == bindparam("customer_id"), _c.local_date == bindparam("local_date")
)
_LAST_CHECK_IN: Final = (
    select(points_check_ins)
    .where(_c.customer_id == bindparam("customer_id"))
    .order_by(_c.local_date.desc())
    .limit(1)
)


def _lot(row: Row[Any]) -> PointsLot:
    return PointsLot(
        row.id, CustomerId(row.customer_id), PointsSource(row.source), row.points,
        row.remaining, row.earned_at, row.expires_at, row.reason,
        None if row.order_id is None else OrderId(row.order_id),
    )  # fmt: skip


def _lot_row(lot: PointsLot) -> dict[str, Any]:
    return {
        "id": lot.id, "customer_id": lot.customer_id, "source": lot.source.value,
        "points": lot.points, "remaining": lot.remaining, "earned_at": lot.earned_at,
        "expires_at": lot.expires_at, "reason": lot.reason, "order_id": lot.order_id,
    }  # fmt: skip


def _movement(row: Row[Any]) -> PointsMovement:
    return PointsMovement(
        row.id, CustomerId(row.customer_id), row.sequence, MovementKind(row.kind), row.points,
        row.balance_after, row.at, [LotEffect(lot_id, points) for lot_id, points in row.effects],
        row.debt_change, None if row.order_id is None else OrderId(row.order_id), row.reason,
    )  # fmt: skip


def _movement_row(m: PointsMovement) -> dict[str, Any]:
    return {
        "id": m.id, "customer_id": m.customer_id, "sequence": m.sequence, "kind": m.kind.value,
        "points": m.points, "balance_after": m.balance_after, "at": m.at,
        "effects": [[e.lot_id, e.points] for e in m.effects], "debt_change": m.debt_change,
        "order_id": m.order_id, "reason": m.reason,
    }  # fmt: skip


def _check_in(row: Row[Any]) -> CheckIn:
    year, month, day = (int(part) for part in row.local_date.split("-"))
    return CheckIn(
        CustomerId(row.customer_id), pendulum.date(year, month, day), row.streak, row.points,
        row.at, row.movement_id,
    )  # fmt: skip


class SqlAlchemyPointsRepository(Repository):
    """Points accounts, lots, the journal and check-ins (see the module for the locking)."""

    entity = "points_movement"

    def account(
        self, customer_id: CustomerId, *, lock: bool = False, include: Collection[str] = ()
    ) -> PointsAccount:
        """His totals (locked with ``lock``) and lots: two or three statements."""
        conn = self._conn
        params = {"customer_id": customer_id}
        if lock:
            zero = dict.fromkeys(_TOTALS, 0)
            conn.execute(_OPEN_ACCOUNT.on(self._postgres), {**zero, **params})
        totals = conn.execute(_ACCOUNT_LOCKED if lock else _ACCOUNT, params).first()
        lots = conn.execute(_LOTS, {**params, "include": list(include)})
        found = {} if totals is None else {name: getattr(totals, name) for name in _TOTALS}
        return PointsAccount(customer_id, [_lot(row) for row in lots], **found)

    def save(self, change: PointsChange, *, expected_sequence: int) -> None:
        """Compare-and-set the totals, insert the movements, upsert the touched lots."""
        conn = self._conn
        account = change.account
        totals = {name: getattr(account, name) for name in _TOTALS}
        params = {f"new_{name}": value for name, value in totals.items()}
        saved = rowcount(
            conn.execute(
                _SAVE_ACCOUNT,
                {**params, "owner": account.customer_id, "expected": expected_sequence},
            )
        )
        if not saved and not (
            expected_sequence == 0
            and rowcount(
                conn.execute(
                    _OPEN_ACCOUNT.on(self._postgres),
                    {**totals, "customer_id": account.customer_id},
                )
            )
        ):
            raise ConcurrentUpdate(
                f"The points of {account.customer_id} changed meanwhile; reload them.",
                details={"customer_id": account.customer_id},
            )
        for movement in change.movements:
            self._insert_new(_INSERT_MOVEMENT, _movement_row(movement), movement.id)
        touched = [_lot_row(lot) for lot in change.touched]
        if touched:
            conn.execute(_UPSERT_LOT.on(self._postgres), touched)

    def movement(self, movement_id: str) -> PointsMovement | None:
        row = self._conn.execute(_MOVEMENT, {"id": movement_id}).first()
        return None if row is None else _movement(row)

    def statement(
        self,
        customer_id: CustomerId,
        *,
        start: DateTime | None = None,
        end: DateTime | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[PointsMovement]:
        rows = self._conn.execute(
            _STATEMENT,
            {
                "customer_id": customer_id,
                "start": start or _EARLIEST,
                "end": end or _LATEST,
                "after": after or 0,
                "limit": limit,
            },
        )
        return [_movement(row) for row in rows]

    def for_order(self, customer_id: CustomerId, order_id: OrderId) -> list[PointsMovement]:
        rows = self._conn.execute(_FOR_ORDER, {"customer_id": customer_id, "order_id": order_id})
        return [_movement(row) for row in rows]

    def count_awards(
        self, customer_id: CustomerId, source: PointsSource, start: DateTime, end: DateTime
    ) -> int:
        params = {"customer_id": customer_id, "source": source.value, "start": start, "end": end}
        return int(self._conn.execute(_COUNT_AWARDS, params).scalar_one())

    def due(self, at: DateTime, *, limit: int) -> list[CustomerId]:
        rows = self._conn.execute(_DUE, {"at": at, "limit": limit})
        return [CustomerId(row.customer_id) for row in rows]

    def add_check_in(self, check_in: CheckIn) -> bool:
        values = {
            "customer_id": check_in.customer_id,
            "local_date": check_in.local_date.isoformat(),
            "streak": check_in.streak,
            "points": check_in.points,
            "at": check_in.at,
            "movement_id": check_in.movement_id,
        }
        return bool(rowcount(self._conn.execute(_INSERT_CHECK_IN.on(self._postgres), values)))

    def check_in(self, customer_id: CustomerId, local_date: Date) -> CheckIn | None:
        params = {"customer_id": customer_id, "local_date": local_date.isoformat()}
        row = self._conn.execute(_CHECK_IN, params).first()
        return None if row is None else _check_in(row)

    def last_check_in(self, customer_id: CustomerId) -> CheckIn | None:
        row = self._conn.execute(_LAST_CHECK_IN, {"customer_id": customer_id}).first()
        return None if row is None else _check_in(row)


_t, _h = tier_statuses.c, tier_changes.c
_STATUS: Final = select(tier_statuses).where(_t.customer_id == bindparam("customer_id"))


def _upsert_status(dialect: Any) -> Any:
    insert = dialect.insert(tier_statuses)
    columns = ("tier", "metric", "evaluated_at", "since", "below_since")
    return insert.on_conflict_do_update(
        index_elements=["customer_id"], set_={name: insert.excluded[name] for name in columns}
    )


_SAVE_STATUS: Final = PerDialect(sqlite=_upsert_status(sqlite), postgres=_upsert_status(postgresql))
_HISTORY: Final = (
    select(tier_changes).where(_h.customer_id == bindparam("customer_id")).order_by(_h.id)
)
_MEMBERS: Final = (
    select(tier_statuses)
    .where(_t.customer_id > bindparam("after"))
    .order_by(_t.customer_id)
    .limit(bindparam("limit"))
)


def _status(row: Row[Any]) -> TierStatus:
    return TierStatus(
        CustomerId(row.customer_id), row.tier, row.metric, row.evaluated_at, row.since,
        row.below_since,
    )  # fmt: skip


class SqlAlchemyTierRepository(Repository):
    """Tier statuses (one row per customer, upserted) and the append-only history."""

    entity = "tier_status"

    def get(self, customer_id: CustomerId) -> TierStatus | None:
        row = self._conn.execute(_STATUS, {"customer_id": customer_id}).first()
        return None if row is None else _status(row)

    def save(self, status: TierStatus) -> None:
        values = {
            "customer_id": status.customer_id,
            "tier": status.tier,
            "metric": status.metric,
            "evaluated_at": status.evaluated_at,
            "since": status.since,
            "below_since": status.below_since,
        }
        self._conn.execute(_SAVE_STATUS.on(self._postgres), values)

    def record(self, change: TierChange) -> None:
        self._conn.execute(
            tier_changes.insert(),
            {
                "customer_id": change.customer_id,
                "from_tier": change.from_tier,
                "to_tier": change.to_tier,
                "metric": change.metric,
                "at": change.at,
                "cause": change.cause,
            },
        )

    def history(self, customer_id: CustomerId) -> list[TierChange]:
        rows = self._conn.execute(_HISTORY, {"customer_id": customer_id})
        return [
            TierChange(CustomerId(r.customer_id), r.from_tier, r.to_tier, r.metric, r.at, r.cause)
            for r in rows
        ]

    def members(self, *, after: CustomerId | None = None, limit: int = 100) -> list[TierStatus]:
        rows = self._conn.execute(_MEMBERS, {"after": after or "", "limit": limit})
        return [_status(row) for row in rows]
