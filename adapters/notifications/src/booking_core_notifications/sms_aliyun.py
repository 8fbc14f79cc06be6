"""SMS through Aliyun (Alibaba Cloud) Dysmsapi ``SendSms``: a thin RPC-style HTTP client."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message
from booking_core_notifications._http import new_client, retryable_status, short, transport_failure
from booking_core_notifications.sms import SmsTemplate

__all__ = ["AliyunSmsNotifier", "percent_encode", "rpc_signature"]

API_VERSION = "2017-05-25"

#: Codes that mean "too many now" or "the platform had a problem": the same request can
#: succeed later. ``isv.DAY_LIMIT_CONTROL``/``MONTH_LIMIT_CONTROL`` are the account's own
#: volume caps; they lift with the next day or month.
RETRYABLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.MONTH_LIMIT_CONTROL",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "SignatureNonceUsed",
        "ServiceUnavailable",
        "InternalError",
        "isp.SYSTEM_ERROR",
    }
)


def percent_encode(text: str) -> str:
    """RFC 3986 encoding of UTF-8 as Aliyun's RPC signature wants it.

    Only ``A-Z a-z 0-9 - _ . ~`` stay as they are; a space is ``%20``, ``*`` is ``%2A``.
    """
    return quote(text, safe="-_.~")


def rpc_signature(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    """Signature v1.0 (HMAC-SHA1) of an RPC request's parameters (``Signature`` excluded).

    The parameters are sorted by name, each name and value percent-encoded and joined as a
    query string; the string to sign is ``METHOD&%2F&`` + that query string, encoded once
    more; the key is the AccessKey secret followed by ``&``.
    """
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{access_key_secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsNotifier:
    """Sends each message as one SMS; ``Message.recipient`` is the phone number (E.164).

    Our template id maps to an approved Aliyun template (:class:`SmsTemplate`); its
    variables get our parameters as a JSON ``TemplateParam``, and ``OutId`` is the dedupe
    key, so the provider's delivery receipts can be matched to the message.

    Outcomes: ``Code`` ``OK`` is ACCEPTED with the ``BizId``; flow control and platform
    errors (:data:`RETRYABLE_CODES`, HTTP 5xx, timeouts) are RETRY_LATER; other codes
    (``isv.MOBILE_NUMBER_ILLEGAL``, ``SignatureDoesNotMatch`` …) and a template without a
    mapping are REJECTED.

    Args:
        access_key_id, access_key_secret: A RAM user's AccessKey with SMS send permission.
        sign_name: The approved SMS signature (签名).
        templates: Our template id → the Aliyun template.
        base_url: The endpoint; ``https://dysmsapi.aliyuncs.com`` by default.
        region: The ``RegionId`` parameter.
        timeout: Seconds for connecting and for the answer.
        client: An httpx client to use; a new one by default.
        now: The clock for the ``Timestamp`` parameter.
    """

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: Mapping[str, SmsTemplate],
        *,
        base_url: str = "https://dysmsapi.aliyuncs.com",
        region: str = "cn-hangzhou",
        timeout: float = 10.0,
        client: httpx.Client | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._templates = dict(templates)
        self._url = base_url.rstrip("/") + "/"
        self._region = region
        self._client = client or new_client(timeout)
        self._now = now

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def send(self, message: Message) -> DeliveryResult:
        """Send ``message`` as one ``SendSms`` request."""
        template = self._templates.get(message.template)
        if template is None:
            return DeliveryResult(
                DeliveryOutcome.REJECTED, detail=f"no Aliyun template for {message.template}"
            )
        try:
            variables = template.named(message.params)
        except KeyError as exc:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=f"missing parameter {exc}")
        params = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self._region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": message.recipient,
            "SignName": self._sign_name,
            "TemplateCode": template.code_for(message.locale),
            "TemplateParam": json.dumps(variables, ensure_ascii=False, separators=(",", ":")),
            "OutId": message.dedupe_key,
        }
        params["Signature"] = rpc_signature("POST", params, self._secret)
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())
        try:
            response = self._client.post(
                self._url,
                content=body.encode(),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        except httpx.HTTPError as exc:
            return transport_failure(exc)
        return _result(response)


def _result(response: httpx.Response) -> DeliveryResult:
    try:
        answer = response.json()
        code = str(answer["Code"])
    except (ValueError, KeyError, TypeError):
        # No readable answer: a gateway in between failed, or the API did.
        detail = short(f"HTTP {response.status_code}: {response.text}")
        retry = retryable_status(response.status_code) or response.is_success
        outcome = DeliveryOutcome.RETRY_LATER if retry else DeliveryOutcome.REJECTED
        return DeliveryResult(outcome, detail=detail)
    detail = short(f"{code}: {answer.get('Message', '')} (RequestId {answer.get('RequestId')})")
    if code == "OK":
        return DeliveryResult(
            DeliveryOutcome.ACCEPTED,
            provider_id=str(answer.get("BizId") or "") or None,
            detail=detail,
        )
    if code in RETRYABLE_CODES or response.status_code >= 500:
        return DeliveryResult(DeliveryOutcome.RETRY_LATER, detail=detail)
    return DeliveryResult(DeliveryOutcome.REJECTED, detail=detail)
