"""The payment gateway contract, against the fake WeChat Pay server through the real SDK."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import ClassVar

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from booking_core.ports.payments import PaymentGateway, PaymentResult, WebhookKind
from booking_core.testing.contracts import PaymentGatewayContract
from booking_core_wechatpay import WeChatPayConfig, WeChatPayGateway, out_refund_no, out_trade_no

from .fakes.wechatpay import FakeWeChatPay, decrypt_resource, encrypt_resource, signed_headers
from .merchant import APIV3_KEY


class TestWeChatPayGateway(PaymentGatewayContract):
    currency: ClassVar[str] = "CNY"
    fake: FakeWeChatPay

    @pytest.fixture
    def gateway(self, fake: FakeWeChatPay, config: WeChatPayConfig) -> WeChatPayGateway:
        self.fake = fake
        return WeChatPayGateway(config)

    def settle(self, gateway: PaymentGateway, key: str) -> PaymentResult:
        self.fake.mark_paid(out_trade_no(key))
        return gateway.get_payment(key)

    def notification(
        self,
        gateway: PaymentGateway,
        kind: WebhookKind,
        payment_key: str,
        *,
        refund_key: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        if kind is WebhookKind.PAYMENT_CAPTURED:
            return self.fake.payment_notice(out_trade_no(payment_key))
        assert kind is WebhookKind.REFUND_SUCCEEDED, kind
        assert refund_key is not None
        self.fake.settle_refunds()
        return self.fake.refund_notice(out_refund_no(refund_key))

    def forge(
        self, gateway: PaymentGateway, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, str], bytes]:
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return signed_headers(stranger, self.fake.platform_key_id, body.decode()), body

    def tamper_amount(self, body: bytes) -> bytes:
        # The amount sits in the encrypted resource: whoever holds the APIv3 key could
        # re-encrypt it, but not re-sign the body.
        data = json.loads(body)
        resource = decrypt_resource(APIV3_KEY, data["resource"])
        for field in ("total", "refund"):
            if field in resource["amount"]:
                resource["amount"][field] += 100
        data["resource"] = encrypt_resource(APIV3_KEY, resource, data["resource"]["original_type"])
        tampered = json.dumps(data, ensure_ascii=False).encode()
        assert tampered != body
        return tampered

    @contextlib.contextmanager
    def lost_reply(self, gateway: PaymentGateway) -> Iterator[None]:
        self.fake.lose_next_reply("500")
        try:
            yield
        finally:
            self.fake.keep_replies()
