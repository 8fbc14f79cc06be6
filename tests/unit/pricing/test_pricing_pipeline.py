"""The pricing pipeline, step by step, with exact amounts (fen)."""

from __future__ import annotations

import pytest

from booking_core.errors import (
    CouponNotApplicable,
    CurrencyMismatch,
    InvalidTimeRange,
    PointsNotRedeemable,
)
from booking_core.money import Money
from booking_core.pricing import PointsPolicy, PricingRules, TierDiscount, quote
from booking_core.promotions import CampaignOffer, CouponBenefit, Funding, Scope
from tests.unit.pricing.pricing_builders import (
    AT,
    campaign,
    cart,
    cny,
    coupon,
    customer,
    line,
    pct,
    rules,
    threshold,
)

GOLD = TierDiscount("gold", pct("0.05"))


def amounts(q: object, bucket: str) -> list[int]:
    return [getattr(ln, bucket).amount for ln in q.lines]  # type: ignore[attr-defined]


def test_without_promotions_the_payable_is_the_lines_plus_the_travel_fee() -> None:
    basket = cart(line("tuina", 19900, add_ons=[3000]), line("foot", 12800, 2), travel_fee=2000)

    q = quote(basket, customer(), rules(), at=AT)

    assert amounts(q, "base") == [22900, 25600]
    assert amounts(q, "payable") == [22900, 25600]
    assert q.subtotal == cny(48500)
    assert q.discount == cny(0)
    assert q.travel_fee == cny(2000)
    assert q.payable == cny(50500)
    assert (q.coupon_id, q.threshold_offer_id, q.points_redeemed) == (None, None, 0)


def test_the_full_pipeline_itemizes_every_bucket_per_line() -> None:
    basket = cart(
        line("tuina", 19900, add_ons=[3000]),
        line("foot", 12800, 2),
        line("facial", 26800, category="beauty"),
        travel_fee=2000,
    )
    policy = PointsPolicy(cny(1), max_per_order=cny(5000), earn_rate=pct("0.01"))
    in_force = rules(
        tier_discounts=(GOLD,),
        threshold_offers=(threshold((30000, 2000), (60000, 5000)),),
        points=policy,
    )
    held = coupon(CouponBenefit.threshold(min_spend=cny(20000), amount=cny(3000)))

    q = quote(basket, customer("gold", points=5000), in_force, at=AT, coupon=held, points=3000)

    assert amounts(q, "base") == [22900, 25600, 26800]
    assert amounts(q, "tier") == [995, 1280, 1340]
    assert amounts(q, "threshold") == [1528, 1696, 1776]
    assert amounts(q, "coupon") == [917, 1018, 1065]
    assert amounts(q, "points") == [917, 1018, 1065]
    assert amounts(q, "payable") == [18543, 20588, 21554]
    assert amounts(q, "platform_funded") == [3362, 3732, 3906]
    assert q.payable == cny(62685)
    assert (q.coupon_id, q.threshold_offer_id) == ("k-1", "mj-1")
    assert (q.points_redeemed, q.points_earned) == (3000, 606)


# --- Step 1: tier price or campaign price ---------------------------------------------------


def test_a_tier_discount_applies_to_the_service_price_not_to_add_ons() -> None:
    basket = cart(line("tuina", 19900, add_ons=[3000]), line("foot", 12800, 2))

    q = quote(basket, customer("gold"), rules(tier_discounts=(GOLD,)), at=AT)

    assert amounts(q, "tier") == [995, 1280]
    assert amounts(q, "payable") == [21905, 24320]


@pytest.mark.parametrize(
    ("price", "rate", "discount"),
    [(1990, "0.05", 100), (1989, "0.05", 99), (1990, "0.15", 299), (1, "0.5", 1), (1, "0.49", 0)],
)
def test_a_percentage_discount_rounds_half_up_per_line(
    price: int, rate: str, discount: int
) -> None:
    tier = TierDiscount("gold", pct(rate))

    q = quote(cart(line(price=price)), customer("gold"), rules(tier_discounts=(tier,)), at=AT)

    assert q.lines[0].tier == cny(discount)


