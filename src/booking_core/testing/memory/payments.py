"""In-memory payment attempts, refunds, money movements, webhook inbox and statement checks."""

from __future__ import annotations

from collections.abc import Collection

from pendulum import Date, DateTime

from booking_core.errors import IdempotencyConflict
from booking_core.ids import OrderId
from booking_core.orders.payments import (
    MoneyMovement,
    PaymentAttempt,
    RefundRecord,
    open_attempt_exists,
)
from booking_core.orders.statements import StatementCheck
from booking_core.testing.memory.table import Table

__all__ = [
    "InMemoryMovements",
    "InMemoryPayments",
    "InMemoryRefunds",
    "InMemoryStatementChecks",
    "InMemoryWebhookInbox",
]


class InMemoryPayments(Table):
    """:class:`~booking_core.ports.storage.PaymentRepository` over a snapshot."""

    def add(self, attempt: PaymentAttempt) -> None:
        # At most one open attempt per order, as the SQL adapter's partial unique index.
        fresh_and_open = attempt.key not in self.rows and attempt.is_open
        if fresh_and_open and any(
            a.is_open and a.order_id == attempt.order_id for a in self.rows.values()
        ):
            raise open_attempt_exists(attempt)
        self._insert(attempt.key, attempt)

    def get(self, key: str) -> PaymentAttempt:
        result: PaymentAttempt = self._get(key)
        return result

    def save(self, attempt: PaymentAttempt) -> None:
        self._get(attempt.key)
        self.rows[attempt.key] = attempt

    def for_order(self, order_id: OrderId) -> list[PaymentAttempt]:
        found = [a for a in self.rows.values() if a.order_id == order_id]
        return sorted(found, key=lambda a: (a.created_at, a.key))


class InMemoryRefunds(Table):
    """:class:`~booking_core.ports.storage.RefundRepository` over a snapshot."""

    def add(self, refund: RefundRecord) -> None:
        self._insert(refund.key, refund)

    def get(self, key: str) -> RefundRecord:
        result: RefundRecord = self._get(key)
        return result

    def save(self, refund: RefundRecord) -> None:
        self._get(refund.key)
        self.rows[refund.key] = refund

    def for_order(self, order_id: OrderId) -> list[RefundRecord]:
        found = [r for r in self.rows.values() if r.order_id == order_id]
        return sorted(found, key=lambda r: (r.requested_at, r.key))


class InMemoryMovements(Table):
    """:class:`~booking_core.ports.storage.MoneyMovementRepository` over a snapshot."""

    def append(self, movement: MoneyMovement) -> bool:
        known: tuple[int, MoneyMovement] | None = self.rows.get(movement.key)
        if known is None:
            # The position keeps "the order they were applied" without a clock.
            self.rows[movement.key] = (len(self.rows), movement)
            return True
        if known[1].same_fact(movement):
            return False
        raise IdempotencyConflict(
            f"Money movement {movement.key!r} was applied with another amount; not applied.",
            details={"key": movement.key},
        )

    def for_order(self, order_id: OrderId) -> list[MoneyMovement]:
        found = sorted(p for p in self.rows.values() if p[1].order_id == order_id)
        return [m for _, m in found]

    def between(self, start: DateTime, end: DateTime) -> list[MoneyMovement]:
        found = [m for _, m in self.rows.values() if start <= m.at < end]
        return sorted(found, key=lambda m: (m.at, m.key))

    def find(self, keys: Collection[str]) -> list[MoneyMovement]:
        return [self.rows[k][1] for k in sorted(set(keys)) if k in self.rows]


class InMemoryWebhookInbox(Table):
    """:class:`~booking_core.ports.storage.WebhookInbox` over a snapshot."""

    def record(self, gateway: str, event_id: str, raw: str, received_at: DateTime) -> bool:
        key = f"{gateway}\x00{event_id}"
        if key in self.rows:
            return False
        self.rows[key] = (raw, received_at)
        return True


class InMemoryStatementChecks(Table):
    """:class:`~booking_core.ports.storage.StatementCheckRepository` over a snapshot."""

    def save(self, check: StatementCheck) -> None:
        self.rows[f"{check.provider}\x00{check.day.isoformat()}"] = check

    def get(self, provider: str, day: Date) -> StatementCheck | None:
        found: StatementCheck | None = self.rows.get(f"{provider}\x00{day.isoformat()}")
        return found

    def recent(
        self,
        *,
        provider: str | None = None,
        after: tuple[Date, str] | None = None,
        limit: int = 50,
    ) -> list[StatementCheck]:
        found = [
            c
            for c in self.rows.values()
            if (provider is None or c.provider == provider)
            and (after is None or c.day < after[0] or (c.day == after[0] and c.provider > after[1]))
        ]
        found.sort(key=lambda c: c.provider)
        found.sort(key=lambda c: c.day, reverse=True)
        return found[:limit]
