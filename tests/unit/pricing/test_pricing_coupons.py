"""Why a coupon does not apply (C17): one test per reason, and choosing the best coupon."""

from __future__ import annotations

import pytest

from booking_core.errors import CouponNotApplicable
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.pricing import (
    CouponEvaluation,
    RejectionReason,
    best_coupon,
    evaluate_coupons,
    quote,
)
from booking_core.promotions import (
    CampaignOffer,
    CouponBenefit,
    CouponId,
    CouponStatus,
    Eligibility,
    Scope,
)
from tests.unit.pricing.pricing_builders import (
    AT,
    TOMORROW,
    YESTERDAY,
    campaign,
    cart,
    cny,
    coupon,
    customer,
    line,
    pct,
    rules,
)

FIVE_OFF = CouponBenefit.amount_off(cny(500))


def rejection_of(
    held: object, *, basket: object = None, who: object = None, **kw: object
) -> object:
    (evaluation,) = evaluate_coupons(
        basket or cart(line()),  # type: ignore[arg-type]
        who or customer(),  # type: ignore[arg-type]
        kw.pop("in_force", rules()),  # type: ignore[arg-type]
        at=AT,
        coupons=[held],  # type: ignore[list-item]
        **kw,  # type: ignore[arg-type]
    )
    assert evaluation.discount == cny(0)
    return evaluation.rejection


@pytest.mark.parametrize(
    ("held", "reason", "message"),
    [
        (
            coupon(CouponBenefit.amount_off(Money(500, "USD"))),
            RejectionReason.WRONG_CURRENCY,
            "This coupon is in USD; the order is in CNY.",
        ),
        (
            coupon(FIVE_OFF, holder=CustomerId("someone-else")),
            RejectionReason.NOT_YOURS,
            "This coupon belongs to another customer.",
        ),
        (
            coupon(FIVE_OFF, status=CouponStatus.USED, order_id="o-9"),
            RejectionReason.NOT_AVAILABLE,
            "This coupon is already used.",
        ),
        (
            coupon(FIVE_OFF, status=CouponStatus.RESERVED, order_id="o-9"),
            RejectionReason.NOT_AVAILABLE,
            "This coupon is held by another order.",
        ),
        (
            coupon(FIVE_OFF, valid_from=AT.add(seconds=1), valid_until=TOMORROW),
            RejectionReason.NOT_STARTED,
            "This coupon can be used from 2026-03-01 10:00:01+08:00.",
        ),
        (
            coupon(FIVE_OFF, valid_from=YESTERDAY, valid_until=AT.subtract(seconds=1)),
            RejectionReason.EXPIRED,
            "This coupon expired at 2026-03-01 09:59:59+08:00.",
        ),
        (
            coupon(FIVE_OFF, status=CouponStatus.EXPIRED),
            RejectionReason.EXPIRED,
            "This coupon expired at 2026-03-02 10:00:00+08:00.",
        ),
        (
            coupon(FIVE_OFF, eligibility=Eligibility.new_customers()),
            RejectionReason.NEW_CUSTOMERS_ONLY,
            "This coupon is for new customers only.",
        ),
        (
            coupon(FIVE_OFF, eligibility=Eligibility.members_of(["gold", "platinum"])),
            RejectionReason.TIER_REQUIRED,
            "This coupon is for members of: gold, platinum.",
        ),
        (
            coupon(FIVE_OFF, scope=Scope.of(categories=["beauty"])),
            RejectionReason.NO_ELIGIBLE_LINES,
            "None of the services in the order qualify.",
        ),
        (
            coupon(CouponBenefit.threshold(min_spend=cny(20000), amount=cny(3000))),
            RejectionReason.MIN_SPEND_NOT_MET,
            "Spend 1.00 CNY more on eligible services to use this coupon (it needs 200.00 CNY; "
            "they come to 199.00 CNY).",
        ),
        (
            coupon(CouponBenefit.nth_free(2)),
            RejectionReason.NOT_ENOUGH_ITEMS,
            "Add 1 more eligible item: every 2nd one is free.",
        ),
    ],
    ids=lambda v: v.value if isinstance(v, RejectionReason) else "",
)
def test_each_rejection_has_a_stable_code_and_a_message(
    held: object, reason: RejectionReason, message: str
) -> None:
    rejection = rejection_of(held)

    assert rejection.reason is reason  # type: ignore[attr-defined]
    assert rejection.message == message  # type: ignore[attr-defined]


def test_a_min_spend_rejection_says_how_much_is_missing() -> None:
    held = coupon(CouponBenefit.threshold(min_spend=cny(20000), amount=cny(3000)))

    rejection = rejection_of(held)

    assert rejection.shortfall == cny(100)  # type: ignore[attr-defined]


