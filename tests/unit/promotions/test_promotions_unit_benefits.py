"""The per-unit benefit kinds and unit thresholds: what holds together, and storage.

Benefits are stored as converter documents (the coupon's and the template's), so the new
fields need no migration: they round-trip, and a document written before them still loads.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from booking_core.errors import InvalidPromotion
from booking_core.ids import ServiceId
from booking_core.money import Money
from booking_core.promotions import CouponBenefit, CouponKind, CouponTerms, Scope
from booking_core.serialization import make_converter

FOOT = Scope.of(services=[ServiceId("foot")])


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


def test_the_named_constructors_build_each_new_kind() -> None:
    assert CouponBenefit.buy_x_get_y(2, 1).kind is CouponKind.BUY_X_GET_Y
    assert CouponBenefit.buy_x_get_y(2, 1, free_scope=FOOT).free_scope == FOOT
    assert CouponBenefit.amount_off_each(cny(1000)).kind is CouponKind.AMOUNT_OFF_EACH
    assert CouponBenefit.special_price(cny(0), max_units=2).unit_price == cny(0)
    assert CouponBenefit.threshold(min_units=3, amount=cny(2000)).min_spend is None
    assert CouponBenefit.nth_free(3, once_per_order=True).once_per_order
    assert not CouponBenefit.nth_free(3).once_per_order  # every nth stays the default


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: CouponBenefit.buy_x_get_y(0, 1), "buy_units"),
        (lambda: CouponBenefit.buy_x_get_y(1, 0), "free_units"),
        (lambda: CouponBenefit(CouponKind.BUY_X_GET_Y, buy_units=1), "free_units"),
        (lambda: CouponBenefit(CouponKind.NTH_FREE, nth=2, buy_units=1), "buy_units"),
        (lambda: CouponBenefit(CouponKind.NTH_FREE, nth=2, free_scope=FOOT), "free_scope"),
        (lambda: CouponBenefit.buy_x_get_y(1, 1, free_scope="foot"), "free_scope"),  # type: ignore[arg-type]
        (lambda: CouponBenefit.amount_off_each(cny(0)), "amount"),
        (lambda: CouponBenefit(CouponKind.AMOUNT_OFF_EACH), "amount"),
        (lambda: CouponBenefit.special_price(cny(-1)), "unit_price"),
        (lambda: CouponBenefit(CouponKind.SPECIAL_PRICE), "unit_price"),
        (
            lambda: CouponBenefit(CouponKind.AMOUNT_OFF, amount=cny(5), unit_price=cny(1)),
            "unit_price",
        ),
        (lambda: CouponBenefit.special_price(cny(100), max_units=0), "max_units"),
        (lambda: CouponBenefit.nth_free(2, max_units=True), "max_units"),  # type: ignore[arg-type]
        (
            lambda: CouponBenefit(CouponKind.PERCENT_OFF, rate=Decimal("0.1"), max_units=2),
            "max_units",
        ),
        (lambda: CouponBenefit.nth_free(2, once_per_order=True, max_units=1), "max_units"),
        (
            lambda: CouponBenefit(
                CouponKind.BUY_X_GET_Y, buy_units=1, free_units=1, once_per_order=True
            ),
            "once_per_order",
        ),
        (lambda: CouponBenefit.nth_free(2, once_per_order=1), "once_per_order"),  # type: ignore[arg-type]
        (lambda: CouponBenefit.threshold(amount=cny(500)), "min_spend"),
        (lambda: CouponBenefit.threshold(min_units=0, amount=cny(500)), "min_units"),
        (lambda: CouponBenefit(CouponKind.AMOUNT_OFF, amount=cny(5), min_units=2), "min_units"),
        (
            lambda: CouponBenefit.special_price(Money(100, "USD"), min_spend=cny(100)),
            "currency",
        ),
    ],
)
def test_a_benefit_refuses_contradictions_naming_the_field(build: Any, field: str) -> None:
    with pytest.raises(InvalidPromotion) as refused:
        build()

    assert refused.value.details["field"] == field


def test_a_special_price_benefit_knows_its_currency() -> None:
    assert CouponBenefit.special_price(Money(100, "USD")).currency == "USD"


def test_every_new_field_round_trips_through_the_converter() -> None:
    converter = make_converter()
    benefits = [
        CouponBenefit.buy_x_get_y(
            2, 1, free_scope=FOOT, max_units=4, min_spend=cny(100), min_units=3
        ),
        CouponBenefit.amount_off_each(cny(1000), max_units=5, min_units=2),
        CouponBenefit.special_price(cny(9900), max_units=2),
        CouponBenefit.nth_free(3, once_per_order=True),
        CouponBenefit.threshold(min_units=3, min_spend=cny(20000), amount=cny(2000)),
    ]

    for benefit in benefits:
        terms = CouponTerms(benefit)
        document = converter.unstructure(terms, CouponTerms)

        assert converter.structure(document, CouponTerms) == terms


def test_a_benefit_stored_before_the_new_fields_still_loads() -> None:
    converter = make_converter()
    # A 满减 benefit as documents were written before the per-unit kinds.
    old = {
        "kind": "threshold",
        "amount": {"amount": 2000, "currency": "CNY"},
        "rate": None,
        "max_discount": None,
        "min_spend": {"amount": 15000, "currency": "CNY"},
        "nth": None,
    }

    benefit = converter.structure(old, CouponBenefit)

    assert benefit == CouponBenefit.threshold(min_spend=cny(15000), amount=cny(2000))
    assert (benefit.min_units, benefit.max_units, benefit.once_per_order) == (None, None, False)