def test_other_tiers_and_non_members_get_no_tier_discount() -> None:
    in_force = rules(tier_discounts=(GOLD,))

    silver = quote(cart(line()), customer("silver"), in_force, at=AT)
    guest = quote(cart(line()), customer(None), in_force, at=AT)

    assert silver.tier_discount == guest.tier_discount == cny(0)


def test_a_tier_discount_keeps_to_its_scope() -> None:
    tier = TierDiscount("gold", pct("0.1"), scope=Scope.of(categories=["beauty"]))
    basket = cart(line("tuina", 10000), line("facial", 20000, category="beauty"))

    q = quote(basket, customer("gold"), rules(tier_discounts=(tier,)), at=AT)

    assert amounts(q, "tier") == [0, 2000]


def test_the_better_of_campaign_and_tier_price_applies_never_both() -> None:
    massage = campaign(
        CampaignOffer.percent_off(pct("0.1")), scope=Scope.of(categories=["massage"])
    )
    basket = cart(line("tuina", 19900), line("facial", 26800, category="beauty"))

    q = quote(basket, customer("gold"), rules(tier_discounts=(GOLD,), campaigns=(massage,)), at=AT)

    assert amounts(q, "campaign") == [1990, 0]
    assert amounts(q, "tier") == [0, 1340]
    assert [ln.campaign_id for ln in q.lines] == ["camp-1", None]


def test_a_tier_price_beats_a_smaller_campaign_discount() -> None:
    small = campaign(CampaignOffer.percent_off(pct("0.03")))

    q = quote(
        cart(line()), customer("gold"), rules(tier_discounts=(GOLD,), campaigns=(small,)), at=AT
    )

    assert (q.lines[0].tier, q.lines[0].campaign, q.lines[0].campaign_id) == (
        cny(995),
        cny(0),
        None,
    )


def test_on_a_tie_the_tier_price_applies_and_no_campaign_budget_is_spent() -> None:
    same = campaign(CampaignOffer.percent_off(pct("0.05")))

    q = quote(
        cart(line()), customer("gold"), rules(tier_discounts=(GOLD,), campaigns=(same,)), at=AT
    )

    assert (q.lines[0].tier, q.lines[0].campaign) == (cny(995), cny(0))


def test_a_special_price_campaign_discounts_each_unit_to_its_price() -> None:
    special = campaign(CampaignOffer.special_price(cny(15900)))
    basket = cart(line("tuina", 19900, 2, add_ons=[3000]), line("cheap", 9900))

    q = quote(basket, customer(), rules(campaigns=(special,)), at=AT)

    assert amounts(q, "campaign") == [8000, 0]
    assert amounts(q, "payable") == [37800, 9900]


def test_of_several_campaigns_the_one_taking_most_off_a_line_applies() -> None:
    ten = campaign(CampaignOffer.percent_off(pct("0.1")), campaign_id="ten")
    twenty = campaign(CampaignOffer.percent_off(pct("0.2")), campaign_id="twenty")

    q = quote(cart(line(price=10000)), customer(), rules(campaigns=(ten, twenty)), at=AT)

    assert (q.lines[0].campaign, q.lines[0].campaign_id) == (cny(2000), "twenty")


def test_campaign_bounds_are_inclusive() -> None:
    ends_now = campaign(CampaignOffer.percent_off(pct("0.1")), starts_at=AT, ends_at=AT)
    in_force = rules(campaigns=(ends_now,))

    at_bound = quote(cart(line(price=10000)), customer(), in_force, at=AT)
    after = quote(cart(line(price=10000)), customer(), in_force, at=AT.add(microseconds=1))
    before = quote(cart(line(price=10000)), customer(), in_force, at=AT.subtract(microseconds=1))

    assert at_bound.campaign_discount == cny(1000)
    assert after.campaign_discount == before.campaign_discount == cny(0)


