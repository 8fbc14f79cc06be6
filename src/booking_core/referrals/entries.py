"""The journal entries of a commission (FEATURES M2; INVARIANTS I8, I23).

A commission comes out of the platform's share: it is an expense of the platform from the
moment the order is paid, held for the beneficiary until it settles::

    frozen     Dr commission_expense             Cr commission_frozen:<beneficiary>
    settled    Dr commission_frozen:<b>          Cr commission_payable:<b>
    cancel n   Dr commission_frozen:<b>  (or commission_payable:<b>, whichever holds it)
                                                 Cr commission_expense

Ids are ``<commission id>:frozen``, ``:settled`` and ``:cancel:<n>``, so a replay records
nothing new. The entries name no order (``order_id`` is None): they are the platform's own
movements, and an order's position — what :func:`~booking_core.ledger.refund_issued` shares
a refund over — stays what the customer's money did. The commission id ties them to the
order.
"""

from __future__ import annotations

from pendulum import DateTime

from booking_core.errors import InvalidReferral
from booking_core.ledger import Account, Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money
from booking_core.referrals.commission import Commission, CommissionState

__all__ = ["cancel_entry", "frozen_entry", "settled_entry"]


def frozen_entry(commission: Commission) -> Transaction:
    """Freeze ``commission``'s amount for its beneficiary, at its ``frozen_at``."""
    owner = str(commission.beneficiary)
    return Transaction(
        id=TransactionId(f"{commission.id}:frozen"),
        kind=TransactionKind.COMMISSION_FROZEN,
        at=commission.frozen_at,
        postings=(
            Posting.debit(Account.commission_expense(), commission.amount),
            Posting.credit(Account.commission_frozen(owner), commission.amount),
        ),
        memo=f"level {commission.level} on line {commission.line} of {commission.order_id}",
    )


def settled_entry(settled: Commission) -> Transaction:
    """Move what is left of a just-settled commission from frozen to payable."""
    if settled.state is not CommissionState.SETTLED or settled.settled_at is None:
        raise InvalidReferral(f"Commission {settled.id} is not settled.")
    owner = str(settled.beneficiary)
    return Transaction(
        id=TransactionId(f"{settled.id}:settled"),
        kind=TransactionKind.COMMISSION_SETTLED,
        at=settled.settled_at,
        postings=(
            Posting.debit(Account.commission_frozen(owner), settled.remaining),
            Posting.credit(Account.commission_payable(owner), settled.remaining),
        ),
    )


def cancel_entry(before: Commission, part: Money, at: DateTime) -> Transaction:
    """Take ``part`` of ``before`` back to the platform out of the bucket holding it (its
    ``reductions + 1``-th cancel entry)."""
    owner = str(before.beneficiary)
    bucket = (
        Account.commission_payable(owner)
        if before.state is CommissionState.SETTLED
        else Account.commission_frozen(owner)
    )
    return Transaction(
        id=TransactionId(f"{before.id}:cancel:{before.reductions + 1}"),
        kind=TransactionKind.COMMISSION_CANCELLED,
        at=at,
        postings=(Posting.debit(bucket, part), Posting.credit(Account.commission_expense(), part)),
    )
