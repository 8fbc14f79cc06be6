"""The pipeline's working state: one list of ints per bucket, indexed by line, and the
travel fee's own buckets."""

from __future__ import annotations

from booking_core.pricing.cart import Cart
from booking_core.promotions import CampaignId, ThresholdOfferId


class Work:
    """Mutable scratch state of one quote; never leaves the engine."""

    __slots__ = (
        "base",
        "campaign",
        "campaign_ids",
        "cart",
        "coupon",
        "fee_base",
        "fee_coupon",
        "fee_left",
        "fee_offer_id",
        "fee_platform",
        "fee_threshold",
        "fee_waived",
        "left",
        "line_offer_ids",
        "platform",
        "points",
        "threshold",
        "threshold_offer_ids",
        "tier",
    )

    def __init__(self, cart: Cart) -> None:
        n = len(cart.lines)
        self.cart = cart
        self.base = [0] * n
        self.tier = [0] * n
        self.campaign = [0] * n
        self.campaign_ids: list[CampaignId | None] = [None] * n
        self.threshold = [0] * n
        self.line_offer_ids: list[ThresholdOfferId | None] = [None] * n
        self.coupon = [0] * n
        self.points = [0] * n
        # What is left of each line after the steps so far: the weight of the next split.
        self.left = [0] * n
        self.platform = [0] * n
        self.threshold_offer_ids: list[ThresholdOfferId] = []
        fee = cart.travel_fee
        self.fee_base = 0 if fee is None else fee.amount
        self.fee_left = self.fee_base
        self.fee_waived = 0
        self.fee_threshold = 0
        self.fee_coupon = 0
        self.fee_platform = 0
        self.fee_offer_id: ThresholdOfferId | None = None

    def take(self, shares: list[int], bucket: list[int], platform_funded: bool) -> None:
        """Book one step's per-line ``shares`` into ``bucket`` and off what is left."""
        left = self.left
        platform = self.platform
        for i, share in enumerate(shares):
            if share:
                bucket[i] += share
                left[i] -= share
                if platform_funded:
                    platform[i] += share

    def take_fee(self, share: int, platform_funded: bool) -> None:
        """Take ``share`` off what is left of the travel fee (the caller books the bucket)."""
        self.fee_left -= share
        if platform_funded:
            self.fee_platform += share
