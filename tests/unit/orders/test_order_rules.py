"""Order domain rules: fee schedules, numbers, guards, payment records, complaints."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core import Money, TimeRange
from booking_core.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidOrderPolicy,
    PermissionDenied,
    RefundExceedsCaptured,
    TransitionNotAllowed,
)
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Actor, Order, Role
from booking_core.orders.cancellation import (
    CancellationCause,
    CancellationPolicy,
    FeeSchedule,
    FeeTier,
    notice_minutes,
)
from booking_core.orders.complaint import Complaint, Remedy
from booking_core.orders.numbers import format_order_number, normalize_order_number
from booking_core.orders.payments import (
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    RefundRecord,
    RefundStatus,
    plan_refund,
)
from booking_core.orders.policy import OrderPolicy, PaymentMode

AT = pendulum.datetime(2026, 3, 2, 8, tz="Asia/Shanghai")
CNY = "CNY"


def cny(amount: int) -> Money:
    return Money(amount, CNY)


def order(mode: PaymentMode = PaymentMode.FULL) -> Order:
    return Order.place(
        order_id=OrderId("ord_1"),
        customer_id=CustomerId("cus_1"),
        technician_id=TechnicianId("tec_1"),
        service_id=ServiceId("svc_1"),
        booking_id=BookingId("bkg_1"),
        slot=TimeRange(AT.add(hours=2), AT.add(hours=3)),
        time_zone="Asia/Shanghai",
        price=cny(19900),
        at=AT,
        payment_mode=mode,
        upfront=OrderPolicy().upfront(mode, cny(19900)),
    )


# -- fee schedules -------------------------------------------------------------------------


def test_a_fee_schedule_must_not_fall_as_the_start_approaches() -> None:
    with pytest.raises(InvalidOrderPolicy) as caught:
        FeeSchedule.of((1440, "0.5"), (120, "0.3"), (0, "1"))

    assert "may not fall" in caught.value.message


@pytest.mark.parametrize(
    "tiers",
    [
        ((1440, "0"),),  # nothing for the last moment
        ((1440, "0"), (1440, "0.5"), (0, "1")),  # two tiers with one notice
        ((0, "1.5"),),  # more than everything
    ],
)
def test_malformed_fee_schedules_are_refused(tiers: tuple[tuple[int, str], ...]) -> None:
    with pytest.raises(InvalidOrderPolicy):
        FeeSchedule.of(*tiers)


def test_float_rates_are_refused() -> None:
    with pytest.raises(InvalidOrderPolicy):
        FeeTier(0, 0.3)  # type: ignore[arg-type]


def test_the_fee_rounds_down_in_the_customers_favour() -> None:
    schedule = FeeSchedule.of((0, "0.3"))

    assert schedule.fee(cny(999), 0) == cny(299)  # 299.7 → 299
    assert schedule.tier_for(-30).fee_rate == Decimal("0.3")


def test_notice_is_whole_minutes_rounded_down() -> None:
    start = AT.add(hours=24)

    assert notice_minutes(start, AT) == 1440
    assert notice_minutes(start, AT.add(seconds=1)) == 1439
    assert notice_minutes(start, start.add(minutes=5)) == -5


def test_no_show_is_charged_as_a_cancellation_at_the_start_and_full_causes_pay_back_all() -> None:
    policy = CancellationPolicy()
    early = AT.subtract(days=3)

    no_show = policy.quote(
        cause=CancellationCause.NO_SHOW, paid=cny(19900), by_deposit=False, start=AT, at=early
    )
    platform = policy.quote(
        cause=CancellationCause.PLATFORM, paid=cny(19900), by_deposit=False, start=AT, at=AT
    )

    assert (no_show.fee, no_show.refund) == (cny(19900), cny(0))
    assert (platform.fee, platform.refund) == (cny(0), cny(19900))


def test_order_policy_validates_and_computes_the_deposit() -> None:
    policy = OrderPolicy(deposit_rate=Decimal("0.335"))

    assert policy.upfront(PaymentMode.DEPOSIT, cny(1001)) == cny(335)  # 335.335 half-up
    assert policy.upfront(PaymentMode.ON_ARRIVAL, cny(1001)) == cny(0)
    with pytest.raises(InvalidOrderPolicy):
        OrderPolicy(deposit_rate=Decimal("1"))
    with pytest.raises(InvalidOrderPolicy):
        OrderPolicy(unpaid_timeout_minutes=-1)


# -- order numbers -------------------------------------------------------------------------


def test_order_numbers_carry_a_check_digit_that_catches_typos() -> None:
    number = format_order_number(pendulum.date(2026, 3, 2), 127)
    digits = number.replace("-", "")
    swapped = digits[:7] + digits[8] + digits[7] + digits[9:]
    changed = digits[:-2] + str((int(digits[-2]) + 1) % 10) + digits[-1]

    assert normalize_order_number(digits) == number
    assert normalize_order_number(f" {number[:6]} {number[7:]}") == number
    for typo in (swapped, changed, "12345", ""):
        if typo != digits:
            with pytest.raises(InvalidInput):
                normalize_order_number(typo)


def test_order_numbers_widen_past_a_million() -> None:
    number = format_order_number(pendulum.date(2026, 3, 2), 1_234_567)

    assert number.startswith("260302-1234567-")
    assert normalize_order_number(number) == number


# -- the aggregate's guards ----------------------------------------------------------------


def test_paying_needs_the_upfront_amount_captured_and_says_so() -> None:
    unpaid = order()

    with pytest.raises(TransitionNotAllowed) as refused:
        unpaid.transition("pay", actor=Actor.system(), at=AT)
    unpaid.record_capture(cny(19900))
    unpaid.transition("pay", actor=Actor.system(), at=AT)

    assert "amount due at checkout has not been captured" in refused.value.message
    assert refused.value.details["guards"] == ["upfront_covered"]
    assert unpaid.state == "pending_acceptance"


def test_a_deposit_order_pays_with_its_deposit() -> None:
    deposit = order(PaymentMode.DEPOSIT)

    deposit.record_capture(cny(5970))
    deposit.transition("pay", actor=Actor.system(), at=AT)

    assert deposit.due_now() == cny(0)
    assert deposit.fully_paid() is False


def test_refund_reservations_never_exceed_captures() -> None:
    paid = order()
    paid.record_capture(cny(19900))

    paid.reserve_refund(cny(19000))
    with pytest.raises(RefundExceedsCaptured):
        paid.reserve_refund(cny(901))
    paid.release_refund(cny(19000))

    assert paid.refundable == cny(19900)


def test_settling_refunds_goes_to_refunded_or_partially_refunded() -> None:
    full, part = order(), order()
    for o, refund in ((full, 19900), (part, 100)):
        o.record_capture(cny(19900))
        o.cancel(event="cancel", cause="customer", fee=cny(0), actor=Actor.system(), at=AT)
        o.reserve_refund(cny(refund))
        o.transition("refund", actor=Actor.system(), at=AT)
        o.transition("settle_refund", actor=Actor.system(), at=AT)

    assert (full.state, part.state) == ("refunded", "partially_refunded")
    with pytest.raises(TransitionNotAllowed):  # refunded is final
        full.transition("refund", actor=Actor.system(), at=AT)


def test_a_rejection_unassigns_and_a_reassignment_needs_the_new_technician_to_accept() -> None:
    o = order()
    o.record_capture(cny(19900))
    o.transition("pay", actor=Actor.system(), at=AT)
    tech = Actor("tec_1", Role.TECHNICIAN)
    o.transition("accept", actor=tech, at=AT)

    o.transition("reject", actor=tech, at=AT, reason="ill")
    o.reassign(TechnicianId("tec_2"), BookingId("bkg_2"), actor=Actor("ops", Role.PLATFORM), at=AT)

    assert (o.state, o.technician_id, o.booking_id) == ("pending_acceptance", "tec_2", "bkg_2")
    with pytest.raises(PermissionDenied):
        o.transition("accept", actor=tech, at=AT)
    assert [r.event for r in o.timeline] == ["pay", "accept", "reject", "reassign"]


# -- payment records -----------------------------------------------------------------------


def attempt(
    key: str, amount: int, status: PaymentStatus = PaymentStatus.CAPTURED
) -> PaymentAttempt:
    return PaymentAttempt(key, OrderId("ord_1"), PaymentPurpose.FULL, cny(amount), status, AT, AT)


def test_the_gateways_word_moves_an_attempt_forward_only() -> None:
    unknown = attempt("k", 100, PaymentStatus.UNKNOWN)

    captured = unknown.advanced_to(PaymentStatus.CAPTURED, cny(100), at=AT)
    still = captured.advanced_to(PaymentStatus.CANCELLED, cny(100), at=AT)
    cancelled = unknown.advanced_to(PaymentStatus.CANCELLED, cny(100), at=AT)

    assert still.status is PaymentStatus.CAPTURED
    assert cancelled.advanced_to(PaymentStatus.CAPTURED, cny(100), at=AT).status is (
        PaymentStatus.CAPTURED
    )  # money that moved after all wins
    with pytest.raises(IdempotencyConflict):
        unknown.advanced_to(PaymentStatus.CAPTURED, cny(99), at=AT)


def test_a_refund_is_split_in_proportion_to_what_remains_on_each_payment() -> None:
    deposit, balance = attempt("d", 3000), attempt("b", 7000)
    earlier = RefundRecord(
        "r1", OrderId("ord_1"), "b", cny(2000), RefundStatus.SUCCEEDED, "", AT, AT
    )
    failed = RefundRecord("r2", OrderId("ord_1"), "d", cny(3000), RefundStatus.FAILED, "", AT, AT)

    plan = plan_refund(cny(4001), [deposit, balance], [earlier, failed])

    assert [(a.key, m.amount) for a, m in plan] == [("d", 1500), ("b", 2501)]
    with pytest.raises(RefundExceedsCaptured):
        plan_refund(cny(8001), [deposit, balance], [earlier])
    assert plan_refund(cny(0), [deposit], []) == []


# -- complaints ----------------------------------------------------------------------------


def test_a_complaint_names_an_amount_exactly_for_a_partial_refund() -> None:
    def file(remedy: Remedy, amount: Money | None, photos: tuple[str, ...] = ()) -> Complaint:
        return Complaint.file(
            complaint_id="cmp_1",
            order_id=OrderId("ord_1"),
            customer_id=CustomerId("cus_1"),
            technician_id=TechnicianId("tec_1"),
            reason="cold oil",
            photos=photos,
            requested_remedy=remedy,
            requested_refund=amount,
            at=AT,
        )

    assert file(Remedy.PARTIAL_REFUND, cny(100)).state == "open"
    for remedy, amount in ((Remedy.PARTIAL_REFUND, None), (Remedy.FULL_REFUND, cny(100))):
        with pytest.raises(InvalidInput):
            file(remedy, amount)
    with pytest.raises(InvalidInput):
        file(Remedy.APOLOGY, None, photos=tuple(f"p{n}" for n in range(10)))
