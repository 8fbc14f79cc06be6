"""Payment records of an order: one per attempt, one per refund, and an append-only list of
money movements with unique keys (PAYMENTS.md, "Payment records in the core").

* A :class:`PaymentAttempt` is a small state machine over :class:`PaymentStatus`: the
  gateway's word moves it forward, never back (a captured payment stays captured).
* A :class:`RefundRecord` is one refund asked of the gateway.
* A :class:`MoneyMovement` is an applied fact — "captured 199.00 under key K" — stored under a
  unique key, so applying the same fact twice (the API answer, then the webhook, then a
  reconciliation) has one effect (INVARIANTS I15). The same key with another amount is refused.

Idempotency keys are deterministic per (order, operation, sequence) and at most 32
characters for ids up to 20 characters (WeChat Pay's ``out_trade_no`` limit).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import attrs
from pendulum import DateTime

from booking_core.errors import ConcurrentUpdate, IdempotencyConflict, RefundExceedsCaptured
from booking_core.ids import OrderId
from booking_core.money import Money

__all__ = [
    "MoneyMovement",
    "MovementKind",
    "PaymentAttempt",
    "PaymentPurpose",
    "PaymentStatus",
    "RefundRecord",
    "RefundStatus",
    "open_attempt_exists",
    "payment_key",
    "plan_refund",
    "refund_key",
]


class PaymentStatus(StrEnum):
    """Where a payment attempt stands, as the gateway last said."""

    REQUIRES_ACTION = "requires_action"  # the customer must scan, confirm or redirect
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"  # timeout or 5xx: reconcile, never assume failure


class PaymentPurpose(StrEnum):
    """What a payment is for."""

    FULL = "full"
    DEPOSIT = "deposit"
    BALANCE = "balance"
    FEE = "fee"
    SUPPLEMENT = "supplement"  # a price difference after the order was changed
    TIP = "tip"  # 打赏: the customer's gift to the technician, never part of the price


class RefundStatus(StrEnum):
    """Where a refund stands."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


#: How far along each status is; the gateway's word only moves an attempt forward.
_RANK: Final = {
    PaymentStatus.UNKNOWN: 0,
    PaymentStatus.REQUIRES_ACTION: 1,
    PaymentStatus.AUTHORIZED: 2,
    PaymentStatus.DECLINED: 3,
    PaymentStatus.CANCELLED: 3,
    PaymentStatus.CAPTURED: 4,  # money moved: beats a cancellation that lost the race
}

_OPEN: Final = frozenset(
    {PaymentStatus.UNKNOWN, PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED}
)


def payment_key(order_id: str, purpose: PaymentPurpose, sequence: int) -> str:
    """The idempotency key of the ``sequence``-th ``purpose`` payment of an order."""
    return f"{order_id}:{purpose.value[:3]}:{sequence}"


def open_attempt_exists(attempt: PaymentAttempt) -> ConcurrentUpdate:
    """The error of storage that refuses ``attempt`` because another attempt of its order
    is still open (at most one is, per order)."""
    return ConcurrentUpdate(
        f"Order {attempt.order_id} has a payment on its way already; ask about it (pay "
        "again) instead of opening another.",
        details={"order_id": attempt.order_id, "key": attempt.key},
    )


def refund_key(order_id: str, sequence: int) -> str:
    """The idempotency key of the ``sequence``-th refund of an order."""
    return f"{order_id}:rf:{sequence}"


@attrs.frozen
class PaymentAttempt:
    """One payment asked of the gateway (a deposit, the full price, a balance …).

    ``gateway`` names the provider that was asked (``""`` for attempts stored before payment
    routing: the default provider); its queries and refunds go back to it.
    """

    key: str
    order_id: OrderId
    purpose: PaymentPurpose
    amount: Money
    status: PaymentStatus
    created_at: DateTime
    updated_at: DateTime
    gateway_reference: str | None = None
    failure_code: str | None = None
    gateway: str = ""
    captured: Money | None = None

    @property
    def is_open(self) -> bool:
        """Not settled yet: unknown, awaiting the customer, or authorized."""
        return self.status in _OPEN

    @property
    def captured_amount(self) -> Money:
        """What was taken: all of ``amount``, or the part of a hold that was captured."""
        return self.captured if self.captured is not None else self.amount

    def advanced_to(
        self,
        status: PaymentStatus,
        amount: Money,
        *,
        at: DateTime,
        reference: str | None = None,
        failure_code: str | None = None,
    ) -> PaymentAttempt:
        """This attempt as the gateway now reports it; a report that would move it back
        (or tells what we already know) leaves it as it is.

        A hold (``authorized``) may be captured in part: its capture reports the captured
        amount, which ``captured`` keeps.

        Raises:
            IdempotencyConflict: if the gateway reports another amount for this key.
        """
        partial = (
            self.status is PaymentStatus.AUTHORIZED
            and status is PaymentStatus.CAPTURED
            and amount.currency == self.amount.currency
            and 0 < amount.amount < self.amount.amount
        )
        # A capture we know of is told again with what was captured.
        replayed = self.status is status is PaymentStatus.CAPTURED and amount == self.captured
        if amount != self.amount and not partial and not replayed:
            raise IdempotencyConflict(
                f"The gateway reports {amount} for payment {self.key}, which was for "
                f"{self.amount}; nothing was applied.",
                details={"key": self.key},
            )
        if _RANK[status] <= _RANK[self.status]:
            return self
        return attrs.evolve(
            self,
            status=status,
            updated_at=at,
            gateway_reference=reference or self.gateway_reference,
            failure_code=failure_code,
            captured=amount if partial else None,
        )


