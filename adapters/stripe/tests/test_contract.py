"""The payment gateway contract against localstripe (a separate process, see conftest)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import ClassVar

import pytest

from booking_core.ports.payments import PaymentGateway, PaymentResult, PaymentStatus, WebhookKind
from booking_core.testing.contracts import PaymentGatewayContract
from booking_core_stripe import CapturePolicy, StripeGateway

from .wire import StripeWire, make_config, sign


class TestStripeGateway(PaymentGatewayContract):
    """Holds on offer (``CapturePolicy.HOLDS``): a payment created with ``hold`` is
    authorized when paid, then captured; any other is captured when paid."""

    currency: ClassVar[str] = "CNY"

    @pytest.fixture(autouse=True)
    def _on_the_wire(self, wire: StripeWire) -> None:
        self.wire = wire

    def _intent_id(self, gateway: PaymentGateway, key: str) -> str:
        reference = gateway.get_payment(key).gateway_reference
        assert reference is not None
        return reference

    def authorize(self, gateway: PaymentGateway, key: str) -> PaymentResult:
        """The customer confirms the intent with a card: a held one is AUTHORIZED (the hold
        is placed), any other CAPTURED."""
        self.wire.pay(self._intent_id(gateway, key))
        return gateway.get_payment(key)

    def settle(self, gateway: PaymentGateway, key: str) -> PaymentResult:
        """The customer pays, and the authorization (if any) is captured."""
        if self.authorize(gateway, key).status is PaymentStatus.AUTHORIZED:
            gateway.capture(key)
        return gateway.get_payment(key)

    def notification(
        self,
        gateway: PaymentGateway,
        kind: WebhookKind,
        payment_key: str,
        *,
        refund_key: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        assert isinstance(gateway, StripeGateway)
        secret = gateway._config.webhook_secret  # the endpoint's secret the test generated
        if kind is WebhookKind.PAYMENT_CAPTURED:
            intent = self._intent_id(gateway, payment_key)
            return self.wire.notify(
                secret, "payment_intent.succeeded", f"/v1/payment_intents/{intent}"
            )
        if kind is WebhookKind.REFUND_SUCCEEDED:
            assert refund_key is not None
            refund = gateway.get_refund(refund_key).gateway_reference
            return self.wire.notify(secret, "refund.updated", f"/v1/refunds/{refund}")
        pytest.skip(f"no {kind} notification in this set-up")

    def forge(
        self, gateway: PaymentGateway, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, str], bytes]:
        return {"Stripe-Signature": sign(body, "whsec_" + secrets.token_hex(16))}, body

    def lost_reply(self, gateway: PaymentGateway) -> contextlib.AbstractContextManager[None]:
        return self.wire.lost_reply()


class TestStripeGatewayCapturingAtOnce(TestStripeGateway):
    """Every payment captured when the customer pays (``CapturePolicy.AUTOMATIC``)."""

    @pytest.fixture
    def gateway(self, wire: StripeWire) -> Iterator[StripeGateway]:
        gateway = StripeGateway(make_config(wire, CapturePolicy.AUTOMATIC))
        yield gateway
        gateway.close()
