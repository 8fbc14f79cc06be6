"""A package's price allocated over its visits, for every package (INVARIANTS I9;
docs/packages.md): the values sum exactly to the price, none is negative, each is within one
minor unit of its exact share of the list prices; and whatever visits a holding used, what
they were worth plus what is refundable is the price."""

from __future__ import annotations

from fractions import Fraction

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from booking_core.catalog import HoldingId, Package, PackageHolding, PackageId, PackagePart
from booking_core.errors import PackageNotRedeemable
from booking_core.ids import CustomerId, OrderId, ServiceId
from booking_core.money import Money

T0 = pendulum.datetime(2026, 3, 2, 10, tz="Asia/Shanghai")
CUS = CustomerId("cus_1")


@st.composite
def packages(draw: st.DrawFn) -> Package:
    shapes = draw(
        st.lists(
            st.tuples(st.integers(1, 12), st.integers(0, 100_000)), min_size=1, max_size=6
        ).filter(lambda ps: any(price for _, price in ps))
    )
    parts = [
        PackagePart(ServiceId(f"svc_{n}"), visits, Money(price, "CNY"))
        for n, (visits, price) in enumerate(shapes)
    ]
    list_total = sum(v * p for v, p in shapes)
    price = draw(st.integers(1, list_total))
    return Package(PackageId("pkg"), "P", parts, Money(price, "CNY"))


@given(package=packages())
def test_the_visits_sum_exactly_to_the_price_and_each_is_within_one_unit(
    package: Package,
) -> None:
    values = package.visit_values()
    total = package.list_total.amount

    assert sum(v.amount for part in values for v in part) == package.price.amount
    for part, part_values in zip(package.parts, values, strict=True):
        assert len(part_values) == part.visits
        exact = Fraction(package.price.amount * part.unit_price.amount, total)
        for value in part_values:
            assert value.amount >= 0
            assert abs(value.amount - exact) < 1
        # Within a part the leftover units go to the earlier visits.
        amounts = [v.amount for v in part_values]
        assert amounts == sorted(amounts, reverse=True)
        assert amounts[0] - amounts[-1] <= 1


@given(package=packages(), picks=st.lists(st.integers(0, 5), max_size=30))
def test_what_was_used_plus_what_is_refundable_is_the_price(
    package: Package, picks: list[int]
) -> None:
    holding = PackageHolding.buy(package, holding_id=HoldingId("h"), customer_id=CUS,
                                 payment_reference="wx", paid=package.price, at=T0)  # fmt: skip
    used = Money.zero("CNY")
    for n, pick in enumerate(picks):
        service = package.parts[pick % len(package.parts)].service_id
        try:
            holding, use = holding.redeem(service, OrderId(f"o{n}"), T0, customer_id=CUS)
        except PackageNotRedeemable:
            assert holding.remaining(service) == 0
            continue
        used += use.value
        if n % 4 == 3:  # every fourth order is cancelled: its visit comes back
            holding = holding.release(OrderId(f"o{n}"))
            used -= use.value

    assert used + holding.refund_value() == package.price
    assert not holding.refund_value().is_negative
