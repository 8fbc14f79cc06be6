"""Coupon templates (stock, per-customer limit, channels, windows) and the coupon lifecycle."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core.errors import (
    CouponLimitReached,
    CouponNotClaimable,
    CouponOutOfStock,
    CouponUnavailable,
    InvalidInput,
    InvalidPromotion,
)
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.promotions import (
    Coupon,
    CouponBenefit,
    CouponId,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    Validity,
    registration_templates,
)

AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
ME = CustomerId("c-1")
ORDER, OTHER = OrderId("o-1"), OrderId("o-2")
TERMS = CouponTerms(
    CouponBenefit.threshold(min_spend=Money(20000, "CNY"), amount=Money(3000, "CNY"))
)


def template(**kwargs: object) -> CouponTemplate:
    fields: dict[str, object] = {
        "id": CouponTemplateId("t-1"),
        "name": "满200减30",
        "terms": TERMS,
        "validity": Validity.days_after_issue(7),
        "stock": 100,
        "per_customer_limit": 1,
    }
    fields.update(kwargs)
    return CouponTemplate(**fields)  # type: ignore[arg-type]


def issue(
    tpl: CouponTemplate,
    *,
    channel: IssueChannel = IssueChannel.CLAIM,
    at: object = AT,
    issued: int = 0,
    held: int = 0,
) -> Coupon:
    return tpl.issue(
        coupon_id=CouponId("k-1"),
        customer_id=ME,
        channel=channel,
        at=at,  # type: ignore[arg-type]
        issued_so_far=issued,
        held_by_customer=held,
    )


# --- Issuing -------------------------------------------------------------------------------


def test_a_claimed_coupon_copies_the_terms_and_gets_its_window() -> None:
    coupon = issue(template())

    assert coupon.terms == TERMS
    assert (coupon.valid_from, coupon.valid_until) == (AT, AT.add(days=7))
    assert (coupon.status, coupon.customer_id, coupon.template_id) == (
        CouponStatus.AVAILABLE,
        ME,
        "t-1",
    )
    assert coupon.channel is IssueChannel.CLAIM


def test_the_last_coupon_of_the_stock_can_be_issued_but_no_more() -> None:
    tpl = template(stock=100)

    issue(tpl, issued=99)
    with pytest.raises(CouponOutOfStock) as raised:
        issue(tpl, issued=100)

    assert raised.value.details == {"template_id": "t-1", "stock": 100}


def test_a_customer_may_claim_up_to_the_per_customer_limit() -> None:
    tpl = template(per_customer_limit=2)

    issue(tpl, held=1)
    with pytest.raises(CouponLimitReached) as raised:
        issue(tpl, held=2)

    assert raised.value.code == "coupon_limit_reached"


def test_an_admin_issue_ignores_the_per_customer_limit_but_not_the_stock() -> None:
    tpl = template(channels=frozenset(IssueChannel), stock=5)

    coupon = issue(tpl, channel=IssueChannel.ADMIN, held=3)

    assert coupon.channel is IssueChannel.ADMIN
    with pytest.raises(CouponOutOfStock):
        issue(tpl, channel=IssueChannel.ADMIN, issued=5)


def test_unlimited_templates_issue_whatever_the_counts() -> None:
    tpl = template(stock=None, per_customer_limit=None)

    assert issue(tpl, issued=10**6, held=10**3).status is CouponStatus.AVAILABLE


@pytest.mark.parametrize(
    ("kwargs", "at", "channel", "reason"),
    [
        ({"active": False}, AT, IssueChannel.CLAIM, "inactive"),
        ({}, AT, IssueChannel.ADMIN, "channel"),
        ({"issuable_from": AT.add(seconds=1)}, AT, IssueChannel.CLAIM, "not_started"),
        ({"issuable_until": AT.subtract(seconds=1)}, AT, IssueChannel.CLAIM, "ended"),
        (
            {"validity": Validity.between(AT.subtract(days=9), AT.subtract(seconds=1))},
            AT,
            IssueChannel.CLAIM,
            "expired",
        ),
    ],
)
def test_a_template_issues_only_when_open(
    kwargs: dict[str, object], at: object, channel: IssueChannel, reason: str
) -> None:
    tpl = template(**kwargs)

    with pytest.raises(CouponNotClaimable) as raised:
        issue(tpl, at=at, channel=channel)

    assert raised.value.details["reason"] == reason


def test_the_issue_window_bounds_are_inclusive() -> None:
    tpl = template(issuable_from=AT, issuable_until=AT)

    assert issue(tpl, at=AT).issued_at == AT


@pytest.mark.parametrize(("issued", "held"), [(-1, 0), (0, -1)])
def test_negative_counts_are_refused(issued: int, held: int) -> None:
    with pytest.raises(InvalidInput):
        issue(template(), issued=issued, held=held)


@pytest.mark.parametrize(
    "kwargs",
    [{"name": ""}, {"stock": 0}, {"per_customer_limit": 0}, {"channels": frozenset()}],
)
def test_a_template_refuses_contradictions(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidPromotion):
        template(**kwargs)


def test_registration_issues_the_open_registration_templates() -> None:
    gift = template(id=CouponTemplateId("gift"), channels=frozenset({IssueChannel.REGISTRATION}))
    closed = attrs.evolve(gift, id=CouponTemplateId("closed"), issuable_until=AT.subtract(days=1))
    claim_only = template(id=CouponTemplateId("claim"))
    inactive = attrs.evolve(gift, id=CouponTemplateId("off"), active=False)

    chosen = registration_templates([gift, closed, claim_only, inactive], AT)

    assert [t.id for t in chosen] == ["gift"]
    assert issue(gift, channel=IssueChannel.REGISTRATION).channel is IssueChannel.REGISTRATION


# --- Lifecycle -----------------------------------------------------------------------------


def fresh() -> Coupon:
    return issue(template())


def test_reserve_consume_is_the_happy_path() -> None:
    coupon = fresh()

    reserved = coupon.reserve(ORDER, AT.add(hours=1))
    used = reserved.consume(ORDER, AT.add(hours=2))

    assert (reserved.status, reserved.order_id) == (CouponStatus.RESERVED, ORDER)
    assert (used.status, used.order_id, used.changed_at) == (
        CouponStatus.USED,
        ORDER,
        AT.add(hours=2),
    )
    assert coupon.status is CouponStatus.AVAILABLE


def test_a_coupon_can_be_reserved_at_exactly_its_end_but_not_after() -> None:
    coupon = fresh()

    assert coupon.reserve(ORDER, coupon.valid_until).status is CouponStatus.RESERVED
    with pytest.raises(CouponUnavailable, match="valid only"):
        coupon.reserve(ORDER, coupon.valid_until.add(microseconds=1))


def test_a_coupon_cannot_be_reserved_before_its_start() -> None:
    coupon = attrs.evolve(fresh(), valid_from=AT.add(days=1))

    with pytest.raises(CouponUnavailable):
        coupon.reserve(ORDER, AT)


def test_a_reserved_coupon_cannot_be_reserved_again() -> None:
    reserved = fresh().reserve(ORDER, AT)

    with pytest.raises(CouponUnavailable) as raised:
        reserved.reserve(OTHER, AT)

    assert raised.value.details["status"] == "reserved"


def test_only_the_reserving_order_can_consume_a_coupon() -> None:
    reserved = fresh().reserve(ORDER, AT)

    with pytest.raises(CouponUnavailable, match="not by o-2"):
        reserved.consume(OTHER, AT)
    with pytest.raises(CouponUnavailable):
        fresh().consume(ORDER, AT)


def test_a_coupon_reserved_in_time_is_consumed_after_its_end() -> None:
    reserved = fresh().reserve(ORDER, AT)

    used = reserved.consume(ORDER, AT.add(days=30))

    assert used.status is CouponStatus.USED


@pytest.mark.parametrize("consume", [False, True])
def test_a_cancelled_order_returns_its_coupon_once(consume: bool) -> None:
    held = fresh().reserve(ORDER, AT)
    if consume:
        held = held.consume(ORDER, AT)

    returned = held.release(ORDER, AT.add(hours=1))

    assert (returned.status, returned.order_id) == (CouponStatus.AVAILABLE, None)
    with pytest.raises(CouponUnavailable):
        returned.release(ORDER, AT.add(hours=2))


def test_a_coupon_returned_after_its_end_is_expired_not_available() -> None:
    held = fresh().reserve(ORDER, AT)

    returned = held.release(ORDER, held.valid_until.add(seconds=1))

    assert returned.status is CouponStatus.EXPIRED


def test_a_coupon_returned_at_exactly_its_end_is_available() -> None:
    held = fresh().reserve(ORDER, AT)

    assert held.release(ORDER, held.valid_until).status is CouponStatus.AVAILABLE


def test_another_order_cannot_return_a_coupon() -> None:
    held = fresh().reserve(ORDER, AT)

    with pytest.raises(CouponUnavailable):
        held.release(OTHER, AT)


def test_an_available_coupon_expires_only_after_its_end() -> None:
    coupon = fresh()

    with pytest.raises(CouponUnavailable, match="valid until"):
        coupon.expire(coupon.valid_until)
    expired = coupon.expire(coupon.valid_until.add(seconds=1))

    assert expired.status is CouponStatus.EXPIRED
    with pytest.raises(CouponUnavailable):
        expired.expire(expired.valid_until.add(days=1))
    with pytest.raises(CouponUnavailable):
        expired.reserve(ORDER, AT)


def test_a_used_coupon_does_not_expire() -> None:
    used = fresh().reserve(ORDER, AT).consume(ORDER, AT)

    with pytest.raises(CouponUnavailable):
        used.expire(AT.add(days=30))


def test_usable_means_available_and_in_validity_or_held_by_this_order() -> None:
    coupon = fresh()
    reserved = coupon.reserve(ORDER, AT)

    assert coupon.is_usable_by(None, AT)
    assert not coupon.is_usable_by(None, coupon.valid_until.add(seconds=1))
    assert reserved.is_usable_by(ORDER, AT.add(days=30))
    assert not reserved.is_usable_by(OTHER, AT)
    assert not reserved.is_usable_by(None, AT)
    assert reserved.consume(ORDER, AT).is_usable_by(ORDER, AT.add(days=30))
    assert not reserved.consume(ORDER, AT).is_usable_by(OTHER, AT)
