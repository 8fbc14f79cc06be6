"""The payment gateway contract: what every PaymentGateway adapter guarantees.

Mix :class:`PaymentGatewayContract` into a ``Test*`` class that provides a ``gateway``
fixture, and override the hooks that drive the provider (or its wire-level fake) from the
outside, as the customer and the provider would:

* :meth:`~PaymentGatewayContract.settle` — the customer pays: the payment ends ``captured``;
* :meth:`~PaymentGatewayContract.authorize` — the customer pays: a payment created with
  ``hold`` ends ``authorized`` (only asked of gateways declaring ``manual_capture``), any
  other ``captured``;
* :meth:`~PaymentGatewayContract.create_unpaid` — a payment the customer has not paid yet;
* :meth:`~PaymentGatewayContract.notification` / :meth:`~PaymentGatewayContract.forge` /
  :meth:`~PaymentGatewayContract.tamper_amount` — a genuinely signed notification, the same
  signed by someone else, and one whose amount was changed after signing;
* :meth:`~PaymentGatewayContract.lost_reply` — the provider performs the next money-moving
  call but its answer never arrives (a timeout, a 5xx after the fact).

Capabilities are data: the suite skips what the gateway declares it cannot do (capture,
partial refunds), and nothing else. Every amount is 199.00 in :attr:`currency`.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

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
    RefundResult,
    RefundStatus,
    WebhookKind,
)

__all__ = ["PaymentGatewayContract"]

KEY = "ord_c1:ful:1"
PRICE = 19900


class PaymentGatewayContract:
    """The behaviour the core relies on, whatever the provider."""

    #: The currency every payment of the suite is made in (two decimals).
    currency: ClassVar[str] = "CNY"

    # -- hooks: how the test drives the provider -----------------------------------------

    def settle(self, gateway: PaymentGateway, key: str) -> PaymentResult:
        """The customer pays the payment created under ``key``; returns its status, which
        must be ``captured`` (with manual capture: authorize, then capture)."""
        return gateway.get_payment(key)

    def authorize(self, gateway: PaymentGateway, key: str) -> PaymentResult:
        """The customer pays an authorization under ``key`` (manual-capture gateways only)."""
        return gateway.get_payment(key)

    def create_unpaid(self, gateway: PaymentGateway, request: PaymentRequest) -> PaymentResult:
        """Create a payment the customer has not paid yet (``requires_action``)."""
        return gateway.create_payment(request)

    def notification(
        self,
        gateway: PaymentGateway,
        kind: WebhookKind,
        payment_key: str,
        *,
        refund_key: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """A correctly signed notification, as the provider would post it, about the payment
        under ``payment_key`` (or its refund under ``refund_key``)."""
        pytest.fail(f"{type(self).__name__} must override notification()")

    def forge(
        self, gateway: PaymentGateway, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, str], bytes]:
        """The same notification signed with a key that is not the provider's."""
        pytest.fail(f"{type(self).__name__} must override forge()")

    def tamper_amount(self, body: bytes) -> bytes:
        """The body with its amount changed after signing."""
        for written, changed in ((b"19900", b"19800"), (b"199.00", b"198.00")):
            if written in body:
                return body.replace(written, changed, 1)
        pytest.fail(f"{type(self).__name__} must override tamper_amount(): no amount found")

    def lost_reply(self, gateway: PaymentGateway) -> contextlib.AbstractContextManager[None]:
        """While open, the provider performs the next payment or refund but its answer
        never reaches the gateway."""
        pytest.fail(f"{type(self).__name__} must override lost_reply()")

    # -- helpers -------------------------------------------------------------------------

    def money(self, amount: int = PRICE) -> Money:
        return Money(amount, self.currency)

    def request(self, key: str = KEY, amount: int = PRICE, *, hold: bool = False) -> PaymentRequest:
        return PaymentRequest(
            key, "ord_c1", self.money(amount), PaymentPurpose.FULL, "Massage", hold=hold
        )

    def captured(self, gateway: PaymentGateway, key: str = KEY) -> PaymentResult:
        gateway.create_payment(self.request(key))
        result = self.settle(gateway, key)
        assert result.status is PaymentStatus.CAPTURED
        assert result.amount == self.money()
        return result

    def refunded(self, gateway: PaymentGateway, key: str, amount: int) -> RefundResult:
        return gateway.refund(RefundRequest(key, KEY, self.money(amount), "requested"))

    # -- payments ------------------------------------------------------------------------

    def test_a_new_payment_waits_for_the_customer_or_is_taken(
        self, gateway: PaymentGateway
    ) -> None:
        result = gateway.create_payment(self.request())

        assert result.idempotency_key == KEY
        assert result.amount == self.money()
        assert result.status in (
            PaymentStatus.REQUIRES_ACTION,
            PaymentStatus.AUTHORIZED,
            PaymentStatus.CAPTURED,
        )
        if result.status is PaymentStatus.REQUIRES_ACTION:
            assert result.next_action is not None
        assert gateway.get_payment(KEY).amount == self.money()

    def test_same_key_same_result(self, gateway: PaymentGateway) -> None:
        first = gateway.create_payment(self.request())
        again = gateway.create_payment(self.request())

        assert (again.idempotency_key, again.amount) == (first.idempotency_key, first.amount)
        assert again.gateway_reference == first.gateway_reference

    def test_same_key_other_amount_is_refused(self, gateway: PaymentGateway) -> None:
        gateway.create_payment(self.request())

        with pytest.raises(IdempotencyConflict):
            gateway.create_payment(self.request(amount=100))

    def test_unknown_payments_and_refunds_are_not_found(self, gateway: PaymentGateway) -> None:
        with pytest.raises(NotFound) as payment:
            gateway.get_payment("ord_c9:ful:1")
        with pytest.raises(NotFound) as refund:
            gateway.get_refund("ord_c9:rf:1")

        assert payment.value.error_code == "payment_not_found"
        assert refund.value.error_code == "refund_not_found"

    def test_an_unpaid_payment_can_be_closed(self, gateway: PaymentGateway) -> None:
        created = self.create_unpaid(gateway, self.request())

        closed = gateway.cancel(KEY)

        assert created.status is PaymentStatus.REQUIRES_ACTION
        assert closed.status is PaymentStatus.CANCELLED
        assert gateway.get_payment(KEY).status is PaymentStatus.CANCELLED
        assert gateway.cancel(KEY).status is PaymentStatus.CANCELLED

    def test_cancelling_a_captured_payment_leaves_it_captured(
        self, gateway: PaymentGateway
    ) -> None:
        self.captured(gateway)

        result = gateway.cancel(KEY)

        assert result.status is PaymentStatus.CAPTURED

    def test_an_authorization_is_captured_in_part_or_whole(self, gateway: PaymentGateway) -> None:
        if not gateway.capabilities.manual_capture:
            pytest.skip("the gateway declares no manual capture")
        gateway.create_payment(self.request(hold=True))
        assert self.authorize(gateway, KEY).status is PaymentStatus.AUTHORIZED
        part = self.money(5000) if gateway.capabilities.partial_capture else None

        captured = gateway.capture(KEY, part)

        assert captured.status is PaymentStatus.CAPTURED
        assert captured.amount == (part or self.money())
        assert gateway.get_payment(KEY).status is PaymentStatus.CAPTURED
        assert gateway.capture(KEY).status is PaymentStatus.CAPTURED

    def test_an_authorization_can_be_voided(self, gateway: PaymentGateway) -> None:
        if not gateway.capabilities.manual_capture:
            pytest.skip("the gateway declares no manual capture")
        gateway.create_payment(self.request(hold=True))
        self.authorize(gateway, KEY)

        voided = gateway.cancel(KEY)

        assert voided.status is PaymentStatus.CANCELLED
        with pytest.raises(PaymentError):
            gateway.capture(KEY)

    def test_a_payment_not_held_is_captured_when_paid(self, gateway: PaymentGateway) -> None:
        # Only a request that asks for a hold is authorized; every other one is charged.
        if not gateway.capabilities.manual_capture:
            pytest.skip("the gateway declares no manual capture: it captures every payment")
        gateway.create_payment(self.request())

        assert self.authorize(gateway, KEY).status is PaymentStatus.CAPTURED

    def test_a_gateway_without_manual_capture_refuses_to_capture(
        self, gateway: PaymentGateway
    ) -> None:
        if gateway.capabilities.manual_capture:
            pytest.skip("the gateway captures authorizations")
        self.create_unpaid(gateway, self.request())

        with pytest.raises(PaymentError):
            gateway.capture(KEY)

    def test_a_lost_reply_is_unknown_and_the_truth_follows(self, gateway: PaymentGateway) -> None:
        with self.lost_reply(gateway):
            lost = gateway.create_payment(self.request())
        truth = gateway.get_payment(KEY)
        again = gateway.create_payment(self.request())

        assert lost.status is PaymentStatus.UNKNOWN
        assert lost.amount == self.money()
        assert truth.status is not PaymentStatus.UNKNOWN
        assert again.gateway_reference == truth.gateway_reference

    # -- refunds -------------------------------------------------------------------------

    def test_refunds_are_idempotent_and_never_exceed_the_capture(
        self, gateway: PaymentGateway
    ) -> None:
        if not gateway.capabilities.partial_refund:
            pytest.skip("the gateway declares no partial refunds")
        self.captured(gateway)

        first = self.refunded(gateway, "ord_c1:rf:1", 5000)
        again = self.refunded(gateway, "ord_c1:rf:1", 5000)
        rest = self.refunded(gateway, "ord_c1:rf:2", PRICE - 5000)

        assert first.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING)
        assert (again.idempotency_key, again.amount) == (first.idempotency_key, first.amount)
        assert again.gateway_reference == first.gateway_reference
        assert rest.amount == self.money(PRICE - 5000)
        assert gateway.get_refund("ord_c1:rf:1").amount == self.money(5000)
        with pytest.raises(PaymentError):
            self.refunded(gateway, "ord_c1:rf:3", 1)
        with pytest.raises(IdempotencyConflict):
            self.refunded(gateway, "ord_c1:rf:1", 4000)

    def test_a_whole_refund(self, gateway: PaymentGateway) -> None:
        self.captured(gateway)

        refund = self.refunded(gateway, "ord_c1:rf:1", PRICE)

        assert refund.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING)
        if not gateway.capabilities.asynchronous_refund:
            assert refund.status is RefundStatus.SUCCEEDED
        assert gateway.get_refund("ord_c1:rf:1").amount == self.money()
        with pytest.raises(PaymentError):
            self.refunded(gateway, "ord_c1:rf:2", 1)

    def test_a_lost_refund_reply_is_unknown_and_the_truth_follows(
        self, gateway: PaymentGateway
    ) -> None:
        self.captured(gateway)

        with self.lost_reply(gateway):
            lost = self.refunded(gateway, "ord_c1:rf:1", 5000)
        truth = gateway.get_refund("ord_c1:rf:1")
        again = self.refunded(gateway, "ord_c1:rf:1", 5000)

        assert lost.status is RefundStatus.UNKNOWN
        assert truth.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING)
        assert truth.amount == self.money(5000)
        assert again.gateway_reference == truth.gateway_reference
        with pytest.raises(PaymentError):  # the lost refund counted: no second one was made
            self.refunded(gateway, "ord_c1:rf:2", PRICE - 5000 + 1)

    # -- webhooks ------------------------------------------------------------------------

    def test_a_signed_capture_notice_parses(self, gateway: PaymentGateway) -> None:
        self.captured(gateway)
        headers, body = self.notification(gateway, WebhookKind.PAYMENT_CAPTURED, KEY)

        parsed = gateway.parse_webhook(headers, body)
        again = gateway.parse_webhook(headers, body)

        assert [(e.kind, e.payment_key, e.amount) for e in parsed.events] == [
            (WebhookKind.PAYMENT_CAPTURED, KEY, self.money())
        ]
        assert 200 <= parsed.ack.status_code < 300
        assert parsed.gateway == gateway.name
        assert parsed.raw
        assert [e.event_id for e in again.events] == [e.event_id for e in parsed.events]

    def test_a_refund_notice_parses_even_before_the_capture_notice(
        self, gateway: PaymentGateway
    ) -> None:
        self.captured(gateway)
        self.refunded(gateway, "ord_c1:rf:1", 5000)
        capture = self.notification(gateway, WebhookKind.PAYMENT_CAPTURED, KEY)
        refund = self.notification(
            gateway, WebhookKind.REFUND_SUCCEEDED, KEY, refund_key="ord_c1:rf:1"
        )

        first = gateway.parse_webhook(*refund)
        second = gateway.parse_webhook(*capture)

        [event] = first.events
        assert (event.kind, event.refund_key, event.amount) == (
            WebhookKind.REFUND_SUCCEEDED,
            "ord_c1:rf:1",
            self.money(5000),
        )
        assert event.payment_key in (KEY, "")
        assert [e.kind for e in second.events] == [WebhookKind.PAYMENT_CAPTURED]
        assert event.event_id != second.events[0].event_id

    def test_forged_tampered_and_unsigned_notices_are_refused(
        self, gateway: PaymentGateway
    ) -> None:
        self.captured(gateway)
        headers, body = self.notification(gateway, WebhookKind.PAYMENT_CAPTURED, KEY)

        with pytest.raises(InvalidWebhook):
            gateway.parse_webhook(*self.forge(gateway, headers, body))
        with pytest.raises(InvalidWebhook):
            gateway.parse_webhook(headers, self.tamper_amount(body))
        with pytest.raises(InvalidWebhook):
            gateway.parse_webhook(headers, body + b" ")
        with pytest.raises(InvalidWebhook):
            gateway.parse_webhook({}, body)
