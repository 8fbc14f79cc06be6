"""The per-unit coupon kinds and the unit thresholds (issue 15): buy X get Y, an amount off
each unit, a special unit price, ``max_units``, Nth free once per order, 满N件.

Amounts in fen. Each test names the rule it holds; the data is chosen so that the rule
changes the answer (a unit of every price, quantities above one, add-ons where they count).
"""

from __future__ import annotations

from booking_core.ids import CategoryId, ServiceId
from booking_core.pricing import CouponEvaluation, RejectionReason, evaluate_coupons, quote
from booking_core.pricing.cart import Cart, CartLine
from booking_core.pricing.explanations import CouponRejection
from booking_core.pricing.rules import PricingRules
from booking_core.promotions import CampaignOffer, Coupon, CouponBenefit, Scope
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

FOOT = Scope.of(services=[ServiceId("foot")])


def four_prices() -> tuple[CartLine, ...]:
    """Units worth 300.00, 200.00, 100.00 and three of 50.00 (six units)."""
    return (line("a", 30000), line("b", 20000), line("c", 10000), line("d", 5000, 3))


def coupon_parts(held: Coupon, *lines: CartLine, in_force: PricingRules | None = None) -> list[int]:
    """What the coupon takes off each line (and the evaluation agrees with the quote)."""
    basket = cart(*lines)
    in_force = in_force or rules()
    (evaluation,) = evaluate_coupons(basket, customer(), in_force, at=AT, coupons=[held])
    q = quote(basket, customer(), in_force, at=AT, coupon=held)
    parts = [ln.coupon.amount for ln in q.lines]
    assert evaluation.discount == cny(sum(parts)) == q.coupon_discount
    return parts


def rejection(held: Coupon, *lines: CartLine, basket: Cart | None = None) -> CouponRejection:
    (evaluation,) = evaluate_coupons(
        basket or cart(*lines), customer(), rules(), at=AT, coupons=[held]
    )
    assert isinstance(evaluation, CouponEvaluation)
    assert evaluation.rejection is not None
    return evaluation.rejection


# --- buy X get Y, same services ---------------------------------------------------------


def test_each_full_group_of_x_plus_y_gives_its_y_cheapest_units() -> None:
    buy_two_get_one = coupon(CouponBenefit.buy_x_get_y(2, 1))
    buy_one_get_two = coupon(CouponBenefit.buy_x_get_y(1, 2))

    two_one = coupon_parts(buy_two_get_one, *four_prices())
    one_two = coupon_parts(buy_one_get_two, *four_prices())

    # groups down the ranking: (300, 200, 100) and (50, 50, 50)
    assert two_one == [0, 0, 10000, 5000]
    assert one_two == [0, 20000, 10000, 10000]


def test_buy_x_get_y_needs_a_whole_group_in_the_cart() -> None:
    held = coupon(CouponBenefit.buy_x_get_y(2, 1))

    why = rejection(held, line("a", 30000), line("b", 20000))

    assert why.reason is RejectionReason.NOT_ENOUGH_ITEMS
    assert why.missing_units == 1
    assert why.message == "Add 1 more eligible item: buy 2, get 1 free."


def test_max_units_keeps_the_free_units_of_the_first_groups() -> None:
    held = coupon(CouponBenefit.buy_x_get_y(1, 1, max_units=2))

    parts = coupon_parts(held, *four_prices())

    # unlimited: 200 + 50 + 50; the limit keeps the first two free units, 200 and 50
    assert parts == [0, 20000, 0, 5000]


# --- buy X get Y, another service ----------------------------------------------------------


def test_units_bought_earn_units_of_the_free_service() -> None:
    held = coupon(
        CouponBenefit.buy_x_get_y(2, 1, free_scope=FOOT),
        scope=Scope.of(services=[ServiceId("tuina")]),
    )

    parts = coupon_parts(held, line("tuina", 19900, 5), line("foot", 12800, 3))

    # 5 tuina bought: two groups of 2, so 2 of the 3 foot units are free
    assert parts == [0, 25600]


