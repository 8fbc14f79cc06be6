"""Spending points on rewards: the gift catalog (with stock), coupons for points and tier
purchases, and the redemption record each spend leaves (docs/loyalty.md, "Spending points").

Points spent on a reward leave the points journal exactly as a checkout spend does (a
``spent`` movement taking the soonest-expiring lots first; its ``reason`` names the reward,
``gift <id>``, ``coupon <exchange id>`` or ``tier <name>``). Nothing here posts to the money
ledger: a gift is handed over outside the SDK, a coupon's value is booked when it is used in
an order, a tier only changes prices.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.errors import (
    GiftLimitReached,
    GiftOutOfStock,
    InvalidReward,
    RedemptionNotAllowed,
    RewardNotAvailable,
)
from booking_core.ids import CustomerId
from booking_core.promotions.coupon import CouponTemplateId
from booking_core.timerange import ensure_aware

__all__ = [
    "CouponExchange",
    "CouponExchangeId",
    "Gift",
    "GiftId",
    "Redemption",
    "RedemptionId",
    "RedemptionStatus",
    "RewardKind",
    "TierPurchase",
]

GiftId = NewType("GiftId", str)
CouponExchangeId = NewType("CouponExchangeId", str)
RedemptionId = NewType("RedemptionId", str)


def _require(ok: bool, message: str, field: str) -> None:
    if not ok:
        raise InvalidReward(message, details={"field": field})


def _count(value: object, least: int) -> bool:
    return type(value) is int and value >= least


@attrs.frozen
class Gift:
    """A gift of the catalog (礼品), bought with points.

    Attributes:
        id: The gift's id.
        name: What the customer sees (1 to 80 characters).
        points: Its price in points (one or more).
        stock: Units left to redeem (None: unlimited). A redemption takes one, a cancelled
            one puts it back; staff may set it (restock).
        active: Whether customers may redeem it now (staff deactivate rather than delete:
            its redemptions keep naming it).
        per_customer: How many one customer may hold, cancelled redemptions not counting
            (None: no limit).
        version: Compare-and-set version (0 until stored).
    """

    id: GiftId
    name: str
    points: int
    stock: int | None = None
    active: bool = True
    per_customer: int | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        _require(
            isinstance(self.name, str) and 0 < len(self.name.strip()) <= 80,
            "A gift is named by 1 to 80 characters.",
            "name",
        )
        _require(_count(self.points, 1), "A gift costs one point or more.", "points")
        _require(
            self.stock is None or _count(self.stock, 0),
            "A gift's stock is a whole number of zero or more, or unlimited.",
            "stock",
        )
        _require(
            self.per_customer is None or _count(self.per_customer, 1),
            "A per-customer limit is one or more, or none.",
            "per_customer",
        )

    def check_redeem(self, held: int) -> None:
        """Refuse a redemption by a customer who holds ``held`` of it (not cancelled).

        Raises:
            RewardNotAvailable: the gift is inactive.
            GiftLimitReached: he holds the per-customer limit.
            GiftOutOfStock: no unit is left (storage decides it again, atomically).
        """
        if not self.active:
            raise RewardNotAvailable(
                f"Gift {self.id} is not offered now.",
                details={"reason": "inactive", "gift_id": self.id},
            )
        if self.per_customer is not None and held >= self.per_customer:
            raise GiftLimitReached(
                f"One customer may redeem gift {self.id} {self.per_customer} time(s).",
                details={"gift_id": self.id, "limit": self.per_customer},
            )
        if self.stock == 0:
            raise out_of_stock(self.id)


def out_of_stock(gift_id: GiftId) -> GiftOutOfStock:
    """The error of a gift with no unit left."""
    return GiftOutOfStock(f"Gift {gift_id} is out of stock.", details={"gift_id": gift_id})


@attrs.frozen
class CouponExchange:
    """A coupon template sold for points (积分兑换券): the template stays as it is — its
    stock, per-customer limit and issue window still decide each issue — and this entry
    names the price. The template must list the ``points`` issue channel.

    Attributes:
        id: The exchange's id.
        template_id: The template whose coupons it sells.
        points: The price of one coupon (one or more).
        active: Whether customers may redeem it now.
        version: Compare-and-set version (0 until stored).
    """

    id: CouponExchangeId
    template_id: CouponTemplateId
    points: int
    active: bool = True
    version: int = 0

    def __attrs_post_init__(self) -> None:
        _require(_count(self.points, 1), "A coupon costs one point or more.", "points")


@attrs.frozen
class TierPurchase:
    """A tier sold for points, where the platform configures it (``LoyaltyPolicy.
    tier_purchases``): the bought tier is a floor under the periodic evaluation until
    ``valid_days`` after the purchase; then the normal grace rules apply.

    Attributes:
        tier: The tier's name (one of the ladder's).
        points: Its price.
        valid_days: How long it holds (days of 24 hours from the purchase instant: no
            rounding to a local midnight).
    """

    tier: str
    points: int
    valid_days: int

    def __attrs_post_init__(self) -> None:
        _require(
            isinstance(self.tier, str) and bool(self.tier.strip()),
            "A tier purchase names its tier.",
            "tier",
        )
        _require(_count(self.points, 1), "A tier costs one point or more.", "points")
        _require(_count(self.valid_days, 1), "A bought tier holds one day or more.", "valid_days")

    def until(self, start: DateTime) -> DateTime:
        """The first instant the bought tier no longer holds, bought (or renewed) from
        ``start``: ``valid_days`` × 24 hours later."""
        return start.add(hours=24 * self.valid_days)


class RewardKind(StrEnum):
    """What the points bought."""

    GIFT = "gift"
    COUPON = "coupon"
    TIER = "tier"


class RedemptionStatus(StrEnum):
    """A redemption's state: a gift's is ``requested`` until staff hand it over
    (``fulfilled``) or cancel it (``cancelled``: points returned, stock restored); a coupon
    or a tier is delivered at once (``fulfilled``)."""

    REQUESTED = "requested"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


def _aware(_: object, attribute: attrs.Attribute[DateTime], value: DateTime) -> None:
    ensure_aware(value, attribute.name)


@attrs.frozen
class Redemption:
    """Points spent on one reward (兑换记录).

    Attributes:
        id: The redemption's id.
        customer_id: Who redeemed.
        kind: A gift, a coupon or a tier.
        item_id: The gift's id, the coupon exchange's id or the tier's name.
        points: What it cost.
        key: The client's idempotency key (unique per customer: the same key twice
            redeems once).
        movement_id: The ``spent`` movement of his points journal.
        at: When.
        status: See :class:`RedemptionStatus`.
        coupon_id: The coupon issued (coupons only).
        until: Until when the bought tier holds (tiers only).
        decided_at: When staff fulfilled or cancelled it (gifts only).
        version: Compare-and-set version (0 until stored).
    """

    id: RedemptionId
    customer_id: CustomerId
    kind: RewardKind
    item_id: str
    points: int
    key: str
    movement_id: str
    at: DateTime = attrs.field(validator=_aware)
    status: RedemptionStatus = RedemptionStatus.FULFILLED
    coupon_id: str | None = None
    until: DateTime | None = None
    decided_at: DateTime | None = None
    version: int = 0

    def fulfil(self, at: DateTime) -> Redemption:
        """The gift handed over. Raises RedemptionNotAllowed unless a requested gift."""
        self._check_open("fulfilled")
        return attrs.evolve(self, status=RedemptionStatus.FULFILLED, decided_at=at)

    def cancel(self, at: DateTime) -> Redemption:
        """The gift not handed over (its points go back, its unit to stock). Raises
        RedemptionNotAllowed unless a requested gift."""
        self._check_open("cancelled")
        return attrs.evolve(self, status=RedemptionStatus.CANCELLED, decided_at=at)

    def _check_open(self, to: str) -> None:
        if self.kind is not RewardKind.GIFT or self.status is not RedemptionStatus.REQUESTED:
            raise RedemptionNotAllowed(
                f"Redemption {self.id} ({self.kind.value}, {self.status.value}) cannot be {to}.",
                details={"redemption_id": self.id, "status": self.status.value},
            )
