"""Spending points (issue 13; docs/loyalty.md, "Spending points"): the gift catalog with its
stock, coupon exchanges, redemptions and tier purchases.

Prices are whole points, never money. Every instant is shown in UTC.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval
from pydantic import AwareDatetime, Field, StrictBool, StrictInt

from booking_core.loyalty import (
    CouponExchange,
    CouponExchangeId,
    Gift,
    GiftId,
    Redemption,
    RedemptionStatus,
    RewardKind,
)
from booking_core.promotions import CouponTemplateId
from booking_server.paging import NextCursor
from booking_server.schemas.common import (
    TAKE_WHOLE_FLOATS,
    EntityId,
    InModel,
    Name,
    OutModel,
    in_zone,
)

__all__ = [
    "CancelRedemptionIn",
    "CouponExchangeIn",
    "CouponExchangeList",
    "CouponExchangeOut",
    "GiftIn",
    "GiftList",
    "GiftOut",
    "GiftPatch",
    "RedeemIn",
    "RedemptionList",
    "RedemptionOut",
    "TierPurchaseIn",
]

#: The most points one reward costs, and the largest stock.
MAX_POINTS = 10_000_000
Points = Annotated[StrictInt, Interval(ge=1, le=MAX_POINTS), TAKE_WHOLE_FLOATS]
Stock = Annotated[StrictInt, Interval(ge=0, le=MAX_POINTS), TAKE_WHOLE_FLOATS]
Limit = Annotated[StrictInt, Interval(ge=1, le=1000), TAKE_WHOLE_FLOATS]
Key = Annotated[str, Field(min_length=1, max_length=200)]


class GiftIn(InModel):
    """A gift of the catalog. ``stock`` null: unlimited; ``per_customer`` null: no limit."""

    id: EntityId = Field(examples=["g_mug"])
    name: Annotated[str, Field(min_length=1, max_length=80)] = Field(examples=["Mug"])
    points: Points
    stock: Stock | None = None
    per_customer: Limit | None = None
    active: StrictBool = True

    def to_domain(self) -> Gift:
        """The gift."""
        return Gift(GiftId(self.id), self.name, self.points, self.stock, self.active,
                    self.per_customer)  # fmt: skip


class GiftPatch(InModel):
    """What to change of a gift (only what is given). ``unlimited`` clears the stock,
    ``no_limit`` the per-customer limit; ``active`` false takes it off the catalog."""

    name: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    points: Points | None = None
    stock: Stock | None = None
    unlimited: StrictBool = False
    per_customer: Limit | None = None
    no_limit: StrictBool = False
    active: StrictBool | None = None


class GiftOut(OutModel):
    """A gift with its stock left (null: unlimited)."""

    id: str
    name: str
    points: int
    stock: int | None
    per_customer: int | None
    active: bool

    @classmethod
    def from_domain(cls, gift: Gift) -> GiftOut:
        """The answer for ``gift``."""
        return cls(id=gift.id, name=gift.name, points=gift.points, stock=gift.stock,
                   per_customer=gift.per_customer, active=gift.active)  # fmt: skip


class GiftList(OutModel):
    """Gifts by id, one page."""

    items: list[GiftOut]
    next_cursor: NextCursor = None


class CouponExchangeIn(InModel):
    """A coupon template on sale for points (the template lists the ``points`` channel)."""

    id: EntityId = Field(examples=["ex_30"])
    template_id: EntityId = Field(examples=["tpl_30"])
    points: Points

    def to_domain(self) -> CouponExchange:
        """The exchange."""
        return CouponExchange(CouponExchangeId(self.id), CouponTemplateId(self.template_id),
                              self.points)  # fmt: skip


class CouponExchangeOut(OutModel):
    """A coupon template's price in points."""

    id: str
    template_id: str
    points: int
    active: bool

    @classmethod
    def from_domain(cls, exchange: CouponExchange) -> CouponExchangeOut:
        """The answer for ``exchange``."""
        return cls(id=exchange.id, template_id=exchange.template_id, points=exchange.points,
                   active=exchange.active)  # fmt: skip


class CouponExchangeList(OutModel):
    """Coupon exchanges by id, one page."""

    items: list[CouponExchangeOut]
    next_cursor: NextCursor = None


class RedeemIn(InModel):
    """The redemption's key (or send it as the ``Idempotency-Key`` header): the same key
    twice redeems once."""

    key: Key | None = None


class TierPurchaseIn(InModel):
    """The tier to buy, and the request's key (or the ``Idempotency-Key`` header)."""

    tier: Name = Field(examples=["gold"])
    key: Key | None = None


class CancelRedemptionIn(InModel):
    """Why the gift will not be handed over (recorded in the audit log)."""

    reason: Name


class RedemptionOut(OutModel):
    """Points spent on a reward: a gift (``requested`` until handed over or cancelled), a
    coupon (``coupon_id``) or a tier (``until``)."""

    id: str
    customer_id: str
    kind: RewardKind
    item_id: str = Field(description="The gift's id, the exchange's id or the tier's name.")
    points: int
    status: RedemptionStatus
    at: AwareDatetime = Field(description="UTC.")
    movement_id: str = Field(description="The ``spent`` movement of his points statement.")
    coupon_id: str | None
    until: AwareDatetime | None = Field(description="UTC; a bought tier holds until then.")
    decided_at: AwareDatetime | None

    @classmethod
    def from_domain(cls, redemption: Redemption) -> RedemptionOut:
        """The answer for ``redemption``."""
        until, decided = redemption.until, redemption.decided_at
        return cls(
            id=redemption.id,
            customer_id=redemption.customer_id,
            kind=redemption.kind,
            item_id=redemption.item_id,
            points=redemption.points,
            status=redemption.status,
            at=in_zone(redemption.at, "UTC"),
            movement_id=redemption.movement_id,
            coupon_id=redemption.coupon_id,
            until=None if until is None else in_zone(until, "UTC"),
            decided_at=None if decided is None else in_zone(decided, "UTC"),
        )


class RedemptionList(OutModel):
    """Redemptions by id, one page."""

    items: list[RedemptionOut]
    next_cursor: NextCursor = None
