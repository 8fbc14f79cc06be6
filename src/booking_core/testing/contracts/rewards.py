"""Contract cases of rewards storage: gifts and their stock, coupon exchanges, redemptions
(part of :class:`~booking_core.testing.contracts.StorageContract`).

The data make every field count: a gift with a stock and a per-customer limit, another
unlimited and inactive; redemptions of every kind with a coupon, a tier's ``until`` in a zone
other than UTC, microseconds.
"""

from __future__ import annotations

import attrs
import pendulum
import pytest

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
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.promotions import CouponTemplateId
from booking_core.testing.contracts.orders import race

__all__ = ["RewardStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 123_456, tz="Asia/Shanghai")
_CUS, _HIM = CustomerId("cus_rw"), CustomerId("cus_rw2")
_MUG = Gift(GiftId("g_mug"), "Mug 马克杯", 150, stock=3, active=True, per_customer=2)
_PEN = Gift(GiftId("g_pen"), "Pen", 20, stock=None, active=False)


def _redemption(n: int, kind: RewardKind, item: str, **fields: object) -> Redemption:
    values: dict[str, object] = {
        "id": RedemptionId(f"rdm_{n}"), "customer_id": _CUS, "kind": kind, "item_id": item,
        "points": 10 * n, "key": f"key-{n}", "movement_id": f"reward:rdm_{n}",
        "at": _T0.add(minutes=n),
    }  # fmt: skip
    values.update(fields)
    return Redemption(**values)  # type: ignore[arg-type]


class RewardStorageContract:
    """Gifts, exchanges and redemptions: what every storage adapter keeps and guarantees."""

    concurrency_workers: int

    def test_gifts_read_back_page_and_compare_and_set(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            mug = uow.rewards.add_gift(_MUG)
            uow.rewards.add_gift(_PEN)
            with pytest.raises(DuplicateEntity):
                uow.rewards.add_gift(_MUG)
            uow.commit()
        with uow_factory() as uow:
            assert uow.rewards.gift(_MUG.id) == mug == attrs.evolve(_MUG, version=1)
            assert uow.rewards.gifts() == [mug]
            assert [g.id for g in uow.rewards.gifts(active_only=False)] == ["g_mug", "g_pen"]
            assert [g.id for g in uow.rewards.gifts(active_only=False, after=_MUG.id)] == ["g_pen"]
            saved = uow.rewards.save_gift(attrs.evolve(mug, name="Cup", stock=None))
            with pytest.raises(ConcurrentUpdate):
                uow.rewards.save_gift(mug)
            with pytest.raises(NotFound):
                uow.rewards.gift(GiftId("g_none"))
            uow.commit()
        with uow_factory() as uow:
            assert uow.rewards.gift(_MUG.id) == saved
            assert (saved.name, saved.stock, saved.version) == ("Cup", None, 2)

    def test_stock_is_taken_to_zero_and_restored(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.rewards.add_gift(attrs.evolve(_MUG, stock=1))
            uow.rewards.add_gift(attrs.evolve(_PEN, active=True))
            uow.rewards.add_gift(attrs.evolve(_PEN, id=GiftId("g_off"), stock=5))
            uow.commit()
        with uow_factory() as uow:
            taken = [uow.rewards.take_stock(_MUG.id), uow.rewards.take_stock(_MUG.id)]
            unlimited = uow.rewards.take_stock(_PEN.id)
            inactive = uow.rewards.take_stock(GiftId("g_off"))
            uow.commit()
        assert (taken, unlimited, inactive) == ([True, False], True, False)
        with uow_factory() as uow:
            assert uow.rewards.gift(_MUG.id).stock == 0
            assert uow.rewards.gift(_PEN.id).stock is None
            assert uow.rewards.gift(GiftId("g_off")).stock == 5
            uow.rewards.restore_stock(_MUG.id)
            uow.rewards.restore_stock(_PEN.id)
            uow.commit()
        with uow_factory() as uow:
            assert uow.rewards.gift(_MUG.id).stock == 1
            assert uow.rewards.gift(_PEN.id).stock is None

    def test_exchanges_read_back(self, uow_factory: UnitOfWorkFactory) -> None:
        exchange = CouponExchange(CouponExchangeId("ex_1"), CouponTemplateId("tpl_1"), 80)
        with uow_factory() as uow:
            stored = uow.rewards.add_exchange(exchange)
            with pytest.raises(DuplicateEntity):
                uow.rewards.add_exchange(exchange)
            off = uow.rewards.save_exchange(attrs.evolve(stored, active=False))
            uow.commit()
        with uow_factory() as uow:
            assert uow.rewards.exchange(exchange.id) == off
            assert (off.active, off.version) == (False, 2)
            assert uow.rewards.exchanges() == []
            assert uow.rewards.exchanges(active_only=False) == [off]
            with pytest.raises(NotFound):
                uow.rewards.exchange(CouponExchangeId("ex_none"))

    def test_redemptions_read_back_filter_and_count(self, uow_factory: UnitOfWorkFactory) -> None:
        until = pendulum.datetime(2026, 4, 1, 9, 0, 0, 654_321, tz="Europe/London")
        made = [
            _redemption(1, RewardKind.GIFT, _MUG.id, status=RedemptionStatus.REQUESTED),
            _redemption(2, RewardKind.GIFT, _MUG.id, status=RedemptionStatus.CANCELLED,
                        decided_at=_T0.add(hours=1)),
            _redemption(3, RewardKind.COUPON, "ex_1", coupon_id="cpn_9"),
            _redemption(4, RewardKind.TIER, "gold", until=until),
            _redemption(5, RewardKind.GIFT, _MUG.id, customer_id=_HIM,
                        status=RedemptionStatus.REQUESTED),
        ]  # fmt: skip
        with uow_factory() as uow:
            stored = [uow.rewards.add_redemption(r) for r in made]
            with pytest.raises(DuplicateEntity):  # his key again, under another id
                uow.rewards.add_redemption(attrs.evolve(made[0], id=RedemptionId("rdm_9")))
            uow.commit()
        with uow_factory() as uow:
            assert uow.rewards.redemption(RedemptionId("rdm_4")) == stored[3]
            assert uow.rewards.find_redemption(_CUS, "key-3") == stored[2]
            assert uow.rewards.find_redemption(_HIM, "key-3") is None
            assert uow.rewards.redemptions(customer_id=_CUS) == stored[:4]
            requested = uow.rewards.redemptions(status=RedemptionStatus.REQUESTED)
            assert [r.id for r in requested] == ["rdm_1", "rdm_5"]
            assert [
                r.id for r in uow.rewards.redemptions(after=RedemptionId("rdm_3"), limit=1)
            ] == ["rdm_4"]
            assert uow.rewards.held(_CUS, _MUG.id) == 1
            assert uow.rewards.tiers_held(_CUS, until.subtract(microseconds=1)) == [stored[3]]
            assert uow.rewards.tiers_held(_CUS, until) == []
            fulfilled = uow.rewards.save_redemption(stored[0].fulfil(_T0.add(days=1)))
            with pytest.raises(ConcurrentUpdate):
                uow.rewards.save_redemption(stored[0].cancel(_T0.add(days=1)))
            uow.commit()
        with uow_factory() as uow:
            assert uow.rewards.redemption(RedemptionId("rdm_1")) == fulfilled
            assert fulfilled.version == 2

    def test_concurrent_takes_of_the_last_units_never_oversell(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.rewards.add_gift(attrs.evolve(_MUG, stock=2))
            uow.commit()

        def take(_: int) -> None:
            with uow_factory() as uow:
                if not uow.rewards.take_stock(_MUG.id):
                    raise DuplicateEntity("gift_unit", _MUG.id)  # reported as a code
                uow.commit()

        results = race(self.concurrency_workers, take)

        assert results.count("ok") == 2, results
        with uow_factory() as uow:
            assert uow.rewards.gift(_MUG.id).stock == 0
