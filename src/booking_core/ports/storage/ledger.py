"""Storage of the ledger: the journal of balanced transactions (INVARIANTS I8, I13, I15)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from booking_core.ids import OrderId
from booking_core.ledger import Account, Transaction, TransactionId
from booking_core.money import Money
from booking_core.timerange import TimeRange

__all__ = ["LedgerRepository", "LedgerStore"]


class LedgerRepository(Protocol):
    """The journal: immutable balanced transactions; balances are sums over postings."""

    def record(self, transaction: Transaction, *, after: int | None = None) -> bool:
        """Append ``transaction`` to the journal.

        Idempotent by id: recording the same transaction again is a no-op (False), also
        when another unit of work records it concurrently.

        Args:
            transaction: The balanced entry.
            after: For an order's entry built from its history, how many of the order's
                transactions that history had; if the journal holds another number now
                (a concurrent entry for the same order), nothing is stored. None: no check.

        Returns:
            True if stored; False if this very transaction was stored before.

        Raises:
            IdempotencyConflict: the id is stored with other content.
            ConcurrentUpdate: ``after`` is not the order's current number of transactions,
                or another entry of the same order was recorded concurrently.
            InvalidLedgerEntry: a reversal names a transaction not recorded, or does not
                mirror it.
            TransactionAlreadyReversed: a reversal names a transaction reversed before
                (also concurrently).
        """
        ...

    def record_many(self, transactions: Sequence[Transaction]) -> list[bool]:
        """Append each of ``transactions`` with :meth:`record`'s guarantees, in as few
        statements as the storage can (a batch job's entries): what :meth:`record` returns
        for each, in order.

        Each is idempotent by id (a transaction stored before, or concurrently, is a no-op:
        False); reversals are checked and an order's entries numbered as :meth:`record`
        does them (``after`` is not offered: a batch is not built from one order's
        history).

        Raises:
            IdempotencyConflict, ConcurrentUpdate, InvalidLedgerEntry,
            TransactionAlreadyReversed: as :meth:`record`; part of the batch may be written
                by then, so the unit of work must not commit (leaving ``with uow:`` by the
                error rolls it back).
        """
        ...

    def get(self, transaction_id: TransactionId) -> Transaction:
        """The transaction. Raises NotFound (code ``transaction_not_found``)."""
        ...

    def for_order(self, order_id: OrderId) -> list[Transaction]:
        """The order's transactions, in recording order."""
        ...

    def balances(self, currency: str | None = None) -> dict[tuple[Account, str], Money]:
        """Debit-minus-credit of every (account, currency) with a non-zero balance (of one
        currency if given), summed over postings; the values of a currency sum to zero."""
        ...

    def net(self, account: Account, currency: str) -> Money:
        """Debit-minus-credit of one account in ``currency`` (zero if it has no postings)."""
        ...

    def for_account(self, account: Account, within: TimeRange | None = None) -> list[Transaction]:
        """The transactions posting to ``account`` (whose ``at`` lies within ``within``,
        half-open, if given), in recording order."""
        ...


class LedgerStore(Protocol):
    """The ledger's part of a unit of work."""

    @property
    def ledger(self) -> LedgerRepository: ...
