"""AlipayGateway passes the payment gateway contract against the wire-level fake."""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qsl, urlencode

import attrs
import pytest

from booking_core.ports.payments import (
    PaymentChannel,
    PaymentGateway,
    PaymentResult,
    WebhookKind,
)
from booking_core.testing.contracts import PaymentGatewayContract
from booking_core_alipay import AlipayConfig, AlipayGateway, encode_key

from .fakes.alipay import FakeAlipay, sign_params
from .fakes.keys import Keys


class TestAlipayGateway(PaymentGatewayContract):
    """The default channel is QR (``alipay.trade.precreate``): a server call, so the lost
    reply and the idempotency of creation are exercised at the wire."""

    fake: FakeAlipay
    keys: Keys

    @pytest.fixture(autouse=True)
    def _provider(self, fake: FakeAlipay, keys: Keys) -> None:
        # The hooks drive the fake as the customer and Alipay would.
        self.fake = fake
        self.keys = keys

    def settle(self, gateway: PaymentGateway, key: str) -> PaymentResult:
        action = gateway.get_payment(key).next_action
        assert action is not None
        self.fake.pay_via(action.data)
        return gateway.get_payment(key)

    def notification(
        self,
        gateway: PaymentGateway,
        kind: WebhookKind,
        payment_key: str,
        *,
        refund_key: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        out_request_no = None if refund_key is None else encode_key(refund_key)
        return self.fake.notification(encode_key(payment_key), out_request_no=out_request_no)

    def forge(
        self, gateway: PaymentGateway, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, str], bytes]:
        params = dict(parse_qsl(body.decode()))
        del params["sign"]
        return headers, urlencode(sign_params(params, self.keys.forger)).encode()

    def lost_reply(self, gateway: PaymentGateway) -> contextlib.AbstractContextManager[None]:
        return self.fake.losing_next_reply("stall")


class TestAlipayGatewayH5(TestAlipayGateway):
    """The same contract through the H5 channel (the default): creating signs a URL and
    asks Alipay only whether a trade exists, so the lost reply is that question's."""

    @pytest.fixture
    def gateway(self, config: AlipayConfig) -> AlipayGateway:
        return AlipayGateway(attrs.evolve(config, default_channel=PaymentChannel.H5))

    def lost_reply(self, gateway: PaymentGateway) -> contextlib.AbstractContextManager[None]:
        return self.fake.losing_next_reply("stall", any_call=True)
