"""The pipeline's working state: one list of ints per bucket, indexed by line."""

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
        "left",
        "platform",
        "points",
        "threshold",
        "threshold_offer_id",
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
        self.coupon = [0] * n
        self.points = [0] * n
        # What is left of each line after the steps so far: the weight of the next split.
        self.left = [0] * n
        self.platform = [0] * n
        self.threshold_offer_id: ThresholdOfferId | None = None

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
