"""Withdrawals in ``withdrawals``: key columns plus the converter document, compare-and-set
on ``version``.

A payee's requests are serialized by his lock (``LockKey.payee``, an advisory lock on
PostgreSQL; SQLite's writer lock), which the service takes before it reads the balance; the
unique ``(payee, idempotency_key)`` makes a retried request find the first one.
"""

from __future__ import annotations

from typing import Any, Final

import attrs
from sqlalchemy import BindParameter, and_, bindparam, func, or_, select, update

from booking_core.payouts import Payee, Withdrawal, WithdrawalId, WithdrawalStatus
from booking_core.ports.storage import WithdrawalCursor
from booking_core.serialization import make_converter
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing
from booking_core_sqlalchemy.tables import UtcDateTime, withdrawals

__all__ = ["SqlAlchemyWithdrawalRepository", "withdrawal_to_domain", "withdrawal_to_row"]

_converter = make_converter()
_w = withdrawals.c
_AT = bindparam("cursor_at", type_=UtcDateTime())
_ID: BindParameter[str] = bindparam("cursor_id")
_RETURNED = [s.value for s in WithdrawalStatus if s.returned]

_INSERT: Final = insert_or_nothing(withdrawals)
_GET: Final = select(withdrawals).where(_w.id == bindparam("withdrawal_id"))
_BY_KEY: Final = select(withdrawals).where(
    _w.payee == bindparam("payee"), _w.idempotency_key == bindparam("key")
)
_CAS: Final = (
    update(withdrawals)
    .where(_w.id == bindparam("cas_id"), _w.version == bindparam("cas_version"))
    .values(
        status=bindparam("new_status"),
        document=bindparam("new_document", type_=_w.document.type),
        version=_w.version + 1,
    )
)
_FOR_PAYEE: Final = (
    select(withdrawals)
    .where(_w.payee == bindparam("payee"))
    .order_by(_w.requested_at.desc(), _w.id.desc())
    .limit(bindparam("limit"))
)
_FOR_PAYEE_AFTER: Final = _FOR_PAYEE.where(
    or_(_w.requested_at < _AT, and_(_w.requested_at == _AT, _w.id < _ID))
)
_BY_STATUS: Final = (
    select(withdrawals)
    .where(_w.status == bindparam("status"))
    .order_by(_w.requested_at, _w.id)
    .limit(bindparam("limit"))
)
_BY_STATUS_AFTER: Final = _BY_STATUS.where(
    or_(_w.requested_at > _AT, and_(_w.requested_at == _AT, _w.id > _ID))
)
_TOTALS: Final = select(func.count(), func.coalesce(func.sum(_w.amount), 0)).where(
    _w.payee == bindparam("payee"),
    _w.requested_at >= bindparam("start", type_=UtcDateTime()),
    _w.requested_at < bindparam("end", type_=UtcDateTime()),
    _w.status.not_in(_RETURNED),
)


def withdrawal_to_row(withdrawal: Withdrawal) -> dict[str, Any]:
    """Column values of a withdrawal: key columns and the converter document."""
    document = _converter.unstructure(withdrawal, Withdrawal)
    del document["version"]
    return {
        "id": withdrawal.id,
        "payee": withdrawal.payee.key,
        "idempotency_key": withdrawal.key,
        "status": withdrawal.status.value,
        "requested_at": withdrawal.requested_at,
        "amount": withdrawal.amount.amount,
        "currency": withdrawal.amount.currency,
        "version": withdrawal.version,
        "document": document,
    }


def withdrawal_to_domain(row: Any) -> Withdrawal:
    """The withdrawal of a ``withdrawals`` row."""
    return _converter.structure({**row.document, "version": row.version}, Withdrawal)


def _cursor(after: WithdrawalCursor) -> dict[str, Any]:
    return {"cursor_at": after.requested_at, "cursor_id": after.id}


class SqlAlchemyWithdrawalRepository(Repository):
    """Withdrawals, one statement per method."""

    entity = "withdrawal"

    def add(self, withdrawal: Withdrawal) -> Withdrawal:
        """Store a new withdrawal at version 1. Raises DuplicateEntity (its id or its
        payee's key exists)."""
        stored = attrs.evolve(withdrawal, version=1)
        self._insert_new(_INSERT, withdrawal_to_row(stored), withdrawal.id)
        return stored

    def get(self, withdrawal_id: WithdrawalId) -> Withdrawal:
        """The withdrawal. Raises NotFound (``withdrawal_not_found``)."""
        return withdrawal_to_domain(
            self._one(_GET, {"withdrawal_id": withdrawal_id}, withdrawal_id)
        )

    def find_by_key(self, payee: Payee, key: str) -> Withdrawal | None:
        """The payee's withdrawal requested under ``key``, if any."""
        row = self._conn.execute(_BY_KEY, {"payee": payee.key, "key": key}).first()
        return None if row is None else withdrawal_to_domain(row)

    def save(self, withdrawal: Withdrawal) -> Withdrawal:
        """Compare-and-set on ``version``; it at the next version.

        Raises:
            NotFound: no such withdrawal.
            ConcurrentUpdate: someone saved it since it was read.
        """
        values = withdrawal_to_row(withdrawal)
        params = {
            "cas_id": withdrawal.id,
            "cas_version": withdrawal.version,
            "new_status": values["status"],
            "new_document": values["document"],
        }
        self._compare_and_set(_CAS, params, withdrawal.id, self.get)
        return attrs.evolve(withdrawal, version=withdrawal.version + 1)

    def list_for_payee(
        self, payee: Payee, *, limit: int = 50, after: WithdrawalCursor | None = None
    ) -> list[Withdrawal]:
        """The payee's withdrawals, newest first, one page."""
        params: dict[str, Any] = {"payee": payee.key, "limit": limit}
        statement = _FOR_PAYEE
        if after is not None:
            params |= _cursor(after)
            statement = _FOR_PAYEE_AFTER
        return [withdrawal_to_domain(row) for row in self._conn.execute(statement, params)]

    def list_by_status(
        self, status: WithdrawalStatus, *, limit: int = 50, after: WithdrawalCursor | None = None
    ) -> list[Withdrawal]:
        """Withdrawals in ``status``, oldest first, one page."""
        params: dict[str, Any] = {"status": status.value, "limit": limit}
        statement = _BY_STATUS
        if after is not None:
            params |= _cursor(after)
            statement = _BY_STATUS_AFTER
        return [withdrawal_to_domain(row) for row in self._conn.execute(statement, params)]

    def totals_in(self, payee: Payee, within: TimeRange) -> tuple[int, int]:
        """Count and sum of the payee's withdrawals in ``within`` not returned (one query)."""
        params = {"payee": payee.key, "start": within.start, "end": within.end}
        count, total = self._conn.execute(_TOTALS, params).one()
        return int(count), int(total)
