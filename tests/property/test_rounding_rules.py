"""The rounding rules, each pinned by boundary examples and by a property over exact arithmetic.

* the cancellation fee rounds **down** to the minor unit (``FEE_ROUNDING``, in the customer's
  favour), so ``refund = paid - floor(paid × rate)``;
* a deposit rounds **half up** (``DEPOSIT_ROUNDING``);
* the cancellation notice is whole minutes rounded **down** (towards the past: negative once
  the start has passed), so a tier boundary is reached only with the full notice;
* the booking notice is strict in real time: a start is offered only when it lies *more* than
  ``notice`` after now, seconds and microseconds of now included.

The expected values come from exact rational arithmetic (:class:`fractions.Fraction` and
integer division), never from the code under test.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking_core import Money
from booking_core.catalog import Category, Service
from booking_core.errors import BookingError
from booking_core.ids import CategoryId, ServiceId, TechnicianId
from booking_core.orders.cancellation import (
    CancellationCause,
    CancellationPolicy,
    FeeSchedule,
    notice_minutes,
)
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services.steps.reservations import Reservations
from booking_core.testing import InMemoryStore

ZONE = "Asia/Shanghai"
START = pendulum.datetime(2026, 3, 3, 10, tz=ZONE)


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def floor_share(amount: int, rate: Decimal) -> int:
    """``floor(amount × rate)`` in exact integers."""
    exact = Fraction(amount) * Fraction(rate)
    return exact.numerator // exact.denominator


def half_up_share(amount: int, rate: Decimal) -> int:
    """``amount × rate`` rounded half up (amounts here are never negative)."""
    exact = Fraction(amount) * Fraction(rate) + Fraction(1, 2)
    return exact.numerator // exact.denominator


rates = st.decimals(min_value=0, max_value=1, places=4)
amounts = st.integers(min_value=0, max_value=10**12)


# -- the cancellation fee rounds down -----------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "rate", "fee"),
    [
        (1000, "0.3", 300),  # exact: nothing to round
        (5, "0.5", 2),  # 2.5: half-up and ceiling say 3
        (15, "0.5", 7),  # 7.5: half-even says 8
        (19999, "0.3", 5999),  # 5999.7: anything rounding to nearest says 6000
        (1, "0.9999", 0),  # 0.9999: a fraction of a fen is never charged
        (3, "0.3333", 0),  # 0.9999
        (19900, "1", 19900),  # everything kept
        (19900, "0", 0),  # free
        (0, "0.3", 0),  # nothing paid, nothing kept
    ],
)
def test_the_fee_is_the_exact_share_rounded_down(paid: int, rate: str, fee: int) -> None:
    schedule = FeeSchedule.of((0, rate))

    kept = schedule.fee(cny(paid), notice=0)

    assert kept == cny(fee)


@pytest.mark.parametrize(
    ("paid", "fee", "refund"),
    [
        (19999, 5999, 14000),  # 5999.7 kept as 5999: the customer gets the fraction
        (10001, 3000, 7001),  # 3000.3
        (3, 0, 3),  # 0.9
    ],
)
def test_a_customers_quote_rounds_the_fee_down_and_the_refund_up(
    paid: int, fee: int, refund: int
) -> None:
    # Given an order paid in full, cancelled with 23 h 59 min of notice (the 30 % tier)
    at = START.subtract(hours=23, minutes=59)

    quote = CancellationPolicy().quote(
        cause=CancellationCause.CUSTOMER, paid=cny(paid), by_deposit=False, start=START, at=at
    )

    assert (quote.fee, quote.refund) == (cny(fee), cny(refund))


@settings(max_examples=300)
@given(paid=amounts, rate=rates)
def test_the_fee_is_floor_of_the_exact_share_and_fee_plus_refund_is_what_was_paid(
    paid: int, rate: Decimal
) -> None:
    # Given a one-tier schedule and a customer's cancellation under it
    policy = CancellationPolicy(full_payment=FeeSchedule.of((0, str(rate))))

    quote = policy.quote(
        cause=CancellationCause.CUSTOMER, paid=cny(paid), by_deposit=False, start=START, at=START
    )

    # Then the fee is exactly floor(paid × rate), and the parts make the whole
    assert quote.fee == cny(floor_share(paid, rate))
    assert Fraction(paid) * Fraction(rate) - 1 < quote.fee.amount <= Fraction(paid) * Fraction(rate)
    assert quote.fee.amount + quote.refund.amount == paid
    assert 0 <= quote.refund.amount <= paid


# -- the deposit rounds half up -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "rate", "deposit"),
    [
        (25, "0.1", 3),  # 2.5: half-even and floor say 2
        (35, "0.1", 4),  # 3.5
        (5, "0.3", 2),  # 1.5: floor says 1
        (1001, "0.335", 335),  # 335.335
        (19999, "0.3", 6000),  # 5999.7: floor says 5999
        (1, "0.49", 0),  # 0.49 stays below the half
        (1, "0.5", 1),  # exactly the half goes up
    ],
)
def test_the_deposit_is_the_exact_share_rounded_half_up(
    price: int, rate: str, deposit: int
) -> None:
    policy = OrderPolicy(deposit_rate=Decimal(rate))

    upfront = policy.upfront(PaymentMode.DEPOSIT, cny(price))

    assert upfront == cny(deposit)


@settings(max_examples=300)
@given(price=amounts, rate=st.decimals(min_value="0.0001", max_value="0.9999", places=4))
def test_the_deposit_is_within_half_a_unit_of_the_exact_share_and_halves_go_up(
    price: int, rate: Decimal
) -> None:
    deposit = OrderPolicy(deposit_rate=rate).upfront(PaymentMode.DEPOSIT, cny(price))

    exact = Fraction(price) * Fraction(rate)
    assert deposit == cny(half_up_share(price, rate))
    assert exact - Fraction(1, 2) < deposit.amount <= exact + Fraction(1, 2)
    assert 0 <= deposit.amount <= price


# -- the cancellation notice rounds down -----------------------------------------------------


@pytest.mark.parametrize(
    ("before_start", "minutes"),
    [
        (pendulum.duration(hours=2), 120),
        (pendulum.duration(hours=2, microseconds=-1), 119),  # a microsecond short: not 2 h
        (pendulum.duration(minutes=1, seconds=59, microseconds=999_999), 1),
        (pendulum.duration(seconds=59), 0),
        (pendulum.duration(), 0),
        (pendulum.duration(seconds=-1), -1),  # once started the notice is negative
        (pendulum.duration(minutes=-1), -1),
        (pendulum.duration(minutes=-1, seconds=-1), -2),
        (pendulum.duration(days=30, seconds=59), 30 * 24 * 60),
    ],
)
def test_the_notice_is_whole_minutes_rounded_towards_the_past(
    before_start: pendulum.Duration, minutes: int
) -> None:
    assert notice_minutes(START, START - before_start) == minutes


@pytest.mark.parametrize(
    ("before_start", "fee"),
    [
        (pendulum.duration(hours=24), 0),
        (pendulum.duration(hours=24, seconds=-1), 5970),  # 23:59:59 is not a day's notice
        (pendulum.duration(hours=2), 5970),
        (pendulum.duration(hours=2, microseconds=-1), 19900),
    ],
)
def test_a_tier_is_reached_only_with_its_full_notice(
    before_start: pendulum.Duration, fee: int
) -> None:
    quote = CancellationPolicy().quote(
        cause=CancellationCause.CUSTOMER,
        paid=cny(19900),
        by_deposit=False,
        start=START,
        at=START - before_start,
    )

    assert quote.fee == cny(fee)


@settings(max_examples=300)
@given(offset_us=st.integers(min_value=-40 * 86_400 * 10**6, max_value=40 * 86_400 * 10**6))
def test_the_notice_is_the_floor_of_the_exact_minutes(offset_us: int) -> None:
    # Given any instant within 40 days of the start, to the microsecond
    at = START.subtract(microseconds=offset_us)

    notice = notice_minutes(START, at)

    # Then the notice is floor(exact minutes), in integers
    assert notice == offset_us // (60 * 10**6)
    assert notice * 60 * 10**6 <= offset_us < (notice + 1) * 60 * 10**6


# -- the booking notice is strict in real time -------------------------------------------------


def _round_the_clock_store() -> tuple[InMemoryStore, Technician, Service]:
    technician = Technician(
        TechnicianId("tec_1"),
        "Li",
        ZONE,
        WeeklyHours.every_day("02:00", "22:00"),
        {ServiceId("svc_1")},
    )
    service = Service(ServiceId("svc_1"), CategoryId("cat_1"), "Tuina", 30, Money(100, "CNY"))
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
        uow.services.add(service)
        uow.technicians.add(technician)
        uow.commit()
    return store, technician, service


@pytest.mark.parametrize(
    ("now", "first"),
    [
        (pendulum.datetime(2026, 3, 3, 8, 0, 0, tz=ZONE), "09:01"),  # exactly 60 min: refused
        (pendulum.datetime(2026, 3, 3, 8, 0, 59, 999_999, tz=ZONE), "09:01"),
        (pendulum.datetime(2026, 3, 3, 8, 1, 0, tz=ZONE), "09:02"),
        (pendulum.datetime(2026, 3, 3, 7, 59, 59, 999_999, tz=ZONE), "09:00"),
    ],
)
def test_the_first_offered_start_lies_more_than_the_notice_after_now(
    now: pendulum.DateTime, first: str
) -> None:
    store, technician, service = _round_the_clock_store()
    policy = BookingPolicy(notice_minutes=60, window_days=2, slot_step_minutes=1)

    with store.unit_of_work() as uow:
        offered = Reservations(policy).offered_minutes(
            uow, technician.id, service.id, now.date(), now=now
        )

    shown = pendulum.from_timestamp(offered[0] * 60, tz=ZONE)
    assert shown.format("HH:mm") == first


@settings(max_examples=100, deadline=None)
@given(
    second_of_day=st.integers(min_value=3 * 3600, max_value=12 * 3600 - 1),
    microsecond=st.integers(min_value=0, max_value=999_999),
    notice=st.integers(min_value=0, max_value=8 * 60),
)
def test_listing_and_booking_honour_the_notice_to_the_microsecond(
    second_of_day: int, microsecond: int, notice: int
) -> None:
    # Given a technician free all day, a one-minute grid, and now anywhere in a minute
    store, technician, service = _round_the_clock_store()
    policy = BookingPolicy(notice_minutes=notice, window_days=2, slot_step_minutes=1)
    midnight = pendulum.datetime(2026, 3, 3, tz=ZONE)
    now = midnight.add(seconds=second_of_day, microseconds=microsecond)
    now_us = (now.int_timestamp * 10**6) + microsecond
    # The first whole minute lying strictly more than `notice` after now, in integers
    earliest = (now_us + notice * 60 * 10**6) // (60 * 10**6) + 1

    with store.unit_of_work() as uow:
        offered = Reservations(policy).offered_minutes(
            uow, technician.id, service.id, now.date(), now=now
        )
        outcomes = []
        for minute in (earliest - 1, earliest):
            start = pendulum.from_timestamp(minute * 60, tz=ZONE)
            try:
                Reservations(policy).plan(uow, technician.id, service.id, start, now=now)
                outcomes.append(True)
            except BookingError:
                outcomes.append(False)

    # Then listing starts there, and booking agrees on both sides of the boundary
    assert offered[0] == earliest
    assert outcomes == [False, True]
