"""A stand-in for Tencent Cloud SMS: checks each SendSms's TC3 signature, then answers.

The check follows Tencent's "Signature v3" description, apart from the adapter's code:
it rebuilds the canonical request from the headers the ``SignedHeaders`` list names (as
they arrived), hashes the body that arrived, and derives the key from the date in the
credential scope, which must be the UTC date of ``X-TC-Timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from .http import Answer, FakeHttpProvider, Request


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class TencentSmsFake(FakeHttpProvider):
    """Knows one key pair; ``mode`` is ``ok``, ``refuse``, ``throttle`` or ``busy``."""

    def __init__(self, secret_id: str = "AKID-test", secret_key: str = "tencent-key") -> None:
        super().__init__()
        self.secret_id, self.secret_key = secret_id, secret_key
        self.mode = "ok"
        self.sent: list[dict[str, Any]] = []

    def answer(self, request: Request) -> Answer:
        request_id = f"req-{len(self.requests)}"
        problem = self._check(request)
        if problem:
            return self._error(problem, request_id)
        body = json.loads(request.body)
        if self.mode == "busy":
            return Answer(502, b"Bad Gateway", "text/plain")
        code, message = {
            "ok": ("Ok", "send success"),
            "refuse": ("InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number"),
            "throttle": ("LimitExceeded.PhoneNumberThirtySecondLimit", "30 s limit"),
        }[self.mode]
        if code == "Ok":
            self.sent.append(body)
        status = {
            "SerialNo": f"5000:10457106691570536578494996{len(self.sent):02d}",
            "PhoneNumber": body["PhoneNumberSet"][0],
            "Fee": 1,
            "SessionContext": body.get("SessionContext", ""),
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }
        return Answer.json({"Response": {"SendStatusSet": [status], "RequestId": request_id}})

    def _check(self, request: Request) -> str | None:
        headers = request.headers
        scheme, _, fields = headers.get("authorization", "").partition(" ")
        if scheme != "TC3-HMAC-SHA256":
            return "AuthFailure.InvalidAuthorization"
        parts = dict(field.strip().split("=", 1) for field in fields.split(","))
        secret_id, date, service, terminal = parts["Credential"].split("/")
        if secret_id != self.secret_id:
            return "AuthFailure.SecretIdNotFound"
        timestamp = int(headers["x-tc-timestamp"])
        if abs(time.time() - timestamp) > 300:
            return "AuthFailure.SignatureExpire"
        if date != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d"):
            return "AuthFailure.SignatureFailure"
        if (service, terminal) != ("sms", "tc3_request"):
            return "AuthFailure.SignatureFailure"
        signed = parts["SignedHeaders"].split(";")
        if not {"content-type", "host"} <= set(signed):
            return "AuthFailure.SignatureFailure"
        canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
        canonical_request = "\n".join(
            [
                request.method,
                request.path,
                "",
                canonical_headers,
                parts["SignedHeaders"],
                hashlib.sha256(request.body).hexdigest(),
            ]
        )
        to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                str(timestamp),
                f"{date}/{service}/{terminal}",
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            ]
        )
        key = _hmac(_hmac(_hmac(f"TC3{self.secret_key}".encode(), date), service), terminal)
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts["Signature"]):
            return "AuthFailure.SignatureFailure"
        if (headers.get("x-tc-action"), headers.get("x-tc-version")) != ("SendSms", "2021-01-11"):
            return "InvalidAction"
        if not headers.get("x-tc-region"):
            return "MissingParameter"
        return None

    @staticmethod
    def _error(code: str, request_id: str) -> Answer:
        return Answer.json(
            {"Response": {"Error": {"Code": code, "Message": code}, "RequestId": request_id}}
        )
