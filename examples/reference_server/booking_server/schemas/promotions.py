"""Coupon templates, coupons and campaigns (FEATURES C15–C17, P8).

Rates travel as decimal strings (``"0.2"`` is 20 % off), never floats. Definitions are
checked by the domain when converted, so a bad combination (a threshold coupon without a
minimum spend) is a 422 ``invalid_promotion`` problem.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import pendulum
from annotated_types import Interval
from pydantic import Field, StrictBool, StrictInt

from booking_core.errors import InvalidPromotion
from booking_core.ids import CategoryId, ServiceId, StoreId
from booking_core.promotions import (
    Campaign,
    CampaignId,
    CampaignOffer,
    Coupon,
    CouponBenefit,
    CouponKind,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    Eligibility,
    Funding,
    IssueChannel,
    OfferKind,
    Scope,
    Validity,
)
from booking_core.services.coupons import CouponCheck, TemplateStock, WalletCoupon
from booking_server.paging import NextCursor
from booking_server.schemas.common import (
    TAKE_WHOLE_FLOATS,
    EntityId,
    InModel,
    Instant,
    MoneyIn,
    MoneyOut,
    Name,
    OutModel,
    optional_money,
)

__all__ = [
    "BenefitIn",
    "CampaignIn",
    "CampaignList",
    "CampaignOut",
    "CouponCheckOut",
    "CouponList",
    "CouponOut",
    "CouponTemplateIn",
    "CouponTemplateList",
    "CouponTemplateOut",
    "IssueCouponIn",
    "OfferIn",
    "Rate",
    "ScopeIn",
    "ScopeOut",
    "TemplateActiveIn",
]


# Optional bounded integers: the bounds come before the validator, so that the OpenAPI
# document shows them (see TAKE_WHOLE_FLOATS).
_Nth = Annotated[StrictInt, Interval(ge=2, le=100), TAKE_WHOLE_FLOATS]


# Unit counts of the per-unit kinds: a cart line holds at most 999 units.
_Units = Annotated[StrictInt, Interval(ge=1, le=1000), TAKE_WHOLE_FLOATS]


_ValidDays = Annotated[StrictInt, Interval(ge=1, le=3660), TAKE_WHOLE_FLOATS]


_Stock = Annotated[StrictInt, Interval(ge=1, le=10**9), TAKE_WHOLE_FLOATS]


_PerCustomerLimit = Annotated[StrictInt, Interval(ge=1, le=10**6), TAKE_WHOLE_FLOATS]


Rate = Annotated[
    str,
    Field(
        pattern=r"^0?\.[0-9]{1,6}$",
        description="A fraction written as a decimal string, e.g. '0.2' for 20 %.",
        examples=["0.2"],
    ),
]


class ScopeIn(InModel):
    """Which lines a promotion touches; empty ``services`` and ``categories`` mean all."""

    services: list[EntityId] = Field(default_factory=list, max_length=200)
    categories: list[EntityId] = Field(default_factory=list, max_length=200)
    stores: list[EntityId] = Field(default_factory=list, max_length=200)
    excluded_services: list[EntityId] = Field(default_factory=list, max_length=200)
    excluded_categories: list[EntityId] = Field(default_factory=list, max_length=200)

    def to_domain(self) -> Scope:
        """The domain Scope."""
        return Scope.of(
            services=[ServiceId(s) for s in self.services],
            categories=[CategoryId(c) for c in self.categories],
            stores=[StoreId(s) for s in self.stores],
            excluded_services=[ServiceId(s) for s in self.excluded_services],
            excluded_categories=[CategoryId(c) for c in self.excluded_categories],
        )


class ScopeOut(OutModel):
    """Which lines a promotion touches."""

    services: list[str]
    categories: list[str]
    stores: list[str]
    excluded_services: list[str]
    excluded_categories: list[str]

    @classmethod
    def from_domain(cls, scope: Scope) -> ScopeOut:
        """From the domain Scope (ids sorted)."""
        return cls(
            services=sorted(scope.services),
            categories=sorted(scope.categories),
            stores=sorted(scope.stores),
            excluded_services=sorted(scope.excluded_services),
            excluded_categories=sorted(scope.excluded_categories),
        )


class BenefitIn(InModel):
    """What a coupon gives: ``amount_off`` (无门槛), ``threshold`` (满减: ``amount`` with
    ``min_spend`` and/or ``min_units``), ``percent_off`` (``rate``, optional
    ``max_discount``), ``nth_free`` (``nth``, optional ``once_per_order``), ``buy_x_get_y``
    (``buy_units``, ``free_units``, optional ``free_scope``), ``amount_off_each`` (``amount``
    off each unit), ``special_price`` (``unit_price``) or ``free_travel`` (the travel fee
    waived; with ``amount``, at most that off it). ``max_units`` limits the units a
    per-unit kind touches; ``min_units`` asks for that many eligible units (not on
    ``amount_off``)."""

    kind: CouponKind
    amount: MoneyIn | None = None
    rate: Rate | None = None
    max_discount: MoneyIn | None = None
    min_spend: MoneyIn | None = None
    nth: _Nth | None = None
    min_units: _Units | None = None
    max_units: _Units | None = None
    once_per_order: StrictBool = False
    buy_units: _Units | None = None
    free_units: _Units | None = None
    free_scope: ScopeIn | None = None
    unit_price: MoneyIn | None = None

    def to_domain(self) -> CouponBenefit:
        """The domain benefit (its rules checked there)."""
        return CouponBenefit(
            kind=self.kind,
            amount=None if self.amount is None else self.amount.to_domain(),
            rate=None if self.rate is None else Decimal(self.rate),
            max_discount=None if self.max_discount is None else self.max_discount.to_domain(),
            min_spend=None if self.min_spend is None else self.min_spend.to_domain(),
            nth=self.nth,
            min_units=self.min_units,
            max_units=self.max_units,
            once_per_order=self.once_per_order,
            buy_units=self.buy_units,
            free_units=self.free_units,
            free_scope=None if self.free_scope is None else self.free_scope.to_domain(),
            unit_price=None if self.unit_price is None else self.unit_price.to_domain(),
        )


class CouponTemplateIn(InModel):
    """A coupon template (platform). Validity: ``valid_days`` after issue, or the fixed
    ``valid_from``–``valid_until`` (inclusive)."""

    id: EntityId = Field(examples=["tpl_spring150"])
    name: Name = Field(examples=["满150减20"])
    benefit: BenefitIn
    scope: ScopeIn = Field(default_factory=ScopeIn)
    new_customers_only: StrictBool = False
    member_tiers: list[Name] = Field(default_factory=list, max_length=20)
    funded_by: Funding = Funding.PLATFORM
    excludes_campaign_lines: StrictBool = False
    covers_travel_fee: StrictBool = Field(
        default=False,
        description="amount_off, threshold, percent_off: the discount may take off the "
        "travel fee too (shared like one more line, never counted toward a minimum).",
    )
    valid_days: _ValidDays | None = None
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    stock: _Stock | None = None
    per_customer_limit: _PerCustomerLimit | None = 1
    channels: list[IssueChannel] = Field(default_factory=lambda: [IssueChannel.CLAIM], min_length=1)

    def _validity(self) -> Validity:
        if self.valid_days is not None:
            return Validity.days_after_issue(self.valid_days)
        if self.valid_from is None or self.valid_until is None:
            raise InvalidPromotion(
                "Give valid_days, or both valid_from and valid_until.",
                details={"field": "valid_days"},
            )
        return Validity.between(
            pendulum.instance(self.valid_from), pendulum.instance(self.valid_until)
        )

    def to_domain(self) -> CouponTemplate:
        """The domain template (its rules checked there)."""
        eligibility = (
            Eligibility.members_of(self.member_tiers) if self.member_tiers else Eligibility()
        )
        if self.new_customers_only:
            eligibility = Eligibility(new_customers_only=True, tiers=eligibility.tiers)
        return CouponTemplate(
            id=CouponTemplateId(self.id),
            name=self.name,
            terms=CouponTerms(
                benefit=self.benefit.to_domain(),
                scope=self.scope.to_domain(),
                eligibility=eligibility,
                funded_by=self.funded_by,
                excludes_campaign_lines=self.excludes_campaign_lines,
                covers_travel_fee=self.covers_travel_fee,
            ),
            validity=self._validity(),
            stock=self.stock,
            per_customer_limit=self.per_customer_limit,
            channels=frozenset(self.channels),
        )


class CouponTemplateOut(OutModel):
    """A coupon template with how many it issued and has left (None: unlimited)."""

    id: str
    name: str
    kind: CouponKind
    amount: MoneyOut | None
    rate: str | None
    max_discount: MoneyOut | None
    min_spend: MoneyOut | None
    nth: int | None
    min_units: int | None
    max_units: int | None
    once_per_order: bool
    buy_units: int | None
    free_units: int | None
    free_scope: ScopeOut | None
    unit_price: MoneyOut | None
    scope: ScopeOut
    funded_by: Funding
    covers_travel_fee: bool
    stock: int | None
    per_customer_limit: int | None
    channels: list[IssueChannel]
    active: bool
    issued: int
    left: int | None

    @classmethod
    def from_domain(cls, stock: TemplateStock) -> CouponTemplateOut:
        """From a template and its issue count."""
        template = stock.template
        benefit = template.terms.benefit
        return cls(
            id=template.id,
            name=template.name,
            kind=benefit.kind,
            amount=optional_money(benefit.amount),
            rate=None if benefit.rate is None else str(benefit.rate),
            max_discount=optional_money(benefit.max_discount),
            min_spend=optional_money(benefit.min_spend),
            nth=benefit.nth,
            min_units=benefit.min_units,
            max_units=benefit.max_units,
            once_per_order=benefit.once_per_order,
            buy_units=benefit.buy_units,
            free_units=benefit.free_units,
            free_scope=None
            if benefit.free_scope is None
            else ScopeOut.from_domain(benefit.free_scope),
            unit_price=optional_money(benefit.unit_price),
            scope=ScopeOut.from_domain(template.terms.scope),
            funded_by=template.terms.funded_by,
            covers_travel_fee=template.terms.covers_travel_fee,
            stock=template.stock,
            per_customer_limit=template.per_customer_limit,
            channels=sorted(template.channels),
            active=template.active,
            issued=stock.issued,
            left=stock.left,
        )


class CouponTemplateList(OutModel):
    """Coupon templates, by id, one page."""

    items: list[CouponTemplateOut]
    next_cursor: NextCursor = None


class TemplateActiveIn(InModel):
    """Start (true) or stop (false) issuing a template."""

    # Strict: the document says boolean, so 0, 1 and "yes" are refused, not converted.
    active: StrictBool


class IssueCouponIn(InModel):
    """Issue a coupon to a customer (platform)."""

    customer_id: EntityId


class CouponOut(OutModel):
    """A coupon in a wallet; ``status`` is ``expired`` once past its end."""

    id: str
    template_id: str
    customer_id: str
    status: CouponStatus
    kind: CouponKind
    valid_from: str
    valid_until: str
    order_id: str | None

    @classmethod
    def from_domain(cls, coupon: Coupon, status: CouponStatus | None = None) -> CouponOut:
        """From the domain Coupon (and the status its holder sees)."""
        return cls(
            id=coupon.id,
            template_id=coupon.template_id,
            customer_id=coupon.customer_id,
            status=status or coupon.status,
            kind=coupon.terms.benefit.kind,
            valid_from=coupon.valid_from.isoformat(),
            valid_until=coupon.valid_until.isoformat(),
            order_id=coupon.order_id,
        )

    @classmethod
    def from_wallet(cls, entry: WalletCoupon) -> CouponOut:
        """From a wallet entry."""
        return cls.from_domain(entry.coupon, entry.status)


class CouponCheckOut(OutModel):
    """May the customer claim / use the coupon now: ``allowed``, or a stable ``reason`` code
    and a ``message`` (nothing is written)."""

    allowed: bool
    reason: str | None
    message: str | None

    @classmethod
    def from_domain(cls, check: CouponCheck) -> CouponCheckOut:
        """From the service's CouponCheck."""
        return cls(allowed=check.allowed, reason=check.reason, message=check.message)


