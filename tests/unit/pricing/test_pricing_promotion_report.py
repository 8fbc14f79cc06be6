"""explain_promotions: why each 满减 offer, campaign and the travel fee waiver applied or not."""

from __future__ import annotations

from collections.abc import Sequence

from booking_core.ids import CategoryId
from booking_core.pricing import (
    CampaignEvaluation,
    PromotionReason,
    ThresholdEvaluation,
    TierDiscount,
    TravelFeeWaiver,
    explain_promotions,
    quote,
)
from booking_core.promotions import CampaignOffer, Scope, ThresholdOffer, ThresholdTier
from tests.unit.pricing.pricing_builders import (
    AT,
    TOMORROW,
    YESTERDAY,
    campaign,
    cart,
    cny,
    customer,
    line,
    pct,
    rules,
    threshold,
)

BEAUTY = Scope.of(categories=[CategoryId("beauty")])


def reasons(
    report_items: Sequence[ThresholdEvaluation | CampaignEvaluation],
) -> list[PromotionReason | None]:
    return [None if e.rejection is None else e.rejection.reason for e in report_items]


def test_each_offer_says_whether_it_applied_and_why_not() -> None:
    offers = (
        threshold((30000, 3000), offer_id="best"),
        threshold((20000, 1000), offer_id="smaller"),
        threshold((90000, 9000), offer_id="far"),
        threshold((100, 10), offer_id="beauty", scope=BEAUTY),
        threshold((100, 10), offer_id="later", starts_at=TOMORROW, ends_at=TOMORROW),
        threshold((100, 10), offer_id="over", starts_at=YESTERDAY, ends_at=YESTERDAY),
    )
    report = explain_promotions(
        cart(line(price=30000)), customer(), rules(threshold_offers=offers), at=AT
    )

    assert [e.offer_id for e in report.offers] == [o.id for o in offers]
    assert reasons(report.offers) == [
        None,
        PromotionReason.ANOTHER_OFFER_BETTER,
        PromotionReason.MIN_SPEND_NOT_MET,
        PromotionReason.NO_ELIGIBLE_LINES,
        PromotionReason.NOT_STARTED,
        PromotionReason.ENDED,
    ]
    best, _, far, *_ = report.offers
    assert (best.discount, best.subtotal, best.tier and best.tier.amount_off) == (
        cny(3000),
        cny(30000),
        cny(3000),
    )
    assert far.rejection is not None
    assert far.rejection.shortfall == cny(60000)
    assert far.rejection.message == "Spend 600.00 CNY more for 满减 far."


def test_a_unit_offer_reports_the_missing_units() -> None:
    offer = ThresholdOffer.of(
        "mj-3",
        "满3件减20",
        [ThresholdTier.units(3, cny(2000))],
        starts_at=YESTERDAY,
        ends_at=TOMORROW,
    )
    report = explain_promotions(
        cart(line(quantity=2)), customer(), rules(threshold_offers=(offer,)), at=AT
    )
    (evaluation,) = report.offers
    assert evaluation.rejection is not None
    assert evaluation.rejection.reason is PromotionReason.NOT_ENOUGH_ITEMS
    assert evaluation.rejection.missing_units == 1
    assert evaluation.units == 2


def test_campaign_explanations_cover_budget_tier_rival_and_nothing_to_discount() -> None:
    rich = campaign(CampaignOffer.percent_off(pct("0.3")), campaign_id="rich")
    poor = campaign(CampaignOffer.percent_off(pct("0.5")), campaign_id="poor", budget=100)
    weak = campaign(CampaignOffer.percent_off(pct("0.1")), campaign_id="weak")
    pricey = campaign(CampaignOffer.special_price(cny(90000)), campaign_id="pricey")
    beauty = campaign(CampaignOffer.percent_off(pct("0.1")), campaign_id="beauty", scope=BEAUTY)
    report = explain_promotions(
        cart(line(price=20000)),
        customer(),
        rules(campaigns=(rich, poor, weak, pricey, beauty)),
        at=AT,
    )
    assert reasons(report.campaigns) == [
        None,
        PromotionReason.BUDGET_EXHAUSTED,
        PromotionReason.ANOTHER_CAMPAIGN_BETTER,
        PromotionReason.NOTHING_TO_DISCOUNT,
        PromotionReason.NO_ELIGIBLE_LINES,
    ]
    assert report.campaigns[0].lines == (0,)
    assert report.campaigns[0].discount == cny(6000)
    assert report.campaigns[1].budget_short_lines == (0,)


def test_a_campaign_losing_to_the_member_price_says_so() -> None:
    weak = campaign(CampaignOffer.percent_off(pct("0.05")), campaign_id="weak")
    gold = rules(tier_discounts=(TierDiscount("gold", pct("0.05")),), campaigns=(weak,))
    report = explain_promotions(cart(line(price=20000)), customer("gold"), gold, at=AT)
    assert reasons(report.campaigns) == [PromotionReason.TIER_PRICE_BETTER]


def test_the_waiver_reports_what_it_waived_or_the_shortfall() -> None:
    waiver = rules(travel_fee_waiver=TravelFeeWaiver(cny(20000)))
    met = explain_promotions(cart(line(price=20000), travel_fee=1500), customer(), waiver, at=AT)
    short = explain_promotions(cart(line(price=15000), travel_fee=1500), customer(), waiver, at=AT)
    none = explain_promotions(cart(line(price=30000)), customer(), waiver, at=AT)

    assert met.travel_fee_waiver is not None
    assert met.travel_fee_waiver.waived == cny(1500)
    assert met.travel_fee_waiver.applies
    assert short.travel_fee_waiver is not None
    assert short.travel_fee_waiver.rejection is not None
    assert short.travel_fee_waiver.rejection.shortfall == cny(5000)
    assert none.travel_fee_waiver is not None
    assert none.travel_fee_waiver.rejection is not None
    assert none.travel_fee_waiver.rejection.reason is PromotionReason.NO_TRAVEL_FEE
    assert explain_promotions(cart(line()), customer(), rules(), at=AT).travel_fee_waiver is None


def test_the_report_agrees_with_the_quote() -> None:
    offers = (threshold((20000, 2000), offer_id="a"), threshold((10000, 1500), offer_id="b"))
    given = rules(threshold_offers=offers, travel_fee_waiver=TravelFeeWaiver(cny(0)))
    basket = cart(line(price=20000), travel_fee=800)
    report = explain_promotions(basket, customer(), given, at=AT)
    q = quote(basket, customer(), given, at=AT)
    applied = tuple(e.offer_id for e in report.offers if e.applies)
    assert applied == q.threshold_offer_ids
    assert sum(e.discount.amount for e in report.offers) == q.threshold_discount.amount
    assert report.travel_fee_waiver is not None
    assert q.travel is not None
    assert report.travel_fee_waiver.waived == q.travel.waived