@attrs.frozen
class RefundRecord:
    """One refund asked of the gateway against one captured payment; ``gateway`` is the
    provider that took that payment (``""``: the default provider)."""

    key: str
    order_id: OrderId
    payment_key: str
    amount: Money
    status: RefundStatus
    reason: str
    requested_at: DateTime
    updated_at: DateTime
    gateway: str = ""

    @property
    def is_open(self) -> bool:
        """Asked for, not yet known to have succeeded or failed."""
        return self.status in (RefundStatus.PENDING, RefundStatus.UNKNOWN)


class MovementKind(StrEnum):
    """What moved."""

    CAPTURED = "captured"
    REFUNDED = "refunded"


@attrs.frozen
class MoneyMovement:
    """An applied fact about money on an order, stored once under ``key`` (the payment's or
    refund's key and ``:captured`` / ``:refunded``); ``gateway`` is the provider that moved
    it (``""``: the default provider)."""

    key: str
    order_id: OrderId
    kind: MovementKind
    amount: Money
    at: DateTime
    source: str  # "api", "webhook" or "reconciliation"
    gateway: str = ""

    @classmethod
    def capture(cls, attempt: PaymentAttempt, *, at: DateTime, source: str) -> MoneyMovement:
        """The capture of ``attempt``."""
        return cls(
            f"{attempt.key}:captured", attempt.order_id, MovementKind.CAPTURED,
            attempt.captured_amount, at, source, attempt.gateway,
        )  # fmt: skip

    @classmethod
    def refund(cls, record: RefundRecord, *, at: DateTime, source: str) -> MoneyMovement:
        """The success of ``record``."""
        return cls(
            f"{record.key}:refunded", record.order_id, MovementKind.REFUNDED,
            record.amount, at, source, record.gateway,
        )  # fmt: skip

    @property
    def subject(self) -> str:
        """The key of the payment or refund it applied."""
        return self.key.rsplit(":", 1)[0]

    def same_fact(self, other: MoneyMovement) -> bool:
        """Whether ``other`` is a replay of this fact (same key, kind and amount)."""
        return (self.key, self.kind, self.amount) == (other.key, other.kind, other.amount)


def plan_refund(
    amount: Money, attempts: list[PaymentAttempt], refunds: list[RefundRecord]
) -> list[tuple[PaymentAttempt, Money]]:
    """Split a refund over the order's captured payments.

    Each payment gives back in proportion to what remains refundable on it (largest
    remainder via :meth:`Money.allocate`, ties to the earlier payment), never more than
    that remainder; parts of zero are left out.

    Raises:
        RefundExceedsCaptured: if ``amount`` exceeds what remains refundable (I13).
    """
    captured = [
        a
        for a in attempts
        if a.status is PaymentStatus.CAPTURED and a.purpose is not PaymentPurpose.TIP
    ]
    remaining: list[Money] = []
    for attempt in captured:
        taken = sum(
            (
                r.amount.amount
                for r in refunds
                if r.payment_key == attempt.key and r.status is not RefundStatus.FAILED
            ),
            0,
        )
        remaining.append(attempt.captured_amount - Money(taken, attempt.amount.currency))
    total = sum((r.amount for r in remaining), 0)
    if amount.amount > total:
        raise RefundExceedsCaptured(
            f"Cannot refund {amount}: {Money(total, amount.currency)} remains refundable.",
            details={"refundable": total},
        )
    if amount.amount == 0:
        return []
    parts = amount.allocate([r.amount for r in remaining], caps=remaining)
    return [(a, p) for a, p in zip(captured, parts, strict=True) if p.amount > 0]
