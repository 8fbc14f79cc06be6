"""Carts, customers and rules refuse bad input with specific errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_core.errors import InvalidCart, InvalidInput, InvalidPromotion
from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money
from booking_core.pricing import (
    AddOn,
    Cart,
    CartLine,
    CustomerProfile,
    PointsPolicy,
    PricingRules,
    TierDiscount,
)
from booking_core.promotions import CampaignOffer
from tests.unit.pricing.pricing_builders import AT, campaign, cart, cny, line, pct, threshold


def test_a_line_amount_is_service_plus_add_ons_times_quantity() -> None:
    ln = line("tuina", 19900, 2, add_ons=[3000, 500])

    assert ln.service_amount == cny(39800)
    assert ln.add_on_amount == cny(7000)
    assert ln.amount == cny(46800)


@pytest.mark.parametrize("quantity", [0, -1, 1000, 1.0, True])
def test_a_quantity_is_a_whole_number_from_1_to_999(quantity: object) -> None:
    with pytest.raises(InvalidCart, match="quantity"):
        CartLine(ServiceId("s"), CategoryId("c"), cny(100), quantity)  # type: ignore[arg-type]


def test_a_negative_unit_price_is_refused() -> None:
    with pytest.raises(InvalidCart, match="unit price"):
        CartLine(ServiceId("s"), CategoryId("c"), cny(-1))


def test_an_add_on_in_another_currency_is_refused() -> None:
    with pytest.raises(InvalidCart, match="USD"):
        CartLine(ServiceId("s"), CategoryId("c"), cny(100), 1, (AddOn("oil", Money(1, "USD")),))


@pytest.mark.parametrize(("name", "price"), [("", cny(1)), ("oil", cny(-1))])
def test_an_add_on_needs_a_name_and_a_price_of_zero_or_more(name: str, price: Money) -> None:
    with pytest.raises(InvalidCart):
        AddOn(name, price)


def test_an_empty_cart_is_refused() -> None:
    with pytest.raises(InvalidCart, match="at least one line"):
        Cart(())


def test_a_cart_of_mixed_currencies_is_refused() -> None:
    usd = CartLine(ServiceId("s"), CategoryId("c"), Money(100, "USD"))

    with pytest.raises(InvalidCart, match="one currency"):
        Cart.of(line(), usd)


@pytest.mark.parametrize("fee", [cny(-1), Money(100, "USD")])
def test_a_travel_fee_is_zero_or_more_in_the_cart_currency(fee: Money) -> None:
    with pytest.raises(InvalidCart, match="travel fee"):
        Cart.of(line(), travel_fee=fee)


def test_a_cart_knows_its_currency() -> None:
    assert cart(line()).currency == "CNY"


def test_a_negative_points_balance_is_refused() -> None:
    with pytest.raises(InvalidInput, match="points balance"):
        CustomerProfile(CustomerId("c"), points_balance=-1)


@pytest.mark.parametrize("rate", [Decimal(0), Decimal(1), Decimal("-0.1"), 0.1, Decimal("NaN")])
def test_a_tier_rate_is_a_decimal_strictly_between_0_and_1(rate: object) -> None:
    with pytest.raises(InvalidPromotion, match="rate"):
        TierDiscount("gold", rate)  # type: ignore[arg-type]


def test_a_tier_discount_names_its_tier() -> None:
    with pytest.raises(InvalidPromotion, match="tier"):
        TierDiscount(" ", pct("0.1"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value_per_point": cny(0)},
        {"value_per_point": cny(1), "max_per_order": cny(-1)},
        {"value_per_point": cny(1), "minimum_payable": Money(1, "USD")},
        {"value_per_point": cny(1), "max_share": Decimal(0)},
        {"value_per_point": cny(1), "max_share": Decimal("1.1")},
        {"value_per_point": cny(1), "earn_rate": Decimal(-1)},
    ],
)
def test_a_points_policy_refuses_contradictions(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidPromotion):
        PointsPolicy(**kwargs)  # type: ignore[arg-type]


def test_rules_allow_one_discount_per_tier() -> None:
    with pytest.raises(InvalidPromotion, match="one discount per tier"):
        PricingRules("CNY", tier_discounts=(TierDiscount("a", pct("0.1")),) * 2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"campaigns": (campaign(CampaignOffer.special_price(cny(1))),)},
        {"threshold_offers": (threshold((100, 10)),)},
        {"points": PointsPolicy(cny(1))},
    ],
)
def test_rules_refuse_promotions_in_another_currency(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidPromotion):
        PricingRules("USD", **kwargs)  # type: ignore[arg-type]


def test_rules_need_an_iso_currency() -> None:
    with pytest.raises(InvalidPromotion, match="ISO 4217"):
        PricingRules("yuan")


def test_rules_find_the_discount_of_a_tier() -> None:
    gold = TierDiscount("gold", pct("0.1"))
    in_force = PricingRules("CNY", tier_discounts=(gold,))

    assert in_force.tier_discount("gold") is gold
    assert in_force.tier_discount("silver") is None
    assert in_force.tier_discount(None) is None
    assert AT.tzinfo is not None
