"""The strategies booking_core.testing ships: each draws valid values, ``orders`` reaches
every state it is asked for by a walk the policy allows, and ``st.from_type`` finds them
all through the ``hypothesis`` entry point."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from booking_core.catalog import Category, Service
from booking_core.ledger import RateRule, RateTable, SplitRates
from booking_core.money import Money
from booking_core.orders import Order, OrderState
from booking_core.orders.cancellation import FeeSchedule
from booking_core.orders.lifecycle import OrderLifecycle
from booking_core.orders.policy import OrderPolicy
from booking_core.orders.timing import TIME_GUARDS, not_before
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
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.geo import ServiceArea
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.serialization import make_converter
from booking_core.testing import strategies
from booking_core.testing._hypothesis_plugin import _registered
from booking_core.timerange import TimeRange

#: Each shipped strategy (called with no arguments) and the type it draws.
DRAWS: dict[str, type] = {
    "aware_datetimes": object,
    "campaign_offers": CampaignOffer,
    "campaigns": Campaign,
    "cart_lines": CartLine,
    "carts": Cart,
    "categories": Category,
    "coupon_benefits": CouponBenefit,
    "coupon_templates": CouponTemplate,
    "coupon_terms": CouponTerms,
    "coupons": Coupon,
    "currencies": str,
    "customer_profiles": CustomerProfile,
    "eligibilities": Eligibility,
    "fee_schedules": FeeSchedule,
    "moneys": Money,
    "order_policies": OrderPolicy,
    "orders": Order,
    "points_policies": PointsPolicy,
    "pricing_rules": PricingRules,
    "rate_rules": RateRule,
    "rate_tables": RateTable,
    "scopes": Scope,
    "service_areas": ServiceArea,
    "services": Service,
    "split_rates": SplitRates,
    "technician_profiles": TechnicianProfile,
    "technicians": Technician,
    "threshold_offers": ThresholdOffer,
    "time_ranges": TimeRange,
    "validities": Validity,
    "weekly_hours": WeeklyHours,
    "work_schedules": WorkSchedule,
    "zones": str,
}
TRANSITIONS = {
    (str(s.value), str(t.event), str(t.target.value))
    for s in OrderLifecycle.states
    for t in s.transitions
}
CONVERTER = make_converter()
CHECKED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_every_shipped_strategy_is_listed_here() -> None:
    assert sorted(DRAWS) == sorted(strategies.__all__)


@pytest.mark.parametrize("name", sorted(DRAWS))
@CHECKED
@given(data=st.data())
def test_each_strategy_draws_valid_values_of_its_type(name: str, data: st.DataObject) -> None:
    strategy: Callable[[], st.SearchStrategy[Any]] = getattr(strategies, name)

    value: Any = data.draw(strategy())

    assert DRAWS[name] in type(value).__mro__  # (isinstance would narrow Any to object)
    cls: Any = type(value)
    if attrs.has(cls) and attrs.fields(cls) and cls is not Order:
        # Building it again runs every validator (and __attrs_post_init__) once more, and
        # the converter takes it apart and back unchanged.
        assert attrs.evolve(value) == value
        assert CONVERTER.structure(CONVERTER.unstructure(value), cls) == value


@CHECKED
@given(strategies.technicians(), st.data())
def test_a_technician_offers_what_he_prices_and_his_schedule_fits_him(
    technician: Technician, data: st.DataObject
) -> None:
    schedule = data.draw(
        strategies.work_schedules(technician_id=technician.id, time_zone=technician.time_zone)
    )

    assert set(technician.profile.prices) <= technician.service_ids
    assert schedule.technician_id == technician.id
    assert len({o.day for o in schedule.overrides}) == len(schedule.overrides)


@CHECKED
@given(strategies.campaigns(), strategies.coupon_templates(), strategies.rate_tables())
def test_budgets_windows_and_rate_rules_are_consistent(
    campaign: Campaign, template: CouponTemplate, table: RateTable
) -> None:
    if campaign.budget is not None:
        assert campaign.spent is not None
        assert campaign.spent <= campaign.budget
    if template.issuable_from is not None:
        assert template.issuable_until is not None
        assert template.issuable_from <= template.issuable_until
    assert all(rule.specificity[0] >= 1 for rule in table.rules)


def assert_walked_by_the_rules(order: Order, policy: OrderPolicy) -> None:
    """The timeline is a path through the chart, in time order, that the policy allows."""
    state = OrderState.PENDING_PAYMENT.value
    when = order.placed_at
    started = None
    for n, record in enumerate(order.timeline, start=1):
        assert record.sequence == n
        assert (record.from_state, record.event, record.to_state) in TRANSITIONS
        assert record.from_state == state
        assert record.at >= when
        if record.event in TIME_GUARDS:
            allowed = not_before(record.event, slot=order.slot, started=started, policy=policy)
            assert allowed is not None
            assert record.at >= allowed, record.event
        if record.event == "pay":
            assert record.at <= order.placed_at.add(minutes=policy.unpaid_timeout_minutes)
        if record.event == "start_service":
            started = record.at
        if record.event == "no_show":
            arrived = order.entered_at(OrderState.ARRIVED)
            assert arrived is not None
            wait = max(order.slot.start, arrived).add(minutes=policy.no_show_wait_minutes)
            assert record.at >= wait
        state, when = record.to_state, record.at
    assert state == order.state


def assert_money_follows_the_rules(order: Order, policy: OrderPolicy) -> None:
    assert order.quote is not None
    assert order.price == order.quote.payable
    assert order.upfront == policy.upfront(order.payment_mode, order.price)
    assert order.refunded_amount <= order.paid_amount <= order.price
    events = [r.event for r in order.timeline]
    if "pay" in events:
        assert order.paid_amount >= order.upfront
    if "complete" in events:
        assert order.paid_amount == order.price
    if order.state == OrderState.CANCELLED:
        # Nothing was left to refund: what was paid is the fee kept.
        assert order.cancellation_fee is not None
        assert order.paid_amount == order.cancellation_fee
    if order.state == OrderState.REFUNDED:
        assert order.refunded_amount == order.paid_amount
    if order.state == OrderState.PARTIALLY_REFUNDED:
        assert Money.zero(order.price.currency) < order.refunded_amount < order.paid_amount
    if order.state == OrderState.REFUNDING:
        assert order.refunded_amount > Money.zero(order.price.currency)


@pytest.mark.parametrize("state", list(OrderState))
@CHECKED
@given(data=st.data())
def test_orders_reach_each_requested_state_by_a_walk_the_default_policy_allows(
    state: OrderState, data: st.DataObject
) -> None:
    order = data.draw(strategies.orders(states={state}))

    assert order.state == state
    assert order.pull_events() == []
    assert order.version == 0
    assert_walked_by_the_rules(order, OrderPolicy())
    assert_money_follows_the_rules(order, OrderPolicy())


@CHECKED
@given(strategies.order_policies(), st.data())
def test_orders_respect_the_policy_they_are_given(policy: OrderPolicy, data: st.DataObject) -> None:
    order = data.draw(strategies.orders(policy=policy))

    assert_walked_by_the_rules(order, policy)
    assert_money_follows_the_rules(order, policy)


@CHECKED
@given(strategies.orders(states={"completed", OrderState.REFUNDED}))
def test_orders_rest_only_in_the_states_asked_for_given_as_strings_or_members(
    order: Order,
) -> None:
    assert order.state in (OrderState.COMPLETED, OrderState.REFUNDED)


@pytest.mark.parametrize("states", [set(), {"paid"}, "completed"])
def test_orders_refuse_states_that_do_not_exist(states: Any) -> None:
    @given(strategies.orders(states=states))
    def draw(order: Order) -> None:
        raise AssertionError(f"drew {order.state} from {states!r}")

    with pytest.raises(InvalidArgument):
        draw()


def test_the_plugin_is_the_hypothesis_entry_point() -> None:
    (hook,) = [e for e in entry_points(group="hypothesis") if e.module.startswith("booking_core")]

    assert hook.value == "booking_core.testing._hypothesis_plugin:_hypothesis_setup_hook"


@pytest.mark.parametrize(("cls", "name"), _registered(), ids=lambda v: getattr(v, "__name__", v))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_from_type_draws_each_registered_type(cls: type, name: str, data: st.DataObject) -> None:
    value = data.draw(st.from_type(cls))

    assert isinstance(value, cls)
    assert name in strategies.__all__
    assert DRAWS[name] is cls