def test_units_of_the_free_service_do_not_count_as_bought() -> None:
    held = coupon(CouponBenefit.buy_x_get_y(1, 1, free_scope=FOOT))

    why = rejection(held, line("foot", 12800, 3))

    assert why.reason is RejectionReason.NOT_ENOUGH_ITEMS
    assert why.missing_units == 1
    assert why.message == "Buy 1 more eligible item: buy 1, get 1 free."


def test_the_cheapest_units_of_the_free_services_go_free() -> None:
    massage = Scope.of(categories=[CategoryId("massage")])
    held = coupon(
        CouponBenefit.buy_x_get_y(1, 1, free_scope=massage),
        scope=Scope.of(categories=[CategoryId("beauty")]),
    )

    parts = coupon_parts(
        held,
        line("tuina", 19900, category="massage"),
        line("facial", 26800, category="beauty"),
        line("foot", 12800, category="massage"),
    )

    assert parts == [0, 0, 12800]


def test_free_units_are_at_most_the_units_of_the_free_service_in_the_cart() -> None:
    held = coupon(CouponBenefit.buy_x_get_y(1, 2, free_scope=FOOT))

    parts = coupon_parts(held, line("tuina", 19900, 2), line("foot", 12800, 3))

    # 2 bought earn 4 free units; the cart holds 3 foot massages, all free
    assert parts == [0, 38400]


def test_without_the_free_service_in_the_cart_the_coupon_says_to_add_it() -> None:
    held = coupon(CouponBenefit.buy_x_get_y(1, 1, free_scope=FOOT))

    why = rejection(held, line("tuina", 19900, 2))

    assert why.reason is RejectionReason.NOT_ENOUGH_ITEMS
    assert why.missing_units == 1
    assert why.message == "Add one of the services this coupon gives free: buy 1, get 1 free."


def test_a_campaign_priced_free_service_is_not_given_when_campaign_lines_are_excluded() -> None:
    held = coupon(CouponBenefit.buy_x_get_y(1, 1, free_scope=FOOT), excludes_campaign_lines=True)
    in_force = rules(campaigns=(campaign(CampaignOffer.special_price(cny(9900)), scope=FOOT),))

    (evaluation,) = evaluate_coupons(
        cart(line("tuina", 19900), line("foot", 12800)),
        customer(),
        in_force,
        at=AT,
        coupons=[held],
    )

    assert evaluation.rejection is not None
    assert evaluation.rejection.reason is RejectionReason.NOT_ENOUGH_ITEMS
    assert evaluation.rejection.missing_units == 1


# --- Nth free: max_units and once per order -----------------------------------------------


def test_every_nth_free_is_limited_by_max_units() -> None:
    every_second = coupon(CouponBenefit.nth_free(2))
    at_most_two = coupon(CouponBenefit.nth_free(2, max_units=2))

    unlimited = coupon_parts(every_second, *four_prices())
    limited = coupon_parts(at_most_two, *four_prices())

    assert unlimited == [0, 20000, 0, 10000]  # 200, 50 and 50 free
    assert limited == [0, 20000, 0, 5000]


def test_once_per_order_frees_the_cheapest_unit_once() -> None:
    held = coupon(CouponBenefit.nth_free(2, once_per_order=True))

    parts = coupon_parts(held, line("a", 30000), line("b", 20000), line("c", 10000))

    # every 2nd would free 200.00; once per order frees the cheapest, 100.00
    assert parts == [0, 0, 10000]


def test_once_per_order_still_needs_n_units() -> None:
    held = coupon(CouponBenefit.nth_free(3, once_per_order=True))

    why = rejection(held, line("a", 30000), line("b", 20000))

    assert why.reason is RejectionReason.NOT_ENOUGH_ITEMS
    assert why.missing_units == 1
    assert why.message == "Add 1 more eligible item: with 3 the cheapest one is free."


# --- amount off each unit (每件减) -----------------------------------------------------------


def test_an_amount_comes_off_every_unit_never_below_zero() -> None:
    held = coupon(CouponBenefit.amount_off_each(cny(1000)))

    parts = coupon_parts(held, line("foot", 12800, 3), line("towel", 500))

    assert parts == [3000, 500]


