"""Payments: payment attempts, refunds, money movements, the webhook inbox and the checks
of providers' statements."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from pendulum import Date, DateTime
from sqlalchemy import BindParameter, and_, bindparam, delete, insert, or_, select

from booking_core.errors import DuplicateEntity, IdempotencyConflict
from booking_core.ids import OrderId
from booking_core.orders.payments import (
    MoneyMovement,
    PaymentAttempt,
    RefundRecord,
    open_attempt_exists,
)
from booking_core.orders.statements import StatementCheck
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import (
    Repository,
    insert_or_nothing,
    new_values,
    rowcount,
    update_columns,
)
from booking_core_sqlalchemy.tables import (
    money_movements,
    payment_attempts,
    refunds,
    statement_checks,
    webhook_events,
)

__all__ = [
    "SqlAlchemyMoneyMovementRepository",
    "SqlAlchemyPaymentRepository",
    "SqlAlchemyRefundRepository",
    "SqlAlchemyStatementCheckRepository",
    "SqlAlchemyWebhookInbox",
]

_KEY: BindParameter[str] = bindparam("key")
_ORDER_ID: BindParameter[str] = bindparam("order_id")


_SAVE_PAYMENT: Final = update_columns(
    payment_attempts, payment_attempts.c.key == bindparam("by_key"), keep=["key"]
)
_INSERT_PAYMENT: Final = insert_or_nothing(payment_attempts)
_PAYMENT: Final = select(payment_attempts).where(payment_attempts.c.key == _KEY)
_PAYMENT_KNOWN: Final = select(payment_attempts.c.key).where(payment_attempts.c.key == _KEY)
_ORDER_PAYMENTS: Final = (
    select(payment_attempts)
    .where(payment_attempts.c.order_id == _ORDER_ID)
    .order_by(payment_attempts.c.created_at, payment_attempts.c.key)
)


class SqlAlchemyPaymentRepository(Repository):
    """Payment attempts in ``payment_attempts``, one per idempotency key."""

    entity = "payment"

    def add(self, attempt: PaymentAttempt) -> None:
        """Store a new attempt.

        Raises:
            DuplicateEntity: (``payment_exists``) for a known key.
            ConcurrentUpdate: if another attempt of the order is open (the partial unique
                index ``uq_payment_attempts_one_open`` refused it).
        """
        values = mapping.payment_to_row(attempt)
        if rowcount(self._conn.execute(_INSERT_PAYMENT.on(self._postgres), values)):
            return
        if self._conn.execute(_PAYMENT_KNOWN, {"key": attempt.key}).first() is not None:
            raise DuplicateEntity(self.entity, attempt.key)
        raise open_attempt_exists(attempt)

    def get(self, key: str) -> PaymentAttempt:
        """The attempt. Raises NotFound (code ``payment_not_found``)."""
        return mapping.payment_to_domain(self._one(_PAYMENT, {"key": key}, key))

    def save(self, attempt: PaymentAttempt) -> None:
        """Replace the stored attempt with the same key. Raises NotFound."""
        params = new_values(mapping.payment_to_row(attempt), by_key=attempt.key)
        self._update_one(_SAVE_PAYMENT, params, attempt.key)

    def for_order(self, order_id: OrderId) -> list[PaymentAttempt]:
        """The order's attempts, oldest first (then by key)."""
        rows = self._conn.execute(_ORDER_PAYMENTS, {"order_id": order_id})
        return [mapping.payment_to_domain(row) for row in rows]


_SAVE_REFUND: Final = update_columns(refunds, refunds.c.key == bindparam("by_key"), keep=["key"])
_INSERT_REFUND: Final = insert_or_nothing(refunds)
_REFUND: Final = select(refunds).where(refunds.c.key == _KEY)
_ORDER_REFUNDS: Final = (
    select(refunds)
    .where(refunds.c.order_id == _ORDER_ID)
    .order_by(refunds.c.requested_at, refunds.c.key)
)


class SqlAlchemyRefundRepository(Repository):
    """Refunds in ``refunds``, one per idempotency key."""

    entity = "refund"

    def add(self, refund: RefundRecord) -> None:
        """Store a new refund. Raises DuplicateEntity (``refund_exists``)."""
        self._insert_new(_INSERT_REFUND, mapping.refund_to_row(refund), refund.key)

    def get(self, key: str) -> RefundRecord:
        """The refund. Raises NotFound (code ``refund_not_found``)."""
        return mapping.refund_to_domain(self._one(_REFUND, {"key": key}, key))

    def save(self, refund: RefundRecord) -> None:
        """Replace the stored refund with the same key. Raises NotFound."""
        params = new_values(mapping.refund_to_row(refund), by_key=refund.key)
        self._update_one(_SAVE_REFUND, params, refund.key)

    def for_order(self, order_id: OrderId) -> list[RefundRecord]:
        """The order's refunds, oldest first (then by key)."""
        rows = self._conn.execute(_ORDER_REFUNDS, {"order_id": order_id})
        return [mapping.refund_to_domain(row) for row in rows]


# Only the key may conflict here: any other violation must not pass silently.
_INSERT_MOVEMENT: Final = insert_or_nothing(money_movements, index_elements=["key"])
_MOVEMENT: Final = select(money_movements).where(money_movements.c.key == _KEY)
_ORDER_MOVEMENTS: Final = (
    select(money_movements)
    .where(money_movements.c.order_id == _ORDER_ID)
    .order_by(money_movements.c.position)
)


