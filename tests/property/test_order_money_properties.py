"""Cancellation fees are monotone (I14) and refund splits are exact (I9, I13)."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from booking_core import Money
from booking_core.errors import RefundExceedsCaptured
from booking_core.ids import OrderId
from booking_core.orders.cancellation import FeeSchedule
from booking_core.orders.payments import PaymentAttempt, PaymentPurpose, PaymentStatus, plan_refund
from booking_core.testing.strategies import fee_schedules

AT = pendulum.datetime(2026, 3, 2, 8, tz="UTC")


@given(
    fee_schedules(), st.integers(0, 10_000_000), st.integers(-600, 20_000), st.integers(0, 5_000)
)
def test_the_refund_never_grows_as_the_start_approaches(
    schedule: FeeSchedule, paid: int, notice: int, closer_by: int
) -> None:
    money = Money(paid, "CNY")

    earlier_fee = schedule.fee(money, notice)
    later_fee = schedule.fee(money, notice - closer_by)

    assert Money.zero("CNY") <= earlier_fee <= later_fee <= money
    assert (money - later_fee) <= (money - earlier_fee)


@given(
    st.lists(st.integers(1, 1_000_000), min_size=1, max_size=4),
    st.integers(0, 5_000_000),
)
def test_a_refund_split_sums_exactly_and_never_exceeds_a_payment(
    amounts: list[int], refund: int
) -> None:
    attempts = [
        PaymentAttempt(
            f"k{n}",
            OrderId("o"),
            PaymentPurpose.FULL,
            Money(a, "CNY"),
            PaymentStatus.CAPTURED,
            AT,
            AT,
        )
        for n, a in enumerate(amounts)
    ]

    if refund > sum(amounts):
        try:
            plan_refund(Money(refund, "CNY"), attempts, [])
        except RefundExceedsCaptured:
            return
        raise AssertionError("a refund above the captures was planned")
    plan = plan_refund(Money(refund, "CNY"), attempts, [])

    assert sum(part.amount for _, part in plan) == refund
    assert all(0 < part.amount <= attempt.amount.amount for attempt, part in plan)
