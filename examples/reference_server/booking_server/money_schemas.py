"""The wire format of quotes, coupons, campaigns and the ledger (see :mod:`.schemas`).

Rates travel as decimal strings (``"0.2"`` is 20 % off), never floats; money as
``{"amount": <int minor units>, "currency": "CNY"}``; instants as ISO 8601 with an offset.
Definitions are checked by the domain when converted, so a bad combination (a threshold
coupon without a minimum spend) is a 422 ``invalid_promotion`` problem.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import pendulum
from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from booking_core.errors import InvalidPromotion
from booking_core.ids import CategoryId, ServiceId, StoreId
from booking_core.ledger import Account, Transaction
from booking_core.money import Money
from booking_core.pricing import CouponEvaluation, Quote, QuoteLine
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
from booking_core.services.coupons import TemplateStock, WalletCoupon
from booking_core.services.pricing import PricedCart
from booking_server.paging import NextCursor
from booking_server.schemas import (
    TAKE_WHOLE_FLOATS,
    EntityId,
    Instant,
    MoneyIn,
    MoneyOut,
    Name,
    WholeNumber,
)

__all__ = [
    "BalanceOut",
    "BalancesOut",
    "BenefitIn",
    "CampaignIn",
    "CampaignList",
    "CampaignOut",
    "CouponEvaluationOut",
    "CouponList",
    "CouponOut",
    "CouponTemplateIn",
    "CouponTemplateList",
    "CouponTemplateOut",
    "IssueCouponIn",
    "JournalOut",
    "OfferIn",
    "PostingOut",
    "QuoteIn",
    "QuoteLineIn",
    "QuoteLineOut",
    "QuoteOut",
    "ScopeIn",
    "ScopeOut",
    "TemplateActiveIn",
    "TransactionOut",
]

# Optional bounded integers: the bounds come before the validator, so that the OpenAPI
# document shows them (see TAKE_WHOLE_FLOATS).
_Nth = Annotated[StrictInt, Interval(ge=2, le=100), TAKE_WHOLE_FLOATS]
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


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


def _money(money: Money | None) -> MoneyOut | None:
    return None if money is None else MoneyOut.from_domain(money)


# --- scopes ------------------------------------------------------------------------------


class ScopeIn(_In):
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


class ScopeOut(_Out):
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


# --- coupon templates and coupons --------------------------------------------------------


class BenefitIn(_In):
    """What a coupon gives: ``amount_off`` (无门槛), ``threshold`` (满减: ``min_spend`` and
    ``amount``), ``percent_off`` (``rate``, optional ``max_discount``) or ``nth_free``."""

    kind: CouponKind
    amount: MoneyIn | None = None
    rate: Rate | None = None
    max_discount: MoneyIn | None = None
    min_spend: MoneyIn | None = None
    nth: _Nth | None = None

    def to_domain(self) -> CouponBenefit:
        """The domain benefit (its rules checked there)."""
        return CouponBenefit(
            kind=self.kind,
            amount=None if self.amount is None else self.amount.to_domain(),
            rate=None if self.rate is None else Decimal(self.rate),
            max_discount=None if self.max_discount is None else self.max_discount.to_domain(),
            min_spend=None if self.min_spend is None else self.min_spend.to_domain(),
            nth=self.nth,
        )


class CouponTemplateIn(_In):
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
            ),
            validity=self._validity(),
            stock=self.stock,
            per_customer_limit=self.per_customer_limit,
            channels=frozenset(self.channels),
        )


class CouponTemplateOut(_Out):
    """A coupon template with how many it issued and has left (None: unlimited)."""

    id: str
    name: str
    kind: CouponKind
    amount: MoneyOut | None
    rate: str | None
    max_discount: MoneyOut | None
    min_spend: MoneyOut | None
    nth: int | None
    scope: ScopeOut
    funded_by: Funding
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
            amount=_money(benefit.amount),
            rate=None if benefit.rate is None else str(benefit.rate),
            max_discount=_money(benefit.max_discount),
            min_spend=_money(benefit.min_spend),
            nth=benefit.nth,
            scope=ScopeOut.from_domain(template.terms.scope),
            funded_by=template.terms.funded_by,
            stock=template.stock,
            per_customer_limit=template.per_customer_limit,
            channels=sorted(template.channels),
            active=template.active,
            issued=stock.issued,
            left=stock.left,
        )


class CouponTemplateList(_Out):
    """Coupon templates, by id, one page."""

    items: list[CouponTemplateOut]
    next_cursor: NextCursor = None


class TemplateActiveIn(_In):
    """Start (true) or stop (false) issuing a template."""

    # Strict: the document says boolean, so 0, 1 and "yes" are refused, not converted.
    active: StrictBool


class IssueCouponIn(_In):
    """Issue a coupon to a customer (platform)."""

    customer_id: EntityId


class CouponOut(_Out):
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


class CouponList(_Out):
    """Coupons, in issue order (then by id), one page."""

    items: list[CouponOut]
    next_cursor: NextCursor = None


# --- campaigns ---------------------------------------------------------------------------


class OfferIn(_In):
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


class CampaignIn(_In):
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


class CampaignOut(_Out):
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
            unit_price=_money(offer.unit_price),
            starts_at=campaign.starts_at.isoformat(),
            ends_at=campaign.ends_at.isoformat(),
            scope=ScopeOut.from_domain(campaign.scope),
            budget=_money(campaign.budget),
            spent=_money(campaign.spent),
            remaining=_money(campaign.remaining),
            funded_by=campaign.funded_by,
        )


class CampaignList(_Out):
    """Campaigns, by start then id, one page."""

    items: list[CampaignOut]
    next_cursor: NextCursor = None


# --- quotes ------------------------------------------------------------------------------


class QuoteLineIn(_In):
    """A service and how many units; the price comes from the catalog."""

    service_id: EntityId
    quantity: WholeNumber = Field(default=1, ge=1, le=999)


class QuoteIn(_In):
    """A cart to price, optionally with one of the customer's coupons and points."""

    lines: list[QuoteLineIn] = Field(min_length=1, max_length=20)
    coupon_id: EntityId | None = None
    travel_fee: MoneyIn | None = None


