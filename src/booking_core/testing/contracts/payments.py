"""The payment gateway contract: what every PaymentGateway adapter guarantees.

Mix :class:`PaymentGatewayContract` into a ``Test*`` class that provides a ``gateway``
fixture (a gateway that takes CNY). Gateways that do not capture at once override
:meth:`PaymentGatewayContract.settle` to drive a created payment to ``captured`` (pay in
the provider's sandbox, capture an authorization …), and :meth:`notification` to produce a
genuinely signed webhook for a payment.
"""

from __future__ import annotations

import pytest

from booking_core.errors import IdempotencyConflict, InvalidWebhook, NotFound, PaymentError
from booking_core.money import Money
from booking_core.ports.payments import (
    PaymentGateway,
    PaymentPurpose,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
    WebhookKind,
)

__all__ = ["PaymentGatewayContract"]


def _request(key: str, amount: int = 19900, order: str = "ord_c1") -> PaymentRequest:
    return PaymentRequest(key, order, Money(amount, "CNY"), PaymentPurpose.FULL)


class PaymentGatewayContract:
    """The behaviour the core relies on, whatever the provider."""

    def settle(self, gateway: PaymentGateway, key: str) -> PaymentResult:
        """Drive the payment under ``key`` to ``captured`` and return its status."""
        return gateway.get_payment(key)

    def notification(
        self, gateway: PaymentGateway, kind: WebhookKind, key: str
    ) -> tuple[dict[str, str], bytes]:
        """A correctly signed provider notification about the payment under ``key``."""
        maker = getattr(gateway, "notification", None)
        if maker is None:
            pytest.skip("this gateway's test set-up cannot produce a signed notification")
        headers, body = maker(kind, key)
        return dict(headers), bytes(body)

    def captured(self, gateway: PaymentGateway, key: str, amount: int = 19900) -> PaymentResult:
        gateway.create_payment(_request(key, amount))
        result = self.settle(gateway, key)
        assert result.status is PaymentStatus.CAPTURED
        return result

    def test_same_key_same_result(self, gateway: PaymentGateway) -> None:
        first = gateway.create_payment(_request("ord_c1:ful:1"))
        again = gateway.create_payment(_request("ord_c1:ful:1"))

        assert (again.idempotency_key, again.amount) == (first.idempotency_key, first.amount)
        assert again.gateway_reference == first.gateway_reference

    def test_same_key_other_amount_is_refused(self, gateway: PaymentGateway) -> None:
        gateway.create_payment(_request("ord_c1:ful:1"))

        with pytest.raises(IdempotencyConflict):
            gateway.create_payment(_request("ord_c1:ful:1", amount=100))

    def test_unknown_payments_and_refunds_are_not_found(self, gateway: PaymentGateway) -> None:
        with pytest.raises(NotFound) as payment:
            gateway.get_payment("nope")
        with pytest.raises(NotFound) as refund:
            gateway.get_refund("nope")

        assert payment.value.error_code == "payment_not_found"
        assert refund.value.error_code == "refund_not_found"

    def test_refunds_are_idempotent_and_never_exceed_the_capture(
        self, gateway: PaymentGateway
    ) -> None:
        self.captured(gateway, "ord_c1:ful:1")
        part = RefundRequest("ord_c1:rf:1", "ord_c1:ful:1", Money(5000, "CNY"))

        first = gateway.refund(part)
        again = gateway.refund(part)
        rest = gateway.refund(RefundRequest("ord_c1:rf:2", "ord_c1:ful:1", Money(14900, "CNY")))

        assert first.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING)
        assert (again.idempotency_key, again.amount) == (first.idempotency_key, first.amount)
        assert rest.amount == Money(14900, "CNY")
        assert gateway.get_refund("ord_c1:rf:1").amount == Money(5000, "CNY")
        with pytest.raises(PaymentError):
            gateway.refund(RefundRequest("ord_c1:rf:3", "ord_c1:ful:1", Money(1, "CNY")))
        with pytest.raises(IdempotencyConflict):
            gateway.refund(RefundRequest("ord_c1:rf:1", "ord_c1:ful:1", Money(4000, "CNY")))

    def test_cancelling_a_captured_payment_leaves_it_captured(
        self, gateway: PaymentGateway
    ) -> None:
        self.captured(gateway, "ord_c1:ful:1")

        result = gateway.cancel("ord_c1:ful:1")

        assert result.status is PaymentStatus.CAPTURED

    def test_a_signed_webhook_parses_and_a_tampered_one_is_refused(
        self, gateway: PaymentGateway
    ) -> None:
        self.captured(gateway, "ord_c1:ful:1")
        headers, body = self.notification(gateway, WebhookKind.PAYMENT_CAPTURED, "ord_c1:ful:1")

        parsed = gateway.parse_webhook(headers, body)

        assert [(e.kind, e.payment_key, e.amount) for e in parsed.events] == [
            (WebhookKind.PAYMENT_CAPTURED, "ord_c1:ful:1", Money(19900, "CNY"))
        ]
        assert 200 <= parsed.ack.status_code < 300
        with pytest.raises(InvalidWebhook):
            gateway.parse_webhook(headers, body + b" ")
        with pytest.raises(InvalidWebhook):
            gateway.parse_webhook({}, body)
