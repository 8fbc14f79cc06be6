"""The journal entries of a withdrawal (INVARIANTS I8, I24): pure functions of the withdrawal,
each one balanced :class:`~booking_core.ledger.Transaction` with an id derived from the
withdrawal's, so recording one again is a no-op.

::

    requested   Dr <payee's payable>  amount      Cr withdrawals_in_flight:<payee>  amount − fee
                                                  Cr withdrawal_fees                fee
    paid        Dr withdrawals_in_flight:<payee>  Cr payments_clearing              amount − fee
    returned    the requested entry mirrored (the fee goes back too)
    drawn       Dr commission_payable:<payee>    Cr <payee's payable>            part
    (before requested, when his payable alone does not cover the amount)

``wdr:<id>:requested``, ``wdr:<id>:paid``, ``wdr:<id>:returned`` and
``wdr:<id>:commissions``: a withdrawal is debited once, and returned at most once. Settled
referral commissions are the payee's money like his payable: a withdrawal draws on them
only for what the payable lacks, moving that part into the payable first; a returned
withdrawal gives everything back to the payable (still his, still withdrawable).
"""

from __future__ import annotations

from pendulum import DateTime

from booking_core.ledger import Account, Posting, Transaction, TransactionId, TransactionKind
from booking_core.money import Money
from booking_core.payouts.withdrawal import Withdrawal

__all__ = [
    "commissions_drawn",
    "withdrawal_paid",
    "withdrawal_requested",
    "withdrawal_returned",
    "withdrawal_transaction_id",
]


def withdrawal_transaction_id(withdrawal_id: str, step: str) -> TransactionId:
    """``wdr:<withdrawal id>:<step>`` (``requested``, ``paid`` or ``returned``)."""
    return TransactionId(f"wdr:{withdrawal_id}:{step}")


def _request_postings(withdrawal: Withdrawal) -> tuple[Posting, ...]:
    postings = [
        Posting.debit(withdrawal.payee.payable, withdrawal.amount),
        Posting.credit(withdrawal.payee.in_flight, withdrawal.net),
    ]
    if withdrawal.fee:
        postings.append(Posting.credit(Account.withdrawal_fees(), withdrawal.fee))
    return tuple(postings)


def withdrawal_requested(withdrawal: Withdrawal) -> Transaction:
    """The payee asked to withdraw: his payable gives the whole amount, the net waits in
    flight and the fee is the platform's (at the request's instant)."""
    return Transaction(
        id=withdrawal_transaction_id(withdrawal.id, "requested"),
        kind=TransactionKind.WITHDRAWAL_REQUESTED,
        at=withdrawal.requested_at,
        postings=_request_postings(withdrawal),
        memo=f"withdrawal {withdrawal.id} of {withdrawal.payee}",
    )


def withdrawal_paid(withdrawal: Withdrawal, at: DateTime) -> Transaction:
    """The provider paid the net out: the money leaves the platform's clearing account."""
    return Transaction(
        id=withdrawal_transaction_id(withdrawal.id, "paid"),
        kind=TransactionKind.WITHDRAWAL_PAID,
        at=at,
        postings=(
            Posting.debit(withdrawal.payee.in_flight, withdrawal.net),
            Posting.credit(Account.payments_clearing(), withdrawal.net),
        ),
        memo=f"withdrawal {withdrawal.id} paid out",
    )


def withdrawal_returned(withdrawal: Withdrawal, at: DateTime) -> Transaction:
    """The withdrawal was rejected or its payout failed: the requested entry mirrored, so
    the payable gets the whole amount back, fee included."""
    return Transaction(
        id=withdrawal_transaction_id(withdrawal.id, "returned"),
        kind=TransactionKind.WITHDRAWAL_RETURNED,
        at=at,
        postings=tuple(Posting(p.account, -p.amount) for p in _request_postings(withdrawal)),
        memo=f"withdrawal {withdrawal.id} returned",
    )


def commissions_drawn(withdrawal: Withdrawal, part: Money) -> Transaction:
    """``part`` of the payee's settled commissions moves into his payable for the
    withdrawal (at the request's instant)."""
    return Transaction(
        id=withdrawal_transaction_id(withdrawal.id, "commissions"),
        kind=TransactionKind.COMMISSION_TRANSFERRED,
        at=withdrawal.requested_at,
        postings=(
            Posting.debit(withdrawal.payee.commissions, part),
            Posting.credit(withdrawal.payee.payable, part),
        ),
        memo=f"settled commissions drawn by withdrawal {withdrawal.id}",
    )
