"""Contract cases of loyalty storage: points accounts, lots and their journal, check-ins and
tiers (part of :class:`~booking_core.testing.contracts.StorageContract`).

The data make every field count: lots of every source with and without an expiry, a reason
and an order; movements with several lot effects, a debt change, instants with microseconds
in a zone other than UTC.
"""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core.errors import ConcurrentUpdate, DuplicateEntity
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import (
    CheckIn,
    PointsLot,
    PointsSource,
    TierChange,
    TierStatus,
    award,
    claw_back,
    spend,
)
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing.contracts.orders import race

__all__ = ["LoyaltyStorageContract"]

_T0 = pendulum.datetime(2026, 3, 2, 9, 0, 0, 123_456, tz="Asia/Shanghai")
_CUS = CustomerId("cus_pts")
_ORDER = OrderId("ord_pts")


def _lot(n: int, points: int, *, days: int | None = 30, **fields: object) -> PointsLot:
    return PointsLot(
        f"lot_{n}", _CUS, fields.pop("source", PointsSource.CAMPAIGN), points, points,  # type: ignore[arg-type]
        _T0.add(minutes=n), None if days is None else _T0.add(days=days),
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def _award(uow_factory: UnitOfWorkFactory, *lots: PointsLot) -> None:
    with uow_factory() as uow:
        for lot in lots:
            account = uow.points.account(lot.customer_id, lock=True)
            uow.points.save(award(account, lot), expected_sequence=account.sequence)
        uow.commit()


class LoyaltyStorageContract:
    """Points and tiers: what every storage adapter keeps and guarantees."""

    concurrency_workers: int

    def test_an_account_reads_back_what_was_saved(self, uow_factory: UnitOfWorkFactory) -> None:
        lots = [
            _lot(1, 300, source=PointsSource.ORDER, order_id=_ORDER),
            _lot(2, 50, days=None, source=PointsSource.ADJUSTMENT, reason="goodwill"),
            _lot(3, 20, days=2, source=PointsSource.CHECK_IN),
        ]
        _award(uow_factory, *lots)

        with uow_factory() as uow:
            account = uow.points.account(_CUS, lock=True)
            change = spend(
                account, 310, movement_id="spend:1", at=_T0.add(hours=1), order_id=_ORDER
            )
            uow.points.save(change, expected_sequence=account.sequence)
            uow.commit()

        with uow_factory() as uow:
            stored = uow.points.account(_CUS)
            journal = uow.points.statement(_CUS)
            spent = uow.points.movement("spend:1")
        # An emptied lot is no longer loaded; everything else reads back as saved.
        assert stored == attrs.evolve(
            change.account, lots=[lot for lot in change.account.lots if lot.remaining]
        )
        assert stored.balance == stored.held == 60
        assert [m.id for m in journal] == ["lot_1", "lot_2", "lot_3", "spend:1"]
        assert spent == change.movements[-1]
        assert [(e.lot_id, e.points) for e in spent.effects] == [("lot_3", -20), ("lot_1", -290)]
        assert sum(m.points for m in journal) == journal[-1].balance_after == 60

    def test_an_emptied_lot_is_loaded_only_when_asked_for(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _award(uow_factory, _lot(1, 100), _lot(2, 100, days=60))
        with uow_factory() as uow:
            account = uow.points.account(_CUS, lock=True)
            uow.points.save(spend(account, 100, movement_id="s", at=_T0.add(hours=1)),
                            expected_sequence=account.sequence)  # fmt: skip
            uow.commit()

        with uow_factory() as uow:
            open_only = uow.points.account(_CUS)
            with_spent = uow.points.account(_CUS, include=["lot_1"])
        assert [lot.id for lot in open_only.lots] == ["lot_2"]
        assert [(lot.id, lot.remaining) for lot in with_spent.lots] == [
            ("lot_1", 0),
            ("lot_2", 100),
        ]

    def test_a_replayed_movement_is_refused_and_stores_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _award(uow_factory, _lot(1, 100))

        with uow_factory() as uow:
            account = uow.points.account(_CUS, lock=True)
            # An account that forgot its lots: only storage can tell the award was made.
            again = award(attrs.evolve(account, lots=()), _lot(1, 100))
            with pytest.raises(DuplicateEntity) as caught:
                uow.points.save(again, expected_sequence=account.sequence)
        assert caught.value.error_code == "points_movement_exists"
        with uow_factory() as uow:
            assert uow.points.account(_CUS).balance == 100

    def test_saving_a_stale_account_is_refused(self, uow_factory: UnitOfWorkFactory) -> None:
        _award(uow_factory, _lot(1, 100))
        with uow_factory() as uow:
            stale = uow.points.account(_CUS)
        _award(uow_factory, _lot(2, 100))

        with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
            uow.points.save(spend(stale, 50, movement_id="s", at=_T0.add(hours=1)),
                            expected_sequence=stale.sequence)  # fmt: skip

    def test_the_statement_filters_by_period_and_pages(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _award(uow_factory, *(_lot(n, 10 * n) for n in range(1, 6)))

        with uow_factory() as uow:
            window = uow.points.statement(_CUS, start=_T0.add(minutes=2), end=_T0.add(minutes=4))
            first = uow.points.statement(_CUS, limit=2)
            second = uow.points.statement(_CUS, after=first[-1].sequence, limit=2)
            nothing = uow.points.statement(CustomerId("cus_other"))
        assert [m.id for m in window] == ["lot_2", "lot_3"]
        assert [m.sequence for m in first + second] == [1, 2, 3, 4]
        assert nothing == []

    def test_what_an_order_did_and_what_is_due(self, uow_factory: UnitOfWorkFactory) -> None:
        _award(
            uow_factory,
            _lot(1, 100, source=PointsSource.ORDER, order_id=_ORDER),
            _lot(2, 100, days=1, source=PointsSource.SHARING),
            _lot(3, 100, days=None, source=PointsSource.SHARING),
        )
        with uow_factory() as uow:
            account = uow.points.account(_CUS, lock=True)
            taken = claw_back(account, 150, movement_id="claw:1", at=_T0.add(hours=1),
                              order_id=_ORDER)  # fmt: skip
            uow.points.save(taken, expected_sequence=account.sequence)
            uow.commit()

        with uow_factory() as uow:
            about = uow.points.for_order(_CUS, _ORDER)
            shares = uow.points.count_awards(_CUS, PointsSource.SHARING, _T0, _T0.add(minutes=3))
            late = uow.points.count_awards(
                _CUS, PointsSource.SHARING, _T0.add(minutes=3), _T0.add(days=1)
            )
            due_before = uow.points.due(_T0.add(hours=23), limit=10)
            due_after = uow.points.due(_T0.add(days=1), limit=10)
        assert [m.id for m in about] == ["lot_1", "claw:1"]
        assert (shares, late) == (1, 1)
        assert (due_before, due_after) == ([], [_CUS])

    def test_one_check_in_per_local_day(self, uow_factory: UnitOfWorkFactory) -> None:
        day = pendulum.date(2026, 3, 2)
        first = CheckIn(_CUS, day, 1, 5, _T0, "check_in:a")
        with uow_factory() as uow:
            assert uow.points.add_check_in(first)
            assert not uow.points.add_check_in(CheckIn(_CUS, day, 2, 9, _T0, "check_in:b"))
            assert uow.points.add_check_in(
                CheckIn(_CUS, day.add(days=1), 2, 5, _T0.add(days=1), "c")
            )
            uow.commit()

        with uow_factory() as uow:
            assert uow.points.check_in(_CUS, day) == first
            assert uow.points.check_in(_CUS, day.add(days=2)) is None
            last = uow.points.last_check_in(_CUS)
        assert last is not None
        assert (last.local_date, last.streak) == (day.add(days=1), 2)

    def test_concurrent_check_ins_of_one_day_store_one(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        day = pendulum.date(2026, 3, 2)
        stored: list[int] = []

        def tap(n: int) -> None:
            with uow_factory() as uow:
                if uow.points.add_check_in(CheckIn(_CUS, day, 1, 5, _T0, f"tap:{n}")):
                    stored.append(n)
                uow.commit()

        results = race(self.concurrency_workers, tap)

        assert results.count("ok") == self.concurrency_workers, results
        assert len(stored) == 1

    def test_concurrent_locked_spends_never_overdraw(self, uow_factory: UnitOfWorkFactory) -> None:
        _award(uow_factory, _lot(1, 500))

        def take(n: int) -> None:
            with uow_factory() as uow:
                account = uow.points.account(_CUS, lock=True)
                change = spend(account, 100, movement_id=f"spend:{n}", at=_T0.add(hours=1))
                uow.points.save(change, expected_sequence=account.sequence)
                uow.commit()

        results = race(self.concurrency_workers, take)

        assert results.count("ok") == 5, results
        assert results.count("insufficient_points") == self.concurrency_workers - 5, results
        with uow_factory() as uow:
            account = uow.points.account(_CUS)
            journal = uow.points.statement(_CUS, limit=100)
        assert account.balance == account.held == 0
        assert [m.sequence for m in journal] == list(range(1, 7))

    def test_tier_statuses_and_history(self, uow_factory: UnitOfWorkFactory) -> None:
        status = TierStatus(_CUS, "gold", 5000, _T0, _T0.subtract(days=3), _T0.subtract(days=1))
        other = TierStatus(CustomerId("cus_a"), None, 0, None, None, None)
        with uow_factory() as uow:
            uow.tiers.save(status)
            uow.tiers.save(other)
            uow.tiers.record(
                TierChange(_CUS, None, "silver", 1000, _T0.subtract(days=9), "reached")
            )
            uow.tiers.record(
                TierChange(_CUS, "silver", "gold", 5000, _T0.subtract(days=3), "reached")
            )
            uow.commit()
        with uow_factory() as uow:
            uow.tiers.save(attrs.evolve(status, below_since=None))
            uow.commit()

        with uow_factory() as uow:
            assert uow.tiers.get(_CUS) == attrs.evolve(status, below_since=None)
            assert uow.tiers.get(CustomerId("cus_none")) is None
            assert [c.to_tier for c in uow.tiers.history(_CUS)] == ["silver", "gold"]
            assert [s.customer_id for s in uow.tiers.members()] == ["cus_a", _CUS]
            assert [s.customer_id for s in uow.tiers.members(after=CustomerId("cus_a"))] == [_CUS]
