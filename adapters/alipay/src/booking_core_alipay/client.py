"""A small typed face over python-alipay-sdk: it signs (RSA2), sends, and verifies.

The SDK does the signing, the HTTP (``urllib``) and the verification of Alipay's signed
replies; this module only sorts its outcomes into what the adapter must tell apart: a
verified reply (success or a business failure, both signed by Alipay), a refusal at
Alipay's gateway (an unsigned ``error_response``), and no usable answer at all (timeout,
connection error, 5xx, a reply whose signature does not verify) — after which the call
may or may not have been performed.
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
from typing import Any, Final, cast
from urllib.parse import urlsplit

import attrs
from alipay import AliPay  # type: ignore[import-untyped]
from alipay.exceptions import (  # type: ignore[import-untyped]
    AliPayException,
    AliPayValidationError,
)
from alipay.utils import AliPayConfig  # type: ignore[import-untyped]

from booking_core_alipay.certificates import cert_sn, public_key_pem, root_cert_sn
from booking_core_alipay.config import AlipayConfig

__all__ = ["AlipayClient", "GatewayRefused", "NoAnswer", "Reply"]

Reply = dict[str, Any]
"""A verified reply's content (``code``, ``msg``, ``sub_code`` and the method's fields)."""

SUCCESS: Final = "10000"
#: Alipay's "service unavailable": the call's outcome is unknown.
UNAVAILABLE: Final = "20000"

_CODE = re.compile(r"code:(\w+),")


class NoAnswer(Exception):
    """No verified answer came back: the call may or may not have been performed."""


class GatewayRefused(Exception):
    """Alipay's gateway refused the call before doing anything (a bad signature, app id …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"Alipay refused the call (code {code}).")
        self.code = code
        self.detail = message


class _KeyClient(AliPay):  # type: ignore[misc]  # the SDK is untyped
    """The SDK's client in public-key mode, pointed at the configured gateway."""

    def __init__(self, config: AlipayConfig) -> None:
        super().__init__(
            appid=config.app_id,
            app_notify_url=config.notify_url,
            app_private_key_string=config.app_private_key,
            alipay_public_key_string=config.alipay_public_key,
            sign_type="RSA2",
            debug=config.sandbox,
            config=AliPayConfig(timeout=config.timeout),
        )
        # The SDK picks its gateway from ``debug``; a subclass may name another one.
        if config.gateway_url:
            self._gateway = config.gateway_url


class _CertClient(_KeyClient):
    """Public-key-certificate mode (required by Alipay for transfers): Alipay's key comes
    from its certificate, and each request carries the two certificate serial numbers, as
    the SDK's ``DCAliPay`` does (see :mod:`booking_core_alipay.certificates` for why not it).
    """

    def __init__(self, config: AlipayConfig) -> None:
        if not (config.app_public_cert and config.alipay_public_cert and config.alipay_root_cert):
            raise ValueError("Certificate mode needs all three certificates.")
        super().__init__(
            attrs.evolve(config, alipay_public_key=public_key_pem(config.alipay_public_cert))
        )
        self._cert_numbers = {
            "app_cert_sn": cert_sn(config.app_public_cert),
            "alipay_root_cert_sn": root_cert_sn(config.alipay_root_cert),
        }

    def build_body(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().build_body(*args, **kwargs)
        data.update(self._cert_numbers)
        return data


class AlipayClient:
    """Calls Alipay's open API through the SDK."""

    def __init__(self, config: AlipayConfig) -> None:
        self._sdk: Any = _CertClient(config) if config.certificate_mode else _KeyClient(config)
        self._timeout = config.timeout

    @property
    def gateway(self) -> str:
        """The gateway URL requests go to (and redirect payments open)."""
        return cast(str, self._sdk._gateway)

    def call(self, method: str, biz_content: dict[str, Any], **params: str) -> Reply:
        """Send ``method`` and return Alipay's verified reply (a success or a business
        failure: check ``code``).

        Raises:
            NoAnswer: a timeout, a connection error, a 5xx, or an unverifiable reply.
            GatewayRefused: an unsigned refusal of Alipay's gateway.
        """
        try:
            reply = self._sdk.server_api(method, dict(biz_content), **params)
        except AliPayValidationError as exc:
            raise NoAnswer("Alipay's reply did not verify.") from exc
        except AliPayException as exc:
            match = _CODE.search(str(exc))
            code = match.group(1) if match else "0"
            if code == UNAVAILABLE:
                raise NoAnswer("Alipay is unavailable (20000).") from exc
            raise GatewayRefused(code, str(exc)) from exc
        except urllib.error.HTTPError as exc:  # a 5xx
            exc.close()  # it holds the answer's socket
            raise NoAnswer(f"No answer from Alipay (HTTP {exc.code}).") from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # URLError, TimeoutError, ConnectionError; JSON that is not.
            raise NoAnswer(f"No answer from Alipay ({type(exc).__name__}).") from exc
        if not isinstance(reply, dict):
            raise NoAnswer("Alipay's reply is not an object.")
        return cast(Reply, reply)

    def download(self, url: str) -> bytes:
        """GET a file link Alipay handed out in a verified reply (pre-signed by Alipay, so
        sent as is), with the SDK's HTTP stack (``urllib``) and the configured timeout.

        Raises:
            NoAnswer: not an http(s) link, a timeout, a connection error, a 4xx (an expired
                link) or 5xx.
        """
        if urlsplit(url).scheme not in ("http", "https"):
            raise NoAnswer("Alipay's file link is not an http(s) URL.")
        try:
            with urllib.request.urlopen(url, timeout=self._timeout) as response:
                return cast(bytes, response.read())
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the answer's socket
            raise NoAnswer(f"Could not download from Alipay (HTTP {exc.code}).") from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # URLError, TimeoutError, ConnectionError.
            raise NoAnswer(f"Could not download from Alipay ({type(exc).__name__}).") from exc

    def sign(self, method: str, biz_content: dict[str, Any], **params: str) -> str:
        """The signed order string of ``method`` (no HTTP: the customer's browser or the
        Alipay app sends it)."""
        return cast(str, self._sdk.client_api(method, dict(biz_content), **params))

    def verify(self, params: dict[str, str], signature: str) -> bool:
        """Whether ``signature`` is Alipay's RSA2 signature of the notification ``params``
        (without ``sign``; ``sign_type`` is checked and left out, as Alipay signs)."""
        try:
            return bool(self._sdk.verify(dict(params), signature))
        except (AliPayException, ValueError, TypeError):
            return False
