"""A coupon's terms: its benefit, its scope, who may use it, who pays for it."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from booking_core.promotions._checks import require
from booking_core.promotions.benefit import CouponBenefit, CouponKind
from booking_core.promotions.funding import Funding
from booking_core.promotions.scope import Scope

__all__ = ["CouponTerms", "Eligibility"]

# The kinds that take an amount off the eligible subtotal: only they can share it with
# the travel fee (a per-unit kind prices units; a free-travel coupon is only the fee).
_MAY_COVER_FEE = frozenset({CouponKind.AMOUNT_OFF, CouponKind.THRESHOLD, CouponKind.PERCENT_OFF})


@attrs.frozen
class Eligibility:
    """Who may use a coupon.

    Attributes:
        new_customers_only: Only a customer the caller counts as new (新人券).
        tiers: Only members of these tiers (会员专享); empty means anyone.
    """

    new_customers_only: bool = False
    tiers: frozenset[str] = frozenset()

    @classmethod
    def anyone(cls) -> Eligibility:
        """No restriction."""
        return cls()

    @classmethod
    def new_customers(cls) -> Eligibility:
        """Only new customers."""
        return cls(new_customers_only=True)

    @classmethod
    def members_of(cls, tiers: Iterable[str]) -> Eligibility:
        """Only members of ``tiers``."""
        chosen = frozenset(tiers)
        require(bool(chosen), "A member-only coupon names at least one tier.", field="tiers")
        return cls(tiers=chosen)


@attrs.frozen
class CouponTerms:
    """Everything that decides whether and how much a coupon takes off.

    A coupon instance copies the terms of its template when it is issued, so that editing a
    template never changes coupons customers already hold.

    Attributes:
        benefit: What the coupon gives.
        scope: Which lines it may touch.
        eligibility: Who may use it.
        funded_by: Who pays for the discount (platform-funded is a promotion expense).
        excludes_campaign_lines: When true, lines priced by a time-limited campaign are not
            eligible (“特价商品不参与”).
        covers_travel_fee: When true, the discount may take off the travel fee too: the fee
            is shared like one more eligible line (never toward ``min_spend``). Only for
            amount_off, threshold and percent_off coupons; default off.
    """

    benefit: CouponBenefit
    scope: Scope = attrs.field(factory=Scope)
    eligibility: Eligibility = attrs.field(factory=Eligibility)
    funded_by: Funding = Funding.PLATFORM
    excludes_campaign_lines: bool = False
    covers_travel_fee: bool = False

    def __attrs_post_init__(self) -> None:
        require(
            type(self.covers_travel_fee) is bool,
            "covers_travel_fee is true or false.",
            field="covers_travel_fee",
        )
        require(
            not self.covers_travel_fee or self.benefit.kind in _MAY_COVER_FEE,
            f"A {self.benefit.kind.value} coupon cannot cover the travel fee (only amount_off, "
            "threshold and percent_off coupons can; free_travel is the fee alone).",
            field="covers_travel_fee",
        )
