"""The double-entry ledger (FEATURES M2, M3; INVARIANTS I8, I9, I13).

Every movement of an order's money is one balanced :class:`Transaction`, built by a pure
function of the order's history (:mod:`booking_core.ledger.entries`). Balances are derived
from postings; entries are never edited, only reversed. See ``docs/ledger.md``.
"""

from booking_core.ledger.accounts import Account, AccountKind
from booking_core.ledger.balances import net_balances, order_position
from booking_core.ledger.entries import (
    OrderParties,
    SettlementLine,
    cancellation_fee_retained,
    order_completed,
    package_refunded,
    package_sold,
    package_visit_used,
    payment_captured,
    refund_issued,
    refundable,
    settlement_lines,
)
from booking_core.ledger.journal import Ledger
from booking_core.ledger.rates import RateRule, RateTable, SplitRates
from booking_core.ledger.split import PartyShares, allocate_signed, split_by_rates
from booking_core.ledger.transaction import Posting, Transaction, TransactionId, TransactionKind

__all__ = [
    "Account",
    "AccountKind",
    "Ledger",
    "OrderParties",
    "PartyShares",
    "Posting",
    "RateRule",
    "RateTable",
    "SettlementLine",
    "SplitRates",
    "Transaction",
    "TransactionId",
    "TransactionKind",
    "allocate_signed",
    "cancellation_fee_retained",
    "net_balances",
    "order_completed",
    "order_position",
    "package_refunded",
    "package_sold",
    "package_visit_used",
    "payment_captured",
    "refund_issued",
    "refundable",
    "settlement_lines",
    "split_by_rates",
]
