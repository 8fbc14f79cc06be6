"""SMS through Tencent Cloud SMS ``SendSms`` (API 2021-01-11): a thin HTTP client."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message
from booking_core_notifications._http import new_client, retryable_status, short, transport_failure
from booking_core_notifications.sms import SmsTemplate

__all__ = ["TencentSmsNotifier", "tc3_authorization"]

API_VERSION = "2021-01-11"
SERVICE = "sms"
CONTENT_TYPE = "application/json; charset=utf-8"

#: Error code prefixes that mean "not now": frequency limits and the platform's own faults.
RETRYABLE_PREFIXES = ("LimitExceeded", "RequestLimitExceeded", "InternalError")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    action: str,
    payload: bytes,
    timestamp: int,
    service: str = SERVICE,
) -> str:
    """The ``Authorization`` header of a TC3-HMAC-SHA256 signed POST to ``/``.

    Signed headers are ``content-type``, ``host`` and ``x-tc-action`` (names and values in
    lower case); the credential scope is the UTC date of ``timestamp``, the service and
    ``tc3_request``; the signing key is derived by chained HMAC-SHA256 from ``"TC3" +
    secret_key`` over the date, the service and ``tc3_request``.
    """
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical_headers = f"content-type:{CONTENT_TYPE}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


class TencentSmsNotifier:
    """Sends each message as one SMS; ``Message.recipient`` is the phone number (E.164).

    Our template id maps to an approved Tencent template (:class:`SmsTemplate`; its
    ``params`` order fills ``{1}``, ``{2}`` …); ``SessionContext`` is the dedupe key, which
    Tencent returns with the status and its receipts.

    Outcomes: ``SendStatusSet[0].Code`` ``Ok`` is ACCEPTED with the ``SerialNo``;
    ``LimitExceeded.*``, ``RequestLimitExceeded*``, ``InternalError*``, HTTP 5xx and
    timeouts are RETRY_LATER; every other code (wrong number, unapproved template, a bad
    signature …) and a template without a mapping are REJECTED.

    Args:
        secret_id, secret_key: A CAM key with SMS permission.
        sms_sdk_app_id: The SMS application's ``SmsSdkAppId``.
        sign_name: The approved SMS signature (签名).
        templates: Our template id → the Tencent template.
        base_url: The endpoint; ``https://sms.tencentcloudapi.com`` by default.
        region: The ``X-TC-Region`` (``ap-guangzhou``, ``ap-beijing`` …).
        timeout: Seconds for connecting and for the answer.
        client: An httpx client to use; a new one by default.
        now: The clock for ``X-TC-Timestamp``.
    """

    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        sms_sdk_app_id: str,
        sign_name: str,
        templates: Mapping[str, SmsTemplate],
        *,
        base_url: str = "https://sms.tencentcloudapi.com",
        region: str = "ap-guangzhou",
        timeout: float = 10.0,
        client: httpx.Client | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._app_id = sms_sdk_app_id
        self._sign_name = sign_name
        self._templates = dict(templates)
        self._url = base_url.rstrip("/") + "/"
        self._host = urlsplit(self._url).netloc
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
                DeliveryOutcome.REJECTED, detail=f"no Tencent template for {message.template}"
            )
        try:
            values = template.values(message.params)
        except KeyError as exc:
            return DeliveryResult(DeliveryOutcome.REJECTED, detail=f"missing parameter {exc}")
        payload = json.dumps(
            {
                "PhoneNumberSet": [message.recipient],
                "SmsSdkAppId": self._app_id,
                "SignName": self._sign_name,
                "TemplateId": template.code_for(message.locale),
                "TemplateParamSet": values,
                "SessionContext": message.dedupe_key,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        timestamp = int(self._now().timestamp())
        headers = {
            "authorization": tc3_authorization(
                secret_id=self._secret_id,
                secret_key=self._secret_key,
                host=self._host,
                action="SendSms",
                payload=payload,
                timestamp=timestamp,
            ),
            "content-type": CONTENT_TYPE,
            "host": self._host,
            "x-tc-action": "SendSms",
            "x-tc-timestamp": str(timestamp),
            "x-tc-version": API_VERSION,
            "x-tc-region": self._region,
        }
        try:
            response = self._client.post(self._url, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            return transport_failure(exc)
        return _result(response)


def _retryable(code: str) -> bool:
    return code.startswith(RETRYABLE_PREFIXES)


def _result(response: httpx.Response) -> DeliveryResult:
    try:
        answer = response.json()["Response"]
        request_id = answer.get("RequestId")
        error = answer.get("Error")
        status: dict[str, Any] = {} if error else answer["SendStatusSet"][0]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        detail = short(f"HTTP {response.status_code}: {response.text}")
        retry = retryable_status(response.status_code) or response.is_success
        outcome = DeliveryOutcome.RETRY_LATER if retry else DeliveryOutcome.REJECTED
        return DeliveryResult(outcome, detail=detail)
    if error:  # the request as a whole failed (signature, parameters, rate)
        code = str(error.get("Code", ""))
        detail = short(f"{code}: {error.get('Message', '')} (RequestId {request_id})")
    else:
        code = str(status.get("Code", ""))
        detail = short(f"{code}: {status.get('Message', '')} (RequestId {request_id})")
        if code == "Ok":
            serial = str(status.get("SerialNo") or "") or None
            return DeliveryResult(DeliveryOutcome.ACCEPTED, provider_id=serial, detail=detail)
    if _retryable(code) or response.status_code >= 500:
        return DeliveryResult(DeliveryOutcome.RETRY_LATER, detail=detail)
    return DeliveryResult(DeliveryOutcome.REJECTED, detail=detail)
