"""A stand-in for the WeChat server API: stable access tokens and subscribe messages.

Like WeChat it checks the AppID and AppSecret, answers 40001 for a token it did not issue
or has invalidated, 43101 for a user without a subscription, and 47003 for a value longer
than its data key's kind allows.
"""

from __future__ import annotations

import json
from typing import Any

from .http import Answer, FakeHttpProvider, Request

LIMITS = {"thing": 20, "character_string": 32, "name": 10, "phrase": 5}


class WeChatFake(FakeHttpProvider):
    """``mode``: ``ok``, ``refuse`` (bad openid), ``throttle`` (system busy) or ``busy``."""

    def __init__(self, app_id: str = "wx-test", secret: str = "wechat-secret") -> None:
        super().__init__()
        self.app_id, self.secret = app_id, secret
        self.mode = "ok"
        self.unsubscribed: set[str] = set()  # openids without a grant
        self.tokens_issued = 0
        self._valid: set[str] = set()
        self.sent: list[dict[str, Any]] = []

    def invalidate_tokens(self) -> None:
        """As if another server had forced a new token: every issued token is refused."""
        self._valid.clear()

    def answer(self, request: Request) -> Answer:
        if request.path == "/cgi-bin/stable_token":
            return self._token(json.loads(request.body))
        if request.path == "/cgi-bin/message/subscribe/send":
            return self._send(request)
        return Answer(404, b"not found", "text/plain")

    def _token(self, body: dict[str, str]) -> Answer:
        if body.get("grant_type") != "client_credential" or body.get("appid") != self.app_id:
            return Answer.json({"errcode": 40013, "errmsg": "invalid appid"})
        if body.get("secret") != self.secret:
            return Answer.json({"errcode": 40125, "errmsg": "invalid appsecret"})
        self.tokens_issued += 1
        token = f"token-{self.tokens_issued}"
        self._valid.add(token)
        return Answer.json({"access_token": token, "expires_in": 7200})

    def _send(self, request: Request) -> Answer:
        if request.query.get("access_token") not in self._valid:
            return Answer.json({"errcode": 40001, "errmsg": "invalid credential"})
        if self.mode == "busy":
            return Answer(502, b"Bad Gateway", "text/plain")
        if self.mode == "throttle":
            return Answer.json({"errcode": -1, "errmsg": "system error"})
        body = json.loads(request.body)
        if self.mode == "refuse":
            return Answer.json({"errcode": 40003, "errmsg": "invalid openid"})
        if body["touser"] in self.unsubscribed:
            return Answer.json({"errcode": 43101, "errmsg": "user refuse to accept the msg"})
        for key, item in body["data"].items():
            limit = LIMITS.get(key.rstrip("0123456789"))
            if limit is not None and len(item["value"]) > limit:
                return Answer.json({"errcode": 47003, "errmsg": f"data.{key}.value invalid"})
        self.sent.append(body)
        return Answer.json(
            {"errcode": 0, "errmsg": "ok", "msgid": 294402298110051942 + len(self.sent)}
        )
