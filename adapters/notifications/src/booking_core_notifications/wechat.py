"""WeChat mini-program subscribe messages (订阅消息) through the server API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx

from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message
from booking_core_notifications._http import new_client, retryable_status, short, transport_failure

__all__ = ["WeChatSubscribeNotifier", "WeChatTemplate"]

#: Our locales → the ``lang`` of the mini program page the message opens.
LANGS = {"zh-CN": "zh_CN", "en": "en_US"}

#: The longest value WeChat takes per kind of data key (``thing1`` is a ``thing``). A longer
#: value fails the whole message (errcode 47003), so it is cut instead.
VALUE_LIMITS = {
    "thing": 20,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "phrase": 5,
    "name": 10,
    "car_number": 8,
}

TOKEN_INVALID = frozenset({40001, 42001})  # invalid credential, access token expired
USER_REFUSED = 43101  # no subscription (left) for this template: the user said no
RETRYABLE = frozenset({-1, 45009})  # system busy; API quota reached
TOKEN_MARGIN = 300.0  # seconds: renew a token this long before WeChat says it expires


@attrs.frozen
class WeChatTemplate:
    """A subscribe-message template for one of our templates.

    Attributes:
        template_id: The template's id in the mini program's console.
        data: Our parameter name → the template's data key (``thing1``, ``time2`` …).
            Parameters not listed are not sent.
        page: The mini program page the message opens (``pages/order/detail?id=…`` can use
            ``{order_id}``-style placeholders filled from the parameters); none by default.
    """

    template_id: str
    data: Mapping[str, str]
    page: str | None = None


def _cut(key: str, value: str) -> str:
    kind = key.rstrip("0123456789")
    limit = VALUE_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


class WeChatSubscribeNotifier:
    """Sends each message as a one-time subscribe message; the recipient is the user's openid.

    The core checks and consumes the user's one-time subscription grant for the template
    *before* it calls this channel; this adapter does not track grants. If WeChat answers
    43101 (no grant left, or the user refused) the result is SKIPPED.

    The access token comes from ``/cgi-bin/stable_token`` and is cached (per notifier, for
    all threads) until shortly before it expires; when WeChat says it is invalid or expired
    (40001, 42001) it is fetched again once and the message sent once more.

    Outcomes: errcode 0 is ACCEPTED (``msgid`` as provider id); 43101 is SKIPPED; -1,
    45009, HTTP 5xx and timeouts are RETRY_LATER; other errcodes and a template without a
    mapping are REJECTED.

    Args:
        app_id, app_secret: The mini program's AppID and AppSecret.
        templates: Our template id → the WeChat template.
        base_url: The API; ``https://api.weixin.qq.com`` by default.
        miniprogram_state: ``formal``, ``trial`` or ``developer``: which version opens.
        timeout: Seconds for connecting and for the answer.
        client: An httpx client to use; a new one by default.
        clock: Monotonic seconds, for the token's expiry.
    """

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        templates: Mapping[str, WeChatTemplate],
        *,
        base_url: str = "https://api.weixin.qq.com",
        miniprogram_state: str = "formal",
        timeout: float = 10.0,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app_id = app_id
        self._app_secret = app_secret
        self._templates = dict(templates)
        self._base = base_url.rstrip("/")
        self._state = miniprogram_state
        self._client = client or new_client(timeout)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None  # token, valid until (clock)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def send(self, message: Message) -> DeliveryResult:
        """Send ``message`` as one subscribe message (twice if the token went stale)."""
        template = self._templates.get(message.template)
        if template is None:
            return DeliveryResult(
                DeliveryOutcome.REJECTED, detail=f"no WeChat template for {message.template}"
            )
        try:
            data = {
                key: {"value": _cut(key, message.params[name])}
                for name, key in template.data.items()
            }
            page = template.page.format(**message.params) if template.page else None
        except KeyError as exc:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=f"missing parameter {exc}")
        body: dict[str, Any] = {
            "touser": message.recipient,
            "template_id": template.template_id,
            "data": data,
            "miniprogram_state": self._state,
            "lang": LANGS.get(message.locale, "zh_CN"),
        }
        if page:
            body["page"] = page
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        result = self._send_once(payload, stale=None)
        if isinstance(result, str):  # the token was refused: renew it, try once more
            again = self._send_once(payload, stale=result)
            if isinstance(again, str):
                return DeliveryResult(
                    DeliveryOutcome.RETRY_LATER, detail="access token refused twice"
                )
            return again
        return result

    def _send_once(self, payload: bytes, stale: str | None) -> DeliveryResult | str:
        """The result, or the token if WeChat refused it."""
        token = self._access_token(stale)
        if isinstance(token, DeliveryResult):
            return token
        try:
            response = self._client.post(
                f"{self._base}/cgi-bin/message/subscribe/send",
                params={"access_token": token},
                content=payload,
                headers={"content-type": "application/json; charset=utf-8"},
            )
        except httpx.HTTPError as exc:
            return transport_failure(exc)
        answer = _json(response)
        if answer is None:
            return _unreadable(response)
        code = int(answer.get("errcode", 0))
        detail = short(f"errcode {code}: {answer.get('errmsg', '')}")
        if code == 0:
            msgid = answer.get("msgid")
            return DeliveryResult(
                DeliveryOutcome.ACCEPTED,
                provider_id=str(msgid) if msgid is not None else None,
                detail=detail,
            )
        if code in TOKEN_INVALID:
            return token
        if code == USER_REFUSED:
            return DeliveryResult(DeliveryOutcome.SKIPPED, detail=detail)
        if code in RETRYABLE:
            return DeliveryResult(DeliveryOutcome.RETRY_LATER, detail=detail)
        return DeliveryResult(DeliveryOutcome.REJECTED, detail=detail)

    def _access_token(self, stale: str | None) -> str | DeliveryResult:
        # One fetch at a time: concurrent senders share the token the first one got.
        with self._lock:
            cached = self._token
            if cached is not None and cached[0] != stale and self._clock() < cached[1]:
                return cached[0]
            try:
                response = self._client.post(
                    f"{self._base}/cgi-bin/stable_token",
                    json={
                        "grant_type": "client_credential",
                        "appid": self._app_id,
                        "secret": self._app_secret,
                    },
                )
            except httpx.HTTPError as exc:
                return transport_failure(exc)
            answer = _json(response)
            if answer is None:
                return _unreadable(response)
            token = answer.get("access_token")
            if not token:
                code = int(answer.get("errcode", -1))
                detail = short(f"access token: errcode {code}: {answer.get('errmsg', '')}")
                outcome = (
                    DeliveryOutcome.RETRY_LATER if code in RETRYABLE else DeliveryOutcome.REJECTED
                )
                return DeliveryResult(outcome, detail=detail)
            lifetime = float(answer.get("expires_in", 7200))
            self._token = (str(token), self._clock() + max(lifetime - TOKEN_MARGIN, 0.0))
            return str(token)


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _unreadable(response: httpx.Response) -> DeliveryResult:
    detail = short(f"HTTP {response.status_code}: {response.text}")
    retry = retryable_status(response.status_code) or response.is_success
    return DeliveryResult(
        DeliveryOutcome.RETRY_LATER if retry else DeliveryOutcome.REJECTED, detail=detail
    )
