"""A commission and its lifecycle: frozen on payment → settled after completion and the
cooling-off, or cancelled; reduced in proportion by partial refunds (INVARIANTS I22, I23)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.errors import CommissionNotAllowed, InvalidReferral
from booking_core.ids import OrderId, ServiceId
from booking_core.money import Money
from booking_core.referrals.members import Member

__all__ = ["Commission", "CommissionId", "CommissionSource", "CommissionState"]

CommissionId = NewType("CommissionId", str)


class CommissionState(StrEnum):
    """Where a commission's money is: the bucket that holds it."""

    FROZEN = "frozen"  # commission_frozen: the order is paid, not yet completed and cooled off
    SETTLED = "settled"  # commission_payable: the beneficiary's to withdraw
    CANCELLED = "cancelled"  # nothing left: refunded (or cancelled) in full


class CommissionSource(StrEnum):
    """Whose upline earns it: the buyer's referrers, or the serving technician's recruiters."""

    BUYER = "buyer"
    TECHNICIAN = "technician"


@attrs.frozen
class Commission:
    """One commission: one order line, one beneficiary, one level (at most one each, I22).

    Attributes:
        id: ``com:<order>:<line>:<beneficiary>:<level>`` (its ledger entries add
            ``:frozen``, ``:settled``, ``:cancel:<n>``).
        order_id: The order paid.
        line: The order line's index in its quote.
        beneficiary: Who earns it.
        level: 1 for the direct referrer, 2 for his referrer, …
        source: Whose upline earns it.
        referee: The buyer or the technician whose order it is.
        service_id: The line's service.
        base: What the rate applied to (the line's paid amount, or the platform's share).
        rate: This level's rate after overrides and the cap.
        amount: What it was frozen at.
        cancelled: What refunds took back so far.
        state: See :class:`CommissionState`.
        frozen_at: When the payment was captured.
        order_paid: What the order's payment was (refunds are shares of it).
        order_refunded: What of it was refunded so far (as this commission has seen).
        reductions: How many refunds reduced it (numbers its cancel entries).
        unfreeze_at: Not settled before this (set when the order completes).
        settled_at: When it was settled.
        cancelled_at: When nothing was left of it.
        version: Compare-and-set counter (0 when first stored).
    """

    id: CommissionId
    order_id: OrderId
    line: int
    beneficiary: Member
    level: int
    source: CommissionSource
    referee: Member
    service_id: ServiceId
    base: Money
    rate: Decimal
    amount: Money
    frozen_at: DateTime
    order_paid: Money
    cancelled: Money = attrs.field()
    order_refunded: Money = attrs.field()
    state: CommissionState = CommissionState.FROZEN
    reductions: int = 0
    unfreeze_at: DateTime | None = None
    settled_at: DateTime | None = None
    cancelled_at: DateTime | None = None
    version: int = 0

    @cancelled.default
    def _no_cancellation(self) -> Money:
        return Money.zero(self.amount.currency)

    @order_refunded.default
    def _no_refund(self) -> Money:
        return Money.zero(self.amount.currency)

    def __attrs_post_init__(self) -> None:
        if self.amount.amount <= 0:
            raise InvalidReferral(f"A commission is above zero; got {self.amount}.")
        if not Money.zero(self.amount.currency) <= self.cancelled <= self.amount:
            raise InvalidReferral("What is cancelled of a commission lies within its amount.")

    @staticmethod
    def key(order_id: OrderId, line: int, beneficiary: Member, level: int) -> CommissionId:
        """The id of the commission of ``beneficiary`` at ``level`` on a line."""
        return CommissionId(f"com:{order_id}:{line}:{beneficiary}:{level}")

    @property
    def remaining(self) -> Money:
        """What the commission is still worth (in its bucket)."""
        return self.amount - self.cancelled

    def scheduled(self, unfreeze_at: DateTime) -> Commission:
        """Frozen until ``unfreeze_at`` (the order completed; the cooling-off runs). A
        commission no longer frozen is returned as it is."""
        if self.state is not CommissionState.FROZEN or self.unfreeze_at == unfreeze_at:
            return self
        return attrs.evolve(self, unfreeze_at=unfreeze_at)

    def settled(self, at: DateTime) -> Commission:
        """Moved from frozen to payable.

        Raises:
            CommissionNotAllowed: ``not_frozen``, or ``not_due`` (no unfreeze time yet —
                the order has not completed — or it lies after ``at``).
        """
        if self.state is not CommissionState.FROZEN:
            raise _refused(self, "not_frozen", f"Commission {self.id} is {self.state.value}.")
        if self.unfreeze_at is None or at < self.unfreeze_at:
            raise _refused(self, "not_due", f"Commission {self.id} is not due to settle yet.")
        return attrs.evolve(self, state=CommissionState.SETTLED, settled_at=at)

    def reduced(self, part: Money, *, order_refunded: Money, at: DateTime) -> Commission:
        """``part`` of it taken back (a refund of the order); cancelled when nothing is left.

        Raises:
            CommissionNotAllowed: ``cancelled`` (nothing left), or ``too_much`` (``part``
                exceeds what is left).
        """
        if self.state is CommissionState.CANCELLED:
            raise _refused(self, "cancelled", f"Commission {self.id} is cancelled already.")
        if part.is_negative or part > self.remaining:
            raise _refused(self, "too_much", f"Commission {self.id} holds {self.remaining}.")
        cancelled = self.cancelled + part
        done = cancelled == self.amount
        return attrs.evolve(
            self,
            cancelled=cancelled,
            order_refunded=order_refunded,
            reductions=self.reductions + (1 if part else 0),
            state=CommissionState.CANCELLED if done else self.state,
            cancelled_at=at if done else None,
        )


def _refused(commission: Commission, reason: str, message: str) -> CommissionNotAllowed:
    return CommissionNotAllowed(message, details={"reason": reason, "commission_id": commission.id})
