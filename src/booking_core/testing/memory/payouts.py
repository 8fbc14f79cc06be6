"""In-memory withdrawals."""

from __future__ import annotations

import attrs

from booking_core.errors import ConcurrentUpdate, DuplicateEntity
from booking_core.payouts import Payee, Withdrawal, WithdrawalId, WithdrawalStatus
from booking_core.ports.storage import WithdrawalCursor
from booking_core.testing.memory.table import Table
from booking_core.timerange import TimeRange

__all__ = ["InMemoryWithdrawals"]


def _order_key(w: Withdrawal) -> tuple[int, int, str]:
    return w.requested_at.int_timestamp, w.requested_at.microsecond, w.id


def _cursor_key(c: WithdrawalCursor) -> tuple[int, int, str]:
    return c.requested_at.int_timestamp, c.requested_at.microsecond, c.id


class InMemoryWithdrawals(Table):
    """:class:`~booking_core.ports.storage.WithdrawalRepository` over a snapshot (rows are
    frozen :class:`Withdrawal` s by id; units of work are serialized)."""

    def _all(self) -> list[Withdrawal]:
        return list(self.rows.values())

    def add(self, withdrawal: Withdrawal) -> Withdrawal:
        if self.find_by_key(withdrawal.payee, withdrawal.key) is not None:
            raise DuplicateEntity("withdrawal", withdrawal.id)
        stored = attrs.evolve(withdrawal, version=1)
        self._insert(withdrawal.id, stored)
        return stored

    def get(self, withdrawal_id: WithdrawalId) -> Withdrawal:
        found: Withdrawal = self._get(withdrawal_id)
        return found

    def find_by_key(self, payee: Payee, key: str) -> Withdrawal | None:
        return next((w for w in self._all() if w.payee == payee and w.key == key), None)

    def save(self, withdrawal: Withdrawal) -> Withdrawal:
        if self.get(withdrawal.id).version != withdrawal.version:
            raise ConcurrentUpdate(
                f"Withdrawal {withdrawal.id} was changed by someone else; reload it and try again.",
                details={"withdrawal_id": withdrawal.id},
            )
        stored = attrs.evolve(withdrawal, version=withdrawal.version + 1)
        self.rows[withdrawal.id] = stored
        return stored

    def list_for_payee(
        self, payee: Payee, *, limit: int = 50, after: WithdrawalCursor | None = None
    ) -> list[Withdrawal]:
        mine = sorted((w for w in self._all() if w.payee == payee), key=_order_key, reverse=True)
        if after is not None:
            mine = [w for w in mine if _order_key(w) < _cursor_key(after)]
        return mine[:limit]

    def list_by_status(
        self, status: WithdrawalStatus, *, limit: int = 50, after: WithdrawalCursor | None = None
    ) -> list[Withdrawal]:
        found = sorted((w for w in self._all() if w.status is status), key=_order_key)
        if after is not None:
            found = [w for w in found if _order_key(w) > _cursor_key(after)]
        return found[:limit]

    def totals_in(self, payee: Payee, within: TimeRange) -> tuple[int, int]:
        counted = [
            w
            for w in self._all()
            if w.payee == payee and within.contains(w.requested_at) and not w.status.returned
        ]
        return len(counted), sum(w.amount.amount for w in counted)
