"""Events of a withdrawal's way to the money, written to the outbox in the unit of work of
the step that raised them (FEATURES T10).

Each names the withdrawal, its payee (``payee_kind``, ``payee_id``) and its amounts in minor
units, so a rule can tell the payee (approved, rejected, paid, failed) or finance (a request
waiting for approval) without reading anything else.
"""

from __future__ import annotations

from typing import Any, Self

import attrs
from pendulum import DateTime

from booking_core.events import DomainEvent
from booking_core.money import Money
from booking_core.payouts.withdrawal import Withdrawal

__all__ = [
    "WithdrawalApproved",
    "WithdrawalEvent",
    "WithdrawalFailed",
    "WithdrawalPaid",
    "WithdrawalRejected",
    "WithdrawalRequested",
]


@attrs.frozen
class WithdrawalEvent(DomainEvent):
    """What every withdrawal event says.

    Attributes:
        withdrawal_id: The withdrawal.
        payee_kind: ``technician`` or ``store``.
        payee_id: The technician's or the store's id.
        amount: What was asked for (fee included).
        net: What is (or was to be) paid out.
    """

    withdrawal_id: str
    payee_kind: str
    payee_id: str
    amount: Money
    net: Money

    @classmethod
    def of(cls, withdrawal: Withdrawal, at: DateTime, **more: Any) -> Self:
        """The event about ``withdrawal``, at ``at``."""
        return cls(
            occurred_at=at,
            withdrawal_id=withdrawal.id,
            payee_kind=withdrawal.payee.kind.value,
            payee_id=withdrawal.payee.id,
            amount=withdrawal.amount,
            net=withdrawal.net,
            **more,
        )


@attrs.frozen
class WithdrawalRequested(WithdrawalEvent):
    """A payee asked to withdraw; ``needs_approval`` when it waits for finance."""

    needs_approval: bool = False


@attrs.frozen
class WithdrawalApproved(WithdrawalEvent):
    """Finance approved it, or it was approved at once (at or below the approval limit);
    its payout is scheduled."""

    automatic: bool = False


@attrs.frozen
class WithdrawalRejected(WithdrawalEvent):
    """Finance rejected it: its whole amount went back to the payee's balance."""

    reason: str = ""


@attrs.frozen
class WithdrawalPaid(WithdrawalEvent):
    """The provider paid the net out."""


@attrs.frozen
class WithdrawalFailed(WithdrawalEvent):
    """The provider refused the payout: its whole amount went back to the payee's balance."""

    reason: str = ""
