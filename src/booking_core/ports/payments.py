"""The payment gateway port (see shared PAYMENTS.md).

Amounts cross the port as :class:`~booking_core.money.Money`; each adapter converts at its
edge (fen for WeChat Pay and Stripe, a yuan string for Alipay). Idempotency keys come from
the domain, deterministic per (order, operation, sequence); an adapter maps them onto the
provider's own key (``out_trade_no``, ``Idempotency-Key`` …).

A timeout or a 5xx on a call that moves money is :attr:`PaymentStatus.UNKNOWN`, never a
failure: the caller reconciles with :meth:`PaymentGateway.get_payment` and retries with the
same key. Capture, cancel and webhooks join this port with the order lifecycle.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import attrs

from booking_core.money import Money

__all__ = [
    "Capabilities",
    "NextAction",
    "PaymentGateway",
    "PaymentPurpose",
    "PaymentRequest",
    "PaymentResult",
    "PaymentStatus",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
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


class RefundStatus(StrEnum):
    """Where a refund stands."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


@attrs.frozen
class Capabilities:
    """What a gateway can do; the core picks its strategies from these, never assumes."""

    manual_capture: bool
    partial_capture: bool
    partial_refund: bool
    asynchronous_refund: bool
    preauthorization: bool
    authorization_ttl_minutes: int | None
    currencies: frozenset[str]


@attrs.frozen
class NextAction:
    """What the customer must do to finish paying (a QR code, a redirect, signed
    mini-program ``requestPayment`` parameters, a Stripe client secret)."""

    kind: str
    data: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class PaymentRequest:
    """Create a payment of ``amount`` for an order."""

    idempotency_key: str
    order_id: str
    amount: Money
    purpose: PaymentPurpose
    description: str = ""


@attrs.frozen
class PaymentResult:
    """The gateway's answer about one payment."""

    idempotency_key: str
    status: PaymentStatus
    amount: Money
    gateway_reference: str | None = None
    next_action: NextAction | None = None
    failure_code: str | None = None
    failure_message: str | None = None


@attrs.frozen
class RefundRequest:
    """Refund ``amount`` of the payment made under ``payment_key``."""

    idempotency_key: str
    payment_key: str
    amount: Money
    reason: str = ""


@attrs.frozen
class RefundResult:
    """The gateway's answer about one refund."""

    idempotency_key: str
    status: RefundStatus
    amount: Money
    gateway_reference: str | None = None


class PaymentGateway(Protocol):
    """A payment provider (WeChat Pay, Alipay, Stripe, or the fake one in testing)."""

    @property
    def capabilities(self) -> Capabilities:
        """What this gateway supports."""
        ...

    def create_payment(self, request: PaymentRequest) -> PaymentResult:
        """Create (or, for a known key, return) a payment.

        A declined payment is a result, not an exception; a timeout is ``UNKNOWN``.

        Raises:
            IdempotencyConflict: if the key was used with a different amount or order.
        """
        ...

    def get_payment(self, idempotency_key: str) -> PaymentResult:
        """The authoritative status of the payment created under the key.

        Raises:
            NotFound: (code ``payment_not_found``) if no such payment exists.
        """
        ...

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund part or all of a captured payment; same key, same result.

        Raises:
            IdempotencyConflict: if the key was used with different parameters.
            PaymentError: if the refund exceeds what remains refundable.
        """
        ...

    def get_refund(self, idempotency_key: str) -> RefundResult:
        """The authoritative status of a refund. Raises NotFound (``refund_not_found``)."""
        ...
