"""In-memory loyalty storage: points accounts, lots, the journal, check-ins and tiers."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import attrs
from pendulum import Date, DateTime

from booking_core.errors import ConcurrentUpdate, DuplicateEntity
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import (
    CheckIn,
    PointsAccount,
    PointsChange,
    PointsLot,
    PointsMovement,
    PointsSource,
    TierChange,
    TierStatus,
)
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryPoints", "InMemoryTiers"]

_TOTALS = ("debt", "earned", "spent", "expired", "clawed_back", "sequence")


class InMemoryPoints(Table):
    """:class:`~booking_core.ports.storage.PointsRepository` over the snapshot (units of
    work are serialized, so every ``lock`` is held already). Rows: ``points_accounts``
    (totals by customer), ``points_lots``, ``points_movements``, ``points_check_ins``."""

    def account(
        self, customer_id: CustomerId, *, lock: bool = False, include: Collection[str] = ()
    ) -> PointsAccount:
        totals: dict[str, int] = self.table("points_accounts").get(customer_id, {})
        wanted = set(include)
        lots = [
            lot
            for lot in self.table("points_lots").values()
            if lot.customer_id == customer_id and (lot.remaining or lot.id in wanted)
        ]
        lots.sort(key=lambda lot: lot.id)
        return PointsAccount(customer_id, lots, **totals)

    def save(self, change: PointsChange, *, expected_sequence: int) -> None:
        account = change.account
        stored: dict[str, int] = self.table("points_accounts").get(account.customer_id, {})
        if stored.get("sequence", 0) != expected_sequence:
            raise ConcurrentUpdate(
                f"The points of {account.customer_id} changed meanwhile; reload them.",
                details={"customer_id": account.customer_id},
            )
        for movement in change.movements:
            if movement.id in self.rows:
                raise DuplicateEntity("points_movement", movement.id)
            self.rows[movement.id] = movement
        lots = self.table("points_lots")
        for lot in change.touched:
            lots[lot.id] = lot
        self.table("points_accounts")[account.customer_id] = {
            name: getattr(account, name) for name in _TOTALS
        }

    def movement(self, movement_id: str) -> PointsMovement | None:
        found: PointsMovement | None = self.rows.get(movement_id)
        return found

    def _journal(self, customer_id: CustomerId) -> list[PointsMovement]:
        mine = [m for m in self.rows.values() if m.customer_id == customer_id]
        return sorted(mine, key=lambda m: m.sequence)

    def statement(
        self,
        customer_id: CustomerId,
        *,
        start: DateTime | None = None,
        end: DateTime | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[PointsMovement]:
        found = [
            m
            for m in self._journal(customer_id)
            if (start is None or m.at >= start)
            and (end is None or m.at < end)
            and (after is None or m.sequence > after)
        ]
        return found[:limit]

    def for_order(self, customer_id: CustomerId, order_id: OrderId) -> list[PointsMovement]:
        return [m for m in self._journal(customer_id) if m.order_id == order_id]

    def count_awards(
        self, customer_id: CustomerId, source: PointsSource, start: DateTime, end: DateTime
    ) -> int:
        return sum(
            1
            for lot in self.table("points_lots").values()
            if lot.customer_id == customer_id
            and lot.source is source
            and start <= lot.earned_at < end
        )

    def due(self, at: DateTime, *, limit: int) -> list[CustomerId]:
        lots: list[PointsLot] = list(self.table("points_lots").values())
        due = {
            lot.customer_id
            for lot in lots
            if lot.remaining and lot.expires_at is not None and lot.expires_at <= at
        }
        return sorted(due)[:limit]

    def add_check_in(self, check_in: CheckIn) -> bool:
        rows = self.table("points_check_ins")
        key = f"{check_in.customer_id}|{check_in.local_date.isoformat()}"
        if key in rows:
            return False
        rows[key] = check_in
        return True

    def check_in(self, customer_id: CustomerId, local_date: Date) -> CheckIn | None:
        found: CheckIn | None = self.table("points_check_ins").get(
            f"{customer_id}|{local_date.isoformat()}"
        )
        return found

    def last_check_in(self, customer_id: CustomerId) -> CheckIn | None:
        mine: list[CheckIn] = [
            c for c in self.table("points_check_ins").values() if c.customer_id == customer_id
        ]
        return max(mine, key=lambda c: c.local_date, default=None)


class InMemoryTiers(Table):
    """:class:`~booking_core.ports.storage.TierRepository` over the snapshot (rows:
    ``tier_statuses`` by customer, ``tier_changes`` keyed by arrival)."""

    def get(self, customer_id: CustomerId) -> TierStatus | None:
        found: TierStatus | None = self.rows.get(customer_id)
        return found

    def save(self, status: TierStatus) -> None:
        self.rows[status.customer_id] = status

    def record(self, change: TierChange) -> None:
        changes: dict[str, Any] = self.table("tier_changes")
        changes[f"{len(changes):012d}"] = attrs.evolve(change)

    def history(self, customer_id: CustomerId) -> list[TierChange]:
        changes = self.table("tier_changes")
        return [changes[key] for key in sorted(changes) if changes[key].customer_id == customer_id]

    def members(self, *, after: CustomerId | None = None, limit: int = 100) -> list[TierStatus]:
        ids = sorted(cid for cid in self.rows if after is None or cid > after)
        return [self.rows[cid] for cid in ids[:limit]]
