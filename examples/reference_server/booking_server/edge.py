"""The request guard: what every request passes before any route sees it.

One ASGI middleware, in one place rather than per route:

* **Request id.** Every request gets an id — the client's ``X-Request-ID`` when it is a
  short token (1–128 of ``A-Z a-z 0-9 . _ : -``), a new random one otherwise. It is sent back
  in the ``X-Request-ID`` header of every answer and in the ``request_id`` member of every
  problem, and the log names it next to any error.
* **Body size.** A body larger than ``max_body_bytes`` (1 MiB by default) is refused with
  413 ``request_too_large``: at once when ``Content-Length`` says so, otherwise as soon as the
  streamed bytes pass the limit — the body is never read into memory beyond it.
* **Text no database stores.** A NUL character or a lone UTF-16 surrogate anywhere in the
  path, the query, a header or a JSON body (and a JSON body that is not UTF-8) is refused
  with 422 ``invalid_text``. PostgreSQL rejects such text while SQLite stores it; refusing it
  here gives both backends the same answer.
* **Unexpected errors.** An exception no handler took is logged once, with the request id
  and without the request's data, and answered 500 ``internal_error``.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_core.errors import InvalidText
from booking_server.problems import DEFAULT_PROBLEM_BASE, problem_response, request_id_var
from booking_server.settings import DEFAULT_MAX_BODY_BYTES

__all__ = ["REQUEST_ID_HEADER", "RequestGuard", "unstorable_text_in"]

logger = logging.getLogger("booking_server")

REQUEST_ID_HEADER: Final = "X-Request-ID"
_CLIENT_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: NUL, and UTF-16 surrogates: a str holds them, UTF-8 and PostgreSQL text cannot.
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")


class _TooLarge(Exception):
    pass


class RequestGuard:
    """ASGI middleware: request id, body size limit, unstorable text, errors logged once.

    Args:
        app: The application to guard.
        max_body_bytes: The largest request body taken.
        problem_base: Prefix of the problem ``type`` URIs (as in ``create_app``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        problem_base: str = DEFAULT_PROBLEM_BASE,
    ) -> None:
        if max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be positive; got {max_body_bytes}.")
        self._app = app
        self._max = max_body_bytes
        self._base = problem_base

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", ()))
        request_id = _request_id(headers)
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", ()),
                        (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
                    ],
                }
            await send(message)

        try:
            refusal = self._refuse_before_body(scope, headers)
            body = b""
            if refusal is None:
                try:
                    body = await self._read_body(receive)
                except _TooLarge:
                    refusal = self._too_large()
            if refusal is None:
                refusal = self._refuse_body(headers, body)
            if refusal is not None:
                await refusal(scope, receive, send_with_id)
                return
            try:
                await self._app(scope, _replay(body, receive), send_with_id)
            except Exception:
                # Logged here, once: the exception is not re-raised, so neither Starlette
                # nor the server logs it again. The message names no request data.
                logger.exception(
                    "unexpected error while serving %s %s (request_id=%s)",
                    scope.get("method", ""),
                    _route_of(scope),
                    request_id,
                )
                if started:
                    raise  # too late for a problem answer; the server closes the connection
                response = problem_response(
                    self._base,
                    status=500,
                    code="internal_error",
                    detail="An unexpected error occurred; it has been logged. Try again later.",
                )
                await response(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)

    # -- checks ----------------------------------------------------------------------------

    def _refuse_before_body(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> Any:
        length = _header(headers, b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > self._max:
            return self._too_large()
        path = scope.get("path", "")
        if isinstance(path, str) and _UNSTORABLE.search(path):
            return self._invalid_text("path")
        if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            return self._invalid_text("query")
        if any(b"\x00" in name or b"\x00" in value for name, value in headers):
            return self._invalid_text("header")
        return None

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app sees an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _refuse_body(self, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        content_type = (_header(headers, b"content-type") or b"").split(b";")[0].strip().lower()
        if not body or not (content_type == b"application/json" or content_type.endswith(b"+json")):
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self._invalid_text("body", reason="the JSON body is not UTF-8")
        # Escapes are the only way a NUL or a lone surrogate gets into valid JSON text;
        # raw control characters are invalid JSON and refused by the JSON parser.
        if "\\u" not in text:
            return None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None  # not JSON: the route's validation says so
        if unstorable_text_in(data):
            return self._invalid_text("body")
        return None

    # -- answers ---------------------------------------------------------------------------

    def _too_large(self) -> Any:
        return problem_response(
            self._base,
            status=413,
            code="request_too_large",
            detail=f"The request body is larger than {self._max} bytes; send less.",
            details={"max_bytes": self._max},
        )

    def _invalid_text(self, where: str, *, reason: str = "") -> Any:
        why = reason or "it holds a NUL character or a lone surrogate, which no text can store"
        return problem_response(
            self._base,
            status=422,
            code=InvalidText.code,
            detail=f"The request's {where} is not storable text: {why}. Remove that character.",
            details={"location": where},
        )


def unstorable_text_in(data: Any) -> bool:
    """True if any string (key or value) in decoded JSON ``data`` holds NUL or a surrogate."""
    stack: list[Any] = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _request_id(headers: Iterable[tuple[bytes, bytes]]) -> str:
    given = _header(headers, b"x-request-id")
    if given is not None:
        text = given.decode("latin-1")
        if _CLIENT_REQUEST_ID.match(text):
            return text
    return uuid.uuid4().hex


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _route_of(scope: Scope) -> str:
    # The route's template (``/orders/{order_id}``) rather than the path: paths carry ids.
    route = scope.get("route")
    template = getattr(route, "path", None)
    return template if isinstance(template, str) else "(no route)"


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
