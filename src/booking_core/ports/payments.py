"""The payment gateway port (see shared PAYMENTS.md).

Amounts cross the port as :class:`~booking_core.money.Money`; each adapter converts at its
edge (fen for WeChat Pay and Stripe, a yuan string for Alipay). Idempotency keys come from
the domain, deterministic per (order, operation, sequence); an adapter maps them onto the
provider's own key (``out_trade_no``, ``Idempotency-Key`` …).

A timeout or a 5xx on a call that moves money is :attr:`PaymentStatus.UNKNOWN`, never a
failure: the caller reconciles with :meth:`PaymentGateway.get_payment` and retries with the
same key.

Webhooks: :meth:`PaymentGateway.parse_webhook` verifies the signature and returns normalized
:class:`WebhookEvent` s plus the exact acknowledgement the provider expects; the application
deduplicates them by ``(gateway, event_id)`` and applies them so that order does not matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol, runtime_checkable

import attrs
from pendulum import Date

from booking_core.money import Money
from booking_core.orders.payments import PaymentPurpose, PaymentStatus, RefundStatus
from booking_core.orders.statements import StatementEntry

__all__ = [
    "Capabilities",
    "NextAction",
    "ParsedWebhook",
    "PaymentChannel",
    "PaymentGateway",
    "PaymentPurpose",
    "PaymentRequest",
    "PaymentResult",
    "PaymentStatus",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
    "StatementSource",
    "WebhookAck",
    "WebhookEvent",
    "WebhookKind",
]


@attrs.frozen
class Capabilities:
    """What a gateway can do; the core picks its strategies from these, never assumes.

    ``link_ttl_minutes``: for a provider that knows a payment only once the customer opens
    its link or code (Alipay's redirect payments), how long a link stays payable. Until
    then a query that finds nothing is no proof the payment was never made, so the
    reconciliation waits that long before closing such an attempt. None: a created payment
    exists at the provider at once.
    """

    manual_capture: bool
    partial_capture: bool
    partial_refund: bool
    asynchronous_refund: bool
    preauthorization: bool
    authorization_ttl_minutes: int | None
    currencies: frozenset[str]
    link_ttl_minutes: int | None = None


@attrs.frozen
class NextAction:
    """What the customer must do to finish paying (a QR code, a redirect, signed
    mini-program ``requestPayment`` parameters, a Stripe client secret)."""

    kind: str
    data: dict[str, str] = attrs.field(factory=dict)


class PaymentChannel(StrEnum):
    """Where the customer pays; a routing gateway picks the provider by it, and a provider
    picks its product by it (WeChat Pay JSAPI or Native, Alipay wap or page pay …)."""

    MINI_PROGRAM = "mini_program"  # inside WeChat: a mini-program or an official account
    APP = "app"  # the platform's own mobile app
    H5 = "h5"  # a mobile browser
    QR = "qr"  # a code the customer scans (a store's counter, a desktop page)
    WEB = "web"  # a desktop browser page
    CARD = "card"  # an international card


@attrs.frozen
class PaymentRequest:
    """Create a payment of ``amount`` for an order.

    Attributes:
        channel: Where the customer pays; None lets the gateway use its default channel.
        payer: The payer's id at the provider where the channel needs one (the WeChat
            ``openid`` of a mini-program customer).
        hold: Only authorize the amount (a hold on the customer's card): the core captures
            it later, all or part, or voids it. Asked only of a gateway whose capabilities
            declare ``manual_capture``; without it the payment is captured when paid.
    """

    idempotency_key: str
    order_id: str
    amount: Money
    purpose: PaymentPurpose
    description: str = ""
    channel: PaymentChannel | None = None
    payer: str | None = None
    hold: bool = False


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
    failure_message: str | None = None


class WebhookKind(StrEnum):
    """What a provider notification says happened."""

    PAYMENT_CAPTURED = "payment_captured"
    PAYMENT_AUTHORIZED = "payment_authorized"
    PAYMENT_DECLINED = "payment_declined"
    PAYMENT_CANCELLED = "payment_cancelled"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_FAILED = "refund_failed"


@attrs.frozen
class WebhookEvent:
    """One normalized provider notification.

    Attributes:
        event_id: The provider's id of the notification (the dedupe key with the gateway);
            the same notification delivered again carries the same id.
        kind: What happened.
        payment_key: The idempotency key of the payment concerned; empty on a refund
            notice whose provider does not name the payment in our terms (WeChat Pay) —
            ``refund_key`` identifies the refund.
        amount: The amount the provider reports (checked against our records).
        refund_key: For refund notices, the refund's idempotency key.
    """

    event_id: str
    kind: WebhookKind
    payment_key: str
    amount: Money
    refund_key: str | None = None


@attrs.frozen
class WebhookAck:
    """The exact HTTP answer the provider expects (Stripe 200; Alipay ``success``;
    WeChat Pay 204, or 500 with a FAIL body)."""

    status_code: int
    body: str = ""
    content_type: str = "text/plain"


@attrs.frozen
class ParsedWebhook:
    """A verified notification: its events, the ack to send, and the raw body to store."""

    gateway: str
    events: tuple[WebhookEvent, ...]
    ack: WebhookAck
    raw: str


class PaymentGateway(Protocol):
    """A payment provider (WeChat Pay, Alipay, Stripe, or the fake one in testing)."""

    @property
    def name(self) -> str:
        """The provider's name (``"wechatpay"``, ``"alipay"``, ``"stripe"``, ``"fake"``),
        stored with each payment attempt and webhook record."""
        ...

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

    def capture(self, idempotency_key: str, amount: Money | None = None) -> PaymentResult:
        """Capture an authorized payment, all of it (``None``) or part where
        ``capabilities.partial_capture``; capturing a captured payment returns it unchanged.

        Raises:
            NotFound: (``payment_not_found``) if no such payment exists.
            PaymentError: if it is not authorized, or the amount exceeds what is authorized.
        """
        ...

    def cancel(self, idempotency_key: str) -> PaymentResult:
        """Void an authorization or close an unpaid payment so it can no longer be paid.

        Cancelling a cancelled or declined payment returns it unchanged. A payment that was
        captured meanwhile stays captured (the result says so): the caller refunds it.

        Raises:
            NotFound: (``payment_not_found``) if no such payment exists.
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

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> ParsedWebhook:
        """Verify a provider notification and normalize it.

        Header names are matched case-insensitively.

        Raises:
            InvalidWebhook: if the signature is missing, forged or the body tampered with,
                or the body is not a notification of this provider.
        """
        ...


@runtime_checkable
class StatementSource(Protocol):
    """A provider whose daily statement can be downloaded (WeChat Pay's trade bill, Alipay's
    bill, Stripe's balance transactions): the payment gateways that also implement this are
    reconciled day by day (:class:`~booking_core.services.statements.StatementService`)."""

    @property
    def name(self) -> str:
        """The provider's name, as :attr:`PaymentGateway.name`."""
        ...

    @property
    def statement_zone(self) -> str:
        """The IANA zone of the provider's days (``Asia/Shanghai`` for WeChat Pay)."""
        ...

    def statement(self, day: Date) -> list[StatementEntry]:
        """Every payment and refund the provider moved on ``day`` (in
        :attr:`statement_zone`), keyed by our idempotency keys.

        Raises:
            PaymentError: the statement is not ready yet or could not be fetched.
        """
        ...
