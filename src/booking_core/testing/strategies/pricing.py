"""Strategies for pricing: carts, customer profiles, points policies and the pricing rules
in force (tier discounts, campaigns, 满减 offers, points)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hypothesis import strategies as st
from pendulum import DateTime

from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.pricing import (
    AddOn,
    Cart,
    CartLine,
    CustomerProfile,
    PointsPolicy,
    PricingRules,
    TierDiscount,
)
from booking_core.promotions import Funding
from booking_core.testing.strategies._shared import (
    DEFAULT_AROUND,
    DEFAULT_CATEGORY_IDS,
    DEFAULT_CUSTOMER_ID,
    DEFAULT_SERVICE_IDS,
    DEFAULT_TIERS,
    moneys_of,
    rates,
)
from booking_core.testing.strategies.promotions import campaigns, scopes, threshold_offers

__all__ = ["cart_lines", "carts", "customer_profiles", "points_policies", "pricing_rules"]


def cart_lines(
    *,
    currency: str = "CNY",
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
) -> st.SearchStrategy[CartLine]:
    """Lines of one of ``service_ids`` (in one of ``category_ids``) at 0 to 600.00 a unit,
    1 to 4 units, with up to two add-ons of 0 to 50.00."""
    add_ons = st.builds(AddOn, st.just("extra"), moneys_of(currency, 0, 5000))
    return st.builds(
        CartLine,
        st.sampled_from(service_ids),
        st.sampled_from(category_ids),
        moneys_of(currency, 0, 60_000),
        st.integers(min_value=1, max_value=4),
        st.lists(add_ons, max_size=2).map(tuple),
    )


def carts(
    *,
    currency: str = "CNY",
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
    max_lines: int = 4,
) -> st.SearchStrategy[Cart]:
    """Carts of 1 to ``max_lines`` lines (see :func:`cart_lines`), with a travel fee of 0
    to 50.00 or none."""
    return st.builds(
        lambda lines, fee: Cart(tuple(lines), travel_fee=fee),
        st.lists(
            cart_lines(currency=currency, service_ids=service_ids, category_ids=category_ids),
            min_size=1,
            max_size=max_lines,
        ),
        st.none() | moneys_of(currency, 0, 5000),
    )


def customer_profiles(
    *, customer_id: CustomerId = DEFAULT_CUSTOMER_ID, tiers: Sequence[str] = DEFAULT_TIERS
) -> st.SearchStrategy[CustomerProfile]:
    """``customer_id`` as pricing sees him: a tier among ``tiers`` or none, new or not,
    0 to 20,000 points."""
    return st.builds(
        CustomerProfile,
        st.just(customer_id),
        tier=st.none() | st.sampled_from(tiers) if tiers else st.none(),
        is_new=st.booleans(),
        points_balance=st.integers(0, 20_000),
    )


def points_policies(*, currency: str = "CNY") -> st.SearchStrategy[PointsPolicy]:
    """A point worth 0.01 to 1.00, maybe capped per order, by share and by a minimum
    payable, earning none, 1 % or 5 %."""
    return st.builds(
        PointsPolicy,
        moneys_of(currency, 1, 100),
        max_per_order=st.none() | moneys_of(currency, 0, 60_000),
        max_share=st.none() | rates(),
        minimum_payable=st.none() | moneys_of(currency, 0, 1000),
        earn_rate=st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("0.05")]),
    )


@st.composite
def pricing_rules(
    draw: st.DrawFn,
    *,
    currency: str = "CNY",
    around: DateTime = DEFAULT_AROUND,
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
    tiers: Sequence[str] = DEFAULT_TIERS,
) -> PricingRules:
    """Rules in ``currency``: a discount for some of ``tiers``, up to two campaigns and two
    满减 offers with windows around ``around``, and maybe a points policy."""
    discounted = draw(st.lists(st.sampled_from(tiers), unique=True, max_size=2)) if tiers else []
    return PricingRules(
        currency,
        tier_discounts=tuple(
            TierDiscount(
                t,
                draw(rates()),
                scope=draw(scopes(service_ids=service_ids, category_ids=category_ids)),
                funded_by=draw(st.sampled_from(Funding)),
            )
            for t in discounted
        ),
        campaigns=tuple(
            draw(
                campaigns(
                    campaign_id=f"camp-{i}",
                    around=around,
                    currency=currency,
                    service_ids=service_ids,
                    category_ids=category_ids,
                )
            )
            for i in range(draw(st.integers(0, 2)))
        ),
        threshold_offers=tuple(
            draw(
                threshold_offers(
                    offer_id=f"mj-{i}",
                    around=around,
                    currency=currency,
                    service_ids=service_ids,
                    category_ids=category_ids,
                )
            )
            for i in range(draw(st.integers(0, 2)))
        ),
        points=draw(st.none() | points_policies(currency=currency)),
    )
