"""Withdrawal rules (FEATURES T10; INVARIANTS I12, I24): minimum, fee rounding, allowed days in
the payee's zone, limits per period, approval — each rule named in its refusal."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.errors import InvalidWithdrawalRules, WithdrawalNotAllowed
from booking_core.money import Money
from booking_core.payouts import WithdrawalPeriod, WithdrawalRules

SHANGHAI = "Asia/Shanghai"
NEW_YORK = "America/New_York"
MONDAY = pendulum.datetime(2026, 3, 2, 9, tz=SHANGHAI)


def _cny(fen: int) -> Money:
    return Money(fen, "CNY")


def _refusal(rules: WithdrawalRules, fen: int, **kwargs: object) -> str:
    with pytest.raises(WithdrawalNotAllowed) as refused:
        rules.check(_cny(fen), **{"at": MONDAY, "time_zone": SHANGHAI, **kwargs})  # type: ignore[arg-type]
    return str(refused.value.details["reason"])


def test_the_minimum_is_inclusive() -> None:
    rules = WithdrawalRules(minimum=_cny(10_000))

    assert rules.check(_cny(10_000), at=MONDAY, time_zone=SHANGHAI) == _cny(0)
    assert _refusal(rules, 9_999) == "below_minimum"


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        (10_000, 160),  # 1.00 + 0.60
        (10_083, 160),  # 0.6 % = 60.498 fen: down
        (10_084, 161),  # 60.504 fen: up
        (10_250, 162),  # 61.5 fen exactly: half up (HALF_EVEN would give 162 too: see next)
        (10_750, 165),  # 64.5 fen: half up to 65 (HALF_EVEN would keep 64)
    ],
)
def test_the_fee_is_fixed_plus_rate_rounded_half_up_to_the_fen(amount: int, fee: int) -> None:
    rules = WithdrawalRules(minimum=_cny(10_000), fee_fixed=_cny(100), fee_rate=Decimal("0.006"))

    assert rules.fee_for(_cny(amount)) == _cny(fee)
    assert rules.check(_cny(amount), at=MONDAY, time_zone=SHANGHAI) == _cny(fee)


def test_a_fee_that_takes_everything_is_refused() -> None:
    with pytest.raises(InvalidWithdrawalRules) as invalid:
        WithdrawalRules(minimum=_cny(100), fee_fixed=_cny(100))

    assert invalid.value.details["field"] == "fee_fixed"


def test_allowed_days_are_the_payees_local_days() -> None:
    # Mondays, or the 15th; Monday 00:30 in Shanghai is still Sunday in New York
    rules = WithdrawalRules(
        minimum=_cny(100), weekdays=frozenset({1}), days_of_month=frozenset({15})
    )
    early_monday = pendulum.datetime(2026, 3, 2, 0, 30, tz=SHANGHAI)
    the_15th = pendulum.datetime(2026, 3, 15, 12, tz=SHANGHAI)  # a Sunday

    assert rules.day_allowed(early_monday, SHANGHAI)
    assert not rules.day_allowed(early_monday, NEW_YORK)
    assert rules.day_allowed(the_15th, SHANGHAI)
    assert _refusal(rules, 100, at=MONDAY.add(days=1)) == "day_not_allowed"


def test_limits_per_period_count_and_amount_inclusive() -> None:
    rules = WithdrawalRules(
        minimum=_cny(100),
        period=WithdrawalPeriod.WEEK,
        max_count_per_period=3,
        max_amount_per_period=_cny(100_000),
    )

    assert rules.check(_cny(40_000), at=MONDAY, time_zone=SHANGHAI, count_in_period=2,
                       amount_in_period=_cny(60_000)) == _cny(0)  # fmt: skip
    assert _refusal(rules, 100, count_in_period=3) == "too_many_in_period"
    assert (
        _refusal(rules, 40_001, count_in_period=2, amount_in_period=_cny(60_000))
        == "too_much_in_period"
    )


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        (WithdrawalPeriod.DAY, (2026, 3, 8, 0), (2026, 3, 9, 0)),
        (WithdrawalPeriod.WEEK, (2026, 3, 2, 0), (2026, 3, 9, 0)),
        (WithdrawalPeriod.MONTH, (2026, 3, 1, 0), (2026, 4, 1, 0)),
    ],
)
def test_periods_are_local_calendar_periods_across_daylight_saving(
    period: WithdrawalPeriod, start: tuple[int, ...], end: tuple[int, ...]
) -> None:
    # 8 March 2026 is the day New York springs forward: that day is 23 hours long
    rules = WithdrawalRules(minimum=_cny(100), period=period)

    found = rules.period_around(pendulum.datetime(2026, 3, 8, 12, tz=NEW_YORK), NEW_YORK)

    assert found.start == pendulum.datetime(*start, tz=NEW_YORK)
    assert found.end == pendulum.datetime(*end, tz=NEW_YORK)
    if period is WithdrawalPeriod.DAY:
        assert found.duration.in_hours() == 23


def test_approval_is_needed_strictly_above_the_limit() -> None:
    rules = WithdrawalRules(minimum=_cny(100), approval_above=_cny(500_000))

    assert not rules.needs_approval(_cny(500_000))
    assert rules.needs_approval(_cny(500_001))
    assert not WithdrawalRules(minimum=_cny(100)).needs_approval(_cny(10**12))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"minimum": _cny(0)}, "minimum"),
        ({"fee_rate": Decimal(1)}, "fee_rate"),
        ({"fee_rate": 0.006}, "fee_rate"),
        ({"fee_fixed": Money(100, "USD")}, "fee_fixed"),
        ({"weekdays": frozenset({0})}, "weekdays"),
        ({"days_of_month": frozenset({32})}, "days_of_month"),
        ({"max_count_per_period": 0}, "max_count_per_period"),
        ({"approval_above": _cny(-1)}, "approval_above"),
    ],
)
def test_malformed_rules_name_the_field(kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"minimum": _cny(100), **kwargs}

    with pytest.raises(InvalidWithdrawalRules) as invalid:
        WithdrawalRules(**arguments)  # type: ignore[arg-type]

    assert invalid.value.code == "invalid_withdrawal_rules"
    assert invalid.value.details["field"] == field


def test_another_currency_is_refused() -> None:
    rules = WithdrawalRules(minimum=_cny(100))

    with pytest.raises(WithdrawalNotAllowed) as refused:
        rules.check(Money(10_000, "USD"), at=MONDAY, time_zone=SHANGHAI)

    assert refused.value.details["reason"] == "currency"
