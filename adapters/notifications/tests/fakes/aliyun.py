"""A stand-in for Aliyun Dysmsapi: checks each SendSms as Aliyun does, then answers.

The signature check is written here from Aliyun's RPC signature description, apart from
the adapter's code: sorted parameters, RFC 3986 percent-encoding (``%20``, ``%2A``, ``~``),
``POST&%2F&`` + the encoded query, HMAC-SHA1 with the secret and ``&``, base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from .http import Answer, FakeHttpProvider, Request

_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]")


def _encode(text: str) -> str:
    return "".join(
        char if _UNRESERVED.fullmatch(char) else "".join(f"%{b:02X}" for b in char.encode())
        for char in text
    )


class AliyunSmsFake(FakeHttpProvider):
    """Knows one AccessKey; ``mode`` is ``ok``, ``refuse``, ``throttle`` or ``busy``."""

    def __init__(self, key_id: str = "LTAI-test", secret: str = "aliyun-secret") -> None:
        super().__init__()
        self.key_id, self.secret = key_id, secret
        self.mode = "ok"
        self.sent: list[dict[str, str]] = []  # the parameters of each accepted SendSms
        self._nonces: set[str] = set()

    def answer(self, request: Request) -> Answer:
        params = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        params.update(request.query)
        request_id = f"req-{len(self.requests)}"
        if params.get("AccessKeyId") != self.key_id:
            return self._error(404, "InvalidAccessKeyId.NotFound", request_id)
        signature = params.pop("Signature", "")
        canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
        to_sign = f"{request.method}&%2F&{_encode(canonical)}"
        expected = base64.b64encode(
            hmac.new(f"{self.secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if not hmac.compare_digest(signature, expected):
            return self._error(400, "SignatureDoesNotMatch", request_id)
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - stamp) > timedelta(minutes=15):
            return self._error(400, "InvalidTimeStamp.Expired", request_id)
        if params["SignatureNonce"] in self._nonces:
            return self._error(400, "SignatureNonceUsed", request_id)
        self._nonces.add(params["SignatureNonce"])
        wanted = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
        }
        if any(params.get(k) != v for k, v in wanted.items()):
            return self._error(400, "InvalidParameter", request_id)
        json.loads(params["TemplateParam"])  # must be a JSON object
        if self.mode == "refuse":
            return self._error(200, "isv.MOBILE_NUMBER_ILLEGAL", request_id, "非法手机号")
        if self.mode == "throttle":
            return self._error(200, "isv.BUSINESS_LIMIT_CONTROL", request_id, "触发分钟级流控")
        if self.mode == "busy":
            return Answer(503, b"<html>Service Unavailable</html>", "text/html")
        self.sent.append(params)
        return Answer.json(
            {
                "Code": "OK",
                "Message": "OK",
                "BizId": f"9006197469364984{len(self.sent):02d}^0",
                "RequestId": request_id,
            }
        )

    @staticmethod
    def _error(status: int, code: str, request_id: str, message: str = "") -> Answer:
        return Answer.json(
            {"Code": code, "Message": message or code, "RequestId": request_id}, status
        )
