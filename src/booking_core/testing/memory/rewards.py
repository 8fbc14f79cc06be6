"""In-memory rewards storage: gifts and their stock, coupon exchanges, redemptions."""

from __future__ import annotations

from typing import Any

import attrs
from pendulum import DateTime

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.ids import CustomerId
from booking_core.loyalty import (
    CouponExchange,
    CouponExchangeId,
    Gift,
    GiftId,
    Redemption,
    RedemptionId,
    RedemptionStatus,
    RewardKind,
)
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryRewards"]


def _page(rows: list[Any], after: str | None, limit: int) -> list[Any]:
    rows.sort(key=lambda row: row.id)
    return [row for row in rows if after is None or row.id > after][:limit]


class InMemoryRewards(Table):
    """:class:`~booking_core.ports.storage.RewardRepository` over the snapshot (units of
    work are serialized, so every check-then-write is atomic). Rows: ``reward_gifts`` (this
    table), ``reward_exchanges``, ``reward_redemptions``."""

    def _cas(self, table: str, entity: str, value: Any) -> Any:
        rows = self.table(table)
        stored = rows.get(value.id)
        if stored is None:
            raise NotFound(entity, value.id)
        if stored.version != value.version:
            raise ConcurrentUpdate(f"{entity} {value.id} changed meanwhile; reload it.",
                                   details={f"{entity}_id": value.id})  # fmt: skip
        saved = attrs.evolve(value, version=value.version + 1)
        rows[value.id] = saved
        return saved

    def add_gift(self, gift: Gift) -> Gift:
        stored = attrs.evolve(gift, version=1)
        self._insert(gift.id, stored)
        return stored

    def gift(self, gift_id: GiftId) -> Gift:
        found: Gift = self._get(gift_id)
        return found

    def save_gift(self, gift: Gift) -> Gift:
        saved: Gift = self._cas("reward_gifts", "gift", gift)
        return saved

    def gifts(
        self, *, active_only: bool = True, after: GiftId | None = None, limit: int = 50
    ) -> list[Gift]:
        rows = [g for g in self.rows.values() if g.active or not active_only]
        return _page(rows, after, limit)

    def take_stock(self, gift_id: GiftId) -> bool:
        gift: Gift | None = self.rows.get(gift_id)
        if gift is None or not gift.active or gift.stock == 0:
            return False
        stock = None if gift.stock is None else gift.stock - 1
        self.rows[gift_id] = attrs.evolve(gift, stock=stock, version=gift.version + 1)
        return True

    def restore_stock(self, gift_id: GiftId) -> None:
        gift: Gift = self._get(gift_id)
        stock = None if gift.stock is None else gift.stock + 1
        self.rows[gift_id] = attrs.evolve(gift, stock=stock, version=gift.version + 1)

    def add_exchange(self, exchange: CouponExchange) -> CouponExchange:
        rows = self.table("reward_exchanges")
        if exchange.id in rows:
            raise DuplicateEntity("coupon_exchange", exchange.id)
        stored = attrs.evolve(exchange, version=1)
        rows[exchange.id] = stored
        return stored

    def exchange(self, exchange_id: CouponExchangeId) -> CouponExchange:
        found: CouponExchange | None = self.table("reward_exchanges").get(exchange_id)
        if found is None:
            raise NotFound("coupon_exchange", exchange_id)
        return found

    def save_exchange(self, exchange: CouponExchange) -> CouponExchange:
        saved: CouponExchange = self._cas("reward_exchanges", "coupon_exchange", exchange)
        return saved

    def exchanges(
        self, *, active_only: bool = True, after: CouponExchangeId | None = None, limit: int = 50
    ) -> list[CouponExchange]:
        rows = [e for e in self.table("reward_exchanges").values() if e.active or not active_only]
        return _page(rows, after, limit)

    def add_redemption(self, redemption: Redemption) -> Redemption:
        rows = self.table("reward_redemptions")
        if redemption.id in rows or self.find_redemption(redemption.customer_id, redemption.key):
            raise DuplicateEntity("redemption", redemption.id)
        stored = attrs.evolve(redemption, version=1)
        rows[redemption.id] = stored
        return stored

    def redemption(self, redemption_id: RedemptionId) -> Redemption:
        found: Redemption | None = self.table("reward_redemptions").get(redemption_id)
        if found is None:
            raise NotFound("redemption", redemption_id)
        return found

    def find_redemption(self, customer_id: CustomerId, key: str) -> Redemption | None:
        rows: list[Redemption] = list(self.table("reward_redemptions").values())
        return next((r for r in rows if r.customer_id == customer_id and r.key == key), None)

    def save_redemption(self, redemption: Redemption) -> Redemption:
        saved: Redemption = self._cas("reward_redemptions", "redemption", redemption)
        return saved

    def redemptions(
        self,
        *,
        customer_id: CustomerId | None = None,
        status: RedemptionStatus | None = None,
        after: RedemptionId | None = None,
        limit: int = 50,
    ) -> list[Redemption]:
        rows = [
            r
            for r in self.table("reward_redemptions").values()
            if (customer_id is None or r.customer_id == customer_id)
            and (status is None or r.status is status)
        ]
        return _page(rows, after, limit)

    def held(self, customer_id: CustomerId, gift_id: GiftId) -> int:
        return sum(
            1
            for r in self.table("reward_redemptions").values()
            if r.customer_id == customer_id
            and r.kind is RewardKind.GIFT
            and r.item_id == gift_id
            and r.status is not RedemptionStatus.CANCELLED
        )

    def tiers_held(self, customer_id: CustomerId, at: DateTime) -> list[Redemption]:
        rows = [
            r
            for r in self.table("reward_redemptions").values()
            if r.customer_id == customer_id
            and r.kind is RewardKind.TIER
            and r.until is not None
            and r.until > at
        ]
        return _page(rows, None, len(rows))
