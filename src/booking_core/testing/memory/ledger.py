"""The in-memory journal."""

from __future__ import annotations

from collections.abc import Sequence

from booking_core.errors import ConcurrentUpdate, IdempotencyConflict
from booking_core.ids import OrderId
from booking_core.ledger import Account, Ledger, Transaction, TransactionId, net_balances
from booking_core.money import Money
from booking_core.testing.memory.table import Table
from booking_core.timerange import TimeRange

__all__ = ["InMemoryJournal"]


class InMemoryJournal(Table):
    """:class:`~booking_core.ports.storage.LedgerRepository` over a snapshot.

    Rows are (position, transaction); the position keeps the recording order.
    """

    def _all(self) -> list[Transaction]:
        return [t for _, t in sorted(self.rows.values(), key=lambda row: row[0])]

    def record(self, transaction: Transaction, *, after: int | None = None) -> bool:
        known: tuple[int, Transaction] | None = self.rows.get(transaction.id)
        if known is not None:
            if known[1] == transaction:
                return False
            raise IdempotencyConflict(
                f"Transaction {transaction.id!r} was recorded with other content; not recorded.",
                details={"transaction_id": transaction.id},
            )
        journal = self._all()
        order_id = transaction.order_id
        if after is not None and order_id is not None:
            count = sum(1 for t in journal if t.order_id == order_id)
            if count != after:
                raise ConcurrentUpdate(
                    f"Order {order_id} has {count} journal entries, not {after}; another entry "
                    "was recorded meanwhile. Rebuild the entry from the books and try again.",
                    details={"order_id": order_id},
                )
        # The reference ledger checks reversals (recorded, mirrored, reversed once).
        Ledger(tuple(journal)).record(transaction)
        self.rows[transaction.id] = (len(self.rows), transaction)
        return True

    def record_many(self, transactions: Sequence[Transaction]) -> list[bool]:
        return [self.record(t) for t in transactions]

    def get(self, transaction_id: TransactionId) -> Transaction:
        found: tuple[int, Transaction] = self._get(transaction_id)
        return found[1]

    def for_order(self, order_id: OrderId) -> list[Transaction]:
        return [t for t in self._all() if t.order_id == order_id]

    def balances(self, currency: str | None = None) -> dict[tuple[Account, str], Money]:
        totals = net_balances(self._all())
        return {
            key: Money(value, key[1])
            for key, value in sorted(
                totals.items(), key=lambda item: (item[0][1], item[0][0].sort_key)
            )
            if currency is None or key[1] == currency
        }

    def net(self, account: Account, currency: str) -> Money:
        return Ledger(tuple(self._all())).net(account, currency)

    def for_account(self, account: Account, within: TimeRange | None = None) -> list[Transaction]:
        return [
            t
            for t in self._all()
            if any(p.account == account for p in t.postings)
            and (within is None or within.contains(t.at))
        ]