def test_lines_take_the_campaign_budget_in_cart_order_then_fall_back_to_the_tier() -> None:
    budgeted = campaign(CampaignOffer.percent_off(pct("0.2")), budget=5000, spent=1000)
    basket = cart(line("tuina", 19900), line("foot", 12800))

    q = quote(basket, customer("gold"), rules(tier_discounts=(GOLD,), campaigns=(budgeted,)), at=AT)

    assert amounts(q, "campaign") == [3980, 0]
    assert amounts(q, "tier") == [0, 640]


def test_a_spent_campaign_prices_nothing() -> None:
    spent = campaign(CampaignOffer.percent_off(pct("0.2")), budget=5000, spent=5000)

    q = quote(cart(line()), customer(), rules(campaigns=(spent,)), at=AT)

    assert q.campaign_discount == cny(0)


# --- Step 2: 满减 ------------------------------------------------------------------------------


def test_the_highest_threshold_tier_met_applies_split_by_largest_remainder() -> None:
    basket = cart(
        line("tuina", 19900, add_ons=[3000]),
        line("foot", 12800, 2),
        line("facial", 26800, category="beauty"),
    )

    q = quote(
        basket,
        customer(),
        rules(threshold_offers=(threshold((30000, 2000), (60000, 5000)),)),
        at=AT,
    )

    assert amounts(q, "threshold") == [1521, 1700, 1779]
    assert q.threshold_discount == cny(5000)


@pytest.mark.parametrize(
    ("price", "discount"), [(60000, 5000), (59999, 2000), (30000, 2000), (29999, 0)]
)
def test_thresholds_are_inclusive(price: int, discount: int) -> None:
    offer = threshold((30000, 2000), (60000, 5000))

    q = quote(cart(line(price=price)), customer(), rules(threshold_offers=(offer,)), at=AT)

    assert q.threshold_discount == cny(discount)
    assert q.threshold_offer_id == ("mj-1" if discount else None)


def test_the_threshold_counts_prices_after_the_tier_discount() -> None:
    offer = threshold((30000, 2000))

    member = quote(
        cart(line(price=30000)),
        customer("gold"),
        rules(tier_discounts=(GOLD,), threshold_offers=(offer,)),
        at=AT,
    )
    guest = quote(
        cart(line(price=30000)),
        customer(),
        rules(tier_discounts=(GOLD,), threshold_offers=(offer,)),
        at=AT,
    )

    assert member.threshold_discount == cny(0)
    assert guest.threshold_discount == cny(2000)


def test_of_several_threshold_offers_the_one_taking_most_off_applies() -> None:
    first = threshold((30000, 2000), offer_id="a")
    better = threshold((20000, 2500), offer_id="b")
    same_as_better = threshold((10000, 2500), offer_id="c")

    q = quote(
        cart(line(price=30000)),
        customer(),
        rules(threshold_offers=(first, better, same_as_better)),
        at=AT,
    )

    assert (q.threshold_offer_id, q.threshold_discount) == ("b", cny(2500))


def test_a_threshold_offer_counts_and_discounts_only_lines_in_scope() -> None:
    offer = threshold((20000, 2000), scope=Scope.of(categories=["beauty"]))
    basket = cart(line("tuina", 19900), line("facial", 19900, category="beauty"))

    q = quote(basket, customer(), rules(threshold_offers=(offer,)), at=AT)

    assert q.threshold_discount == cny(0)


def test_a_threshold_offer_may_leave_campaign_lines_out() -> None:
    massage = campaign(
        CampaignOffer.percent_off(pct("0.1")), scope=Scope.of(categories=["massage"])
    )
    basket = cart(line("tuina", 19900), line("facial", 26800, category="beauty"))
    excluding = threshold((20000, 2000), excludes_campaign_lines=True)
    including = threshold((20000, 2000))

    q_ex = quote(
        basket, customer(), rules(campaigns=(massage,), threshold_offers=(excluding,)), at=AT
    )
    q_in = quote(
        basket, customer(), rules(campaigns=(massage,), threshold_offers=(including,)), at=AT
    )

    assert amounts(q_ex, "threshold") == [0, 2000]
    assert amounts(q_in, "threshold") == [801, 1199]


