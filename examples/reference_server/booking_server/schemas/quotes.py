"""Quotes: a priced cart with its breakdown and every coupon explained (FEATURES C6, C16)."""

from __future__ import annotations

from pydantic import Field

from booking_core.pricing import CouponEvaluation, Quote, QuoteLine
from booking_core.services.pricing import PricedCart
from booking_server.schemas.common import (
    EntityId,
    InModel,
    MoneyIn,
    MoneyOut,
    OutModel,
    WholeNumber,
    optional_money,
)

__all__ = [
    "CouponEvaluationOut",
    "QuoteIn",
    "QuoteLineIn",
    "QuoteLineOut",
    "QuoteOut",
]


class QuoteLineIn(InModel):
    """A service and how many units; the price is the technician's for it (the catalog's
    without a technician)."""

    service_id: EntityId
    quantity: WholeNumber = Field(default=1, ge=1, le=999)


class QuoteIn(InModel):
    """A cart to price, optionally with the technician who would serve it (his own prices
    and his store apply, exactly as at checkout) and one of the customer's coupons."""

    lines: list[QuoteLineIn] = Field(min_length=1, max_length=20)
    technician_id: EntityId | None = None
    coupon_id: EntityId | None = None
    travel_fee: MoneyIn | None = None


class QuoteLineOut(OutModel):
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


class CouponEvaluationOut(OutModel):
    """What one coupon would take off the cart, or why it does not apply (``reason`` is a
    stable code, ``shortfall`` what is missing for ``min_spend_not_met``, ``missing_units``
    how many more eligible units for ``not_enough_items``)."""

    coupon_id: str
    applies: bool
    discount: MoneyOut
    reason: str | None
    message: str | None
    shortfall: MoneyOut | None
    missing_units: int | None

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
            shortfall=None if rejection is None else optional_money(rejection.shortfall),
            missing_units=None if rejection is None else rejection.missing_units,
        )


class QuoteOut(OutModel):
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