def test_max_units_keeps_the_units_that_save_the_most() -> None:
    held = coupon(CouponBenefit.amount_off_each(cny(1000), max_units=2))

    parts = coupon_parts(held, line("towel", 500), line("foot", 12800, 3))

    assert parts == [0, 2000]


# --- special price per unit (特价) -----------------------------------------------------------


def test_each_unit_costs_the_special_price_with_its_add_ons_on_top() -> None:
    held = coupon(CouponBenefit.special_price(cny(9900)))

    parts = coupon_parts(held, line("tuina", 19900, 2, add_ons=[3000]))

    # each unit: 199.00 + 30.00 oil → 99.00 + 30.00
    assert parts == [20000]


def test_a_special_price_touches_at_most_max_units_saving_the_most_first() -> None:
    held = coupon(CouponBenefit.special_price(cny(9900), max_units=2))

    parts = coupon_parts(held, line("cheap", 8800), line("foot", 12800), line("tuina", 19900, 3))

    # a unit already below the price is not touched and does not use up the limit
    assert parts == [0, 0, 20000]


def test_a_special_price_above_every_unit_explains_itself() -> None:
    held = coupon(CouponBenefit.special_price(cny(9900)))

    why = rejection(held, line("cheap", 8800))

    assert why.reason is RejectionReason.NOTHING_TO_DISCOUNT
    assert why.message == "The eligible services already cost 99.00 CNY a unit or less."


def test_part_of_a_line_is_rounded_half_up_once_per_line() -> None:
    # 满减 leaves the line 299.99 for 3 units (99.99⅔ each); one unit at 50.00 saves 49.99⅔
    held = coupon(CouponBenefit.special_price(cny(5000), max_units=1))
    in_force = rules(threshold_offers=(threshold((30000, 1)),))

    parts = coupon_parts(held, line("foot", 10000, 3), in_force=in_force)

    assert parts == [5000]


# --- thresholds on units (满N件) ------------------------------------------------------------


def test_a_unit_threshold_is_met_at_exactly_n_units() -> None:
    held = coupon(CouponBenefit.threshold(min_units=3, amount=cny(2000)))

    parts = coupon_parts(held, line("foot", 12800, 2), line("tuina", 19900))

    assert parts == [1125, 875]  # 20.00 shared by largest remainder, 256 : 199


def test_a_unit_threshold_short_of_units_says_how_many_more() -> None:
    held = coupon(CouponBenefit.threshold(min_units=3, amount=cny(2000)))

    why = rejection(held, line("foot", 12800, 2))

    assert why.reason is RejectionReason.NOT_ENOUGH_ITEMS
    assert why.missing_units == 1
    assert why.message == (
        "Add 1 more eligible item to use this coupon (it needs 3; the order has 2)."
    )


def test_only_eligible_units_count_toward_the_unit_threshold() -> None:
    held = coupon(
        CouponBenefit.threshold(min_units=3, amount=cny(2000)),
        scope=Scope.of(categories=[CategoryId("massage")]),
    )

    why = rejection(held, line("foot", 12800, 2), line("facial", 26800, category="beauty"))

    assert why.missing_units == 1


def test_with_a_minimum_spend_and_units_both_must_be_met() -> None:
    held = coupon(CouponBenefit.threshold(min_spend=cny(30000), min_units=3, amount=cny(2000)))

    units_short = rejection(held, line("tuina", 19900, 2))
    spend_short = rejection(held, line("foot", 5000, 3))

    assert units_short.reason is RejectionReason.NOT_ENOUGH_ITEMS
    assert spend_short.reason is RejectionReason.MIN_SPEND_NOT_MET
    assert spend_short.shortfall == cny(15000)


def test_a_percentage_off_from_n_units() -> None:
    held = coupon(CouponBenefit.percent_off(pct("0.2"), min_units=3))

    short = rejection(held, line("foot", 12800, 2))
    parts = coupon_parts(held, line("foot", 12800, 3))

    assert short.reason is RejectionReason.NOT_ENOUGH_ITEMS
    assert parts == [7680]
