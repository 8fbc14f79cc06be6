"""Storage of withdrawals (FEATURES T10; INVARIANTS I24)."""

from __future__ import annotations

from typing import Protocol

import attrs
from pendulum import DateTime

from booking_core.payouts import Payee, Withdrawal, WithdrawalId, WithdrawalStatus
from booking_core.timerange import TimeRange

__all__ = ["PayoutStore", "WithdrawalCursor", "WithdrawalRepository"]


@attrs.frozen
class WithdrawalCursor:
    """Where a page of withdrawals ended: the last one's request instant and id."""

    requested_at: DateTime
    id: WithdrawalId

    @classmethod
    def after(cls, withdrawal: Withdrawal) -> WithdrawalCursor:
        """The cursor continuing after ``withdrawal``."""
        return cls(withdrawal.requested_at, withdrawal.id)


class WithdrawalRepository(Protocol):
    """Withdrawals, compare-and-set on ``version``.

    The service takes the payee's lock (``LockKey.payee``) before reading his balance and
    adding a withdrawal, so two requests of one payee never both spend the same money.
    """

    def add(self, withdrawal: Withdrawal) -> Withdrawal:
        """Store a new withdrawal; returns it at version 1.

        Raises:
            DuplicateEntity: (``withdrawal_exists``) its id, or its payee's idempotency key,
                is stored already.
        """
        ...

    def get(self, withdrawal_id: WithdrawalId) -> Withdrawal:
        """The withdrawal. Raises NotFound (``withdrawal_not_found``)."""
        ...

    def find_by_key(self, payee: Payee, key: str) -> Withdrawal | None:
        """The payee's withdrawal requested with idempotency key ``key``, if any."""
        ...

    def save(self, withdrawal: Withdrawal) -> Withdrawal:
        """Store the changed withdrawal if nobody saved it since it was read (its
        ``version`` is the stored one); returns it at the next version.

        Raises:
            NotFound: no such withdrawal.
            ConcurrentUpdate: someone saved it since it was read (one winner per version).
        """
        ...

    def list_for_payee(
        self, payee: Payee, *, limit: int = 50, after: WithdrawalCursor | None = None
    ) -> list[Withdrawal]:
        """The payee's withdrawals, newest first (by request instant, then id descending),
        at most ``limit``, those after ``after`` only."""
        ...

    def list_by_status(
        self, status: WithdrawalStatus, *, limit: int = 50, after: WithdrawalCursor | None = None
    ) -> list[Withdrawal]:
        """Every payee's withdrawals in ``status``, oldest first (by request instant, then
        id), at most ``limit``, those after ``after`` only (the finance queue)."""
        ...

    def totals_in(self, payee: Payee, within: TimeRange) -> tuple[int, int]:
        """How many withdrawals the payee requested within ``within`` (half-open) that were
        not returned (neither rejected nor failed), and the minor units they asked for."""
        ...


class PayoutStore(Protocol):
    """The payouts part of a unit of work."""

    @property
    def withdrawals(self) -> WithdrawalRepository: ...
