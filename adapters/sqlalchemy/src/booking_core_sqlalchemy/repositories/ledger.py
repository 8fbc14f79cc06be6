"""The journal: immutable balanced transactions; balances are sums over postings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import BindParameter, and_, bindparam, func, insert, select, text

from booking_core.errors import (
    ConcurrentUpdate,
    IdempotencyConflict,
    InvalidLedgerEntry,
    NotFound,
    TransactionAlreadyReversed,
)
from booking_core.ids import OrderId
from booking_core.ledger import Account, Transaction, TransactionId
from booking_core.money import Money
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing, rowcount
from booking_core_sqlalchemy.tables import UtcDateTime, ledger_postings, ledger_transactions

__all__ = ["SqlAlchemyLedgerRepository"]

_ORDER_ID: BindParameter[str] = bindparam("order_id")
_TRANSACTION_ID: BindParameter[str] = bindparam("transaction_id")

_INSERT_TRANSACTION: Final = insert_or_nothing(ledger_transactions)
_INSERT_POSTINGS: Final = insert(ledger_postings)
# A batch of entries naming no order and reversing nothing (record_many): on SQLite a
# multi-row INSERT (SQLAlchemy's "insertmanyvalues") of the heads returning those stored and
# executemany of their postings; on PostgreSQL one statement whatever the batch's size, the
# batch passed as one JSON document: the heads ON CONFLICT DO NOTHING, then the postings of
# those it stored (the foreign key is checked at the end of the statement).
_INSERT_MANY_TRANSACTIONS: Final = (
    insert_or_nothing(ledger_transactions)
    .sqlite.returning(ledger_transactions.c.id)
    .execution_options(insertmanyvalues_page_size=10_000)
)
_INSERT_MANY_PG: Final = text(
    "WITH heads AS ("
    " INSERT INTO ledger_transactions (id, kind, at, memo)"
    " SELECT id, kind, at, memo FROM jsonb_to_recordset(CAST(:heads AS jsonb))"
    " AS h(id text, kind text, at timestamptz, memo text)"
    " ON CONFLICT DO NOTHING RETURNING id"
    "), lines AS ("
    " INSERT INTO ledger_postings"
    " (transaction_id, line, account_kind, account_owner, amount, currency)"
    " SELECT p.transaction_id, p.line, p.account_kind, p.account_owner, p.amount, p.currency"
    " FROM jsonb_to_recordset(CAST(:lines AS jsonb)) AS p(transaction_id text, line integer,"
    " account_kind text, account_owner text, amount bigint, currency text)"
    ' JOIN heads ON heads.id = p.transaction_id COLLATE "C"'
    " RETURNING 1"
    ") SELECT id FROM heads"
)
_TRANSACTION: Final = select(ledger_transactions).where(ledger_transactions.c.id == _TRANSACTION_ID)
_POSTINGS: Final = (
    select(ledger_postings)
    .where(ledger_postings.c.transaction_id == _TRANSACTION_ID)
    .order_by(ledger_postings.c.line)
)
_ORDER_LENGTH: Final = (
    select(func.count())
    .select_from(ledger_transactions)
    .where(ledger_transactions.c.order_id == _ORDER_ID)
)
_REVERSAL_OF: Final = select(ledger_transactions.c.id).where(
    ledger_transactions.c.reverses == bindparam("target")
)
_ORDER_TRANSACTIONS: Final = (
    select(ledger_transactions)
    .where(ledger_transactions.c.order_id == _ORDER_ID)
    .order_by(ledger_transactions.c.position)
)
_POSTINGS_OF_MANY: Final = (
    select(ledger_postings)
    .where(ledger_postings.c.transaction_id.in_(bindparam("parent_ids", expanding=True)))
    .order_by(ledger_postings.c.transaction_id, ledger_postings.c.line)
)
_NET = func.sum(ledger_postings.c.amount)
_BALANCES: Final = (
    select(
        ledger_postings.c.account_kind,
        ledger_postings.c.account_owner,
        ledger_postings.c.currency,
        _NET.label("net"),
    )
    .group_by(
        ledger_postings.c.account_kind, ledger_postings.c.account_owner, ledger_postings.c.currency
    )
    .having(_NET != 0)
)
_BALANCES_IN: Final = _BALANCES.where(ledger_postings.c.currency == bindparam("currency"))
_OF_ACCOUNT = and_(
    ledger_postings.c.account_kind == bindparam("account_kind"),
    ledger_postings.c.account_owner == bindparam("account_owner"),
)
# One account's balance: the (kind, owner, currency) index answers it.
_NET_OF: Final = select(func.coalesce(_NET, 0)).where(
    _OF_ACCOUNT, ledger_postings.c.currency == bindparam("currency")
)
_ACCOUNT_TRANSACTIONS: Final = (
    select(ledger_transactions)
    .where(
        ledger_transactions.c.id.in_(
            select(ledger_postings.c.transaction_id).where(_OF_ACCOUNT).scalar_subquery()
        )
    )
    .order_by(ledger_transactions.c.position)
)
_ACCOUNT_TRANSACTIONS_WITHIN: Final = _ACCOUNT_TRANSACTIONS.where(
    ledger_transactions.c.at >= bindparam("start", type_=UtcDateTime()),
    ledger_transactions.c.at < bindparam("end", type_=UtcDateTime()),
)


class SqlAlchemyLedgerRepository(Repository):
    """The append-only journal in ``ledger_transactions`` and ``ledger_postings``.

    One ``INSERT ... ON CONFLICT DO NOTHING`` decides: the unique ``id`` makes a replay a
    no-op, the unique ``reverses`` lets a transaction be reversed once, and the unique
    ``(order_id, order_sequence)`` lets only one of two entries built from the same history
    of an order in (PostgreSQL waits for the other transaction, then does nothing).
    Balances are ``SUM(amount)`` over postings.
    """

    entity = "transaction"

    def _find(self, transaction_id: str) -> Transaction | None:
        conn = self._conn
        params = {"transaction_id": transaction_id}
        row = conn.execute(_TRANSACTION, params).first()
        if row is None:
            return None
        postings = conn.execute(_POSTINGS, params).all()
        return mapping.ledger_transaction_to_domain(row, list(postings))

    def _order_length(self, order_id: str) -> int:
        return int(self._conn.execute(_ORDER_LENGTH, {"order_id": order_id}).scalar_one())

    def record(self, transaction: Transaction, *, after: int | None = None) -> bool:
        """Append ``transaction`` once (see the port for the contract).

        Raises:
            IdempotencyConflict, ConcurrentUpdate, InvalidLedgerEntry,
            TransactionAlreadyReversed: as the port says.
        """
        known = self._find(transaction.id)
        if known is not None:
            return self._replayed(known, transaction)
        if transaction.reverses is not None:
            self._check_reversal(transaction, transaction.reverses)
        sequence = None
        order_id = transaction.order_id
        if order_id is not None:
            length = self._order_length(order_id)
            if after is not None and after != length:
                raise self._moved_on(order_id, length, after)
            sequence = length + 1
        head, lines = mapping.ledger_transaction_to_rows(transaction, sequence)
        if rowcount(self._conn.execute(_INSERT_TRANSACTION.on(self._postgres), head)):
            self._conn.execute(_INSERT_POSTINGS, lines)
            return True
        # Lost a race: decide which unique key the winner took.
        known = self._find(transaction.id)
        if known is not None:
            return self._replayed(known, transaction)
        if transaction.reverses is not None and self._reversed(transaction.reverses):
            raise self._already_reversed(transaction.reverses)
        assert order_id is not None  # only the order's sequence is left to conflict on
        raise self._moved_on(order_id, self._order_length(order_id), after)

    def record_many(self, transactions: Sequence[Transaction]) -> list[bool]:
        """Append each once (see the port): entries naming no order and reversing nothing
        go in two statements (heads ``ON CONFLICT DO NOTHING RETURNING id``, then the
        postings of those stored); a batch holding others, or an id twice, is recorded one
        by one.

        Raises:
            IdempotencyConflict, ConcurrentUpdate, InvalidLedgerEntry,
            TransactionAlreadyReversed: as the port says.
        """
        ids = {t.id for t in transactions}
        if len(ids) != len(transactions) or any(
            t.order_id is not None or t.reverses is not None for t in transactions
        ):
            return [self.record(t) for t in transactions]
        if not transactions:
            return []
        rows = [mapping.ledger_transaction_to_rows(t, None) for t in transactions]
        if self._postgres:
            stored = self._insert_many_pg(rows)
        else:
            found = self._conn.execute(_INSERT_MANY_TRANSACTIONS, [head for head, _ in rows])
            stored = set(found.scalars())
            lines = [line for head, lines in rows if head["id"] in stored for line in lines]
            if lines:
                self._conn.execute(_INSERT_POSTINGS, lines)
        # Those not stored were stored before (or concurrently, committed since: the
        # INSERT waited for it): the same content is a replay, other content a conflict.
        return [True if t.id in stored else self._replayed(self._stored(t.id), t)
                for t in transactions]  # fmt: skip

    def _insert_many_pg(self, rows: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> set[str]:
        heads = [
            {"id": head["id"], "kind": head["kind"], "at": head["at"].isoformat(),
             "memo": head["memo"]}
            for head, _ in rows
        ]  # fmt: skip
        params = {
            "heads": json.dumps(heads),
            "lines": json.dumps([line for _, lines in rows for line in lines]),
        }
        return set(self._conn.execute(_INSERT_MANY_PG, params).scalars())

    def _stored(self, transaction_id: str) -> Transaction:
        known = self._find(transaction_id)
        assert known is not None  # only the id can conflict: no order, no reversal
        return known

    @staticmethod
    def _replayed(known: Transaction, transaction: Transaction) -> bool:
        if known == transaction:
            return False
        raise IdempotencyConflict(
            f"Transaction {transaction.id!r} was recorded with other content; not recorded.",
            details={"transaction_id": transaction.id},
        )

    def _reversed(self, target: str) -> bool:
        return self._conn.execute(_REVERSAL_OF, {"target": target}).first() is not None

    @staticmethod
    def _already_reversed(target: str) -> TransactionAlreadyReversed:
        return TransactionAlreadyReversed(
            f"Transaction {target} is already reversed.", details={"transaction_id": target}
        )

    @staticmethod
    def _moved_on(order_id: str, length: int, after: int | None) -> ConcurrentUpdate:
        return ConcurrentUpdate(
            f"Order {order_id} has {length} journal entries, not {after}; another entry was "
            "recorded meanwhile. Rebuild the entry from the books and try again.",
            details={"order_id": order_id},
        )

    def _check_reversal(self, transaction: Transaction, target: str) -> None:
        original = self._find(target)
        if original is None:
            raise InvalidLedgerEntry(
                f"Transaction {transaction.id} reverses {target}, which is not recorded.",
                details={"transaction_id": transaction.id, "reverses": target},
            )
        if self._reversed(target):
            raise self._already_reversed(target)
        expected = sorted(
            (p.account.sort_key, -p.amount.amount, p.amount.currency) for p in original.postings
        )
        actual = sorted(
            (p.account.sort_key, p.amount.amount, p.amount.currency) for p in transaction.postings
        )
        if expected != actual:
            raise InvalidLedgerEntry(
                f"Transaction {transaction.id} does not mirror {target}.",
                details={"transaction_id": transaction.id, "reverses": target},
            )

    def get(self, transaction_id: TransactionId) -> Transaction:
        """The transaction. Raises NotFound (code ``transaction_not_found``)."""
        found = self._find(transaction_id)
        if found is None:
            raise NotFound(self.entity, transaction_id)
        return found

    def for_order(self, order_id: OrderId) -> list[Transaction]:
        """The order's transactions, in recording order (two queries)."""
        found = self._with_children(
            _ORDER_TRANSACTIONS, {"order_id": order_id}, _POSTINGS_OF_MANY, "transaction_id"
        )
        return [mapping.ledger_transaction_to_domain(row, postings) for row, postings in found]

    def balances(self, currency: str | None = None) -> dict[tuple[Account, str], Money]:
        """``SUM(amount)`` per (account, currency), zero balances left out."""
        if currency is None:
            rows = self._conn.execute(_BALANCES)
        else:
            rows = self._conn.execute(_BALANCES_IN, {"currency": currency})
        found = {
            (mapping.account_to_domain(row.account_kind, row.account_owner), row.currency): Money(
                int(row.net), row.currency
            )
            for row in rows
        }
        return dict(sorted(found.items(), key=lambda item: (item[0][1], item[0][0].sort_key)))

    def net(self, account: Account, currency: str) -> Money:
        """``SUM(amount)`` of one account's postings in ``currency`` (one query)."""
        params = {"account_kind": account.kind.value, "account_owner": account.owner,
                  "currency": currency}  # fmt: skip
        return Money(int(self._conn.execute(_NET_OF, params).scalar_one()), currency)

    def for_account(self, account: Account, within: TimeRange | None = None) -> list[Transaction]:
        """The transactions posting to ``account``, in recording order (two queries)."""
        params: dict[str, object] = {
            "account_kind": account.kind.value,
            "account_owner": account.owner,
        }
        statement = _ACCOUNT_TRANSACTIONS
        if within is not None:
            params |= {"start": within.start, "end": within.end}
            statement = _ACCOUNT_TRANSACTIONS_WITHIN
        found = self._with_children(statement, params, _POSTINGS_OF_MANY, "transaction_id")
        return [mapping.ledger_transaction_to_domain(row, postings) for row, postings in found]
