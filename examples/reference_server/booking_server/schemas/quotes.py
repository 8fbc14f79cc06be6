"""Quotes: a priced cart with its breakdown and every coupon explained (FEATURES C6, C16)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import Field

from booking_core.pricing import (
    CampaignEvaluation,
    CouponEvaluation,
    PromotionRejection,
    PromotionReport,
    Quote,
    QuoteLine,
    ThresholdEvaluation,
    TravelFeeLine,
    WaiverEvaluation,
)
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
    "CampaignEvaluationOut",
    "CouponEvaluationOut",
    "OfferEvaluationOut",
    "PromotionsOut",
    "QuoteIn",
    "QuoteLineIn",
    "QuoteLineOut",
    "QuoteOut",
    "TravelFeeOut",
    "WaiverEvaluationOut",
]


_LineId = Annotated[
    str,
    Field(min_length=1, max_length=64, description="Your own id of the line, echoed back."),
]


class QuoteLineIn(InModel):
    """A service and how many units; the price is the technician's for it (the catalog's
    without a technician)."""

    service_id: EntityId
    quantity: WholeNumber = Field(default=1, ge=1, le=999)
    line_id: _LineId | None = None


class QuoteIn(InModel):
    """A cart to price, optionally with the technician who would serve it (his own prices
    and his store apply, exactly as at checkout) and one of the customer's coupons; each
    line may carry your ``line_id``, echoed by the quote's line."""

    lines: list[QuoteLineIn] = Field(
        min_length=1, max_length=20, description="Line ids, when given, are unique."
    )
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
    line_id: str | None = None
    threshold_offer_id: str | None = None

    @classmethod
    def from_domain(cls, line: QuoteLine, line_id: str | None = None) -> QuoteLineOut:
        """From the domain QuoteLine (``line_id``: the request's, when the cart had none)."""
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
            line_id=line.line_id if line.line_id is not None else line_id,
            threshold_offer_id=line.threshold_offer_id,
        )


class TravelFeeOut(OutModel):
    """The travel fee as its own line: base − waived − threshold − coupon = payable."""

    base: MoneyOut
    waived: MoneyOut
    threshold: MoneyOut
    coupon: MoneyOut
    payable: MoneyOut
    platform_funded: MoneyOut
    threshold_offer_id: str | None

    @classmethod
    def from_domain(cls, fee: TravelFeeLine) -> TravelFeeOut:
        """From the domain TravelFeeLine."""
        m = MoneyOut.from_domain
        return cls(
            base=m(fee.base),
            waived=m(fee.waived),
            threshold=m(fee.threshold),
            coupon=m(fee.coupon),
            payable=m(fee.payable),
            platform_funded=m(fee.platform_funded),
            threshold_offer_id=fee.threshold_offer_id,
        )


def _why(rejection: PromotionRejection | None) -> dict[str, object]:
    if rejection is None:
        return {"reason": None, "message": None, "shortfall": None, "missing_units": None}
    return {
        "reason": rejection.reason.value,
        "message": rejection.message,
        "shortfall": optional_money(rejection.shortfall),
        "missing_units": rejection.missing_units,
    }


class OfferEvaluationOut(OutModel):
    """Whether a 满减 offer applied (``discount``, lines and fee together), or why not
    (``reason`` a stable code; ``shortfall`` / ``missing_units`` for the lowest tier)."""

    offer_id: str
    applies: bool
    discount: MoneyOut
    subtotal: MoneyOut
    units: int
    reason: str | None
    message: str | None
    shortfall: MoneyOut | None
    missing_units: int | None

    @classmethod
    def from_domain(cls, e: ThresholdEvaluation) -> OfferEvaluationOut:
        """From the domain ThresholdEvaluation."""
        return cls.model_validate(
            {
                "offer_id": e.offer_id,
                "applies": e.applies,
                "discount": MoneyOut.from_domain(e.discount),
                "subtotal": MoneyOut.from_domain(e.subtotal),
                "units": e.units,
                **_why(e.rejection),
            }
        )


