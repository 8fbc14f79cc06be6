"""The ``hypothesis`` entry point: registers booking_core's strategies for ``st.from_type``.

Every value type a user builds (and the order aggregate) is registered, so
``@given(st.from_type(Service))`` draws valid services with no import of the strategies.

Hypothesis runs this hook while it is being imported, possibly because
``booking_core.testing.strategies`` is importing it; so the strategies are looked up
lazily (``st.deferred``) instead of imported here.
"""

from __future__ import annotations

import importlib
from typing import Any


def _lazy(name: str) -> Any:
    from hypothesis import strategies as st

    def build() -> Any:
        return getattr(importlib.import_module("booking_core.testing.strategies"), name)()

    return st.deferred(build)


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    for cls, name in _registered():
        st.register_type_strategy(cls, _lazy(name))


def _registered() -> list[tuple[type, str]]:
    """Each value type and the strategy ``st.from_type`` draws it with."""
    from booking_core.catalog import Category, Service
    from booking_core.ledger import RateRule, RateTable, SplitRates
    from booking_core.money import Money
    from booking_core.orders import Order
    from booking_core.orders.cancellation import FeeSchedule
    from booking_core.orders.policy import OrderPolicy
    from booking_core.pricing import Cart, CartLine, CustomerProfile, PointsPolicy, PricingRules
    from booking_core.promotions import (
        Campaign,
        CampaignOffer,
        Coupon,
        CouponBenefit,
        CouponTemplate,
        CouponTerms,
        Eligibility,
        Scope,
        ThresholdOffer,
        Validity,
    )
    from booking_core.scheduling import Technician
    from booking_core.scheduling.geo import ServiceArea
    from booking_core.scheduling.profile import TechnicianProfile
    from booking_core.scheduling.schedule import WorkSchedule
    from booking_core.scheduling.weekly_hours import WeeklyHours
    from booking_core.timerange import TimeRange

    return [
        (Money, "moneys"),
        (TimeRange, "time_ranges"),
        (WeeklyHours, "weekly_hours"),
        (Category, "categories"),
        (Service, "services"),
        (ServiceArea, "service_areas"),
        (TechnicianProfile, "technician_profiles"),
        (Technician, "technicians"),
        (WorkSchedule, "work_schedules"),
        (Scope, "scopes"),
        (CampaignOffer, "campaign_offers"),
        (Campaign, "campaigns"),
        (ThresholdOffer, "threshold_offers"),
        (CouponBenefit, "coupon_benefits"),
        (Eligibility, "eligibilities"),
        (CouponTerms, "coupon_terms"),
        (Coupon, "coupons"),
        (Validity, "validities"),
        (CouponTemplate, "coupon_templates"),
        (CartLine, "cart_lines"),
        (Cart, "carts"),
        (CustomerProfile, "customer_profiles"),
        (PointsPolicy, "points_policies"),
        (PricingRules, "pricing_rules"),
        (SplitRates, "split_rates"),
        (RateRule, "rate_rules"),
        (RateTable, "rate_tables"),
        (FeeSchedule, "fee_schedules"),
        (OrderPolicy, "order_policies"),
        (Order, "orders"),
    ]