def test_a_threshold_offer_outside_its_window_does_not_apply() -> None:
    later = threshold((100, 50), starts_at=AT.add(seconds=1), ends_at=AT.add(days=1))

    q = quote(cart(line()), customer(), rules(threshold_offers=(later,)), at=AT)

    assert q.threshold_discount == cny(0)


# --- Step 3: the coupon ----------------------------------------------------------------------


def test_an_amount_off_coupon_is_split_over_the_eligible_lines() -> None:
    basket = cart(line("tuina", 19900, add_ons=[3000]), line("foot", 12800, 2))

    q = quote(
        basket, customer(), rules(), at=AT, coupon=coupon(CouponBenefit.amount_off(cny(3000)))
    )

    assert amounts(q, "coupon") == [1416, 1584]


def test_a_coupon_never_takes_more_than_the_eligible_lines_cost() -> None:
    big = coupon(CouponBenefit.amount_off(cny(50000)))

    q = quote(cart(line(price=19900), travel_fee=2000), customer(), rules(), at=AT, coupon=big)

    assert q.coupon_discount == cny(19900)
    assert q.goods_payable == cny(0)
    assert q.payable == cny(2000)


@pytest.mark.parametrize(("price", "discount"), [(10000, 1500), (19900, 2000), (13330, 2000)])
def test_a_percent_coupon_is_capped_at_its_maximum(price: int, discount: int) -> None:
    fifteen = coupon(CouponBenefit.percent_off(pct("0.15"), max_discount=cny(2000)))

    q = quote(cart(line(price=price)), customer(), rules(), at=AT, coupon=fifteen)

    assert q.coupon_discount == cny(discount)


def test_a_percent_coupon_rounds_half_up_once_on_the_eligible_subtotal() -> None:
    fifteen = coupon(CouponBenefit.percent_off(pct("0.15")))
    basket = cart(line("a", 9965), line("b", 9965))

    q = quote(basket, customer(), rules(), at=AT, coupon=fifteen)

    # 19930 × 0.15 = 2989.5 → 2990 on the order, split 1495 / 1495.
    assert amounts(q, "coupon") == [1495, 1495]


def test_a_threshold_coupon_needs_its_minimum_spend_inclusive() -> None:
    mj = coupon(CouponBenefit.threshold(min_spend=cny(20000), amount=cny(3000)))

    q = quote(cart(line(price=20000)), customer(), rules(), at=AT, coupon=mj)

    assert q.coupon_discount == cny(3000)


def test_a_coupon_minimum_counts_prices_after_the_threshold_offer() -> None:
    mj = coupon(CouponBenefit.threshold(min_spend=cny(20000), amount=cny(3000)))
    offer = threshold((20000, 100))

    without = quote(cart(line(price=20000)), customer(), rules(threshold_offers=(offer,)), at=AT)

    assert without.threshold_discount == cny(100)
    with pytest.raises(CouponNotApplicable, match=r"Spend 1\.00 CNY more"):
        quote(
            cart(line(price=20000)), customer(), rules(threshold_offers=(offer,)), at=AT, coupon=mj
        )


def test_buy_one_get_one_makes_the_second_unit_free() -> None:
    bogo = coupon(CouponBenefit.nth_free(2))

    q = quote(cart(line("foot", 12800, 2)), customer(), rules(), at=AT, coupon=bogo)

    assert q.coupon_discount == cny(12800)


