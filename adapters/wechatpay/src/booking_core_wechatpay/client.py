"""A small typed wrapper around the ``wechatpayv3`` SDK.

The SDK signs every request (``Authorization: WECHATPAY2-SHA256-RSA2048 …``), verifies the
signature of every 2xx reply, signs ``requestPayment`` parameters and decrypts notifications.
This module only sorts its answers: a reply we can trust (:class:`Reply`), or
:class:`Unreachable` — no answer, a 5xx, or an answer whose signature does not verify, after
which the outcome of a money-moving call is unknown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import requests
from wechatpayv3 import WeChatPay, WeChatPayType  # type: ignore[import-untyped]

from booking_core.errors import InvalidInput, PaymentError
from booking_core_wechatpay.config import WeChatPayConfig

__all__ = ["Reply", "Unreachable", "WeChatPayClient"]

_GATEWAY = "https://api.mch.weixin.qq.com"  # the SDK's one host


@attrs.frozen
class Reply:
    """A verified answer of WeChat Pay: its HTTP status and JSON body (``{}`` if none)."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        """WeChat Pay's error code (``ORDER_NOT_EXIST`` …), empty on success."""
        return "" if self.ok else str(self.body.get("code", ""))

    @property
    def message(self) -> str:
        return str(self.body.get("message", ""))


class Unreachable(Exception):
    """WeChat Pay did not answer in time, answered 5xx, or sent an unverifiable reply."""


class WeChatPayClient:
    """The SDK, configured once; every call goes through :meth:`call`."""

    def __init__(self, config: WeChatPayConfig) -> None:
        proxy = {"https": config.proxy, "http": config.proxy} if config.proxy else None
        try:
            self._sdk = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=config.mchid,
                private_key=config.private_key,
                cert_serial_no=config.cert_serial_no,
                appid=config.appid,
                apiv3_key=config.apiv3_key,
                notify_url=config.notify_url,
                cert_dir=config.platform_cert_dir,
                logger=None,  # the SDK's debug log would print headers and bodies
                proxy=proxy,
                timeout=config.timeout_seconds,
                public_key=config.platform_public_key,
                public_key_id=config.platform_public_key_id,
            )
        except requests.RequestException as exc:
            raise InvalidInput(
                "Could not download WeChat Pay's platform certificates; give the WeChat Pay "
                "public key instead, or fill platform_cert_dir."
            ) from exc
        except Exception as exc:  # the SDK raises bare Exception for bad keys
            raise InvalidInput(
                f"The WeChat Pay credentials could not be loaded: {exc}",
                details={"field": "private_key"},
            ) from None

    @property
    def sdk(self) -> Any:
        """The SDK object (untyped), for the calls below."""
        return self._sdk

    def call(self, request: Callable[[], tuple[int, Any]]) -> Reply:
        """Run one SDK call and sort its answer.

        Raises:
            Unreachable: a timeout, a connection error, a 5xx or an unverifiable reply.
            PaymentError: the SDK refused the call's parameters before sending it.
        """
        try:
            status, text = request()
        except requests.RequestException as exc:
            raise Unreachable(f"{type(exc).__name__}") from exc
        except Exception as exc:
            if type(exc) is not Exception:
                raise  # a bug, not an answer: never let it pass for a timeout
            if "verify the signature" in str(exc) or "algorithm" in str(exc):
                raise Unreachable(f"unverifiable reply: {exc}") from exc
            raise PaymentError(f"The WeChat Pay SDK refused the call: {exc}") from exc
        if status >= 500:
            raise Unreachable(f"HTTP {status}")
        return Reply(status, _json(text))

    def download(self, url: str) -> bytes:
        """The file behind a ``download_url`` of a signed reply (a bill), as bytes.

        WeChat Pay does not sign the file itself; the caller checks it against the hash
        that came in the signed reply.

        Raises:
            Unreachable: a timeout, a connection error or a 5xx.
            PaymentError: the URL is not WeChat Pay's, or WeChat Pay refused the download.
        """
        if not url.startswith(_GATEWAY + "/"):
            raise PaymentError(f"WeChat Pay named a download outside its API: {url[:80]!r}.")
        try:
            status, content = self._sdk.download_bill(url)
        except requests.RequestException as exc:
            raise Unreachable(f"{type(exc).__name__}") from exc
        if status >= 500:
            raise Unreachable(f"HTTP {status}")
        if not 200 <= status < 300:
            refusal = Reply(status, _json(content))
            raise PaymentError(
                f"WeChat Pay refused the download: {refusal.code or status} {refusal.message}",
                details={"code": refusal.code, "status": status},
            )
        # The SDK hands back text when the reply says JSON, bytes otherwise.
        return content.encode() if isinstance(content, str) else bytes(content)

    def sign(self, fields: list[str]) -> str:
        """The merchant's RSA-SHA256 signature of ``fields`` (one per line), base64."""
        return str(self._sdk.sign(fields))

    def callback(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any] | None:
        """The verified, decrypted notification, or None if it does not verify."""
        result = self._sdk.callback(dict(headers), body)
        return result if isinstance(result, dict) else None


def _json(text: object) -> dict[str, Any]:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        parsed = json.loads(text)
    except ValueError:
        return {"message": text[:200]}
    return parsed if isinstance(parsed, dict) else {}
