"""Balanced journal transactions: postings that sum to zero in every currency."""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidLedgerEntry, UnbalancedTransaction
from booking_core.ids import OrderId
from booking_core.ledger.accounts import Account
from booking_core.money import Money
from booking_core.timerange import ensure_aware

__all__ = ["Posting", "Transaction", "TransactionId", "TransactionKind"]

TransactionId = NewType("TransactionId", str)


class TransactionKind(StrEnum):
    """Why money moved (stored as these strings)."""

    PAYMENT_CAPTURED = "payment_captured"
    ORDER_COMPLETED = "order_completed"
    REFUND = "refund"
    CANCELLATION_FEE = "cancellation_fee"
    REVERSAL = "reversal"
    WITHDRAWAL_REQUESTED = "withdrawal_requested"
    WITHDRAWAL_PAID = "withdrawal_paid"
    WITHDRAWAL_RETURNED = "withdrawal_returned"
    COMMISSION_FROZEN = "commission_frozen"
    COMMISSION_SETTLED = "commission_settled"
    COMMISSION_CANCELLED = "commission_cancelled"
    TIP = "tip"  # a customer's tip, all of it to the technician's payable (no platform take)
    COMMISSION_TRANSFERRED = "commission_transferred"  # settled commissions a withdrawal draws
    PACKAGE_SOLD = "package_sold"  # a package's price, owed as its visits until they are used
    PACKAGE_VISIT_USED = "package_visit_used"  # a visit's value paying its order
    PACKAGE_REFUNDED = "package_refunded"  # the unused visits of a package paid back


@attrs.frozen
class Posting:
    """One side of a movement: ``amount`` is a debit when positive, a credit when negative."""

    account: Account
    amount: Money

    def __attrs_post_init__(self) -> None:
        if not self.amount:
            raise InvalidLedgerEntry(f"A posting to {self.account} moves some money; got zero.")

    @classmethod
    def debit(cls, account: Account, amount: Money) -> Posting:
        """Debit ``account`` with a positive ``amount``."""
        return cls(account, _positive(amount))

    @classmethod
    def credit(cls, account: Account, amount: Money) -> Posting:
        """Credit ``account`` with a positive ``amount``."""
        return cls(account, -_positive(amount))


def _positive(amount: Money) -> Money:
    if amount.amount <= 0:
        raise InvalidLedgerEntry(
            f"Debits and credits are written as positive amounts; got {amount}."
        )
    return amount


@attrs.frozen
class Transaction:
    """An immutable journal entry; corrected only by a reversing entry (INVARIANTS I8).

    Attributes:
        id: The transaction's id (also its idempotency key in storage).
        kind: Why money moved.
        at: When.
        postings: Two or more, summing to zero in each currency.
        order_id: The order it belongs to, if any.
        reverses: For a reversal, the transaction it cancels.
        memo: Free text for people.
    """

    id: TransactionId
    kind: TransactionKind
    at: DateTime
    postings: tuple[Posting, ...]
    order_id: OrderId | None = None
    reverses: TransactionId | None = None
    memo: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InvalidLedgerEntry("A transaction needs an id.")
        ensure_aware(self.at, "transaction time")
        if not isinstance(self.postings, tuple) or len(self.postings) < 2:
            raise InvalidLedgerEntry("A transaction has at least two postings (as a tuple).")
        totals: dict[str, int] = defaultdict(int)
        for posting in self.postings:
            totals[posting.amount.currency] += posting.amount.amount
        unbalanced = {currency: total for currency, total in totals.items() if total}
        if unbalanced:
            raise UnbalancedTransaction(
                f"Transaction {self.id}: debits and credits differ by {unbalanced} "
                "(minor units per currency).",
                details={"transaction_id": self.id, "difference": unbalanced},
            )
        if (self.kind is TransactionKind.REVERSAL) != (self.reverses is not None):
            raise InvalidLedgerEntry("A reversal, and only a reversal, names what it reverses.")

    def reversal(
        self, *, transaction_id: TransactionId, at: DateTime, memo: str = ""
    ) -> Transaction:
        """The entry that cancels this one: the same postings with debits and credits swapped."""
        return Transaction(
            id=transaction_id,
            kind=TransactionKind.REVERSAL,
            at=at,
            postings=tuple(Posting(p.account, -p.amount) for p in self.postings),
            order_id=self.order_id,
            reverses=self.id,
            memo=memo or f"reverses {self.id}",
        )
