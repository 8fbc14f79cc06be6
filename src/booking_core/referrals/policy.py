"""The platform's referral settings in one value (P9): binding, admission, plans, timing."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pendulum
from pendulum import Duration

from booking_core.errors import InvalidReferral
from booking_core.referrals.binding import BindingRules
from booking_core.referrals.distributors import Admission
from booking_core.referrals.plan import CommissionBase, CommissionPlan

__all__ = ["ReferralPolicy"]


def _default_customer_plan() -> CommissionPlan:
    return CommissionPlan((Decimal("0.05"), Decimal("0.02")), cap=Decimal("0.1"))


@attrs.frozen
class ReferralPolicy:
    """How referrals and commissions work on this platform.

    Attributes:
        binding: When a referee may be bound (default: until his first order, then fixed).
        admission: How a member becomes a distributor (default: open to all).
        customer_plan: What a buyer's referrers earn on his orders (default: 5 % to the
            direct referrer, 2 % to the next, at most 10 % together, of what he paid).
        technician_plan: What a technician's recruiters earn on the orders he serves — a
            share of the platform's take (``base=platform_share``); None: nothing.
        cooling_off: How long after completion a commission stays frozen (default 7 days,
            the after-sales window in which a refund may still take it back).
        code_length: Characters of an invite code.
        link_template: The invite link, ``{code}`` replaced by the code.
        settle_batch: How many commissions the settle job settles per unit of work.
    """

    binding: BindingRules = attrs.field(factory=BindingRules)
    admission: Admission = attrs.field(factory=Admission)
    customer_plan: CommissionPlan = attrs.field(factory=_default_customer_plan)
    technician_plan: CommissionPlan | None = None
    cooling_off: Duration = attrs.field(factory=lambda: pendulum.duration(days=7))
    code_length: int = 8
    link_template: str = "https://example.com/invite?code={code}"
    settle_batch: int = 500

    def __attrs_post_init__(self) -> None:
        if (
            self.technician_plan is not None
            and self.technician_plan.base is not CommissionBase.PLATFORM_SHARE
        ):
            raise InvalidReferral(
                "A technician plan shares the platform's take (base=platform_share)."
            )
        if self.settle_batch < 1:
            raise InvalidReferral("The settle job settles at least one commission per batch.")
        if "{code}" not in self.link_template:
            raise InvalidReferral("The link template holds '{code}'.")
