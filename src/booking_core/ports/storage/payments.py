"""Storage of money on its way: payment attempts, refunds, the money movements applied to
orders, the inbox of payment notifications, and the checks of providers' statements."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from pendulum import Date, DateTime

from booking_core.ids import OrderId
from booking_core.orders.payments import MoneyMovement, PaymentAttempt, RefundRecord
from booking_core.orders.statements import StatementCheck

__all__ = [
    "MoneyMovementRepository",
    "PaymentRepository",
    "PaymentStore",
    "RefundRepository",
    "StatementCheckRepository",
    "WebhookInbox",
]


class PaymentRepository(Protocol):
    """Payment attempts, one per idempotency key."""

    def add(self, attempt: PaymentAttempt) -> None:
        """Store a new attempt.

        Raises:
            DuplicateEntity: (``payment_exists``) for a known key.
            ConcurrentUpdate: if ``attempt`` is open and another attempt of its order is
                open too: at most one is, per order (the database states it where it can).
        """
        ...

    def get(self, key: str) -> PaymentAttempt:
        """The attempt. Raises NotFound (code ``payment_not_found``)."""
        ...

    def save(self, attempt: PaymentAttempt) -> None:
        """Replace the stored attempt with the same key. Raises NotFound."""
        ...

    def for_order(self, order_id: OrderId) -> list[PaymentAttempt]:
        """The order's attempts, oldest first (then by key)."""
        ...


class RefundRepository(Protocol):
    """Refunds asked of the gateway, one per idempotency key."""

    def add(self, refund: RefundRecord) -> None:
        """Store a new refund. Raises DuplicateEntity (``refund_exists``) for a known key."""
        ...

    def get(self, key: str) -> RefundRecord:
        """The refund. Raises NotFound (code ``refund_not_found``)."""
        ...

    def save(self, refund: RefundRecord) -> None:
        """Replace the stored refund with the same key. Raises NotFound."""
        ...

    def for_order(self, order_id: OrderId) -> list[RefundRecord]:
        """The order's refunds, oldest first (then by key)."""
        ...


class MoneyMovementRepository(Protocol):
    """The append-only list of money applied to orders; one entry per key (I15)."""

    def append(self, movement: MoneyMovement) -> bool:
        """Store ``movement`` unless its key is known.

        Returns:
            True if stored; False if the same fact (key, kind, amount) was stored already —
            also when another unit of work stores it concurrently.

        Raises:
            IdempotencyConflict: if the key is stored with another kind or amount.
        """
        ...

    def for_order(self, order_id: OrderId) -> list[MoneyMovement]:
        """The order's movements, in the order they were applied."""
        ...

    def between(self, start: DateTime, end: DateTime) -> list[MoneyMovement]:
        """The movements applied at ``start`` or later and before ``end``, by time then key."""
        ...

    def find(self, keys: Collection[str]) -> list[MoneyMovement]:
        """The movements stored under any of ``keys``, by key (unknown keys are skipped)."""
        ...


class StatementCheckRepository(Protocol):
    """The outcome of each provider's statement check, one per provider and day."""

    def save(self, check: StatementCheck) -> None:
        """Store ``check``, replacing the one of its provider and day (a check run again)."""
        ...

    def get(self, provider: str, day: Date) -> StatementCheck | None:
        """The check of ``provider``'s statement of ``day``; None if none was made."""
        ...

    def recent(
        self,
        *,
        provider: str | None = None,
        after: tuple[Date, str] | None = None,
        limit: int = 50,
    ) -> list[StatementCheck]:
        """The checks, newest day first (then by provider), of one provider or all; after
        the check of ``(day, provider)`` (the page's cursor) when given."""
        ...


class WebhookInbox(Protocol):
    """Raw payment notifications, deduplicated by (gateway, event id)."""

    def record(self, gateway: str, event_id: str, raw: str, received_at: DateTime) -> bool:
        """Store a notification; True if new, False if (gateway, event id) was seen before
        (also when stored concurrently by another unit of work)."""
        ...


class PaymentStore(Protocol):
    """The payments' part of a unit of work."""

    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def refunds(self) -> RefundRepository: ...
    @property
    def movements(self) -> MoneyMovementRepository: ...
    @property
    def webhooks(self) -> WebhookInbox: ...
    @property
    def statements(self) -> StatementCheckRepository: ...
