"""Several 满减 offers: BEST_ONE (one per order) and DISJOINT_SCOPES stacking; 满N件减
tiers on offers; a discount described as data (the light path)."""

from __future__ import annotations

import attrs
import pytest

from booking_core.errors import CouponNotApplicable, InvalidInput, InvalidPromotion
from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.pricing import Cart, RejectionReason, ThresholdStacking, coupon_usable, quote
from booking_core.promotions import (
    CouponBenefit,
    CouponStatus,
    CouponTerms,
    Eligibility,
    Scope,
    ThresholdOffer,
    ThresholdTier,
)
from tests.unit.pricing.pricing_builders import (
    AT,
    TOMORROW,
    YESTERDAY,
    cart,
    cny,
    coupon,
    customer,
    line,
    rules,
    threshold,
)

MASSAGE = Scope.of(categories=[CategoryId("massage")])
BEAUTY = Scope.of(categories=[CategoryId("beauty")])
STACKED = ThresholdStacking.DISJOINT_SCOPES


def basket() -> Cart:
    return cart(line("tuina", 20000), line("facial", 30000, category="beauty"))


def two_offers() -> tuple[ThresholdOffer, ThresholdOffer]:
    return (
        threshold((20000, 2000), offer_id="mj-massage", scope=MASSAGE),
        threshold((30000, 4000), offer_id="mj-beauty", scope=BEAUTY),
    )


def test_best_one_is_the_default_and_applies_only_the_offer_taking_most() -> None:
    q = quote(basket(), customer(), rules(threshold_offers=two_offers()), at=AT)
    assert q.threshold_offer_ids == ("mj-beauty",)
    assert q.threshold_offer_id == "mj-beauty"
    assert q.threshold_discount == cny(4000)


def test_disjoint_scopes_stack_each_offer_on_its_own_lines() -> None:
    stacked = rules(threshold_offers=two_offers(), threshold_stacking=STACKED)
    q = quote(basket(), customer(), stacked, at=AT)

    assert q.threshold_offer_ids == ("mj-beauty", "mj-massage")  # most off first
    assert [ln.threshold for ln in q.lines] == [cny(2000), cny(4000)]
    assert [ln.threshold_offer_id for ln in q.lines] == ["mj-massage", "mj-beauty"]
    assert q.payable == cny(44000)


def test_overlapping_offers_resolve_most_off_first_and_the_later_one_is_left_out() -> None:
    everything = threshold((40000, 3000), offer_id="mj-all")  # touches both lines
    stacked = rules(threshold_offers=(*two_offers(), everything), threshold_stacking=STACKED)
    q = quote(basket(), customer(), stacked, at=AT)
    # mj-beauty (40.00) first, then mj-all (30.00) overlaps it, then mj-massage (20.00).
    assert q.threshold_offer_ids == ("mj-beauty", "mj-massage")


def test_a_tie_goes_to_the_earlier_offer_under_both_policies() -> None:
    first = threshold((10000, 1000), offer_id="a")
    second = threshold((10000, 1000), offer_id="b")
    for stacking in ThresholdStacking:
        q = quote(
            cart(line(price=10000)),
            customer(),
            rules(threshold_offers=(first, second), threshold_stacking=stacking),
            at=AT,
        )
        assert q.threshold_offer_ids == ("a",)


def test_two_offers_covering_the_travel_fee_overlap_on_it() -> None:
    a, b = (attrs.evolve(o, covers_travel_fee=True) for o in two_offers())
    stacked = rules(threshold_offers=(a, b), threshold_stacking=STACKED)
    q = quote(
        cart(line("tuina", 20000), line("facial", 30000, category="beauty"), travel_fee=2000),
        customer(),
        stacked,
        at=AT,
    )
    assert q.threshold_offer_ids == ("mj-beauty",)


def test_unit_tiers_on_an_offer_need_that_many_units_in_scope_inclusive() -> None:
    offer = ThresholdOffer.of(
        "mj-3",
        "满2件减10，满3件减20",
        [ThresholdTier.units(2, cny(1000)), ThresholdTier.units(3, cny(2000))],
        starts_at=YESTERDAY,
        ends_at=TOMORROW,
    )
    by_units = rules(threshold_offers=(offer,))
    for quantity, off in ((1, 0), (2, 1000), (3, 2000), (5, 2000)):
        q = quote(cart(line(price=5000, quantity=quantity)), customer(), by_units, at=AT)
        assert q.threshold_discount == cny(off), quantity


