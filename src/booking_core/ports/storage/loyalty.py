"""Loyalty's storage: points accounts, lots and their journal, check-ins, tiers."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from pendulum import Date, DateTime

from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import (
    CheckIn,
    PointsAccount,
    PointsChange,
    PointsMovement,
    PointsSource,
    TierChange,
    TierStatus,
)

__all__ = ["LoyaltyStore", "PointsRepository", "TierRepository"]


class PointsRepository(Protocol):
    """Points accounts, their lots, the points journal and the check-ins.

    Guarantees (proved by the storage contract under concurrency): a points balance never
    goes below zero (unless a change carries a debt), each movement id is stored once (a
    replayed award, spend or claw-back is a no-op), at most one check-in per customer per
    local day.
    """

    def account(
        self, customer_id: CustomerId, *, lock: bool = False, include: Collection[str] = ()
    ) -> PointsAccount:
        """His account: totals, and every lot with points left plus the lots ``include``
        names (an empty account, sequence 0, for a customer never awarded anything).

        With ``lock`` the account is held until the unit of work ends: another unit of work
        asking for it with ``lock`` waits, then reads what this one committed — so
        concurrent spends are decided one after the other and never overdraw.
        """
        ...

    def save(self, change: PointsChange, *, expected_sequence: int) -> None:
        """Store ``change``: its movements, the lots they touched (new or changed) and the
        account's totals — if his stored sequence is still ``expected_sequence``.

        Raises:
            ConcurrentUpdate: someone saved his account since it was read.
            DuplicateEntity: (``points_movement_exists``) a movement id is stored already.
        """
        ...

    def movement(self, movement_id: str) -> PointsMovement | None:
        """The movement with this id (None: never stored)."""
        ...

    def statement(
        self,
        customer_id: CustomerId,
        *,
        start: DateTime | None = None,
        end: DateTime | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[PointsMovement]:
        """His movements with ``start ≤ at < end`` (either bound optional), in journal order
        (by sequence), only those after sequence ``after``, at most ``limit``."""
        ...

    def for_order(self, customer_id: CustomerId, order_id: OrderId) -> list[PointsMovement]:
        """His movements about ``order_id``, in journal order."""
        ...

    def count_awards(
        self, customer_id: CustomerId, source: PointsSource, start: DateTime, end: DateTime
    ) -> int:
        """How many lots of ``source`` he was awarded with ``start ≤ earned_at < end``."""
        ...

    def due(self, at: DateTime, *, limit: int) -> list[CustomerId]:
        """Customers with a lot still holding points whose expiry is ``≤ at`` (at most
        ``limit``, by id)."""
        ...

    def add_check_in(self, check_in: CheckIn) -> bool:
        """Store his check-in of its local day; False (and nothing stored) if he has one
        for that day already — also when another unit of work stores one meanwhile."""
        ...

    def check_in(self, customer_id: CustomerId, local_date: Date) -> CheckIn | None:
        """His check-in of ``local_date`` (None: none)."""
        ...

    def last_check_in(self, customer_id: CustomerId) -> CheckIn | None:
        """His latest check-in (None: never)."""
        ...


class TierRepository(Protocol):
    """Customers' tier statuses and their history of changes."""

    def get(self, customer_id: CustomerId) -> TierStatus | None:
        """His status (None: never evaluated)."""
        ...

    def save(self, status: TierStatus) -> None:
        """Store his status (replacing any before)."""
        ...

    def record(self, change: TierChange) -> None:
        """Append ``change`` to his history."""
        ...

    def history(self, customer_id: CustomerId) -> list[TierChange]:
        """His changes, oldest first."""
        ...

    def members(self, *, after: CustomerId | None = None, limit: int = 100) -> list[TierStatus]:
        """Stored statuses in customer id order, those after ``after``, at most ``limit``."""
        ...


class LoyaltyStore(Protocol):
    """The loyalty part of a unit of work."""

    @property
    def points(self) -> PointsRepository: ...

    @property
    def tiers(self) -> TierRepository: ...
