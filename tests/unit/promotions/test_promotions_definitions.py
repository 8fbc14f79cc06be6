"""Scopes, benefits, validity rules, campaigns and threshold offers."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from booking_core.errors import CampaignBudgetExceeded, InvalidPromotion, InvalidTimeRange
from booking_core.ids import CategoryId, ServiceId
from booking_core.money import Money
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    CouponBenefit,
    CouponKind,
    Eligibility,
    OfferKind,
    Scope,
    ThresholdOffer,
    ThresholdTier,
    Validity,
)

AT = pendulum.datetime(2026, 3, 1, 10, tz="Asia/Shanghai")
TUINA, FOOT = ServiceId("tuina"), ServiceId("foot")
MASSAGE, BEAUTY = CategoryId("massage"), CategoryId("beauty")


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


# --- Scope ---------------------------------------------------------------------------------


def test_an_empty_scope_covers_everything() -> None:
    assert Scope.everything().covers(TUINA, MASSAGE, None)


def test_a_scope_covers_its_services_or_its_categories() -> None:
    scope = Scope.of(services=[TUINA], categories=[BEAUTY])

    assert scope.covers(TUINA, MASSAGE, None)
    assert scope.covers(ServiceId("facial"), BEAUTY, None)
    assert not scope.covers(FOOT, MASSAGE, None)


def test_a_store_scope_needs_the_cart_store() -> None:
    scope = Scope.of(stores=["s-1"])

    assert scope.covers(TUINA, MASSAGE, "s-1")
    assert not scope.covers(TUINA, MASSAGE, "s-2")
    assert not scope.covers(TUINA, MASSAGE, None)


def test_exclusions_always_win() -> None:
    scope = Scope.of(categories=[MASSAGE], excluded_services=[FOOT], excluded_categories=[BEAUTY])

    assert scope.covers(TUINA, MASSAGE, None)
    assert not scope.covers(FOOT, MASSAGE, None)
    assert not Scope.of(services=[TUINA], excluded_categories=[MASSAGE]).covers(
        TUINA, MASSAGE, None
    )


# --- Coupon benefits -----------------------------------------------------------------------


def test_the_named_constructors_build_each_kind() -> None:
    assert CouponBenefit.amount_off(cny(500)).kind is CouponKind.AMOUNT_OFF
    assert CouponBenefit.threshold(min_spend=cny(100), amount=cny(5)).kind is CouponKind.THRESHOLD
    assert CouponBenefit.percent_off(Decimal("0.1")).kind is CouponKind.PERCENT_OFF
    assert CouponBenefit.nth_free().nth == 2


@pytest.mark.parametrize(
    "build",
    [
        lambda: CouponBenefit.amount_off(cny(0)),
        lambda: CouponBenefit(CouponKind.AMOUNT_OFF),
        lambda: CouponBenefit(CouponKind.AMOUNT_OFF, amount=cny(5), min_spend=cny(10)),
        lambda: CouponBenefit.threshold(min_spend=cny(0), amount=cny(5)),
        lambda: CouponBenefit(CouponKind.THRESHOLD, amount=cny(5)),
        lambda: CouponBenefit.percent_off(Decimal(1)),
        lambda: CouponBenefit.percent_off(Decimal(0)),
        lambda: CouponBenefit.percent_off(0.1),  # type: ignore[arg-type]
        lambda: CouponBenefit.percent_off(Decimal("0.1"), max_discount=cny(0)),
        lambda: CouponBenefit(CouponKind.AMOUNT_OFF, amount=cny(5), max_discount=cny(1)),
        lambda: CouponBenefit(CouponKind.AMOUNT_OFF, amount=cny(5), rate=Decimal("0.1")),
        lambda: CouponBenefit.nth_free(1),
        lambda: CouponBenefit(CouponKind.AMOUNT_OFF, amount=cny(5), nth=2),
        lambda: CouponBenefit.percent_off(
            Decimal("0.1"), max_discount=cny(5), min_spend=Money(10, "USD")
        ),
        lambda: CouponBenefit.nth_free(2, min_spend=cny(-1)),
    ],
)
def test_a_benefit_refuses_contradictions(build: object) -> None:
    with pytest.raises(InvalidPromotion):
        build()  # type: ignore[operator]


def test_a_benefit_knows_its_currency_when_it_names_an_amount() -> None:
    assert CouponBenefit.amount_off(cny(5)).currency == "CNY"
    assert CouponBenefit.percent_off(Decimal("0.1")).currency is None


def test_a_member_only_eligibility_names_a_tier() -> None:
    with pytest.raises(InvalidPromotion):
        Eligibility.members_of([])


# --- Validity ------------------------------------------------------------------------------


def test_a_fixed_validity_is_the_same_window_whenever_issued() -> None:
    validity = Validity.between(AT, AT.add(days=30))

    assert validity.window(AT.add(days=3)) == (AT, AT.add(days=30))


def test_a_relative_validity_adds_calendar_days_in_the_issue_zone() -> None:
    before_dst = pendulum.datetime(2026, 3, 7, 10, tz="Europe/Paris")

    start, end = Validity.days_after_issue(30).window(before_dst)

    assert start == before_dst
    assert (end.hour, end.day, end.month) == (10, 6, 4)  # 10:00 local, across the DST change


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"days": 0},
        {"days": 7, "starts_at": AT, "ends_at": AT},
        {"starts_at": AT},
        {"starts_at": AT, "ends_at": AT.subtract(seconds=1)},
    ],
)
def test_a_validity_is_either_fixed_dates_or_days(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidPromotion):
        Validity(**kwargs)  # type: ignore[arg-type]


def test_a_fixed_validity_needs_aware_times() -> None:
    with pytest.raises(InvalidTimeRange):
        Validity.between(AT.naive(), AT.add(days=1))  # type: ignore[arg-type]


# --- Campaigns -----------------------------------------------------------------------------


def sale(**kwargs: object) -> Campaign:
    fields: dict[str, object] = {
        "id": CampaignId("c-1"),
        "name": "周末8折",
        "offer": CampaignOffer.percent_off(Decimal("0.2")),
        "starts_at": AT,
        "ends_at": AT.add(days=2),
    }
    fields.update(kwargs)
    return Campaign(**fields)  # type: ignore[arg-type]


def test_a_campaign_is_active_within_its_inclusive_window() -> None:
    campaign = sale()

    assert campaign.is_active(AT)
    assert campaign.is_active(AT.add(days=2))
    assert not campaign.is_active(AT.subtract(microseconds=1))
    assert not campaign.is_active(AT.add(days=2, microseconds=1))


def test_spending_a_campaign_budget_leaves_the_rest() -> None:
    campaign = sale(budget=cny(10000))

    after = campaign.spend(cny(2500)).spend(cny(500))

    assert after.remaining == cny(7000)
    assert after.spent == cny(3000)
    assert campaign.remaining == cny(10000)


def test_a_campaign_cannot_spend_more_than_its_budget_has_left() -> None:
    campaign = sale(budget=cny(1000), spent=cny(900))

    with pytest.raises(CampaignBudgetExceeded) as raised:
        campaign.spend(cny(101))

    assert raised.value.details["remaining"] == 100
    assert campaign.spend(cny(100)).remaining == cny(0)


def test_an_unlimited_campaign_still_counts_what_it_spent() -> None:
    campaign = sale()

    after = campaign.spend(cny(100))

    assert after.remaining is None
    assert after.spent == cny(100)


def test_a_cancelled_order_gives_campaign_budget_back_but_never_more_than_spent() -> None:
    campaign = sale(budget=cny(1000), spent=cny(300))

    assert campaign.give_back(cny(300)).remaining == cny(1000)
    with pytest.raises(InvalidPromotion):
        campaign.give_back(cny(301))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": " "},
        {"ends_at": AT.subtract(seconds=1)},
        {"budget": cny(0)},
        {"spent": cny(-1)},
        {"budget": cny(10), "spent": Money(1, "USD")},
    ],
)
def test_a_campaign_refuses_contradictions(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidPromotion):
        sale(**kwargs)


@pytest.mark.parametrize(
    "build",
    [
        lambda: CampaignOffer.special_price(cny(-1)),
        lambda: CampaignOffer(OfferKind.SPECIAL_PRICE, rate=Decimal("0.1"), unit_price=cny(1)),
        lambda: CampaignOffer(OfferKind.PERCENT_OFF),
        lambda: CampaignOffer(OfferKind.PERCENT_OFF, rate=Decimal("0.1"), unit_price=cny(1)),
    ],
)
def test_an_offer_has_either_a_rate_or_a_price(build: object) -> None:
    with pytest.raises(InvalidPromotion):
        build()  # type: ignore[operator]


# --- Threshold offers ----------------------------------------------------------------------


def offer(*tiers: tuple[int, int]) -> ThresholdOffer:
    return ThresholdOffer.of(
        "mj",
        "满减",
        [(cny(m), cny(a)) for m, a in tiers],
        starts_at=AT,
        ends_at=AT.add(days=1),
    )


def test_the_highest_tier_met_is_chosen_inclusive() -> None:
    mj = offer((20000, 2000), (30000, 4000))

    assert mj.tier_for(29999) == ThresholdTier(cny(20000), cny(2000))
    assert mj.tier_for(30000) == ThresholdTier(cny(30000), cny(4000))
    assert mj.tier_for(19999) is None


@pytest.mark.parametrize(
    "tiers",
    [(), ((200, 20), (200, 30)), ((300, 30), (200, 20)), ((200, 30), (300, 20)), ((100, 0),)],
)
def test_threshold_tiers_go_up(tiers: tuple[tuple[int, int], ...]) -> None:
    with pytest.raises(InvalidPromotion):
        offer(*tiers)


def test_threshold_tiers_share_one_currency() -> None:
    with pytest.raises(InvalidPromotion):
        ThresholdTier(cny(100), Money(10, "USD"))
