"""The Alipay adapter's configuration (one frozen value; the keys never appear in a repr)."""

from __future__ import annotations

from typing import Any, Final

import attrs

from booking_core.ports.payments import PaymentChannel

__all__ = ["CHANNELS", "AlipayConfig"]

#: The channels an Alipay merchant pays through, and the API each one uses.
CHANNELS: Final = {
    PaymentChannel.H5: "alipay.trade.wap.pay",
    PaymentChannel.WEB: "alipay.trade.page.pay",
    PaymentChannel.APP: "alipay.trade.app.pay",
    PaymentChannel.QR: "alipay.trade.precreate",
}


def _channel(_: Any, attribute: attrs.Attribute[PaymentChannel], value: object) -> None:
    if value not in CHANNELS:
        raise ValueError(
            f"Alipay pays through {', '.join(CHANNELS)}; {value!r} cannot be the default."
        )


def _positive(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive; got {value!r}.")


@attrs.frozen
class AlipayConfig:
    """How to reach Alipay as one merchant app (from the Alipay open platform).

    Attributes:
        app_id: The app's id (``2021000000000000``).
        app_private_key: The app's RSA2 private key, PEM (signs every request).
        alipay_public_key: Alipay's public key, PEM (verifies replies and notifications);
            in certificate mode it is read from ``alipay_public_cert`` instead.
        notify_url: Where Alipay posts asynchronous notifications (``https://…/webhooks/alipay``).
        return_url: Where the browser returns after an H5 or web payment.
        default_channel: The channel of a request that names none.
        timeout: Seconds to wait for Alipay's answer (connect and read).
        sandbox: Talk to Alipay's sandbox gateway instead of production.
        gateway_url: Another gateway (a test fake on 127.0.0.1); overrides ``sandbox``.
        payment_ttl_minutes: How long a payment link or QR code can be paid (``time_expire``).
        app_public_cert: The app's public key certificate, PEM (certificate mode: required by
            Alipay for transfers); with the next two, switches the client to certificate mode.
        alipay_public_cert: Alipay's public key certificate, PEM.
        alipay_root_cert: Alipay's root certificate chain, PEM.
    """

    app_id: str
    app_private_key: str = attrs.field(repr=False)
    alipay_public_key: str = attrs.field(default="", repr=False)
    notify_url: str | None = None
    return_url: str | None = None
    default_channel: PaymentChannel = attrs.field(default=PaymentChannel.H5, validator=_channel)
    timeout: float = attrs.field(default=15.0, validator=_positive)
    sandbox: bool = False
    gateway_url: str | None = None
    payment_ttl_minutes: int = attrs.field(default=30, validator=_positive)
    app_public_cert: str | None = attrs.field(default=None, repr=False)
    alipay_public_cert: str | None = attrs.field(default=None, repr=False)
    alipay_root_cert: str | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        certs = (self.app_public_cert, self.alipay_public_cert, self.alipay_root_cert)
        if any(certs) and not all(certs):
            raise ValueError("Certificate mode needs all three certificates.")
        if not self.alipay_public_key and not self.certificate_mode:
            raise ValueError("Give alipay_public_key, or the three certificates.")

    @property
    def certificate_mode(self) -> bool:
        """Whether requests carry certificate serial numbers (公钥证书模式)."""
        return self.alipay_root_cert is not None