class CouponList(OutModel):
    """Coupons, in issue order (then by id), one page."""

    items: list[CouponOut]
    next_cursor: NextCursor = None


class OfferIn(InModel):
    """``percent_off`` with ``rate``, or ``special_price`` with ``unit_price``."""

    kind: OfferKind
    rate: Rate | None = None
    unit_price: MoneyIn | None = None

    def to_domain(self) -> CampaignOffer:
        """The domain offer (checked there)."""
        return CampaignOffer(
            kind=self.kind,
            rate=None if self.rate is None else Decimal(self.rate),
            unit_price=None if self.unit_price is None else self.unit_price.to_domain(),
        )


class CampaignIn(InModel):
    """A time-limited campaign (platform); ``id`` is ignored when updating by path."""

    id: EntityId = Field(examples=["cmp_weekend"])
    name: Name = Field(examples=["周末8折"])
    offer: OfferIn
    starts_at: Instant
    ends_at: Instant
    scope: ScopeIn = Field(default_factory=ScopeIn)
    budget: MoneyIn | None = None
    funded_by: Funding = Funding.PLATFORM

    def to_domain(self, campaign_id: str | None = None) -> Campaign:
        """The domain campaign (nothing spent; storage keeps what was)."""
        return Campaign(
            id=CampaignId(campaign_id or self.id),
            name=self.name,
            offer=self.offer.to_domain(),
            starts_at=pendulum.instance(self.starts_at),
            ends_at=pendulum.instance(self.ends_at),
            scope=self.scope.to_domain(),
            budget=None if self.budget is None else self.budget.to_domain(),
            funded_by=self.funded_by,
        )


class CampaignOut(OutModel):
    """A campaign with what its budget spent and has left."""

    id: str
    name: str
    kind: OfferKind
    rate: str | None
    unit_price: MoneyOut | None
    starts_at: str
    ends_at: str
    scope: ScopeOut
    budget: MoneyOut | None
    spent: MoneyOut | None
    remaining: MoneyOut | None
    funded_by: Funding

    @classmethod
    def from_domain(cls, campaign: Campaign) -> CampaignOut:
        """From the domain Campaign."""
        offer = campaign.offer
        return cls(
            id=campaign.id,
            name=campaign.name,
            kind=offer.kind,
            rate=None if offer.rate is None else str(offer.rate),
            unit_price=optional_money(offer.unit_price),
            starts_at=campaign.starts_at.isoformat(),
            ends_at=campaign.ends_at.isoformat(),
            scope=ScopeOut.from_domain(campaign.scope),
            budget=optional_money(campaign.budget),
            spent=optional_money(campaign.spent),
            remaining=optional_money(campaign.remaining),
            funded_by=campaign.funded_by,
        )


class CampaignList(OutModel):
    """Campaigns, by start then id, one page."""

    items: list[CampaignOut]
    next_cursor: NextCursor = None
