"""Balances derived from postings (never stored on their own)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from booking_core.ids import OrderId
from booking_core.ledger.accounts import Account
from booking_core.ledger.transaction import Transaction

__all__ = ["net_balances", "order_position"]


def net_balances(transactions: Iterable[Transaction]) -> dict[tuple[Account, str], int]:
    """Debit-minus-credit of every (account, currency) the transactions touch, in minor units.

    Zero balances are left out. Because every transaction balances, the values of one
    currency always sum to zero (INVARIANTS I8).
    """
    totals: dict[tuple[Account, str], int] = defaultdict(int)
    for transaction in transactions:
        for posting in transaction.postings:
            totals[posting.account, posting.amount.currency] += posting.amount.amount
    return {key: value for key, value in totals.items() if value}


def order_position(
    transactions: Iterable[Transaction], order_id: OrderId
) -> Mapping[tuple[Account, str], int]:
    """:func:`net_balances` over the transactions of ``order_id`` only."""
    return net_balances(t for t in transactions if t.order_id == order_id)
