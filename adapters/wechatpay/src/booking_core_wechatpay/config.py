"""How to reach one WeChat Pay merchant account (API v3)."""

from __future__ import annotations

import attrs

from booking_core.errors import InvalidInput
from booking_core.ports.payments import PaymentChannel

__all__ = ["WeChatPayConfig"]


@attrs.frozen
class WeChatPayConfig:
    """The merchant's credentials and settings; secrets stay out of ``repr``.

    Attributes:
        mchid: The merchant id (商户号).
        appid: The app id bound to the merchant (the mini-program's, the official
            account's or the mobile app's).
        private_key: The merchant API private key, PEM (``apiclient_key.pem``).
        cert_serial_no: The serial number of the merchant API certificate.
        apiv3_key: The 32-character APIv3 key (decrypts notifications).
        notify_url: Where WeChat Pay posts payment and refund notifications (https).
        platform_public_key: The WeChat Pay public key, PEM (微信支付公钥), with
            ``platform_public_key_id`` (``PUB_KEY_ID_…``): how replies and notifications
            are verified. Give these, or ``platform_cert_dir``.
        platform_cert_dir: A directory of WeChat Pay platform certificates (the older
            scheme); the SDK downloads them there when it is empty.
        default_channel: The channel used when a payment request names none.
        timeout_seconds: The HTTP timeout of every call to WeChat Pay.
        proxy: An HTTP(S) proxy URL all calls go through (the SDK's ``proxy`` setting).
            The SDK always talks to ``https://api.mch.weixin.qq.com``; the tests point
            this at a local fake that terminates TLS for that host.
        webhook_tolerance_seconds: How old a notification's signed timestamp may be
            (WeChat Pay recommends refusing replays older than 5 minutes); None: any age.
    """

    mchid: str
    appid: str
    private_key: str = attrs.field(repr=False)
    cert_serial_no: str
    apiv3_key: str = attrs.field(repr=False)
    notify_url: str
    platform_public_key: str | None = None
    platform_public_key_id: str | None = None
    platform_cert_dir: str | None = None
    default_channel: PaymentChannel = PaymentChannel.MINI_PROGRAM
    timeout_seconds: float = 10.0
    proxy: str | None = None
    webhook_tolerance_seconds: int | None = 300

    def __attrs_post_init__(self) -> None:
        for field in ("mchid", "appid", "private_key", "cert_serial_no", "notify_url"):
            if not getattr(self, field):
                raise InvalidInput(f"WeChatPayConfig.{field} is empty.", details={"field": field})
        if len(self.apiv3_key.encode()) != 32:
            raise InvalidInput(
                "WeChatPayConfig.apiv3_key must be the 32-character APIv3 key.",
                details={"field": "apiv3_key"},
            )
        if (self.platform_public_key is None) != (self.platform_public_key_id is None):
            raise InvalidInput(
                "Give platform_public_key and platform_public_key_id together.",
                details={"field": "platform_public_key_id"},
            )
        if self.platform_public_key is None and self.platform_cert_dir is None:
            raise InvalidInput(
                "Give the WeChat Pay public key (and its id) or a platform certificate "
                "directory: replies and notifications cannot be verified otherwise.",
                details={"field": "platform_public_key"},
            )
        if self.timeout_seconds <= 0:
            raise InvalidInput(
                "WeChatPayConfig.timeout_seconds must be positive.",
                details={"field": "timeout_seconds"},
            )