def test_nth_free_gives_the_cheapest_unit_of_each_group_at_what_is_left_of_it() -> None:
    basket = cart(line("a", 10000, 2), line("b", 5000, 2))
    ten = TierDiscount("gold", pct("0.1"))

    two = quote(basket, customer(), rules(), at=AT, coupon=coupon(CouponBenefit.nth_free(2)))
    three = quote(basket, customer(), rules(), at=AT, coupon=coupon(CouponBenefit.nth_free(3)))
    member = quote(
        basket,
        customer("gold"),
        rules(tier_discounts=(ten,)),
        at=AT,
        coupon=coupon(CouponBenefit.nth_free(3)),
    )

    assert amounts(two, "coupon") == [10000, 5000]
    assert amounts(three, "coupon") == [0, 5000]
    assert amounts(member, "coupon") == [0, 4500]


def test_a_coupon_discounts_only_the_lines_in_its_scope() -> None:
    beauty_only = coupon(CouponBenefit.amount_off(cny(3000)), scope=Scope.of(categories=["beauty"]))
    basket = cart(line("tuina", 19900), line("facial", 26800, category="beauty"))

    q = quote(basket, customer(), rules(), at=AT, coupon=beauty_only)

    assert amounts(q, "coupon") == [0, 3000]


def test_a_coupon_may_leave_campaign_lines_out() -> None:
    massage = campaign(
        CampaignOffer.percent_off(pct("0.1")), scope=Scope.of(categories=["massage"])
    )
    held = coupon(CouponBenefit.amount_off(cny(1000)), excludes_campaign_lines=True)
    basket = cart(line("tuina", 19900), line("facial", 26800, category="beauty"))

    q = quote(basket, customer(), rules(campaigns=(massage,)), at=AT, coupon=held)

    assert amounts(q, "coupon") == [0, 1000]


def test_who_funds_each_discount_decides_the_platform_funded_part() -> None:
    platform_tier = TierDiscount("gold", pct("0.1"), funded_by=Funding.PLATFORM)
    seller_coupon = coupon(CouponBenefit.amount_off(cny(500)), funded_by=Funding.SELLER)
    seller_offer = threshold((1000, 300), funded_by=Funding.SELLER)

    q = quote(
        cart(line(price=10000)),
        customer("gold", points=100),
        rules(
            tier_discounts=(platform_tier,),
            threshold_offers=(seller_offer,),
            points=PointsPolicy(cny(1)),
        ),
        at=AT,
        coupon=seller_coupon,
        points=100,
    )

    assert (q.tier_discount, q.threshold_discount, q.coupon_discount) == (
        cny(1000),
        cny(300),
        cny(500),
    )
    assert q.points_discount == cny(100)
    assert q.platform_funded == cny(1100)


# --- Step 4: points --------------------------------------------------------------------------


def points_quote(policy: PointsPolicy, price: int, points: int, *lines_: object) -> object:
    basket = cart(*(lines_ or (line(price=price),)))  # type: ignore[arg-type]
    return quote(basket, customer(points=10_000), rules(points=policy), at=AT, points=points)


def test_points_pay_as_cash_at_their_value() -> None:
    q = points_quote(PointsPolicy(cny(1)), 19900, 3000)

    assert (q.points_redeemed, q.points_discount, q.goods_payable) == (3000, cny(3000), cny(16900))  # type: ignore[attr-defined]


def test_points_are_split_over_the_lines() -> None:
    q = points_quote(PointsPolicy(cny(1)), 0, 1000, line("a", 22900), line("b", 25600))

    assert amounts(q, "points") == [472, 528]


@pytest.mark.parametrize(
    ("policy", "used"),
    [
        (PointsPolicy(cny(1), max_per_order=cny(2000)), 2000),
        (PointsPolicy(cny(1), max_share=pct("0.1")), 1990),
        (PointsPolicy(cny(1), minimum_payable=cny(17000)), 2900),
        (PointsPolicy(cny(1), max_per_order=cny(2500), max_share=pct("0.1")), 1990),
    ],
)
def test_points_stop_at_the_order_caps(policy: PointsPolicy, used: int) -> None:
    q = points_quote(policy, 19900, 5000)

    assert q.points_redeemed == used  # type: ignore[attr-defined]
    assert q.points_discount == cny(used)  # type: ignore[attr-defined]