def test_a_coupon_excluding_campaign_lines_explains_itself_when_only_those_qualify() -> None:
    sale = campaign(CampaignOffer.percent_off(pct("0.1")))
    held = coupon(FIVE_OFF, excludes_campaign_lines=True)

    rejection = rejection_of(held, in_force=rules(campaigns=(sale,)))

    assert rejection.reason is RejectionReason.CAMPAIGN_LINES_EXCLUDED  # type: ignore[attr-defined]


def test_a_store_coupon_does_not_apply_to_another_stores_cart() -> None:
    held = coupon(FIVE_OFF, scope=Scope.of(stores=["s-1"]))

    elsewhere = rejection_of(held, basket=cart(line(), store="s-2"))
    here = evaluate_coupons(cart(line(), store="s-1"), customer(), rules(), at=AT, coupons=[held])

    assert elsewhere.reason is RejectionReason.NO_ELIGIBLE_LINES  # type: ignore[attr-defined]
    assert here[0].discount == cny(500)


def test_a_coupon_with_nothing_left_to_discount_explains_itself() -> None:
    free_line = cart(line(price=0))

    rejection = rejection_of(coupon(FIVE_OFF), basket=free_line)

    assert rejection.reason is RejectionReason.NOTHING_TO_DISCOUNT  # type: ignore[attr-defined]


def test_the_first_failing_check_is_the_one_reported() -> None:
    held = coupon(
        FIVE_OFF,
        holder=CustomerId("someone-else"),
        eligibility=Eligibility.new_customers(),
    )

    rejection = rejection_of(held)

    assert rejection.reason is RejectionReason.NOT_YOURS  # type: ignore[attr-defined]


def test_new_customers_and_members_can_use_their_coupons() -> None:
    newcomer = coupon(FIVE_OFF, eligibility=Eligibility.new_customers(), coupon_id="new")
    gold = coupon(FIVE_OFF, eligibility=Eligibility.members_of(["gold"]), coupon_id="gold")

    evaluations = evaluate_coupons(
        cart(line()), customer("gold", is_new=True), rules(), at=AT, coupons=[newcomer, gold]
    )

    assert [e.applies for e in evaluations] == [True, True]


@pytest.mark.parametrize("status", [CouponStatus.RESERVED, CouponStatus.USED])
def test_an_order_can_be_repriced_with_the_coupon_it_holds_even_after_its_end(
    status: CouponStatus,
) -> None:
    held = coupon(FIVE_OFF, status=status, order_id="o-1", valid_until=AT.subtract(seconds=1))

    q = quote(cart(line()), customer(), rules(), at=AT, coupon=held, order_id=OrderId("o-1"))

    assert q.coupon_discount == cny(500)


def test_quoting_with_a_coupon_that_does_not_apply_raises_with_its_reason() -> None:
    held = coupon(FIVE_OFF, eligibility=Eligibility.new_customers())

    with pytest.raises(CouponNotApplicable) as raised:
        quote(cart(line()), customer(), rules(), at=AT, coupon=held)

    assert raised.value.details == {"coupon_id": "k-1", "reason": "new_customers_only"}
    assert raised.value.code == "coupon_not_applicable"


def test_evaluations_say_what_each_coupon_would_take_off_in_the_order_given() -> None:
    small = coupon(FIVE_OFF, coupon_id="small")
    big = coupon(CouponBenefit.percent_off(pct("0.2")), coupon_id="big")
    foreign = coupon(FIVE_OFF, coupon_id="foreign", holder=CustomerId("x"))

    evaluations = evaluate_coupons(
        cart(line(price=10000)), customer(), rules(), at=AT, coupons=[small, big, foreign]
    )

    assert [(e.coupon_id, e.discount.amount, e.applies) for e in evaluations] == [
        ("small", 500, True),
        ("big", 2000, True),
        ("foreign", 0, False),
    ]
    assert best_coupon(evaluations) == "big"


def test_the_best_coupon_on_a_tie_is_the_first_and_none_when_nothing_applies() -> None:
    first = CouponEvaluation(CouponId("a"), cny(500))
    second = CouponEvaluation(CouponId("b"), cny(500))
    rejected = rejection_of(coupon(FIVE_OFF, holder=CustomerId("x")))

    assert best_coupon([first, second]) == "a"
    assert best_coupon([CouponEvaluation(CouponId("c"), cny(0), rejected)]) is None  # type: ignore[arg-type]
    assert best_coupon([]) is None


def test_an_evaluated_discount_is_what_the_quote_takes_off() -> None:
    held = coupon(CouponBenefit.percent_off(pct("0.15"), max_discount=cny(2000)))
    basket = cart(line(price=12345), line("foot", 6789, 2))

    (evaluation,) = evaluate_coupons(basket, customer(), rules(), at=AT, coupons=[held])
    q = quote(basket, customer(), rules(), at=AT, coupon=held)

    assert evaluation.discount == q.coupon_discount == cny(2000)
