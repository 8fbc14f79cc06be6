"""The pure points functions: award, spend, expire, claw back, return (INVARIANTS I17)."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.errors import DuplicateEntity, InsufficientPoints, InvalidInput
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import (
    MovementKind,
    PointsAccount,
    PointsLot,
    PointsSource,
    award,
    claw_back,
    expire,
    return_spent,
    spend,
)

CUS = CustomerId("cus_1")
ORDER = OrderId("ord_1")
T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def lot(
    lot_id: str, points: int, *, expires_in: int | None, earned: int = 0, **kw: object
) -> PointsLot:
    expires = None if expires_in is None else T0.add(days=expires_in)
    return PointsLot(lot_id, CUS, kw.pop("source", PointsSource.CAMPAIGN), points, points,  # type: ignore[arg-type]
                     T0.add(minutes=earned), expires, **kw)  # type: ignore[arg-type]  # fmt: skip


def account_with(*lots: PointsLot) -> PointsAccount:
    account = PointsAccount(CUS)
    for one in lots:
        account = award(account, one).account
    return account


def test_spending_takes_the_soonest_expiring_lots_first() -> None:
    account = account_with(
        lot("never", 100, expires_in=None),
        lot("late", 100, expires_in=90),
        lot("soon_b", 50, expires_in=10, earned=2),
        lot("soon_a", 50, expires_in=10, earned=1),
    )

    change = spend(account, 180, movement_id="s", at=T0.add(days=1))

    [movement] = change.movements
    assert [(e.lot_id, e.points) for e in movement.effects] == [
        ("soon_a", -50), ("soon_b", -50), ("late", -80),
    ]  # fmt: skip
    assert (movement.kind, movement.points, movement.balance_after) == (
        MovementKind.SPENT,
        -180,
        120,
    )
    assert change.account.balance == change.account.held == 120


def test_spending_more_than_usable_is_refused_and_expired_points_do_not_count() -> None:
    account = account_with(lot("old", 100, expires_in=1), lot("new", 50, expires_in=30))

    with pytest.raises(InsufficientPoints) as caught:
        spend(account, 100, movement_id="s", at=T0.add(days=1))

    assert caught.value.error_code == "insufficient_points"
    assert caught.value.details == {"balance": 50, "asked": 100}


@pytest.mark.parametrize("points", [0, -5, 1.5])
def test_a_spend_is_a_whole_positive_number(points: object) -> None:
    with pytest.raises(InvalidInput):
        spend(account_with(lot("a", 10, expires_in=5)), points, movement_id="s", at=T0)  # type: ignore[arg-type]


def test_expiry_is_idempotent_and_journalled_per_lot() -> None:
    account = account_with(
        lot("a", 30, expires_in=1), lot("b", 20, expires_in=2), lot("c", 5, expires_in=9)
    )
    at = T0.add(days=3)

    once = expire(account, at)
    twice = expire(once.account, at)

    assert [(m.id, m.points) for m in once.movements] == [("expire:a", -30), ("expire:b", -20)]
    assert twice.movements == ()
    assert twice.account == once.account
    assert (once.account.expired, once.account.balance) == (50, 5)


def test_an_expiry_is_exclusive_of_its_instant() -> None:
    account = account_with(lot("a", 30, expires_in=1))

    assert expire(account, T0.add(days=1).subtract(microseconds=1)).movements == ()
    assert len(expire(account, T0.add(days=1)).movements) == 1


def test_claw_back_takes_the_orders_own_lot_first_then_the_soonest_expiring() -> None:
    account = account_with(
        lot("soon", 40, expires_in=5),
        lot("earned", 30, expires_in=300, source=PointsSource.ORDER, order_id=ORDER),
        lot("other_order", 100, expires_in=1, source=PointsSource.ORDER, order_id=OrderId("ord_2")),
    )

    change = claw_back(account, 50, movement_id="c", at=T0, order_id=ORDER)

    [movement] = change.movements
    assert [(e.lot_id, e.points) for e in movement.effects] == [
        ("earned", -30),
        ("other_order", -20),
    ]
    assert change.shortfall == 0


def test_a_short_claw_back_takes_what_is_there_and_reports_the_rest() -> None:
    account = account_with(lot("a", 30, expires_in=5))

    change = claw_back(account, 50, movement_id="c", at=T0, order_id=ORDER)

    assert change.shortfall == 20
    assert change.account.balance == 0
    assert change.movements[0].points == -30


def test_under_a_points_debt_the_balance_goes_below_zero_and_awards_pay_it_first() -> None:
    account = account_with(lot("a", 30, expires_in=5))

    owed = claw_back(account, 50, movement_id="c", at=T0, order_id=ORDER, debt=True)
    paid = award(owed.account, lot("b", 100, expires_in=5, earned=5))

    assert (owed.shortfall, owed.account.balance, owed.account.debt) == (0, -20, 20)
    assert paid.account.debt == 0
    assert paid.account.balance == paid.account.held == 80
    assert paid.account.lot("b").remaining == 80  # type: ignore[union-attr]
    assert paid.movements[-1].points == 100  # the award is whole; 20 of it paid the debt


def test_returned_points_go_back_to_their_lots_or_to_a_new_one_when_theirs_expired() -> None:
    account = account_with(lot("short", 50, expires_in=2), lot("long", 50, expires_in=60))
    spent = spend(account, 80, movement_id="s", at=T0, order_id=ORDER)
    effects = spent.movements[0].effects
    later = T0.add(days=3)  # "short" has expired by then

    def fresh(n: int) -> PointsLot:
        return PointsLot("r:lot", CUS, PointsSource.ADJUSTMENT, n, n, later, None, "returned")

    back = return_spent(
        spent.account, 80, taken_from=effects, movement_id="r", at=later, order_id=ORDER,
        replacement=fresh,
    )  # fmt: skip

    assert [(e.lot_id, e.points) for e in back.movements[0].effects] == [
        ("long", 30),
        ("r:lot", 50),
    ]
    assert back.account.balance == back.account.held == 100
    assert back.account.spent == 0


def test_the_same_lot_cannot_be_awarded_twice() -> None:
    account = account_with(lot("a", 30, expires_in=5))

    with pytest.raises(DuplicateEntity):
        award(account, lot("a", 30, expires_in=5))


def test_every_movement_balances_in_points() -> None:
    account = account_with(lot("a", 30, expires_in=1), lot("b", 70, expires_in=9))
    change = spend(account, 40, movement_id="s", at=T0.add(days=2))

    for movement in change.movements:
        assert movement.points == sum(e.points for e in movement.effects) - movement.debt_change
    assert [m.balance_after for m in change.movements] == [70, 30]