class SqlAlchemyMoneyMovementRepository(Repository):
    """The append-only ``money_movements``; the unique ``key`` makes replays no-ops (I15)."""

    entity = "money_movement"

    def append(self, movement: MoneyMovement) -> bool:
        """Store ``movement`` unless its key is known (True if stored, False for a replay).

        A concurrent insert of the same key waits for the other transaction, then does
        nothing if it committed (``ON CONFLICT DO NOTHING``).

        Raises:
            IdempotencyConflict: if the key is stored with another kind or amount.
        """
        conn = self._conn
        values = mapping.movement_to_row(movement)
        if rowcount(conn.execute(_INSERT_MOVEMENT.on(self._postgres), values)):
            return True
        row = conn.execute(_MOVEMENT, {"key": movement.key}).one()
        if mapping.movement_to_domain(row).same_fact(movement):
            return False
        raise IdempotencyConflict(
            f"Money movement {movement.key!r} was applied with another amount; not applied.",
            details={"key": movement.key},
        )

    def for_order(self, order_id: OrderId) -> list[MoneyMovement]:
        """The order's movements, in the order they were applied."""
        rows = self._conn.execute(_ORDER_MOVEMENTS, {"order_id": order_id})
        return [mapping.movement_to_domain(row) for row in rows]

    def between(self, start: DateTime, end: DateTime) -> list[MoneyMovement]:
        """The movements applied in ``[start, end)``, by time then key (index on ``at``)."""
        rows = self._conn.execute(_MOVEMENTS_BETWEEN, {"start": start, "end": end})
        return [mapping.movement_to_domain(row) for row in rows]

    def find(self, keys: Collection[str]) -> list[MoneyMovement]:
        """The movements stored under any of ``keys``, by key; asked in chunks, so a whole
        statement's keys stay under the drivers' parameter limits."""
        wanted = sorted(set(keys))
        found: list[MoneyMovement] = []
        for start in range(0, len(wanted), _CHUNK):
            rows = self._conn.execute(_MOVEMENTS_BY_KEY, {"keys": wanted[start : start + _CHUNK]})
            found += [mapping.movement_to_domain(row) for row in rows]
        return sorted(found, key=lambda m: m.key)


_CHUNK: Final = 500
_MOVEMENTS_BETWEEN: Final = (
    select(money_movements)
    .where(money_movements.c.at >= bindparam("start"), money_movements.c.at < bindparam("end"))
    .order_by(money_movements.c.at, money_movements.c.key)
)
_MOVEMENTS_BY_KEY: Final = select(money_movements).where(
    money_movements.c.key.in_(bindparam("keys", expanding=True))
)
_CHECK: Final = select(statement_checks).where(
    statement_checks.c.provider == bindparam("provider"),
    statement_checks.c.day == bindparam("day"),
)
_DROP_CHECK: Final = delete(statement_checks).where(
    statement_checks.c.provider == bindparam("provider"),
    statement_checks.c.day == bindparam("day"),
)


class SqlAlchemyStatementCheckRepository(Repository):
    """The checks of providers' statements in ``statement_checks``, one per provider and day."""

    entity = "statement_check"

    def save(self, check: StatementCheck) -> None:
        """Store ``check``, replacing the one of its provider and day."""
        values = mapping.statement_check_to_row(check)
        self._conn.execute(_DROP_CHECK, {"provider": check.provider, "day": values["day"]})
        self._conn.execute(insert(statement_checks), values)

    def get(self, provider: str, day: Date) -> StatementCheck | None:
        """The check of ``provider``'s statement of ``day``, if one was made."""
        row = self._conn.execute(_CHECK, {"provider": provider, "day": day.isoformat()}).first()
        return None if row is None else mapping.statement_check_to_domain(row)

    def recent(
        self,
        *,
        provider: str | None = None,
        after: tuple[Date, str] | None = None,
        limit: int = 50,
    ) -> list[StatementCheck]:
        """The checks, newest day first, then by provider (``C`` collation: byte order)."""
        query = select(statement_checks)
        if provider is not None:
            query = query.where(statement_checks.c.provider == provider)
        if after is not None:
            day = after[0].isoformat()
            query = query.where(
                or_(
                    statement_checks.c.day < day,
                    and_(statement_checks.c.day == day, statement_checks.c.provider > after[1]),
                )
            )
        query = query.order_by(statement_checks.c.day.desc(), statement_checks.c.provider)
        rows = self._conn.execute(query.limit(limit))
        return [mapping.statement_check_to_domain(row) for row in rows]


_INSERT_WEBHOOK: Final = insert_or_nothing(webhook_events)


class SqlAlchemyWebhookInbox(Repository):
    """Raw payment notifications in ``webhook_events``, once per (gateway, event id)."""

    entity = "webhook_event"

    def record(self, gateway: str, event_id: str, raw: str, received_at: DateTime) -> bool:
        """Store a notification; True if new, False if seen before (also concurrently)."""
        values = {"gateway": gateway, "event_id": event_id, "raw": raw,
                  "received_at": received_at}  # fmt: skip
        return bool(rowcount(self._conn.execute(_INSERT_WEBHOOK.on(self._postgres), values)))
