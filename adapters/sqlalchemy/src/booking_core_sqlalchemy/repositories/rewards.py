"""Rewards' storage: ``reward_gifts``, ``reward_exchanges`` and ``reward_redemptions`` — key
columns plus the converter document, compare-and-set on ``version``.

A gift is never oversold, however many redeem its last unit at once: :meth:`SqlAlchemy
RewardRepository.take_stock` is one conditional ``UPDATE … SET stock = stock - 1 WHERE id =
… AND active AND (stock IS NULL OR stock >= 1)``. On PostgreSQL the row lock makes concurrent
updates wait and re-check the condition on the committed row (READ COMMITTED), so exactly one
takes the last unit and the others update nothing; SQLite's unit of work holds the write
lock from its start. The ``stock >= 0`` check is the last word. The unique
``(customer_id, idempotency_key)`` stores a key's redemption once.
"""

from __future__ import annotations

from typing import Any, Final

import attrs
from pendulum import DateTime
from sqlalchemy import bindparam, func, or_, select, true, update

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
from booking_core.serialization import make_converter
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing, rowcount
from booking_core_sqlalchemy.tables import (
    UtcDateTime,
    reward_exchanges,
    reward_gifts,
    reward_redemptions,
)

__all__ = ["SqlAlchemyRewardRepository"]

_converter = make_converter()
_g, _e, _r = reward_gifts.c, reward_exchanges.c, reward_redemptions.c

_ADD_GIFT: Final = insert_or_nothing(reward_gifts)
_GIFT: Final = select(reward_gifts).where(_g.id == bindparam("id"))
_SAVE_GIFT: Final = (
    update(reward_gifts)
    .where(_g.id == bindparam("cas_id"), _g.version == bindparam("cas_version"))
    .values(
        active=bindparam("new_active"),
        stock=bindparam("new_stock"),
        document=bindparam("new_document", type_=_g.document.type),
        version=_g.version + 1,
    )
)
_TAKE: Final = (
    update(reward_gifts)
    .where(
        _g.id == bindparam("gift_id"),
        _g.active == true(),
        or_(_g.stock.is_(None), _g.stock >= 1),
    )
    .values(stock=_g.stock - 1, version=_g.version + 1)
)
_RESTORE: Final = (
    update(reward_gifts)
    .where(_g.id == bindparam("gift_id"))
    .values(stock=_g.stock + 1, version=_g.version + 1)
)
_GIFTS: Final = (
    select(reward_gifts)
    .where(
        or_(_g.active == true(), bindparam("all", type_=_g.active.type) == true()),
        _g.id > bindparam("after"),
    )
    .order_by(_g.id)
    .limit(bindparam("limit"))
)

_ADD_EXCHANGE: Final = insert_or_nothing(reward_exchanges)
_EXCHANGE: Final = select(reward_exchanges).where(_e.id == bindparam("id"))
_SAVE_EXCHANGE: Final = (
    update(reward_exchanges)
    .where(_e.id == bindparam("cas_id"), _e.version == bindparam("cas_version"))
    .values(
        active=bindparam("new_active"),
        document=bindparam("new_document", type_=_e.document.type),
        version=_e.version + 1,
    )
)
_EXCHANGES: Final = (
    select(reward_exchanges)
    .where(
        or_(_e.active == true(), bindparam("all", type_=_e.active.type) == true()),
        _e.id > bindparam("after"),
    )
    .order_by(_e.id)
    .limit(bindparam("limit"))
)

