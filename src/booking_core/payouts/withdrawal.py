"""A withdrawal: a payee's request to be paid what he earned, and its way to the money.

::

    requested ──► pending_approval ──► approved ──► paying ──► paid
        │               │                  ▲            └────► failed   (money returned)
        │               └──► rejected      │                            (money returned)
        ├──► rejected                      │
        └──────────────────────────────────┘  (at or below the approval limit)

The amount is debited from the payee's payable when the withdrawal is requested; a
rejection or a failed payout returns it (fee included) exactly once: ``rejected`` and
``failed`` are final, and each is reached once under compare-and-set on ``version``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput, TransitionNotAllowed
from booking_core.money import Money
from booking_core.payouts.destination import BankCard, Wallet
from booking_core.payouts.payee import Payee

__all__ = ["TRANSITIONS", "Withdrawal", "WithdrawalId", "WithdrawalStatus"]

WithdrawalId = NewType("WithdrawalId", str)


class WithdrawalStatus(StrEnum):
    """Where a withdrawal stands (stored as these strings)."""

    REQUESTED = "requested"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    PAYING = "paying"
    PAID = "paid"
    FAILED = "failed"
    REJECTED = "rejected"

    @property
    def returned(self) -> bool:
        """True for the final states whose money went back to the payee."""
        return self in (WithdrawalStatus.REJECTED, WithdrawalStatus.FAILED)

    @property
    def final(self) -> bool:
        """True once nothing more happens to the withdrawal."""
        return self in (WithdrawalStatus.PAID, WithdrawalStatus.FAILED, WithdrawalStatus.REJECTED)


_S = WithdrawalStatus
#: The state chart: every allowed move, and nothing else.
TRANSITIONS: dict[WithdrawalStatus, frozenset[WithdrawalStatus]] = {
    _S.REQUESTED: frozenset({_S.PENDING_APPROVAL, _S.APPROVED, _S.REJECTED}),
    _S.PENDING_APPROVAL: frozenset({_S.APPROVED, _S.REJECTED}),
    _S.APPROVED: frozenset({_S.PAYING}),
    _S.PAYING: frozenset({_S.PAID, _S.FAILED}),
    _S.PAID: frozenset(),
    _S.FAILED: frozenset(),
    _S.REJECTED: frozenset(),
}


@attrs.frozen
class Withdrawal:
    """One withdrawal of a payee's earnings (immutable: each step returns the next value).

    Attributes:
        id: Its id; the payout's idempotency key at the provider, and the root of its
            journal entries' ids (``wdr:<id>:requested|paid|returned``).
        payee: Who is paid.
        amount: What was asked for and debited from the payable (fee included).
        fee: What the platform keeps of it.
        destination: The bank card or wallet it is paid to.
        requested_at: When it was asked for.
        requested_by: The id of whoever asked (the payee, or staff).
        key: The request's idempotency key (per payee).
        status: Where it stands.
        decided_by: Who approved or rejected it (None while undecided or approved
            automatically).
        decided_at: When.
        note: Why it was rejected, or what finance noted approving it.
        provider_reference: The payout provider's reference, once it has one.
        failure: Why the payout failed.
        settled_at: When it reached a final state.
        version: Stored version, for compare-and-set (0 before it is first stored).
        replayed: True only on what :meth:`PayoutService.request_withdrawal
            <booking_core.services.payouts.PayoutService.request_withdrawal>` returns for a
            key used before (the stored withdrawal, not a new one); never stored, and left
            out of equality.
    """

    id: WithdrawalId
    payee: Payee
    amount: Money
    fee: Money
    destination: BankCard | Wallet
    requested_at: DateTime
    requested_by: str
    key: str
    status: WithdrawalStatus = WithdrawalStatus.REQUESTED
    decided_by: str | None = None
    decided_at: DateTime | None = None
    note: str | None = None
    provider_reference: str | None = None
    failure: str | None = None
    settled_at: DateTime | None = None
    version: int = 0
    replayed: bool = attrs.field(default=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.amount.amount <= 0 or self.fee.is_negative or self.fee >= self.amount:
            raise InvalidInput(
                f"A withdrawal asks for more than zero and more than its fee; got {self.amount} "
                f"with a fee of {self.fee}."
            )

    @property
    def net(self) -> Money:
        """What reaches the payee: the amount less the fee."""
        return self.amount - self.fee

    def routed(self, *, needs_approval: bool) -> Withdrawal:
        """A just requested withdrawal, waiting for finance or approved at once."""
        return self._to(_S.PENDING_APPROVAL if needs_approval else _S.APPROVED)

    def approved(self, by: str, at: DateTime, note: str | None = None) -> Withdrawal:
        """Finance approved it (only one waiting for approval)."""
        if self.status is not _S.PENDING_APPROVAL:
            raise self._refused(_S.APPROVED)
        return attrs.evolve(self._to(_S.APPROVED), decided_by=by, decided_at=at, note=note)

    def rejected(self, by: str, at: DateTime, reason: str) -> Withdrawal:
        """Finance rejected it; its money goes back."""
        return attrs.evolve(
            self._to(_S.REJECTED), decided_by=by, decided_at=at, note=reason, settled_at=at
        )

    def paying(self) -> Withdrawal:
        """Its payout is being sent."""
        return self._to(_S.PAYING)

    def paid(self, at: DateTime, reference: str | None) -> Withdrawal:
        """The provider paid it out."""
        return attrs.evolve(
            self._to(_S.PAID),
            settled_at=at,
            provider_reference=reference or self.provider_reference,
        )

    def failed(self, at: DateTime, reason: str, reference: str | None = None) -> Withdrawal:
        """The provider could not pay it out; its money goes back."""
        return attrs.evolve(
            self._to(_S.FAILED),
            settled_at=at,
            failure=reason,
            provider_reference=reference or self.provider_reference,
        )

    def with_reference(self, reference: str | None) -> Withdrawal:
        """The same withdrawal, remembering the provider's reference (while paying)."""
        return attrs.evolve(self, provider_reference=reference or self.provider_reference)

    def _to(self, status: WithdrawalStatus) -> Withdrawal:
        if status not in TRANSITIONS[self.status]:
            raise self._refused(status)
        return attrs.evolve(self, status=status)

    def _refused(self, status: WithdrawalStatus) -> TransitionNotAllowed:
        return TransitionNotAllowed(
            f"Withdrawal {self.id} is {self.status.value}; it cannot become {status.value}.",
            details={"withdrawal_id": self.id, "status": self.status.value, "to": status.value},
        )
