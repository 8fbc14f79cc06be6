"""Strategies for promotions: scopes, campaigns, 满减 offers, coupon terms, coupons and
coupon templates.

Windows are drawn around an instant (``around``): open at it, starting or ending exactly
at it, in the future or in the past, so that pricing at ``around`` meets every case.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st
from pendulum import DateTime

from booking_core.ids import CategoryId, CustomerId, ServiceId
from booking_core.money import Money
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    Coupon,
    CouponBenefit,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    Eligibility,
    Funding,
    IssueChannel,
    Scope,
    ThresholdOffer,
    Validity,
)
from booking_core.testing.strategies._shared import (
    DEFAULT_AROUND,
    DEFAULT_CATEGORY_IDS,
    DEFAULT_CUSTOMER_ID,
    DEFAULT_SERVICE_IDS,
    DEFAULT_TIERS,
    moneys_of,
    rates,
    subsets,
    windows,
)

__all__ = [
    "campaign_offers",
    "campaigns",
    "coupon_benefits",
    "coupon_templates",
    "coupon_terms",
    "coupons",
    "eligibilities",
    "scopes",
    "threshold_offers",
    "validities",
]


def scopes(
    *,
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
) -> st.SearchStrategy[Scope]:
    """Scopes naming up to two services and one category, maybe excluding one service
    (an empty scope covers everything)."""
    return st.builds(
        Scope.of,
        services=subsets(service_ids, max_size=2),
        categories=subsets(category_ids, max_size=1),
        excluded_services=subsets(service_ids, max_size=1),
    )


def campaign_offers(*, currency: str = "CNY") -> st.SearchStrategy[CampaignOffer]:
    """A fraction off, or a special unit price of 0 to 600.00."""
    return st.one_of(
        rates().map(CampaignOffer.percent_off),
        moneys_of(currency, 0, 60_000).map(CampaignOffer.special_price),
    )


@st.composite
def campaigns(
    draw: st.DrawFn,
    *,
    campaign_id: str | None = None,
    around: DateTime = DEFAULT_AROUND,
    currency: str = "CNY",
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
) -> Campaign:
    """Campaigns with an offer, a window around ``around``, a scope, an unlimited budget or
    one partly spent, and who funds them (id ``campaign_id``, or one of camp-1 … camp-3)."""
    found = campaign_id or draw(st.sampled_from(("camp-1", "camp-2", "camp-3")))
    start, end = draw(windows(around))
    budget = draw(st.none() | st.integers(1, 20_000))
    return Campaign(
        CampaignId(found),
        f"campaign {found}",
        draw(campaign_offers(currency=currency)),
        start,
        end,
        scope=draw(scopes(service_ids=service_ids, category_ids=category_ids)),
        budget=None if budget is None else Money(budget, currency),
        spent=None if budget is None else Money(draw(st.integers(0, budget)), currency),
        funded_by=draw(st.sampled_from(Funding)),
    )


@st.composite
def threshold_offers(
    draw: st.DrawFn,
    *,
    offer_id: str | None = None,
    around: DateTime = DEFAULT_AROUND,
    currency: str = "CNY",
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
) -> ThresholdOffer:
    """满减 offers of one to three tiers (minimum spends 0 to 1,000.00 strictly rising,
    amounts off rising too), a window around ``around``, a scope and who funds them (id
    ``offer_id``, or one of mj-1 … mj-3)."""
    found = offer_id or draw(st.sampled_from(("mj-1", "mj-2", "mj-3")))
    minimums = sorted(draw(st.sets(st.integers(0, 100_000), min_size=1, max_size=3)))
    offs = sorted(
        draw(st.lists(st.integers(1, 20_000), min_size=len(minimums), max_size=len(minimums)))
    )
    start, end = draw(windows(around))
    return ThresholdOffer.of(
        found,
        "满减",
        [(Money(m, currency), Money(o, currency)) for m, o in zip(minimums, offs, strict=True)],
        starts_at=start,
        ends_at=end,
        scope=draw(scopes(service_ids=service_ids, category_ids=category_ids)),
        funded_by=draw(st.sampled_from(Funding)),
        excludes_campaign_lines=draw(st.booleans()),
    )


def coupon_benefits(
    *,
    currency: str = "CNY",
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
) -> st.SearchStrategy[CouponBenefit]:
    """Every kind of benefit: an amount off, 满减 (on spend, units or both), a fraction off
    (maybe capped, maybe from N units), every n-th unit or the cheapest once free, buy X
    get Y (of the same units or of a scope over ``service_ids`` and ``category_ids``), an
    amount off each unit, a special unit price; the per-unit kinds maybe limited to a few
    units."""
    money = moneys_of(currency, 1, 30_000)
    max_units = st.none() | st.integers(1, 4)
    min_units = st.none() | st.integers(1, 5)
    return st.one_of(
        money.map(CouponBenefit.amount_off),
        st.builds(
            lambda m, a: CouponBenefit.threshold(
                min_spend=Money(m, currency), amount=Money(a, currency)
            ),
            st.integers(1, 80_000),
            st.integers(1, 30_000),
        ),
        st.builds(
            lambda m, n, a: CouponBenefit.threshold(
                min_spend=None if m is None else Money(m, currency),
                min_units=n,
                amount=Money(a, currency),
            ),
            st.none() | st.integers(1, 80_000),
            st.integers(1, 5),
            st.integers(1, 30_000),
        ),
        st.builds(
            lambda r, mx, n: CouponBenefit.percent_off(r, max_discount=mx, min_units=n),
            rates(),
            st.none() | money,
            min_units,
        ),
        st.integers(2, 4).map(CouponBenefit.nth_free),
        st.builds(
            lambda nth, mx: CouponBenefit.nth_free(nth, max_units=mx),
            st.integers(2, 4),
            max_units,
        ),
        st.integers(2, 4).map(lambda nth: CouponBenefit.nth_free(nth, once_per_order=True)),
        st.builds(
            lambda buy, free, scope, mx: CouponBenefit.buy_x_get_y(
                buy, free, free_scope=scope, max_units=mx
            ),
            st.integers(1, 3),
            st.integers(1, 2),
            st.none() | scopes(service_ids=service_ids, category_ids=category_ids),
            max_units,
        ),
        st.builds(
            lambda a, mx, n: CouponBenefit.amount_off_each(a, max_units=mx, min_units=n),
            moneys_of(currency, 1, 15_000),
            max_units,
            min_units,
        ),
        st.builds(
            lambda p, mx: CouponBenefit.special_price(p, max_units=mx),
            moneys_of(currency, 0, 30_000),
            max_units,
        ),
    )


def eligibilities(*, tiers: Sequence[str] = DEFAULT_TIERS) -> st.SearchStrategy[Eligibility]:
    """Anyone, new customers only, or the members of some of ``tiers``."""
    everyone = st.sampled_from([Eligibility.anyone(), Eligibility.new_customers()])
    if not tiers:
        return everyone
    members = st.lists(st.sampled_from(tiers), min_size=1, max_size=len(tiers), unique=True)
    return everyone | members.map(Eligibility.members_of)


def coupon_terms(
    *,
    currency: str = "CNY",
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
    tiers: Sequence[str] = DEFAULT_TIERS,
) -> st.SearchStrategy[CouponTerms]:
    """A benefit, a scope, who may use it, who funds it, and whether campaign lines are
    left out."""
    return st.builds(
        CouponTerms,
        coupon_benefits(currency=currency, service_ids=service_ids, category_ids=category_ids),
        scope=scopes(service_ids=service_ids, category_ids=category_ids),
        eligibility=eligibilities(tiers=tiers),
        funded_by=st.sampled_from(Funding),
        excludes_campaign_lines=st.booleans(),
    )


@st.composite
def coupons(
    draw: st.DrawFn,
    *,
    coupon_id: str = "k",
    template_id: str = "t",
    customer_id: CustomerId = DEFAULT_CUSTOMER_ID,
    around: DateTime = DEFAULT_AROUND,
    currency: str = "CNY",
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
    tiers: Sequence[str] = DEFAULT_TIERS,
) -> Coupon:
    """Available coupons held by ``customer_id``, issued at the start of a validity window
    around ``around`` (so some have expired and some are not valid yet)."""
    start, end = draw(windows(around))
    return Coupon(
        id=CouponId(coupon_id),
        template_id=CouponTemplateId(template_id),
        customer_id=customer_id,
        terms=draw(
            coupon_terms(
                currency=currency, service_ids=service_ids, category_ids=category_ids, tiers=tiers
            )
        ),
        valid_from=start,
        valid_until=end,
        issued_at=start,
    )


def validities(*, around: DateTime = DEFAULT_AROUND) -> st.SearchStrategy[Validity]:
    """Fixed windows around ``around``, or 1 to 30 days after issue."""
    return st.one_of(
        windows(around).map(lambda w: Validity.between(*w)),
        st.integers(1, 30).map(Validity.days_after_issue),
    )


@st.composite
def coupon_templates(
    draw: st.DrawFn,
    *,
    template_id: str | None = None,
    around: DateTime = DEFAULT_AROUND,
    currency: str = "CNY",
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
    tiers: Sequence[str] = DEFAULT_TIERS,
) -> CouponTemplate:
    """Templates with terms, a validity, a stock and a per-customer limit (each maybe
    unlimited), one or more issue channels, maybe an issue window around ``around``, active
    or not (id ``template_id``, or one of tpl-1 … tpl-3)."""
    found = template_id or draw(st.sampled_from(("tpl-1", "tpl-2", "tpl-3")))
    window = draw(st.none() | windows(around))
    return CouponTemplate(
        CouponTemplateId(found),
        f"coupon {found}",
        draw(
            coupon_terms(
                currency=currency, service_ids=service_ids, category_ids=category_ids, tiers=tiers
            )
        ),
        draw(validities(around=around)),
        stock=draw(st.none() | st.integers(1, 1000)),
        per_customer_limit=draw(st.none() | st.integers(1, 5)),
        channels=draw(st.frozensets(st.sampled_from(IssueChannel), min_size=1)),
        issuable_from=None if window is None else window[0],
        issuable_until=None if window is None else window[1],
        active=draw(st.booleans()),
    )