_ADD_REDEMPTION: Final = insert_or_nothing(reward_redemptions)
_REDEMPTION: Final = select(reward_redemptions).where(_r.id == bindparam("id"))
_BY_KEY: Final = select(reward_redemptions).where(
    _r.customer_id == bindparam("customer_id"), _r.idempotency_key == bindparam("key")
)
_SAVE_REDEMPTION: Final = (
    update(reward_redemptions)
    .where(_r.id == bindparam("cas_id"), _r.version == bindparam("cas_version"))
    .values(
        status=bindparam("new_status"),
        document=bindparam("new_document", type_=_r.document.type),
        version=_r.version + 1,
    )
)
_HELD: Final = select(func.count()).where(
    _r.customer_id == bindparam("customer_id"),
    _r.kind == RewardKind.GIFT.value,
    _r.item_id == bindparam("item_id"),
    _r.status != RedemptionStatus.CANCELLED.value,
)
_TIERS: Final = (
    select(reward_redemptions)
    .where(
        _r.customer_id == bindparam("customer_id"),
        _r.kind == RewardKind.TIER.value,
        _r.until > bindparam("at", type_=UtcDateTime()),
    )
    .order_by(_r.id)
)


def _gift_row(gift: Gift) -> dict[str, Any]:
    document = _converter.unstructure(gift, Gift)
    for name in ("version", "stock", "active"):
        del document[name]
    return {
        "id": gift.id,
        "active": gift.active,
        "stock": gift.stock,
        "version": gift.version,
        "document": document,
    }


def _gift(row: Any) -> Gift:
    document = {**row.document, "stock": row.stock, "active": row.active, "version": row.version}
    return _converter.structure(document, Gift)


def _exchange_row(exchange: CouponExchange) -> dict[str, Any]:
    document = _converter.unstructure(exchange, CouponExchange)
    del document["version"], document["active"]
    return {
        "id": exchange.id,
        "active": exchange.active,
        "version": exchange.version,
        "document": document,
    }


def _exchange(row: Any) -> CouponExchange:
    document = {**row.document, "active": row.active, "version": row.version}
    return _converter.structure(document, CouponExchange)


def _redemption_row(redemption: Redemption) -> dict[str, Any]:
    document = _converter.unstructure(redemption, Redemption)
    del document["version"]
    return {
        "id": redemption.id,
        "customer_id": redemption.customer_id,
        "idempotency_key": redemption.key,
        "kind": redemption.kind.value,
        "item_id": redemption.item_id,
        "status": redemption.status.value,
        "until": redemption.until,
        "version": redemption.version,
        "document": document,
    }


def _redemption(row: Any) -> Redemption:
    return _converter.structure({**row.document, "version": row.version}, Redemption)


