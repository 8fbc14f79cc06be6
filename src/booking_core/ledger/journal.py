"""The journal: an append-only sequence of balanced transactions, and what it derives."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from booking_core.errors import DuplicateEntity, InvalidLedgerEntry, TransactionAlreadyReversed
from booking_core.ids import OrderId
from booking_core.ledger.accounts import Account
from booking_core.ledger.balances import net_balances
from booking_core.ledger.transaction import Transaction, TransactionKind
from booking_core.money import Money

__all__ = ["Ledger"]


@attrs.frozen
class Ledger:
    """An immutable journal: recording returns a new ledger; nothing is ever edited.

    A storage adapter keeps the same rules with an append-only table (unique transaction
    id, unique ``reverses``); this value is the reference the contract suite can compare to.
    """

    transactions: tuple[Transaction, ...] = ()

    @classmethod
    def of(cls, transactions: Iterable[Transaction]) -> Ledger:
        """A ledger recording ``transactions`` in order."""
        ledger = cls()
        for transaction in transactions:
            ledger = ledger.record(transaction)
        return ledger

    def record(self, transaction: Transaction) -> Ledger:
        """This ledger with ``transaction`` appended.

        Raises:
            DuplicateEntity: a transaction with the same id is recorded (code
                ``transaction_exists``).
            InvalidLedgerEntry: a reversal names a transaction not in the ledger.
            TransactionAlreadyReversed: a reversal names a transaction reversed before.
        """
        if any(t.id == transaction.id for t in self.transactions):
            raise DuplicateEntity("transaction", transaction.id)
        target = transaction.reverses
        if target is not None:
            original = next((t for t in self.transactions if t.id == target), None)
            if original is None:
                raise InvalidLedgerEntry(
                    f"Transaction {transaction.id} reverses {target}, which is not recorded.",
                    details={"transaction_id": transaction.id, "reverses": target},
                )
            if any(t.reverses == target for t in self.transactions):
                raise TransactionAlreadyReversed(
                    f"Transaction {target} is already reversed.",
                    details={"transaction_id": target},
                )
            expected = sorted(
                (p.account.sort_key, -p.amount.amount, p.amount.currency) for p in original.postings
            )
            actual = sorted(
                (p.account.sort_key, p.amount.amount, p.amount.currency)
                for p in transaction.postings
            )
            if expected != actual:
                raise InvalidLedgerEntry(
                    f"Transaction {transaction.id} does not mirror {target}.",
                    details={"transaction_id": transaction.id, "reverses": target},
                )
        return Ledger((*self.transactions, transaction))

    def net(self, account: Account, currency: str) -> Money:
        """Debits minus credits of ``account`` in ``currency``."""
        total = 0
        for transaction in self.transactions:
            for posting in transaction.postings:
                if posting.account == account and posting.amount.currency == currency:
                    total += posting.amount.amount
        return Money(total, currency)

    def balance(self, account: Account, currency: str) -> Money:
        """The balance on the account's normal side (what a technician is owed is positive)."""
        net = self.net(account, currency)
        return net if account.kind.debit_normal else -net

    def trial_balance(self) -> dict[tuple[Account, str], Money]:
        """Every non-zero net balance (debit positive), by account and currency."""
        return {key: Money(value, key[1]) for key, value in net_balances(self.transactions).items()}

    def is_balanced(self) -> bool:
        """Whether net balances sum to zero in every currency (always, by construction)."""
        sums: dict[str, int] = {}
        for (_, currency), value in net_balances(self.transactions).items():
            sums[currency] = sums.get(currency, 0) + value
        return not any(sums.values())

    def for_order(self, order_id: OrderId) -> tuple[Transaction, ...]:
        """The transactions of ``order_id``, in recording order."""
        return tuple(t for t in self.transactions if t.order_id == order_id)

    def reversed_ids(self) -> frozenset[str]:
        """Ids of the transactions that have been reversed."""
        return frozenset(
            t.reverses
            for t in self.transactions
            if t.kind is TransactionKind.REVERSAL and t.reverses is not None
        )
