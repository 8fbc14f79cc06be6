"""A small Stripe API on pytest-httpserver for the paths localstripe cannot take: 5xx,
timeouts, and Stripe's own ``Idempotency-Key`` layer (localstripe ignores the header).

It speaks Stripe's wire format (form-encoded requests, JSON objects and errors) for the
few PaymentIntent and Refund calls the gateway makes, keeps the objects it made, and
can fail the next call to a path: with a status (after performing it, or before), or by
answering too late.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

_CAPTURE = re.compile(r"^/v1/payment_intents/(pi_\w+)/capture$")
_RETRIEVE = re.compile(r"^/v1/payment_intents/(pi_\w+)$")


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, kind: str, message: str, code: str | None = None) -> Response:
    error: dict[str, Any] = {"type": kind, "message": message}
    if code:
        error["code"] = code
    return _json({"error": error}, status)


def _listed(url: str, data: list[dict[str, Any]], kind: str = "list") -> dict[str, Any]:
    return {"object": kind, "url": url, "has_more": False, "data": data}


class FakeStripeApi:
    """The fake; :attr:`intents` and :attr:`refunds` are its records by id."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.url = server.url_for("/").rstrip("/")
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        #: Balance transactions, their `source` in full (as `expand[]=data.source` gives).
        self.balance: list[dict[str, Any]] = []
        #: Objects the list calls do not show (made more than `lookup_limit` ago).
        self.unlisted: set[str] = set()
        self._replies: dict[str, tuple[dict[str, str], Response]] = {}
        self._faults: list[tuple[str, str, int | None, bool, float]] = []
        self._lock = threading.Lock()
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def fail_next(
        self,
        method: str,
        path: str,
        status: int | None = 500,
        *,
        performed: bool = False,
        delay: float = 0.0,
    ) -> None:
        """The next ``method path`` (a regex) answers ``status`` — after doing the work when
        ``performed`` — and only after ``delay`` seconds (beyond the client's timeout, the
        answer never arrives)."""
        with self._lock:
            self._faults.append((method, path, status, performed, delay))

    def _fault(self, request: Request) -> tuple[int | None, bool, float] | None:
        with self._lock:
            for i, (method, path, status, performed, delay) in enumerate(self._faults):
                if request.method == method and re.fullmatch(path, request.path):
                    del self._faults[i]
                    return status, performed, delay
        return None

    def _handle(self, request: Request) -> Response:
        fault = self._fault(request)
        if fault is not None:
            status, performed, delay = fault
            reply = self._answer(request) if performed else None
            time.sleep(delay)
            if status is None and reply is not None:
                return reply
            return _error(status or 500, "api_error", "An error occurred with our connection.")
        return self._answer(request)

    def _answer(self, request: Request) -> Response:
        form = dict(request.form.items())
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key is not None:
            with self._lock:
                known = self._replies.get(f"{request.path} {key}")
            if known is not None:
                if known[0] != form:
                    return _error(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    )
                return known[1]
        reply = self._route(request, form)
        if request.method == "POST" and key is not None and reply.status_code < 500:
            with self._lock:
                self._replies[f"{request.path} {key}"] = (form, reply)
        return reply

    def _route(self, request: Request, form: dict[str, str]) -> Response:
        path = request.path
        if request.method == "GET" and path == "/v1/payment_intents":
            shown = [i for i in self.intents.values() if i["id"] not in self.unlisted]
            return _json(_listed(path, list(reversed(shown))))
        if request.method == "GET" and path == "/v1/payment_intents/search":
            wanted = re.fullmatch(r"metadata\['(\w+)'\]:'([^']*)'", request.args.get("query", ""))
            found = [
                i
                for i in self.intents.values()
                if wanted and i["metadata"].get(wanted.group(1)) == wanted.group(2)
            ]
            return _json(_listed(path, found, "search_result"))
        if request.method == "POST" and path == "/v1/payment_intents":
            return _json(self._create_intent(form))
        if request.method == "GET" and (match := _RETRIEVE.match(path)):
            return _json(self.intents[match.group(1)])
        if request.method == "POST" and (match := _CAPTURE.match(path)):
            intent = self.intents[match.group(1)]
            received = int(form.get("amount_to_capture", intent["amount"]))
            intent.update(status="succeeded", amount_received=received, amount_capturable=0)
            return _json(intent)
        if request.method == "GET" and path == "/v1/refunds":
            wanted_intent = request.args.get("payment_intent")
            shown = [
                r
                for r in self.refunds.values()
                if wanted_intent in (None, r["payment_intent"]) and r["id"] not in self.unlisted
            ]
            return _json(_listed(path, list(reversed(shown))))
        if request.method == "GET" and path == "/v1/balance_transactions":
            gte, lt = int(request.args["created[gte]"]), int(request.args["created[lt]"])
            expand = [v for k, v in request.args.items(multi=True) if k.startswith("expand[")]
            assert expand == ["data.source"], expand
            shown = [t for t in self.balance if gte <= t["created"] < lt]
            return _json(_listed(path, shown))
        if request.method == "POST" and path == "/v1/refunds":
            return _json(self._create_refund(form))
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({path}).")

    def _create_intent(self, form: dict[str, str]) -> dict[str, Any]:
        intent_id = "pi_" + secrets.token_hex(8)
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": form["currency"],
            "capture_method": form.get("capture_method", "automatic"),
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": {
                k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")
            },
            "status": "requires_payment_method",
        }
        with self._lock:
            self.intents[intent_id] = intent
        return intent

    def authorize(self, intent_id: str) -> None:
        """The customer's card is held for the whole amount (manual capture)."""
        intent = self.intents[intent_id]
        intent.update(status="requires_capture", amount_capturable=intent["amount"])

    def pay(self, intent_id: str) -> None:
        """The customer pays (automatic capture)."""
        intent = self.intents[intent_id]
        intent.update(status="succeeded", amount_received=intent["amount"])

    def _create_refund(self, form: dict[str, str]) -> dict[str, Any]:
        refund_id = "re_" + secrets.token_hex(8)
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": int(form["amount"]),
            "currency": self.intents[form["payment_intent"]]["currency"],
            "payment_intent": form["payment_intent"],
            "metadata": {
                k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")
            },
            "status": "pending",
        }
        with self._lock:
            self.refunds[refund_id] = refund
        return refund
