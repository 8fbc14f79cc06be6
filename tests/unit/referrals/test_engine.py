"""The commission engine (I9, I22): rates per level with overrides and a cap, exact
largest-remainder allocation, and refunds taken back in proportion."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from booking_core.errors import InvalidReferral
from booking_core.ids import CategoryId, ServiceId
from booking_core.money import Money
from booking_core.referrals import (
    CommissionLine,
    CommissionPlan,
    Member,
    RateOverride,
    commissions_for,
    refund_reductions,
)

A, B, C = Member.customer("a"), Member.customer("b"), Member.customer("c")
TUINA, FACIAL = ServiceId("tuina"), ServiceId("facial")
BEAUTY = CategoryId("beauty")


def _line(fen: int, service: ServiceId = TUINA, index: int = 0) -> CommissionLine:
    return CommissionLine(index, service, Money(fen, "CNY"), BEAUTY if service == FACIAL else None)


def test_each_level_earns_its_rate_of_what_was_paid() -> None:
    plan = CommissionPlan((Decimal("0.1"), Decimal("0.05")))

    shares = commissions_for([_line(199_00)], [A, B], plan)

    assert [(s.beneficiary, s.level, s.amount.amount) for s in shares] == [
        (A, 1, 19_90),
        (B, 2, 9_95),
    ]


def test_levels_without_an_earning_member_earn_nothing_and_are_not_compressed() -> None:
    plan = CommissionPlan((Decimal("0.1"), Decimal("0.05"), Decimal("0.02")))

    shares = commissions_for([_line(100_00)], [None, B, C, A], plan)

    assert [(s.beneficiary, s.level, s.amount.amount) for s in shares] == [
        (B, 2, 5_00),
        (C, 3, 2_00),
    ]


def test_a_service_override_beats_its_category_which_beats_the_plan() -> None:
    plan = CommissionPlan(
        (Decimal("0.1"),),
        overrides=(
            RateOverride((Decimal("0.2"),), category_id=BEAUTY),
            RateOverride((Decimal("0.3"),), service_id=FACIAL),
        ),
    )

    assert plan.rates_for(FACIAL, BEAUTY) == (Decimal("0.3"),)
    assert plan.rates_for(ServiceId("nails"), BEAUTY) == (Decimal("0.2"),)
    assert plan.rates_for(TUINA) == (Decimal("0.1"),)


def test_the_cap_cuts_the_deepest_levels_first() -> None:
    plan = CommissionPlan((Decimal("0.1"), Decimal("0.08"), Decimal("0.05")), cap=Decimal("0.15"))

    assert plan.rates_for(TUINA) == (Decimal("0.1"), Decimal("0.05"), Decimal("0"))
    shares = commissions_for([_line(100_00)], [A, B, C], plan)
    assert [s.amount.amount for s in shares] == [10_00, 5_00]


def test_a_lines_total_is_rounded_once_then_shared_exactly_by_largest_remainder() -> None:
    # 1 % at each of 3 levels: on 1.01 the total is 3.03 fen, floored to 3, one fen each;
    # on 0.10 it is 0.3 fen, floored to nothing.
    plan = CommissionPlan((Decimal("0.01"),) * 3)
    shares = commissions_for([_line(101), _line(10, index=1)], [A, B, C], plan)

    assert [(s.line, s.amount.amount) for s in shares] == [(0, 1), (0, 1), (0, 1)]
    # 7 fen over rates 2:1 → 4.67 and 2.33: largest remainder gives 5 and 2, exact sum 7.
    plan = CommissionPlan((Decimal("0.2"), Decimal("0.1")))
    assert [s.amount.amount for s in commissions_for([_line(25)], [A, B], plan)] == [5, 2]


def test_the_rounding_is_named_and_only_the_named_ones_are_accepted() -> None:
    half_up = CommissionPlan((Decimal("0.05"),), rounding=ROUND_HALF_UP)
    floor = CommissionPlan((Decimal("0.05"),))

    assert commissions_for([_line(10)], [A], half_up)[0].amount.amount == 1  # 0.5 → 1
    assert commissions_for([_line(10)], [A], floor) == []  # 0.5 → 0: nothing to freeze
    with pytest.raises(InvalidReferral):
        CommissionPlan((Decimal("0.05"),), rounding="ROUND_HALF_EVEN")


def test_plans_refuse_rates_that_contradict_themselves() -> None:
    with pytest.raises(InvalidReferral):
        CommissionPlan(())
    with pytest.raises(InvalidReferral):
        CommissionPlan((Decimal("1.5"),))
    with pytest.raises(InvalidReferral):
        CommissionPlan((0.1,))  # type: ignore[arg-type]  # floats are refused
    with pytest.raises(InvalidReferral):
        CommissionPlan(
            (Decimal("0.1"),), overrides=(RateOverride((Decimal("0.1"),) * 2, service_id=TUINA),)
        )
    with pytest.raises(InvalidReferral):
        RateOverride((Decimal("0.1"),))


def test_a_refund_takes_back_its_share_of_what_is_left_and_all_of_it_at_the_end() -> None:
    remaining = [1_000, 400, 1]

    half = refund_reductions(remaining, 5_000, 10_000)
    left = [r - p for r, p in zip(remaining, half, strict=True)]
    rest = refund_reductions(left, 5_000, 5_000)

    assert sum(half) == 701  # 1401 / 2, half up
    assert all(0 <= p <= r for p, r in zip(half, remaining, strict=True))
    assert rest == left
    assert refund_reductions([0, 0], 100, 1_000) == [0, 0]