def test_points_never_take_the_goods_below_the_minimum_payable() -> None:
    q = points_quote(PointsPolicy(cny(1), minimum_payable=cny(100)), 1000, 5000)

    assert (q.points_redeemed, q.goods_payable) == (900, cny(100))  # type: ignore[attr-defined]


def test_a_point_is_spent_whole_when_a_cap_stops_mid_point() -> None:
    q = points_quote(PointsPolicy(cny(100)), 1050, 50)

    assert (q.points_redeemed, q.points_discount, q.goods_payable) == (11, cny(1050), cny(0))  # type: ignore[attr-defined]


def test_points_earned_are_rounded_down_on_the_goods_paid() -> None:
    policy = PointsPolicy(cny(1), earn_rate=pct("0.01"))

    q = quote(cart(line(price=16999), travel_fee=5000), customer(), rules(points=policy), at=AT)

    assert q.points_earned == 169


def test_points_can_be_spent_only_when_held_and_allowed() -> None:
    with pytest.raises(PointsNotRedeemable):
        quote(
            cart(line()), customer(points=10), rules(points=PointsPolicy(cny(1))), at=AT, points=11
        )
    with pytest.raises(PointsNotRedeemable):
        quote(
            cart(line()), customer(points=10), rules(points=PointsPolicy(cny(1))), at=AT, points=-1
        )
    with pytest.raises(PointsNotRedeemable):
        quote(cart(line()), customer(points=10), rules(), at=AT, points=1)


# --- Step 5 and the whole ----------------------------------------------------------------------


def test_the_travel_fee_is_never_discounted() -> None:
    everything = rules(
        threshold_offers=(threshold((0, 100_000)),),
        points=PointsPolicy(cny(1)),
    )

    q = quote(
        cart(line(price=10000), travel_fee=3000),
        customer(points=5000),
        everything,
        at=AT,
        points=5000,
    )

    assert q.goods_payable == cny(0)
    assert q.payable == cny(3000)
    assert q.points_redeemed == 0


def test_a_quote_is_the_same_for_the_same_inputs() -> None:
    in_force = rules(tier_discounts=(GOLD,), threshold_offers=(threshold((100, 10)),))

    first = quote(cart(line(), line("foot", 12800, 3)), customer("gold"), in_force, at=AT)
    second = quote(cart(line(), line("foot", 12800, 3)), customer("gold"), in_force, at=AT)

    assert first == second


def test_rules_in_another_currency_are_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        quote(cart(line()), customer(), PricingRules("USD"), at=AT)


def test_a_naive_pricing_time_is_refused() -> None:
    with pytest.raises(InvalidTimeRange):
        quote(cart(line()), customer(), rules(), at=AT.naive())


def test_quote_totals_add_up() -> None:
    q = quote(
        cart(line(), line("foot", 12800, 2), travel_fee=1000),
        customer("gold"),
        rules(tier_discounts=(GOLD,), threshold_offers=(threshold((100, 50)),)),
        at=AT,
        coupon=coupon(CouponBenefit.amount_off(cny(77))),
    )

    assert q.subtotal - q.discount == q.goods_payable
    assert q.tier_discount + q.threshold_discount + q.coupon_discount == q.discount
    assert all(ln.discount == ln.base - ln.payable for ln in q.lines)
    assert q.payable == q.goods_payable + Money(1000, "CNY")


@pytest.mark.parametrize(("funded_by", "platform"), [(Funding.PLATFORM, 2000), (Funding.SELLER, 0)])
def test_a_campaign_discount_is_platform_funded_only_when_the_platform_pays(
    funded_by: Funding, platform: int
) -> None:
    sale = campaign(CampaignOffer.percent_off(pct("0.2")), funded_by=funded_by)

    q = quote(cart(line(price=10000)), customer(), rules(campaigns=(sale,)), at=AT)

    assert q.campaign_discount == cny(2000)
    assert q.platform_funded == cny(platform)
