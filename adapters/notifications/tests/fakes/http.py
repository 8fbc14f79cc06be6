"""A real HTTP server on 127.0.0.1 in a thread, for standing in for a provider's API.

Each provider's fake subclasses :class:`FakeHttpProvider` and answers :class:`Request` s in
:meth:`FakeHttpProvider.answer`. The server speaks HTTP/1.0 (one request per connection), so
stopping it leaves no connection a client could still reuse.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

import attrs


@attrs.frozen
class Request:
    """One request as it arrived."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes


@attrs.frozen
class Answer:
    """What the server sends back."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Answer:
        return cls(status, json.dumps(data, ensure_ascii=False).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeHttpProvider

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) is not the server's problem


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        parts = urlsplit(self.path)
        request = Request(
            self.command,
            parts.path,
            dict(parse_qsl(parts.query)),
            {name.lower(): value for name, value in self.headers.items()},
            self.rfile.read(length),
        )
        answer = self.server.fake.dispatch(request)
        self.send_response(answer.status)
        self.send_header("content-type", answer.content_type)
        self.send_header("content-length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeHttpProvider:
    """Base of the provider fakes: start, stop, scripted delay, and a log of requests."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.delay = 0.0  # seconds before answering: longer than the client waits = timeout
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._running = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop listening: from now on connections are refused."""
        if self._running:
            self._running = False
            self._server.shutdown()
            self._server.server_close()

    def dispatch(self, request: Request) -> Answer:
        self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
        return self.answer(request)

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError
