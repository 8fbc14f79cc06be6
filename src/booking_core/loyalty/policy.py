"""The platform's loyalty settings, in one value (``bootstrap.build(loyalty_policy=...)``)."""

from __future__ import annotations

import itertools
from enum import StrEnum

import attrs
import pendulum
from pendulum import Duration

from booking_core.errors import InvalidPromotion, InvalidReward
from booking_core.loyalty.check_in import CheckInTable
from booking_core.loyalty.earning import EarningRule, SharingRule
from booking_core.loyalty.expiry import ExpiryPolicy
from booking_core.loyalty.privileges import TierPrivileges
from booking_core.loyalty.rewards import TierPurchase
from booking_core.loyalty.tiers import TierLadder
from booking_core.timerange import zone

__all__ = ["DebtPolicy", "LoyaltyPolicy"]


class DebtPolicy(StrEnum):
    """What happens when a refund claws back more points than the customer still holds."""

    #: Take what he holds; the order flow deducts the rest's cash value from the refund.
    DEDUCT_FROM_REFUND = "deduct_from_refund"
    #: Take what he holds and owe the rest: the balance goes below zero until awards pay it.
    POINTS_DEBT = "points_debt"


def _privileges(instance: LoyaltyPolicy, _: object, value: TierPrivileges) -> None:
    """Privileges name tiers of the ladder, and never shrink as tiers rise: a higher tier
    gets at least the window days and the multiplier of every lower one."""
    ladder = instance.tiers
    if ladder is None:
        return  # tiers are set by hand: any name may be given privileges
    names = [t.name for t in ladder.tiers]
    unknown = sorted(name for name, _ in value.by_tier if name not in names)
    if unknown:
        raise InvalidPromotion(f"Privileges name tiers the ladder lacks: {unknown}.",
                               details={"field": "privileges"})  # fmt: skip
    ranked = [value.for_tier(name) for name in names]
    for lower, higher in itertools.pairwise(ranked):
        if (
            higher.extra_window_days < lower.extra_window_days
            or higher.points_multiplier < lower.points_multiplier
        ):
            raise InvalidPromotion(
                "A higher tier gets at least the window days and points multiplier of a lower one.",
                details={"field": "privileges"},
            )


def _tier_purchases(instance: LoyaltyPolicy, _: object, value: tuple[TierPurchase, ...]) -> None:
    """Tiers for sale are tiers of the ladder, each priced once."""
    names = [p.tier for p in value]
    ladder = instance.tiers
    known = set() if ladder is None else {t.name for t in ladder.tiers}
    if len(set(names)) != len(names) or not set(names) <= known:
        raise InvalidReward("Tiers for sale are tiers of the ladder, each priced once.",
                            details={"field": "tier_purchases"})  # fmt: skip


def _platform_zone(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    zone(value)


@attrs.frozen
class LoyaltyPolicy:
    """Every loyalty rule the platform configures.

    Attributes:
        expiry: When awarded points expire (default: 365 local days).
        earning: Points per yuan paid (default 1, rounded down).
        check_in: The streak table of the daily check-in.
        sharing: Points per share and the daily cap.
        tiers: The membership ladder (None: tiers are set by hand only).
        privileges: What each tier gives (window days, points multiplier, birthday gift,
            exclusive coupons); checked against ``tiers``: see :class:`TierPrivileges`.
        debt: The claw-back shortfall policy (default: deduct from the refund).
        platform_zone: The zone of a customer who gave none (his "local day").
        expiry_every: How often the expiry job sweeps.
        tiers_every: How often the tier job re-evaluates members.
        tier_purchases: Tiers sold for points (none by default), each a floor for its
            validity: see :class:`~booking_core.loyalty.rewards.TierPurchase`.
    """

    expiry: ExpiryPolicy = attrs.field(factory=ExpiryPolicy)
    earning: EarningRule = attrs.field(factory=EarningRule)
    check_in: CheckInTable = attrs.field(factory=CheckInTable)
    sharing: SharingRule = attrs.field(factory=SharingRule)
    tiers: TierLadder | None = None
    privileges: TierPrivileges = attrs.field(factory=TierPrivileges, validator=_privileges)
    debt: DebtPolicy = DebtPolicy.DEDUCT_FROM_REFUND
    platform_zone: str = attrs.field(default="Asia/Shanghai", validator=_platform_zone)
    expiry_every: Duration = attrs.field(factory=lambda: pendulum.duration(hours=1))
    tiers_every: Duration = attrs.field(factory=lambda: pendulum.duration(days=1))
    tier_purchases: tuple[TierPurchase, ...] = attrs.field(
        default=(), converter=tuple, validator=_tier_purchases
    )

    def tier_purchase(self, tier: str) -> TierPurchase | None:
        """The price of ``tier`` for points (None: not for sale)."""
        return next((p for p in self.tier_purchases if p.tier == tier), None)
