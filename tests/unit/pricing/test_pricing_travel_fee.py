"""The travel fee as a discounted line: the rules' waiver (满X免车费), free-travel coupons,
and 满减 offers and coupons that cover the fee; line ids echoed; the fee in the books."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from booking_core.errors import CouponNotApplicable, InvalidCart, InvalidPromotion
from booking_core.ids import CategoryId, ServiceId
from booking_core.ledger import SplitRates, settlement_lines
from booking_core.pricing import CartLine, RejectionReason, TierDiscount, TravelFeeWaiver, quote
from booking_core.promotions import Coupon, CouponBenefit, CouponTerms, Funding, Scope
from tests.unit.pricing.pricing_builders import (
    AT,
    cart,
    cny,
    coupon,
    customer,
    line,
    pct,
    rules,
    threshold,
)


def test_without_a_discount_the_fee_is_a_line_of_its_own_paid_in_full() -> None:
    q = quote(cart(line(price=19900), travel_fee=2000), customer(), rules(), at=AT)

    assert q.travel is not None
    assert (q.travel.base, q.travel.payable, q.travel.discount) == (cny(2000), cny(2000), cny(0))
    assert q.travel_fee == cny(2000)
    assert q.payable == cny(21900)
    assert q.discount == cny(0)


def test_no_fee_means_no_fee_line() -> None:
    q = quote(cart(line()), customer(), rules(), at=AT)
    assert q.travel is None
    assert q.travel_fee == cny(0)
    assert q.travel_fee_discount == cny(0)


def test_the_waiver_takes_the_fee_off_at_its_minimum_inclusive_and_not_a_fen_below() -> None:
    waiver = rules(travel_fee_waiver=TravelFeeWaiver(cny(19900)))

    met = quote(cart(line(price=19900), travel_fee=2000), customer(), waiver, at=AT)
    short = quote(cart(line(price=19899), travel_fee=2000), customer(), waiver, at=AT)

    assert met.travel is not None
    assert met.travel.waived == cny(2000)
    assert met.travel_fee == cny(0)
    assert met.payable == cny(19900)
    assert met.travel.platform_funded == cny(2000)  # the platform pays for it by default
    assert short.travel_fee == cny(2000)


def test_the_waiver_is_judged_on_prices_after_step_1_not_after_the_order_discounts() -> None:
    # 满200免车费: the tier price 190.00 misses it; 满减 (step 2) does not count against it.
    waiver = TravelFeeWaiver(cny(20000))
    gold = rules(tier_discounts=(TierDiscount("gold", pct("0.05")),), travel_fee_waiver=waiver)
    q = quote(cart(line(price=20000), travel_fee=2000), customer("gold"), gold, at=AT)
    assert q.travel_fee == cny(2000)

    with_offer = rules(threshold_offers=(threshold((20000, 5000)),), travel_fee_waiver=waiver)
    q = quote(cart(line(price=20000), travel_fee=2000), customer(), with_offer, at=AT)
    assert q.threshold_discount == cny(5000)
    assert q.travel_fee == cny(0)


def test_the_waiver_takes_at_most_max_waived_and_counts_only_lines_in_its_scope() -> None:
    waiver = TravelFeeWaiver(
        cny(10000), max_waived=cny(1500), scope=Scope.of(categories=[CategoryId("massage")])
    )
    basket = cart(line("tuina", 10000), line("facial", 50000, category="beauty"), travel_fee=2000)
    q = quote(basket, customer(), rules(travel_fee_waiver=waiver), at=AT)
    assert q.travel is not None
    assert q.travel.waived == cny(1500)
    assert q.travel_fee == cny(500)

    beauty_only = cart(line("facial", 50000, category="beauty"), travel_fee=2000)
    q = quote(beauty_only, customer(), rules(travel_fee_waiver=waiver), at=AT)
    assert q.travel_fee == cny(2000)


def test_a_seller_funded_waiver_is_not_platform_funded() -> None:
    waiver = TravelFeeWaiver(cny(0), funded_by=Funding.SELLER)
    q = quote(cart(line(), travel_fee=2000), customer(), rules(travel_fee_waiver=waiver), at=AT)
    assert q.travel is not None
    assert q.travel.platform_funded == cny(0)
    assert q.platform_funded == cny(0)


def test_a_free_travel_coupon_waives_the_fee_and_leaves_the_lines_alone() -> None:
    q = quote(
        cart(line(price=19900), travel_fee=2000),
        customer(),
        rules(),
        at=AT,
        coupon=coupon(CouponBenefit.free_travel()),
    )
    assert q.travel is not None
    assert q.travel.coupon == cny(2000)
    assert [ln.coupon for ln in q.lines] == [cny(0)]
    assert q.discount == cny(2000)  # every discount together, the fee's included
    assert q.travel_fee_discount == cny(2000)
    assert q.platform_funded == cny(2000)
    assert q.coupon_discount == cny(2000)
    assert q.payable == cny(19900)


def test_a_free_travel_coupon_with_an_amount_takes_at_most_that() -> None:
    q = quote(
        cart(line(), travel_fee=2000),
        customer(),
        rules(),
        at=AT,
        coupon=coupon(CouponBenefit.free_travel(cny(800))),
    )
    assert q.travel_fee == cny(1200)


def test_a_free_travel_coupon_without_a_fee_or_after_the_waiver_says_why() -> None:
    free = coupon(CouponBenefit.free_travel())
    with pytest.raises(CouponNotApplicable) as no_fee:
        quote(cart(line()), customer(), rules(), at=AT, coupon=free)
    assert no_fee.value.details["reason"] == RejectionReason.NO_TRAVEL_FEE

    waived = rules(travel_fee_waiver=TravelFeeWaiver(cny(0)))
    with pytest.raises(CouponNotApplicable) as nothing:
        quote(cart(line(), travel_fee=2000), customer(), waived, at=AT, coupon=free)
    assert nothing.value.details["reason"] == RejectionReason.NOTHING_TO_DISCOUNT


def test_a_free_travel_coupon_measures_its_minimum_on_the_lines() -> None:
    free = coupon(CouponBenefit.free_travel(min_spend=cny(20000)))
    with pytest.raises(CouponNotApplicable) as short:
        quote(cart(line(price=19900), travel_fee=2000), customer(), rules(), at=AT, coupon=free)
    assert short.value.details["reason"] == RejectionReason.MIN_SPEND_NOT_MET


def test_a_coupon_covering_the_fee_shares_it_like_a_last_line() -> None:
    # 30.00 off 180.00 of lines and a 20.00 fee: 27.00 and 3.00, by largest remainder.
    covering = coupon_with_terms(CouponBenefit.amount_off(cny(3000)), covers_travel_fee=True)

    q = quote(cart(line(price=18000), travel_fee=2000), customer(), rules(), at=AT, coupon=covering)

    assert q.lines[0].coupon == cny(2700)
    assert q.travel is not None
    assert q.travel.coupon == cny(300)
    assert q.coupon_discount == cny(3000)
    assert q.payable == cny(17000)


def coupon_with_terms(benefit: CouponBenefit, *, covers_travel_fee: bool) -> Coupon:
    terms = CouponTerms(benefit, covers_travel_fee=covers_travel_fee)
    return attrs.evolve(coupon(benefit), terms=terms)


def test_without_covers_travel_fee_a_coupon_never_touches_the_fee() -> None:
    q = quote(
        cart(line(price=1000), travel_fee=2000),
        customer(),
        rules(),
        at=AT,
        coupon=coupon(CouponBenefit.amount_off(cny(3000))),
    )
    assert q.coupon_discount == cny(1000)
    assert q.travel_fee == cny(2000)


def test_a_covering_coupon_may_take_more_than_the_lines_never_counting_the_fee_to_its_minimum() -> (
    None
):
    big = coupon_with_terms(CouponBenefit.amount_off(cny(3000)), covers_travel_fee=True)
    q = quote(cart(line(price=1000), travel_fee=2000), customer(), rules(), at=AT, coupon=big)
    assert q.coupon_discount == cny(3000)
    assert q.payable == cny(0)

    needs_200 = coupon_with_terms(
        CouponBenefit.threshold(min_spend=cny(20000), amount=cny(1000)), covers_travel_fee=True
    )
    with pytest.raises(CouponNotApplicable) as short:
        quote(
            cart(line(price=19000), travel_fee=2000), customer(), rules(), at=AT, coupon=needs_200
        )
    assert short.value.details["reason"] == RejectionReason.MIN_SPEND_NOT_MET


def test_a_covering_percentage_coupon_rounds_once_on_lines_and_fee_together() -> None:
    pct_off = coupon_with_terms(CouponBenefit.percent_off(pct("0.15")), covers_travel_fee=True)
    q = quote(cart(line(price=10001), travel_fee=999), customer(), rules(), at=AT, coupon=pct_off)
    # 15 % of 110.00 = 16.50, shared 10001 : 999.
    assert q.coupon_discount == cny(1650)
    assert q.travel is not None
    assert q.lines[0].coupon + q.travel.coupon == cny(1650)


def test_only_amount_kinds_may_cover_the_fee() -> None:
    with pytest.raises(InvalidPromotion) as refused:
        CouponTerms(CouponBenefit.nth_free(2), covers_travel_fee=True)
    assert refused.value.details["field"] == "covers_travel_fee"
    with pytest.raises(InvalidPromotion):
        CouponTerms(CouponBenefit.free_travel(), covers_travel_fee=True)


def test_a_threshold_offer_covering_the_fee_shares_it_and_names_itself() -> None:
    offer = threshold((10000, 3000), offer_id="mj-fee")
    covering = attrs.evolve(offer, covers_travel_fee=True)
    q = quote(
        cart(line(price=18000), travel_fee=2000),
        customer(),
        rules(threshold_offers=(covering,)),
        at=AT,
    )
    assert q.travel is not None
    assert (q.lines[0].threshold, q.travel.threshold) == (cny(2700), cny(300))
    assert q.travel.threshold_offer_id == "mj-fee"
    assert q.lines[0].threshold_offer_id == "mj-fee"

    q = quote(
        cart(line(price=18000), travel_fee=2000),
        customer(),
        rules(threshold_offers=(offer,)),
        at=AT,
    )
    assert q.travel_fee == cny(2000)
    assert q.threshold_discount == cny(3000)


def test_an_order_discount_never_spends_itself_on_a_fee_the_waiver_took() -> None:
    covering = coupon_with_terms(CouponBenefit.amount_off(cny(3000)), covers_travel_fee=True)
    waived = rules(travel_fee_waiver=TravelFeeWaiver(cny(0)))
    q = quote(cart(line(price=18000), travel_fee=2000), customer(), waived, at=AT, coupon=covering)
    assert q.travel is not None
    assert (q.travel.waived, q.travel.coupon) == (cny(2000), cny(0))
    assert q.lines[0].coupon == cny(3000)


def test_the_fee_discounts_settle_the_technician_as_if_paid_when_platform_funded() -> None:
    q = quote(
        cart(line(price=10000), travel_fee=2000),
        customer(),
        rules(),
        at=AT,
        coupon=coupon(CouponBenefit.free_travel()),
    )
    lines = settlement_lines(q, lambda _: SplitRates(Decimal("0.7")))
    fee = lines[-1]
    # The platform pays the waived fee: the trip is settled on 20.00, all to the technician.
    assert (fee.paid, fee.platform_funded, fee.base) == (cny(0), cny(2000), cny(2000))
    assert len(lines) == 2
    assert q.platform_funded == cny(2000)


def test_line_ids_are_echoed_and_must_be_unique() -> None:
    a = CartLine(ServiceId("tuina"), CategoryId("massage"), cny(100), line_id="row-7")
    b = CartLine(ServiceId("foot"), CategoryId("massage"), cny(100))
    q = quote(cart(a, b), customer(), rules(), at=AT)
    assert [ln.line_id for ln in q.lines] == ["row-7", None]

    with pytest.raises(InvalidCart):
        cart(a, a)
    with pytest.raises(InvalidCart):
        CartLine(ServiceId("x"), CategoryId("y"), cny(1), line_id=" ")