def test_a_tier_may_ask_for_both_spend_and_units() -> None:
    tier = ThresholdTier.units(2, cny(1000), min_spend=cny(30000))
    offer = ThresholdOffer.of(
        "mj", "满2件且满300减10", [tier], starts_at=YESTERDAY, ends_at=TOMORROW
    )
    two_cheap = cart(line(price=5000, quantity=2))
    one_dear = cart(line(price=40000))
    both = cart(line(price=20000, quantity=2))
    for basket_, off in ((two_cheap, 0), (one_dear, 0), (both, 1000)):
        q = quote(basket_, customer(), rules(threshold_offers=(offer,)), at=AT)
        assert q.threshold_discount == cny(off)


def test_tiers_must_go_up_in_spend_or_units() -> None:
    with pytest.raises(InvalidPromotion):
        ThresholdOffer.of(
            "x",
            "x",
            [ThresholdTier.units(3, cny(1000)), ThresholdTier.units(2, cny(2000))],
            starts_at=YESTERDAY,
            ends_at=TOMORROW,
        )
    with pytest.raises(InvalidPromotion):
        ThresholdTier.units(0, cny(1000))


def test_a_discount_given_as_data_prices_like_a_coupon_without_ceremony() -> None:
    data = quote(
        cart(line(price=19900)),
        customer(),
        rules(),
        at=AT,
        discount=CouponBenefit.threshold(min_spend=cny(15000), amount=cny(2000)),
    )
    held = quote(
        cart(line(price=19900)),
        customer(),
        rules(),
        at=AT,
        coupon=coupon(CouponBenefit.threshold(min_spend=cny(15000), amount=cny(2000))),
    )
    assert data.lines == held.lines
    assert data.coupon_id is None
    assert held.coupon_id == "k-1"


def test_a_discount_given_as_data_keeps_its_scope_and_eligibility() -> None:
    terms = CouponTerms(
        CouponBenefit.amount_off(cny(1000)),
        scope=Scope.of(services=[ServiceId("foot")]),
        eligibility=Eligibility.new_customers(),
    )
    with pytest.raises(CouponNotApplicable) as old_customer:
        quote(cart(line("foot")), customer(), rules(), at=AT, discount=terms)
    assert old_customer.value.details["reason"] == RejectionReason.NEW_CUSTOMERS_ONLY
    assert "coupon_id" not in old_customer.value.details
    with pytest.raises(CouponNotApplicable) as no_line:
        quote(cart(line("tuina")), customer(is_new=True), rules(), at=AT, discount=terms)
    assert no_line.value.details["reason"] == RejectionReason.NO_ELIGIBLE_LINES


def test_a_coupon_and_a_discount_together_are_refused() -> None:
    with pytest.raises(InvalidInput):
        quote(
            cart(line()),
            customer(),
            rules(),
            at=AT,
            coupon=coupon(CouponBenefit.amount_off(cny(100))),
            discount=CouponBenefit.amount_off(cny(100)),
        )


def test_coupon_usable_answers_yes_or_the_first_reason_without_a_cart() -> None:
    ten = CouponBenefit.amount_off(cny(1000))
    assert coupon_usable(coupon(ten), customer(), AT) is None
    cases = [
        (coupon(ten, holder=CustomerId("someone")), RejectionReason.NOT_YOURS),
        (coupon(ten, status=CouponStatus.USED, order_id="o-1"), RejectionReason.NOT_AVAILABLE),
        (coupon(ten, valid_from=TOMORROW, valid_until=TOMORROW), RejectionReason.NOT_STARTED),
        (coupon(ten, valid_from=YESTERDAY, valid_until=YESTERDAY), RejectionReason.EXPIRED),
        (
            coupon(ten, eligibility=Eligibility.members_of(["gold"])),
            RejectionReason.TIER_REQUIRED,
        ),
    ]
    for held, reason in cases:
        rejection = coupon_usable(held, customer(), AT)
        assert rejection is not None
        assert rejection.reason is reason