class SqlAlchemyRewardRepository(Repository):
    """Gifts, coupon exchanges and redemptions (see the module for the stock)."""

    entity = "gift"

    def add_gift(self, gift: Gift) -> Gift:
        stored = attrs.evolve(gift, version=1)
        self._insert_new(_ADD_GIFT, _gift_row(stored), gift.id)
        return stored

    def gift(self, gift_id: GiftId) -> Gift:
        return _gift(self._one(_GIFT, {"id": gift_id}, gift_id))

    def save_gift(self, gift: Gift) -> Gift:
        row = _gift_row(gift)
        params = {
            "cas_id": gift.id,
            "cas_version": gift.version,
            "new_active": gift.active,
            "new_stock": gift.stock,
            "new_document": row["document"],
        }
        self._compare_and_set(_SAVE_GIFT, params, gift.id, self.gift)
        return attrs.evolve(gift, version=gift.version + 1)

    def gifts(
        self, *, active_only: bool = True, after: GiftId | None = None, limit: int = 50
    ) -> list[Gift]:
        params = {"all": not active_only, "after": after or "", "limit": limit}
        return [_gift(row) for row in self._conn.execute(_GIFTS, params)]

    def take_stock(self, gift_id: GiftId) -> bool:
        return rowcount(self._conn.execute(_TAKE, {"gift_id": gift_id})) == 1

    def restore_stock(self, gift_id: GiftId) -> None:
        self._update_one(_RESTORE, {"gift_id": gift_id}, gift_id)

    def add_exchange(self, exchange: CouponExchange) -> CouponExchange:
        stored = attrs.evolve(exchange, version=1)
        self._insert_as("coupon_exchange", _ADD_EXCHANGE, _exchange_row(stored), exchange.id)
        return stored

    def exchange(self, exchange_id: CouponExchangeId) -> CouponExchange:
        return _exchange(self._one_of("coupon_exchange", _EXCHANGE, exchange_id))

    def save_exchange(self, exchange: CouponExchange) -> CouponExchange:
        row = _exchange_row(exchange)
        params = {
            "cas_id": exchange.id,
            "cas_version": exchange.version,
            "new_active": exchange.active,
            "new_document": row["document"],
        }
        self._cas_of("coupon_exchange", _SAVE_EXCHANGE, params, exchange.id, self.exchange)
        return attrs.evolve(exchange, version=exchange.version + 1)

    def exchanges(
        self, *, active_only: bool = True, after: CouponExchangeId | None = None, limit: int = 50
    ) -> list[CouponExchange]:
        params = {"all": not active_only, "after": after or "", "limit": limit}
        return [_exchange(row) for row in self._conn.execute(_EXCHANGES, params)]

    def add_redemption(self, redemption: Redemption) -> Redemption:
        stored = attrs.evolve(redemption, version=1)
        self._insert_as("redemption", _ADD_REDEMPTION, _redemption_row(stored), redemption.id)
        return stored

    def redemption(self, redemption_id: RedemptionId) -> Redemption:
        return _redemption(self._one_of("redemption", _REDEMPTION, redemption_id))

    def find_redemption(self, customer_id: CustomerId, key: str) -> Redemption | None:
        row = self._conn.execute(_BY_KEY, {"customer_id": customer_id, "key": key}).first()
        return None if row is None else _redemption(row)

    def save_redemption(self, redemption: Redemption) -> Redemption:
        row = _redemption_row(redemption)
        params = {
            "cas_id": redemption.id,
            "cas_version": redemption.version,
            "new_status": row["status"],
            "new_document": row["document"],
        }
        self._cas_of("redemption", _SAVE_REDEMPTION, params, redemption.id, self.redemption)
        return attrs.evolve(redemption, version=redemption.version + 1)

    def redemptions(
        self,
        *,
        customer_id: CustomerId | None = None,
        status: RedemptionStatus | None = None,
        after: RedemptionId | None = None,
        limit: int = 50,
    ) -> list[Redemption]:
        query = select(reward_redemptions).where(_r.id > (after or ""))
        if customer_id is not None:
            query = query.where(_r.customer_id == customer_id)
        if status is not None:
            query = query.where(_r.status == status.value)
        query = query.order_by(_r.id).limit(limit)
        return [_redemption(row) for row in self._conn.execute(query)]

    def held(self, customer_id: CustomerId, gift_id: GiftId) -> int:
        params = {"customer_id": customer_id, "item_id": gift_id}
        return int(self._conn.execute(_HELD, params).scalar_one())

    def tiers_held(self, customer_id: CustomerId, at: DateTime) -> list[Redemption]:
        rows = self._conn.execute(_TIERS, {"customer_id": customer_id, "at": at})
        return [_redemption(row) for row in rows]

    # The repository serves three entities: their errors name the right one.

    def _insert_as(self, entity: str, statement: Any, values: dict[str, Any], key: str) -> None:
        if not rowcount(self._conn.execute(statement.on(self._postgres), values)):
            raise DuplicateEntity(entity, key)

    def _one_of(self, entity: str, query: Any, key: str) -> Any:
        row = self._conn.execute(query, {"id": key}).first()
        if row is None:
            raise NotFound(entity, key)
        return row

    def _cas_of(
        self, entity: str, statement: Any, params: dict[str, Any], key: str, get: Any
    ) -> None:
        if rowcount(self._conn.execute(statement, params)):
            return
        get(key)
        raise ConcurrentUpdate(
            f"The {entity} {key} was changed by someone else; reload it.",
            details={f"{entity}_id": key},
        )
