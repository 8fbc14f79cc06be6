"""Expiry policies, earning, sharing and check-in tables, tier ladders (I19, I20)."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.errors import InvalidPromotion
from booking_core.ids import CustomerId
from booking_core.loyalty import (
    CheckIn,
    CheckInTable,
    EarningRule,
    ExpiryKind,
    ExpiryPolicy,
    Tier,
    TierLadder,
    TierMetric,
    TierStatus,
)
from booking_core.money import Money

SH = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("policy", "earned", "expires"),
    [
        (ExpiryPolicy.rolling(30), "2026-03-02T09:00:00+08:00", "2026-04-01T01:00:00+00:00"),
        (
            ExpiryPolicy.period_end(ExpiryKind.MONTH_END),
            "2026-03-31T23:59:00+08:00",
            "2026-03-31T16:00:00+00:00",
        ),
        (
            ExpiryPolicy.period_end(ExpiryKind.QUARTER_END),
            "2026-05-15T12:00:00+08:00",
            "2026-06-30T16:00:00+00:00",
        ),
        (
            ExpiryPolicy.period_end(ExpiryKind.YEAR_END, 2),
            "2026-01-01T00:00:00+08:00",
            "2027-12-31T16:00:00+00:00",
        ),
        (ExpiryPolicy.never(), "2026-03-02T09:00:00+08:00", None),
    ],
    ids=["rolling", "month-end", "quarter-end", "two-year-ends", "never"],
)
def test_expiry_in_the_customers_zone(
    policy: ExpiryPolicy, earned: str, expires: str | None
) -> None:
    at = pendulum.parse(earned)
    assert isinstance(at, pendulum.DateTime)

    found = policy.expires_at(at, SH)

    assert (found.isoformat() if found else None) == expires


def test_a_rolling_expiry_counts_local_days_across_daylight_saving() -> None:
    earned = pendulum.datetime(2026, 3, 28, 12, tz="Europe/London")  # DST starts 29 March

    expires = ExpiryPolicy.rolling(1).expires_at(earned, "Europe/London")

    assert expires is not None
    assert expires.in_timezone("Europe/London").hour == 12
    assert expires - earned == pendulum.duration(hours=23)


@pytest.mark.parametrize(("paid", "points"), [(19999, 199), (100, 1), (99, 0), (0, 0), (-500, 0)])
def test_earning_is_floor_of_yuan_paid(paid: int, points: int) -> None:
    assert EarningRule(Decimal(1)).points_for(Money(paid, "CNY")) == points


def test_earning_at_a_fractional_rate_rounds_down_once() -> None:
    assert EarningRule(Decimal("1.5")).points_for(Money(19999, "CNY")) == 299


def test_check_in_streaks_and_the_table_end() -> None:
    table = CheckInTable((5, 10, 20))
    cycling = CheckInTable((5, 10, 20), cycle=True)
    day = pendulum.date(2026, 3, 2)
    yesterday = CheckIn(CustomerId("c"), day.subtract(days=1), 3, 20, pendulum.now("UTC"), "m")
    older = CheckIn(CustomerId("c"), day.subtract(days=2), 3, 20, pendulum.now("UTC"), "m")

    assert [table.points_for(n) for n in range(1, 6)] == [5, 10, 20, 20, 20]
    assert [cycling.points_for(n) for n in range(1, 6)] == [5, 10, 20, 5, 10]
    assert (table.next_streak(yesterday, day), table.next_streak(older, day)) == (4, 1)
    assert table.next_streak(None, day) == 1
    with pytest.raises(InvalidPromotion):
        CheckInTable(())


LADDER = TierLadder(
    TierMetric.LIFETIME_SPEND,
    [Tier("silver", 100_000), Tier("gold", 500_000), Tier("diamond", 2_000_000)],
    downgrade_grace=pendulum.duration(days=30),
)


@pytest.mark.parametrize(
    ("metric", "tier"),
    [
        (0, None),
        (99_999, None),
        (100_000, "silver"),
        (499_999, "silver"),
        (500_000, "gold"),
        (9**9, "diamond"),
    ],
)
def test_the_tier_is_the_highest_threshold_reached_inclusive(metric: int, tier: str | None) -> None:
    assert LADDER.tier_for(metric) == tier


def test_a_ladder_refuses_unsorted_or_duplicate_tiers() -> None:
    with pytest.raises(InvalidPromotion):
        TierLadder(TierMetric.ORDER_COUNT, [Tier("gold", 10), Tier("silver", 5)])
    with pytest.raises(InvalidPromotion):
        TierLadder(TierMetric.ORDER_COUNT, [Tier("gold", 5), Tier("gold", 10)])


def test_upgrades_are_immediate_and_downgrades_wait_for_the_grace() -> None:
    t0 = pendulum.datetime(2026, 3, 2, tz="UTC")
    status = TierStatus(CustomerId("c"))

    gold, up = LADDER.evaluate(status, 600_000, t0)
    still, none = LADDER.evaluate(gold, 200_000, t0.add(days=1))
    still_later, none_again = LADDER.evaluate(still, 200_000, t0.add(days=30))
    down, change = LADDER.evaluate(still_later, 200_000, t0.add(days=31))

    assert up is not None
    assert (up.from_tier, up.to_tier, up.cause) == (None, "gold", "reached")
    assert (still.tier, none, still.below_since) == ("gold", None, t0.add(days=1))
    assert (still_later.tier, none_again) == ("gold", None)
    assert change is not None
    assert (down.tier, change.cause) == ("silver", "grace_ended")


def test_a_recovered_metric_cancels_a_pending_downgrade() -> None:
    t0 = pendulum.datetime(2026, 3, 2, tz="UTC")
    gold, _ = LADDER.evaluate(TierStatus(CustomerId("c")), 600_000, t0)
    below, _ = LADDER.evaluate(gold, 1, t0.add(days=1))

    back, change = LADDER.evaluate(below, 600_000, t0.add(days=2))
    later, change_later = LADDER.evaluate(back, 1, t0.add(days=31))

    assert (back.tier, back.below_since, change) == ("gold", None, None)
    assert (later.tier, change_later) == ("gold", None)  # the grace counts again from day 31