class QuoteLineOut(_Out):
    """One line, each discount in its own bucket: base − tier − campaign − threshold −
    coupon − points = payable."""

    service_id: str
    quantity: int
    base: MoneyOut
    tier: MoneyOut
    campaign: MoneyOut
    threshold: MoneyOut
    coupon: MoneyOut
    points: MoneyOut
    payable: MoneyOut
    platform_funded: MoneyOut
    campaign_id: str | None

    @classmethod
    def from_domain(cls, line: QuoteLine) -> QuoteLineOut:
        """From the domain QuoteLine."""
        m = MoneyOut.from_domain
        return cls(
            service_id=line.service_id,
            quantity=line.quantity,
            base=m(line.base),
            tier=m(line.tier),
            campaign=m(line.campaign),
            threshold=m(line.threshold),
            coupon=m(line.coupon),
            points=m(line.points),
            payable=m(line.payable),
            platform_funded=m(line.platform_funded),
            campaign_id=line.campaign_id,
        )


class CouponEvaluationOut(_Out):
    """What one coupon would take off the cart, or why it does not apply (``reason`` is a
    stable code, ``shortfall`` what is missing for ``min_spend_not_met``)."""

    coupon_id: str
    applies: bool
    discount: MoneyOut
    reason: str | None
    message: str | None
    shortfall: MoneyOut | None

    @classmethod
    def from_domain(cls, evaluation: CouponEvaluation) -> CouponEvaluationOut:
        """From the domain CouponEvaluation."""
        rejection = evaluation.rejection
        return cls(
            coupon_id=evaluation.coupon_id,
            applies=evaluation.applies,
            discount=MoneyOut.from_domain(evaluation.discount),
            reason=None if rejection is None else rejection.reason.value,
            message=None if rejection is None else rejection.message,
            shortfall=None if rejection is None else _money(rejection.shortfall),
        )


class QuoteOut(_Out):
    """A priced cart with its breakdown and an explanation of every coupon."""

    currency: str
    priced_at: str
    lines: list[QuoteLineOut]
    subtotal: MoneyOut
    discount: MoneyOut
    travel_fee: MoneyOut
    payable: MoneyOut
    coupon_id: str | None
    threshold_offer_id: str | None
    coupons: list[CouponEvaluationOut]
    best_coupon_id: str | None

    @classmethod
    def from_domain(cls, priced: PricedCart) -> QuoteOut:
        """From the service's PricedCart."""
        quote: Quote = priced.quote
        m = MoneyOut.from_domain
        return cls(
            currency=quote.currency,
            priced_at=quote.priced_at.isoformat(),
            lines=[QuoteLineOut.from_domain(line) for line in quote.lines],
            subtotal=m(quote.subtotal),
            discount=m(quote.discount),
            travel_fee=m(quote.travel_fee),
            payable=m(quote.payable),
            coupon_id=quote.coupon_id,
            threshold_offer_id=quote.threshold_offer_id,
            coupons=[CouponEvaluationOut.from_domain(e) for e in priced.coupons],
            best_coupon_id=priced.best_coupon_id,
        )


# --- the ledger --------------------------------------------------------------------------


class BalanceOut(_Out):
    """One account's balance: ``net`` is debits minus credits; ``balance`` is on the
    account's normal side (what a technician is owed is positive)."""

    account: str
    kind: str
    owner: str
    net: MoneyOut
    balance: MoneyOut

    @classmethod
    def from_domain(cls, account: Account, net: Money) -> BalanceOut:
        """From an account and its net balance."""
        normal = net if account.kind.debit_normal else -net
        return cls(
            account=str(account),
            kind=account.kind.value,
            owner=account.owner,
            net=MoneyOut.from_domain(net),
            balance=MoneyOut.from_domain(normal),
        )


class BalancesOut(_Out):
    """Non-zero balances by currency, then account, one page; the ``net`` values of a
    currency sum to zero over all pages."""

    items: list[BalanceOut]
    next_cursor: NextCursor = None


class PostingOut(_Out):
    """One posting: a debit when positive, a credit when negative."""

    account: str
    amount: MoneyOut


class TransactionOut(_Out):
    """A journal entry."""

    id: str
    kind: str
    at: str
    order_id: str | None
    reverses: str | None
    memo: str
    postings: list[PostingOut]

    @classmethod
    def from_domain(cls, transaction: Transaction) -> TransactionOut:
        """From the domain Transaction."""
        return cls(
            id=transaction.id,
            kind=transaction.kind.value,
            at=transaction.at.isoformat(),
            order_id=transaction.order_id,
            reverses=transaction.reverses,
            memo=transaction.memo,
            postings=[
                PostingOut(account=str(p.account), amount=MoneyOut.from_domain(p.amount))
                for p in transaction.postings
            ],
        )


class JournalOut(_Out):
    """An order's journal entries in recording order."""

    order_id: str
    items: list[TransactionOut]
