"""Technicians' and stores' earnings and withdrawals (FEATURES T9, T10; INVARIANTS I24).

A payee (:class:`Payee`) earns into his payable account when orders complete; he withdraws
under the platform's :class:`WithdrawalRules` to a :class:`BankCard` or a :class:`Wallet`.
A :class:`Withdrawal` is debited once at request and, when rejected or when its payout
fails, returned once (:mod:`booking_core.payouts.entries`); each step raises a
:class:`WithdrawalEvent`. Customers' tips (:mod:`booking_core.payouts.tips`) and settled
referral commissions are his earnings too. See ``docs/earnings.md``.
"""

from booking_core.payouts.destination import BankCard, Wallet, WalletProvider
from booking_core.payouts.entries import (
    commissions_drawn,
    withdrawal_paid,
    withdrawal_requested,
    withdrawal_returned,
    withdrawal_transaction_id,
)
from booking_core.payouts.events import (
    WithdrawalApproved,
    WithdrawalEvent,
    WithdrawalFailed,
    WithdrawalPaid,
    WithdrawalRejected,
    WithdrawalRequested,
)
from booking_core.payouts.payee import Payee, PayeeKind
from booking_core.payouts.rules import WithdrawalPeriod, WithdrawalRules
from booking_core.payouts.statement import (
    EarningsLine,
    EarningSource,
    EarningsStatement,
    PayeeBalance,
    earnings_lines,
)
from booking_core.payouts.tips import TipPolicy, tip_received, tip_transaction_id
from booking_core.payouts.withdrawal import Withdrawal, WithdrawalId, WithdrawalStatus

__all__ = [
    "BankCard",
    "EarningSource",
    "EarningsLine",
    "EarningsStatement",
    "Payee",
    "PayeeBalance",
    "PayeeKind",
    "TipPolicy",
    "Wallet",
    "WalletProvider",
    "Withdrawal",
    "WithdrawalApproved",
    "WithdrawalEvent",
    "WithdrawalFailed",
    "WithdrawalId",
    "WithdrawalPaid",
    "WithdrawalPeriod",
    "WithdrawalRejected",
    "WithdrawalRequested",
    "WithdrawalRules",
    "WithdrawalStatus",
    "commissions_drawn",
    "earnings_lines",
    "tip_received",
    "tip_transaction_id",
    "withdrawal_paid",
    "withdrawal_requested",
    "withdrawal_returned",
    "withdrawal_transaction_id",
]