class CampaignEvaluationOut(OutModel):
    """Whether a campaign priced lines (their indexes), or why not."""

    campaign_id: str
    applies: bool
    discount: MoneyOut
    lines: list[int]
    budget_short_lines: list[int]
    reason: str | None
    message: str | None

    @classmethod
    def from_domain(cls, e: CampaignEvaluation) -> CampaignEvaluationOut:
        """From the domain CampaignEvaluation."""
        why = e.rejection
        return cls(
            campaign_id=e.campaign_id,
            applies=e.applies,
            discount=MoneyOut.from_domain(e.discount),
            lines=list(e.lines),
            budget_short_lines=list(e.budget_short_lines),
            reason=None if why is None else why.reason.value,
            message=None if why is None else why.message,
        )


class WaiverEvaluationOut(OutModel):
    """Whether the travel fee waiver (满X免车费) took the fee off, or why not."""

    applies: bool
    waived: MoneyOut
    subtotal: MoneyOut
    reason: str | None
    message: str | None
    shortfall: MoneyOut | None

    @classmethod
    def from_domain(cls, e: WaiverEvaluation) -> WaiverEvaluationOut:
        """From the domain WaiverEvaluation."""
        why = _why(e.rejection)
        why.pop("missing_units")
        return cls.model_validate(
            {
                "applies": e.applies,
                "waived": MoneyOut.from_domain(e.waived),
                "subtotal": MoneyOut.from_domain(e.subtotal),
                **why,
            }
        )


class PromotionsOut(OutModel):
    """Why each 满减 offer, campaign and the travel fee waiver applied or not."""

    offers: list[OfferEvaluationOut]
    campaigns: list[CampaignEvaluationOut]
    travel_fee_waiver: WaiverEvaluationOut | None

    @classmethod
    def from_domain(cls, report: PromotionReport) -> PromotionsOut:
        """From the domain PromotionReport."""
        waiver = report.travel_fee_waiver
        return cls(
            offers=[OfferEvaluationOut.from_domain(e) for e in report.offers],
            campaigns=[CampaignEvaluationOut.from_domain(e) for e in report.campaigns],
            travel_fee_waiver=None if waiver is None else WaiverEvaluationOut.from_domain(waiver),
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
    """A priced cart with its breakdown (the travel fee as its own line), an explanation
    of every coupon, and why each 满减 offer, campaign and the fee waiver applied or not."""

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
    travel: TravelFeeOut | None = None
    threshold_offer_ids: list[str] = Field(default_factory=list)
    promotions: PromotionsOut | None = None

    @classmethod
    def from_domain(cls, priced: PricedCart, line_ids: Sequence[str | None] = ()) -> QuoteOut:
        """From the service's PricedCart (``line_ids``: the request's, by line)."""
        quote: Quote = priced.quote
        m = MoneyOut.from_domain
        ids = list(line_ids) + [None] * (len(quote.lines) - len(line_ids))
        report = priced.promotions
        return cls(
            currency=quote.currency,
            priced_at=quote.priced_at.isoformat(),
            lines=[
                QuoteLineOut.from_domain(line, line_id)
                for line, line_id in zip(quote.lines, ids, strict=True)
            ],
            subtotal=m(quote.subtotal),
            discount=m(quote.discount),
            travel_fee=m(quote.travel_fee),
            payable=m(quote.payable),
            coupon_id=quote.coupon_id,
            threshold_offer_id=quote.threshold_offer_id,
            coupons=[CouponEvaluationOut.from_domain(e) for e in priced.coupons],
            best_coupon_id=priced.best_coupon_id,
            travel=None if quote.travel is None else TravelFeeOut.from_domain(quote.travel),
            threshold_offer_ids=list(quote.threshold_offer_ids),
            promotions=None if report is None else PromotionsOut.from_domain(report),
        )
