"""Split rates, the rate table's precedence, and exact splits."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.errors import InvalidLedgerEntry, InvalidRates
from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.ledger import (
    PartyShares,
    RateRule,
    RateTable,
    SettlementLine,
    SplitRates,
    allocate_signed,
    settlement_lines,
    split_by_rates,
)
from booking_core.money import Money
from booking_core.pricing import Cart, CartLine, CustomerProfile, PricingRules, TierDiscount, quote
from booking_core.promotions import Funding

D = Decimal
TUINA = ServiceId("tuina")


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


@pytest.mark.parametrize(
    ("technician", "store"),
    [(D("-0.1"), D(0)), (D("1.1"), D(0)), (D("0.6"), D("0.5")), (0.6, D(0)), (D("NaN"), D(0))],
)
def test_rates_are_decimals_that_do_not_give_away_more_than_all(
    technician: object, store: object
) -> None:
    with pytest.raises(InvalidRates):
        SplitRates(technician, store)  # type: ignore[arg-type]


def test_the_platform_keeps_the_rest() -> None:
    assert SplitRates(D("0.6"), D("0.15")).platform == D("0.25")


def test_a_rate_rule_names_a_criterion() -> None:
    with pytest.raises(InvalidRates):
        RateRule(SplitRates(D("0.5")))


def test_the_most_specific_matching_rule_wins_then_service_level_store_then_order() -> None:
    default = SplitRates(D("0.5"))
    by_store = RateRule(SplitRates(D("0.51")), store_id="s-1")
    by_level = RateRule(SplitRates(D("0.52")), technician_level="gold")
    by_service = RateRule(SplitRates(D("0.53")), service_id=TUINA)
    by_level_and_store = RateRule(SplitRates(D("0.54")), store_id="s-1", technician_level="gold")
    second_by_service = RateRule(SplitRates(D("0.55")), service_id=TUINA)
    table = RateTable(
        default, (by_store, by_level, by_service, by_level_and_store, second_by_service)
    )

    def rate(**kw: object) -> Decimal:
        return table.rates_for(service_id=kw.pop("service_id", ServiceId("foot")), **kw).technician  # type: ignore[arg-type]

    assert rate() == D("0.5")
    assert rate(store_id="s-1") == D("0.51")
    assert rate(technician_level="gold") == D("0.52")
    assert rate(store_id="s-1", service_id=TUINA) == D("0.53")
    assert rate(technician_level="gold", service_id=TUINA) == D("0.53")
    assert rate(store_id="s-1", technician_level="gold", service_id=TUINA) == D("0.54")


def test_a_split_by_rates_gives_leftover_units_to_the_largest_remainders() -> None:
    shares = split_by_rates(cny(10001), SplitRates(D("0.6"), D("0.1")))

    assert shares == PartyShares(cny(6001), cny(1000), cny(3000))
    assert shares.total == cny(10001)


def test_a_split_tie_goes_to_the_technician_then_the_store() -> None:
    quarter = D("0.25")

    shares = split_by_rates(cny(2), SplitRates(quarter, quarter))

    # Exact shares 0.5 / 0.5 / 1: the platform's 1 is whole, the leftover unit is a tie.
    assert shares == PartyShares(cny(1), cny(0), cny(1))


def test_a_negative_amount_is_not_split() -> None:
    with pytest.raises(InvalidLedgerEntry):
        split_by_rates(cny(-1), SplitRates(D("0.5")))


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (4000, [6000, 1000, 3000, -2000], [3000, 500, 1500, -1000]),
        (3333, [6000, 1000, 3000, -2000], [2500, 416, 1250, -833]),
        (8000, [6000, 1000, 3000, -2000], [6000, 1000, 3000, -2000]),
        (0, [5, -2], [0, 0]),
        (1, [1, 1], [1, 0]),
    ],
)
def test_signed_allocation_is_exact_and_within_one_unit(
    total: int, weights: list[int], parts: list[int]
) -> None:
    assert allocate_signed(total, weights) == parts


@pytest.mark.parametrize(("total", "weights"), [(1, [0, 0]), (6, [5]), (-1, [5]), (1, [1, -1])])
def test_signed_allocation_refuses_what_cannot_be_split(total: int, weights: list[int]) -> None:
    with pytest.raises(InvalidLedgerEntry):
        allocate_signed(total, weights)


def test_settlement_lines_come_from_the_quote_with_the_travel_fee_to_the_technician() -> None:
    at = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
    basket = Cart.of(CartLine(TUINA, CategoryId("massage"), cny(10000)), travel_fee=cny(1500))
    rules = PricingRules(
        "CNY", tier_discounts=(TierDiscount("gold", D("0.1"), funded_by=Funding.PLATFORM),)
    )
    q = quote(basket, CustomerProfile(CustomerId("c"), tier="gold"), rules, at=at)
    table = RateTable(SplitRates(D("0.6"), D("0.1")))

    lines = settlement_lines(q, lambda ln: table.rates_for(service_id=ln.service_id))

    assert lines == [
        SettlementLine(cny(9000), cny(1000), SplitRates(D("0.6"), D("0.1"))),
        SettlementLine(cny(1500), cny(0), SplitRates(D(1))),
    ]
    assert lines[0].base == cny(10000)
