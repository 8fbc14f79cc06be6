"""Keys, the fake Alipay gateway, and gateways configured against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from booking_core.ports.payments import PaymentChannel
from booking_core_alipay import AlipayConfig, AlipayGateway

from .fakes.alipay import FakeAlipay
from .fakes.keys import Keys

APP_ID = "2021000000000001"


@pytest.fixture(scope="session")
def keys() -> Keys:
    def new() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    return Keys(new(), new(), new())


@pytest.fixture
def fake(keys: Keys) -> Iterator[FakeAlipay]:
    server = FakeAlipay(APP_ID, keys.app.public_key(), keys.alipay).start()
    yield server
    server.stop()


@pytest.fixture
def config(keys: Keys, fake: FakeAlipay) -> AlipayConfig:
    return AlipayConfig(
        app_id=APP_ID,
        app_private_key=Keys.private_pem(keys.app),
        alipay_public_key=Keys.public_pem(keys.alipay),
        notify_url="https://shop.example.com/webhooks/alipay",
        return_url="https://shop.example.com/paid",
        default_channel=PaymentChannel.QR,
        timeout=0.4,
        gateway_url=fake.url,
    )


@pytest.fixture
def gateway(config: AlipayConfig) -> AlipayGateway:
    return AlipayGateway(config)
