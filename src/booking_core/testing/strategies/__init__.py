"""Hypothesis strategies for every domain type a user builds (plural nouns, keyword-only).

One module per area — :mod:`~booking_core.testing.strategies.values` (money, instants,
ranges, hours), ``catalog``, ``scheduling``, ``promotions``, ``pricing``, ``ledger`` and
``orders`` — all re-exported here::

    from booking_core.testing.strategies import carts, orders, technicians

Every strategy draws valid values only (each passes its class's validation), and the
value types are registered for ``st.from_type`` through the ``hypothesis`` entry point
(``booking_core.testing._hypothesis_plugin``), so ``@given(st.from_type(Service))`` works
without importing this package. docs/testing.md shows them in a property test.
"""

from booking_core.testing.strategies.catalog import categories, services
from booking_core.testing.strategies.ledger import rate_rules, rate_tables, split_rates
from booking_core.testing.strategies.orders import fee_schedules, order_policies, orders
from booking_core.testing.strategies.pricing import (
    cart_lines,
    carts,
    customer_profiles,
    points_policies,
    pricing_rules,
)
from booking_core.testing.strategies.promotions import (
    campaign_offers,
    campaigns,
    coupon_benefits,
    coupon_templates,
    coupon_terms,
    coupons,
    eligibilities,
    scopes,
    threshold_offers,
    validities,
)
from booking_core.testing.strategies.scheduling import (
    service_areas,
    technician_profiles,
    technicians,
    work_schedules,
)
from booking_core.testing.strategies.values import (
    aware_datetimes,
    currencies,
    moneys,
    time_ranges,
    weekly_hours,
    zones,
)

__all__ = [
    "aware_datetimes",
    "campaign_offers",
    "campaigns",
    "cart_lines",
    "carts",
    "categories",
    "coupon_benefits",
    "coupon_templates",
    "coupon_terms",
    "coupons",
    "currencies",
    "customer_profiles",
    "eligibilities",
    "fee_schedules",
    "moneys",
    "order_policies",
    "orders",
    "points_policies",
    "pricing_rules",
    "rate_rules",
    "rate_tables",
    "scopes",
    "service_areas",
    "services",
    "split_rates",
    "technician_profiles",
    "technicians",
    "threshold_offers",
    "time_ranges",
    "validities",
    "weekly_hours",
    "work_schedules",
    "zones",
]
