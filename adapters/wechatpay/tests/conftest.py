"""Keys, the fake WeChat Pay server, and gateways wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from booking_core.ports.payments import PaymentChannel
from booking_core_wechatpay import WeChatPayConfig

from .fakes.wechatpay import FakeWeChatPay, pem_private, pem_public
from .merchant import APIV3_KEY, APPID, MCHID, MERCHANT_SERIAL, NOTIFY_URL, PUBLIC_KEY_ID


@pytest.fixture(scope="session")
def merchant_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def platform_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def fake_server(
    merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey
) -> Iterator[FakeWeChatPay]:
    server = FakeWeChatPay(
        mchid=MCHID,
        appid=APPID,
        merchant_public_key=merchant_key.public_key(),
        merchant_serial=MERCHANT_SERIAL,
        platform_key=platform_key,
        platform_key_id=PUBLIC_KEY_ID,
        apiv3_key=APIV3_KEY,
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeWeChatPay, monkeypatch: pytest.MonkeyPatch) -> FakeWeChatPay:
    """The fake, emptied, with ``requests`` trusting its TLS certificate for the test."""
    fake_server.reset()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake_server.ca_bundle))
    return fake_server


@pytest.fixture
def config(
    fake: FakeWeChatPay, merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey
) -> WeChatPayConfig:
    return WeChatPayConfig(
        mchid=MCHID,
        appid=APPID,
        private_key=pem_private(merchant_key),
        cert_serial_no=MERCHANT_SERIAL,
        apiv3_key=APIV3_KEY,
        notify_url=NOTIFY_URL,
        platform_public_key=pem_public(platform_key.public_key()),
        platform_public_key_id=PUBLIC_KEY_ID,
        default_channel=PaymentChannel.QR,
        timeout_seconds=5.0,
        proxy=fake.proxy_url,
    )
