"""The platform's loyalty settings, in one value (``bootstrap.build(loyalty_policy=...)``)."""

from __future__ import annotations

from enum import StrEnum

import attrs
import pendulum
from pendulum import Duration

from booking_core.loyalty.check_in import CheckInTable
from booking_core.loyalty.earning import EarningRule, SharingRule
from booking_core.loyalty.expiry import ExpiryPolicy
from booking_core.loyalty.tiers import TierLadder
from booking_core.timerange import zone

__all__ = ["DebtPolicy", "LoyaltyPolicy"]


class DebtPolicy(StrEnum):
    """What happens when a refund claws back more points than the customer still holds."""

    #: Take what he holds; the order flow deducts the rest's cash value from the refund.
    DEDUCT_FROM_REFUND = "deduct_from_refund"
    #: Take what he holds and owe the rest: the balance goes below zero until awards pay it.
    POINTS_DEBT = "points_debt"


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
        debt: The claw-back shortfall policy (default: deduct from the refund).
        platform_zone: The zone of a customer who gave none (his "local day").
        expiry_every: How often the expiry job sweeps.
        tiers_every: How often the tier job re-evaluates members.
    """

    expiry: ExpiryPolicy = attrs.field(factory=ExpiryPolicy)
    earning: EarningRule = attrs.field(factory=EarningRule)
    check_in: CheckInTable = attrs.field(factory=CheckInTable)
    sharing: SharingRule = attrs.field(factory=SharingRule)
    tiers: TierLadder | None = None
    debt: DebtPolicy = DebtPolicy.DEDUCT_FROM_REFUND
    platform_zone: str = attrs.field(default="Asia/Shanghai", validator=_platform_zone)
    expiry_every: Duration = attrs.field(factory=lambda: pendulum.duration(hours=1))
    tiers_every: Duration = attrs.field(factory=lambda: pendulum.duration(days=1))
