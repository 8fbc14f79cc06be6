"""Stripe on the wire for the tests: localstripe behind a forwarding proxy, the customer
who pays, and notifications signed exactly as Stripe signs them.

localstripe (GPL) runs as a separate process; nothing here imports it. The proxy sits
between the gateway and localstripe so that a test can lose the reply to a call that
localstripe did perform, as a read timeout or a 5xx after the fact would.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from booking_core_stripe import CapturePolicy, StripeConfig

#: The API version the notifications claim (the stripe library's own).
API_VERSION = "2026-10-28.endive"

#: Calls that move money: the proxy loses the reply of the next one when asked to.
_MONEY_MOVING = {("POST", "/v1/payment_intents"), ("POST", "/v1/refunds")}


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe puts on ``body``: ``t=<unix time>`` and
    ``v1=`` the hex HMAC-SHA256 of ``"<t>.<body>"`` under the endpoint's secret."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event_body(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    """A webhook event as Stripe posts it (pretty-printed JSON, the object in full)."""
    event = {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return json.dumps(event, indent=2).encode()


class StripeWire:
    """localstripe at ``upstream``, reached through the proxy at :attr:`url`."""

    def __init__(self, upstream: str, proxy: HTTPServer) -> None:
        self.upstream = upstream
        self.proxy = proxy
        self.url = proxy.url_for("/").rstrip("/")
        self.secret_key = "sk_test_" + secrets.token_hex(12)
        self.calls: list[tuple[str, str, dict[str, str], str | None]] = []
        self._lose_next = False
        self._lock = threading.Lock()
        self._http = httpx.Client(base_url=upstream, auth=(self.secret_key, ""), timeout=10.0)
        proxy.expect_request(re.compile(".*")).respond_with_handler(self._forward)

    def close(self) -> None:
        self._http.close()

    def reset(self) -> None:
        """Forget every object at localstripe and every recorded call."""
        self._http.delete("/_config/data").raise_for_status()
        with self._lock:
            self.calls.clear()
            self._lose_next = False

    @contextlib.contextmanager
    def lost_reply(self) -> Iterator[None]:
        """While open, localstripe performs the next create (payment or refund) but its
        reply is replaced by a 500, as when Stripe fails after the fact."""
        with self._lock:
            self._lose_next = True
        try:
            yield
        finally:
            with self._lock:
                self._lose_next = False

    def _forward(self, request: Request) -> Response:
        body = request.get_data()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower()
            in ("authorization", "content-type", "idempotency-key", "stripe-version")
        }
        path = request.path
        with self._lock:
            self.calls.append(
                (
                    request.method,
                    path,
                    dict(request.form.items()),
                    request.headers.get("Idempotency-Key"),
                )
            )
            lose = self._lose_next and (request.method, path) in _MONEY_MOVING
            if lose:
                self._lose_next = False
        upstream = self._http.request(
            request.method,
            path,
            params=request.query_string.decode(),
            content=body,
            headers=headers,
        )
        if lose:
            return Response(
                json.dumps({"error": {"type": "api_error", "message": "An error occurred."}}),
                status=500,
                content_type="application/json",
            )
        return Response(
            upstream.content, status=upstream.status_code, content_type="application/json"
        )

    # -- what the customer and Stripe do ---------------------------------------------------

    def get(self, path: str) -> dict[str, Any]:
        """An object as localstripe holds it (the provider's own record)."""
        reply = self._http.get(path)
        reply.raise_for_status()
        result: dict[str, Any] = reply.json()
        return result

    def pay(self, intent_id: str, payment_method: str = "pm_card_visa") -> dict[str, Any]:
        """The customer pays: Stripe.js attaches the card and confirms the intent.

        localstripe confirms only intents that already hold their payment method, so the
        method is set first and the intent confirmed after, two calls Stripe also takes.
        """
        self._http.post(
            f"/v1/payment_intents/{intent_id}", data={"payment_method": payment_method}
        ).raise_for_status()
        reply = self._http.post(f"/v1/payment_intents/{intent_id}/confirm")
        result: dict[str, Any] = reply.json()
        return result

    def configure_webhook(self, url: str, secret: str) -> None:
        """Have localstripe post its own signed ``payment_intent.succeeded`` events to
        ``url`` (its test-only configuration endpoint; one endpoint, replaced each time)."""
        self._http.post(
            "/_config/webhooks/booking",
            data={"url": url, "secret": secret, "events[]": "payment_intent.succeeded"},
        ).raise_for_status()

    def card(self, number: str) -> str:
        """A card payment method, as Stripe.js makes one from the card the customer typed."""
        reply = self._http.post(
            "/v1/payment_methods",
            data={
                "type": "card",
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
            },
        )
        reply.raise_for_status()
        method: str = reply.json()["id"]
        return method

    def notify(
        self, secret: str, event_type: str, path: str, *, timestamp: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        """A notification about the object at ``path``, signed with ``secret``."""
        body = event_body(event_type, self.get(path))
        return {"Stripe-Signature": sign(body, secret, timestamp)}, body


def make_config(
    wire: StripeWire, policy: CapturePolicy = CapturePolicy.HOLDS, **kwargs: object
) -> StripeConfig:
    """A test-mode configuration pointing at the proxy, with a fresh signing secret."""
    options: dict[str, object] = {
        "secret_key": wire.secret_key,
        "webhook_secret": "whsec_" + secrets.token_hex(16),
        "capture_policy": policy,
        "currencies": frozenset({"CNY", "JPY", "USD"}),
        "timeout": 5.0,
        "api_base": wire.url,
        **kwargs,
    }
    return StripeConfig(**options)  # type: ignore[arg-type]
