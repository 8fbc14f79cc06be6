"""Distributors (分销商): who may earn commission, how one becomes one, and suspension
(FEATURES C18, P9)."""

from __future__ import annotations

from enum import StrEnum

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidReferral, ReferralNotAllowed
from booking_core.money import Money
from booking_core.referrals.members import Member

__all__ = ["Admission", "AdmissionMode", "Distributor", "DistributorStatus"]


class AdmissionMode(StrEnum):
    """How a member becomes a distributor."""

    OPEN = "open"  # anyone who applies is one at once
    APPROVAL = "approval"  # an application waits for platform staff
    AUTOMATIC = "automatic"  # he becomes one when his spend or orders reach a threshold


class DistributorStatus(StrEnum):
    """Where a member stands as a distributor (only ``active`` earns commission)."""

    NONE = "none"  # never applied (his qualifying spend is counted all the same)
    APPLIED = "applied"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


@attrs.frozen
class Admission:
    """The admission rule (P9).

    Attributes:
        mode: See :class:`AdmissionMode`.
        min_spend: With ``automatic``: completed spend that qualifies (inclusive), if any.
        min_orders: With ``automatic``: completed orders that qualify (inclusive), if any.
            Either threshold reached qualifies.
    """

    mode: AdmissionMode = AdmissionMode.OPEN
    min_spend: Money | None = None
    min_orders: int | None = None

    def __attrs_post_init__(self) -> None:
        if (
            self.mode is AdmissionMode.AUTOMATIC
            and self.min_spend is None
            and self.min_orders is None
        ):
            raise InvalidReferral("Automatic admission names a spend or an order threshold.")
        if self.min_orders is not None and self.min_orders < 0:
            raise InvalidReferral("An order threshold is zero or more.")
        if self.min_spend is not None and self.min_spend.is_negative:
            raise InvalidReferral("A spend threshold is zero or more.")

    def qualifies(self, spend: Money | None, orders: int) -> bool:
        """Whether ``spend`` and ``orders`` reach a threshold (thresholds are inclusive, I12)."""
        if self.min_orders is not None and orders >= self.min_orders:
            return True
        return (
            self.min_spend is not None
            and spend is not None
            and spend.currency == self.min_spend.currency
            and spend >= self.min_spend
        )


@attrs.define(eq=False)
class Distributor:
    """A member's standing as a distributor and what counts towards automatic admission.

    Attributes:
        member: Whose.
        status: See :class:`DistributorStatus`.
        spend: What his completed orders paid (counted for automatic admission).
        orders: How many of his orders completed.
        applied_at: When he applied (or qualified).
        decided_at: When staff (or the rule) last decided on him.
        decided_by: Who decided (an actor id; ``"system"`` for the rules).
        reason: Why, for a rejection or suspension.
        version: Compare-and-set counter (0 when first stored).
    """

    member: Member
    status: DistributorStatus = DistributorStatus.NONE
    spend: Money | None = None
    orders: int = 0
    applied_at: DateTime | None = None
    decided_at: DateTime | None = None
    decided_by: str | None = None
    reason: str | None = None
    version: int = 0

    @property
    def earns(self) -> bool:
        """Only an active distributor earns commission."""
        return self.status is DistributorStatus.ACTIVE

    def apply(self, admission: Admission, at: DateTime) -> None:
        """He asks to become a distributor: active at once (open, or automatic with a
        threshold reached), or waiting for staff (approval).

        Raises:
            ReferralNotAllowed: ``already`` (applied or active), ``suspended``, or
                ``not_qualified`` (automatic, threshold not reached).
        """
        if self.status in (DistributorStatus.APPLIED, DistributorStatus.ACTIVE):
            raise _refused("already", f"{self.member} is {self.status.value} already.")
        if self.status is DistributorStatus.SUSPENDED:
            raise _refused("suspended", f"{self.member} is suspended; staff resume him.")
        self.applied_at = at
        if admission.mode is AdmissionMode.APPROVAL:
            self.status = DistributorStatus.APPLIED
            return
        if admission.mode is AdmissionMode.AUTOMATIC and not admission.qualifies(
            self.spend, self.orders
        ):
            raise _refused("not_qualified", f"{self.member} has not reached the threshold yet.")
        self._decide(DistributorStatus.ACTIVE, at, "system", None)

    def count_completed(self, paid: Money, admission: Admission, at: DateTime) -> bool:
        """One of his orders completed having paid ``paid``: count it, and under automatic
        admission make him a distributor once a threshold is reached. Returns whether he
        became one now. A payment in another currency than the spend counted is left out of
        the spend (the order still counts)."""
        self.orders += 1
        if self.spend is None:
            self.spend = paid
        elif self.spend.currency == paid.currency:
            self.spend = self.spend + paid
        if (
            admission.mode is AdmissionMode.AUTOMATIC
            and self.status in (DistributorStatus.NONE, DistributorStatus.REJECTED)
            and admission.qualifies(self.spend, self.orders)
        ):
            self.applied_at = at
            self._decide(DistributorStatus.ACTIVE, at, "system", None)
            return True
        return False

    def approve(self, at: DateTime, by: str) -> None:
        """Staff approve his application. Raises ReferralNotAllowed (``not_applied``)."""
        self._require(DistributorStatus.APPLIED, "not_applied")
        self._decide(DistributorStatus.ACTIVE, at, by, None)

    def reject(self, at: DateTime, by: str, reason: str) -> None:
        """Staff reject his application. Raises ReferralNotAllowed (``not_applied``)."""
        self._require(DistributorStatus.APPLIED, "not_applied")
        self._decide(DistributorStatus.REJECTED, at, by, reason)

    def suspend(self, at: DateTime, by: str, reason: str) -> None:
        """Staff suspend him: he earns nothing on orders paid from now (commissions already
        frozen stay his). Raises ReferralNotAllowed (``not_active``)."""
        self._require(DistributorStatus.ACTIVE, "not_active")
        self._decide(DistributorStatus.SUSPENDED, at, by, reason)

    def resume(self, at: DateTime, by: str) -> None:
        """Staff lift his suspension. Raises ReferralNotAllowed (``not_suspended``)."""
        self._require(DistributorStatus.SUSPENDED, "not_suspended")
        self._decide(DistributorStatus.ACTIVE, at, by, None)

    def _require(self, status: DistributorStatus, reason: str) -> None:
        if self.status is not status:
            raise _refused(reason, f"{self.member} is {self.status.value}, not {status.value}.")

    def _decide(self, status: DistributorStatus, at: DateTime, by: str, reason: str | None) -> None:
        self.status, self.decided_at, self.decided_by, self.reason = status, at, by, reason


def _refused(reason: str, message: str) -> ReferralNotAllowed:
    return ReferralNotAllowed(message, details={"reason": reason})
