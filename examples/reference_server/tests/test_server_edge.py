"""The request guard and the limits (issue 8, items 10, 11, 13): text no database stores,
dates out of range, body size, pages, request ids, and errors logged once without secrets."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.orders import Actor
from booking_core.ports.storage import UnitOfWork
from booking_core.testing import ScriptedPaymentGateway
from booking_server import create_app
from booking_server.main import main
from booking_server.settings import Settings, mask_url

from .conftest import headers_of

DAY = "2026-03-03"


# --- text no database stores, on every backend -------------------------------------------


PLATFORM = Actor.platform("admin-1")
ALICE = Actor.customer("cus-alice")
JSON = {"Content-Type": "application/json"}

# (case id, method, path, who acts or None, raw JSON body or None, where)
UNSTORABLE: list[tuple[str, str, str, Actor | None, bytes | None, str]] = [
    ("NUL in a path id", "GET", "/orders/ord%00x", ALICE, None, "path"),
    ("NUL in a category name", "POST", "/categories", PLATFORM,
     json.dumps({"name": "a\u0000b"}).encode(), "body"),
    ("lone surrogate in a category name", "POST", "/categories", PLATFORM,
     b'{"name": "a\\ud800b"}', "body"),
    ("NUL in a JSON key", "POST", "/categories", PLATFORM,
     b'{"na\\u0000me": "x"}', "body"),
    ("JSON body that is not UTF-8", "POST", "/categories", PLATFORM,
     b'{"name": "a\xed\xa0\x80b"}', "body"),
    ("NUL in a query", "GET", "/technicians/tec_1/slots?service_id=svc%00x&date=2026-03-03",
     None, None, "query"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "actor", "body", "where"),
    [pytest.param(*case[1:], id=case[0]) for case in UNSTORABLE],
)
def test_unstorable_text_is_the_same_422_on_every_backend(
    backend_client: TestClient,
    method: str,
    path: str,
    actor: Actor | None,
    body: bytes | None,
    where: str,
) -> None:
    # given a server on memory, SQLite or PostgreSQL
    headers = headers_of(backend_client, actor) if actor else {}
    if body is not None:
        headers |= JSON

    # when a request carries a NUL or a lone surrogate
    response = backend_client.request(method, path, headers=headers, content=body)

    # then it is 422 invalid_text naming where, and nothing was stored
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["details"]) == (
        "invalid_text",
        {"location": where},
    )
    assert backend_client.get("/categories").json()["items"] == []


def test_escaped_backslashes_and_real_emoji_are_fine(
    client: TestClient, platform: dict[str, str]
) -> None:
    # given names that merely look like escapes, and a surrogate pair (one emoji)
    body = b'{"name": "C:\\\\u0000 \\ud83d\\ude00"}'

    # when the category is created
    response = client.post("/categories", content=body, headers={**platform, **JSON})

    # then it is stored as written
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "C:\\u0000 \U0001f600"


def test_a_nul_in_a_header_is_refused(booking_app: BookingApp) -> None:
    # given the app, called as a server would call it (clients refuse to send such headers)
    app = create_app(booking_app)
    scope = {
        "type": "http", "method": "GET", "path": "/orders", "raw_path": b"/orders",
        "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
        "server": ("test", 80), "client": ("test", 1),
        "headers": [(b"x-actor-id", b"cus\x00alice"), (b"x-actor-role", b"customer")],
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    # when it is served
    asyncio.run(app(scope, receive, send))

    # then it is 422 invalid_text
    assert sent[0]["status"] == 422
    assert json.loads(sent[1]["body"])["code"] == "invalid_text"


# --- dates and ranges ----------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
@pytest.mark.parametrize("where", ["slots", "free-slots", "day-slots"])
def test_days_out_of_range_are_a_specific_422(
    client: TestClient, shop: dict[str, str], day: str, where: str
) -> None:
    # given the shop

    # when slots are searched on a day far out
    service = shop["service_id"]
    tech = shop["technician_id"]
    path, params = {
        "slots": ("/slots", {"service_id": service, "first_day": day}),
        "free-slots": (
            f"/technicians/{tech}/free-slots",
            {"service_id": service, "first_day": day},
        ),
        "day-slots": (f"/technicians/{tech}/slots", {"service_id": service, "date": day}),
    }[where]
    response = client.get(path, params=params)

    # then it is 422 date_out_of_range, not a 500
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "date_out_of_range"
    assert "2000" in response.json()["details"]["errors"][0]["message"]


@pytest.mark.parametrize("where", ["slots", "free-slots"])
def test_a_search_range_is_bounded_and_ordered(
    client: TestClient, shop: dict[str, str], where: str
) -> None:
    # given the shop
    path = "/slots" if where == "slots" else f"/technicians/{shop['technician_id']}/free-slots"
    base = {"service_id": shop["service_id"], "first_day": "2026-03-02"}

    # when a range of 32 days, one of 31 and a reversed one are searched
    too_long = client.get(path, params={**base, "last_day": "2026-04-02"})
    longest = client.get(path, params={**base, "last_day": "2026-04-01"})
    reversed_ = client.get(path, params={**base, "last_day": "2026-03-01"})

    # then only the 31 days are searched
    assert (too_long.status_code, too_long.json()["code"]) == (422, "date_out_of_range")
    assert too_long.json()["details"] == {"max_days": 31}
    assert longest.status_code == 200
    assert (reversed_.status_code, reversed_.json()["code"]) == (422, "invalid_time_range")


def test_a_hold_in_year_one_is_a_specific_422(
    client: TestClient, shop: dict[str, str], alice: dict[str, str]
) -> None:
    # given the shop

    # when a hold is asked for year 1
    response = client.post(
        "/holds",
        json={
            "technician_id": shop["technician_id"],
            "service_id": shop["service_id"],
            "start": "0001-01-01T00:00:00+08:00",
        },
        headers=alice,
    )

    # then it is 422 date_out_of_range
    assert (response.status_code, response.json()["code"]) == (422, "date_out_of_range")


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["slots", "free-slots"])
def test_slots_come_in_pages_that_join_to_the_whole_list(
    client: TestClient, shop: dict[str, str], where: str
) -> None:
    # given a week of slots
    path = "/slots" if where == "slots" else f"/technicians/{shop['technician_id']}/free-slots"
    params = {"service_id": shop["service_id"], "first_day": DAY, "last_day": "2026-03-09"}
    whole = client.get(path, params={**params, "limit": 500}).json()

    # when they are read 7 at a time
    pages, cursor = [], None
    while True:
        page = client.get(
            path, params={**params, "limit": 7, **({"cursor": cursor} if cursor else {})}
        ).json()
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # then every page but the last is full and together they are the whole list
    assert len(whole["items"]) > 20
    assert whole["next_cursor"] is None
    assert all(len(p) == 7 for p in pages[:-1])
    assert 1 <= len(pages[-1]) <= 7
    assert [s for p in pages for s in p] == whole["items"]


def test_the_page_size_is_bounded_and_a_foreign_cursor_refused(
    client: TestClient, shop: dict[str, str]
) -> None:
    # given a slot search
    params = {"service_id": shop["service_id"], "first_day": DAY}

    # when too large a page, and a cursor that is not ours, are asked for
    too_large = client.get("/slots", params={**params, "limit": 501})
    foreign = client.get("/slots", params={**params, "cursor": "bm90LWEtY3Vyc29y"})

    # then both are refused
    assert (too_large.status_code, too_large.json()["code"]) == (422, "invalid_input")
    assert (foreign.status_code, foreign.json()["code"]) == (422, "invalid_cursor")


def test_my_orders_come_in_pages_newest_first(
    client: TestClient, place: Callable[..., dict[str, Any]], alice: dict[str, str]
) -> None:
    # given three orders of Alice
    placed = [place(f"{DAY}T{hour}:00:00+08:00")["id"] for hour in (10, 14, 16)]
    whole = [o["id"] for o in client.get("/orders", headers=alice).json()["items"]]

    # when they are read two at a time
    first = client.get("/orders", params={"limit": 2}, headers=alice).json()
    second = client.get(
        "/orders", params={"limit": 2, "cursor": first["next_cursor"]}, headers=alice
    ).json()

    # then the pages follow the newest-first list
    assert sorted(whole) == sorted(placed)
    assert [o["id"] for o in first["items"] + second["items"]] == whole
    assert second["next_cursor"] is None


# --- body size -----------------------------------------------------------------------------


@pytest.fixture
def small_client(booking_app: BookingApp) -> Iterator[TestClient]:
    with TestClient(create_app(booking_app, max_body_bytes=1024)) as client:
        yield client


def test_a_body_over_the_limit_is_413_by_its_length(small_client: TestClient) -> None:
    # given a server taking 1 KiB bodies

    # when 2 KiB are posted
    response = small_client.post(
        "/payments/webhook", content=b"x" * 2048, headers={"Content-Type": "application/json"}
    )

    # then it is 413 request_too_large, as a problem
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["details"]) == (
        "request_too_large",
        {"max_bytes": 1024},
    )


def test_a_streamed_body_is_cut_off_at_the_limit(small_client: TestClient) -> None:
    # given a server taking 1 KiB bodies, and a body streamed without a length
    streamed: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):
            streamed.append(1)
            yield b"y" * 512

    # when it is posted
    platform = headers_of(small_client, PLATFORM)
    response = small_client.post("/categories", content=chunks(), headers=platform)

    # then it is 413
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")


def test_a_body_within_the_limit_is_served(small_client: TestClient) -> None:
    # given a server taking 1 KiB bodies

    # when a small category is created
    platform = headers_of(small_client, PLATFORM)
    response = small_client.post("/categories", json={"name": "按摩"}, headers=platform)

    # then it is
    assert response.status_code == 201


# --- request ids, logs and secrets ---------------------------------------------------------


def test_every_answer_carries_a_request_id_and_problems_repeat_it(client: TestClient) -> None:
    # given nothing

    # when a page is read, a missing thing is read, and a client sends its own id
    ok = client.get("/categories")
    missing = client.get("/services/svc_missing")
    own = client.get("/services/svc_missing", headers={"X-Request-ID": "trace-42"})
    bad = client.get("/services/svc_missing", headers={"X-Request-ID": "no spaces/please"})

    # then each has an id, problems repeat it, and a usable client id is kept
    assert len(ok.headers["x-request-id"]) == 32
    assert missing.json()["request_id"] == missing.headers["x-request-id"]
    assert (own.headers["x-request-id"], own.json()["request_id"]) == ("trace-42", "trace-42")
    assert bad.json()["request_id"] == bad.headers["x-request-id"] != "no spaces/please"


def _failing_storage() -> UnitOfWork:
    raise RuntimeError("connection to db-internal.example:5432 refused (password=hunter2)")


def test_an_unexpected_error_is_logged_once_with_its_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a server whose storage fails, with the test client re-raising server errors
    caplog.set_level(logging.INFO)
    booking_app = build(uow=_failing_storage, payments=ScriptedPaymentGateway())
    with TestClient(create_app(booking_app)) as client:
        # when a page touching storage is read
        response = client.get("/categories", headers={"X-Request-ID": "req-500"})

    # then the answer is a 500 problem (the error did not escape to the server, which would
    # log it a second time) and exactly one record names it, with the request id
    assert (response.status_code, response.json()["request_id"]) == (500, "req-500")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "req-500" in errors[0].getMessage()
    assert "/categories" in errors[0].getMessage()
    assert "hunter2" not in response.text


def test_database_passwords_are_masked() -> None:
    # given URLs with passwords
    urls = {
        "postgresql+psycopg://shop:pa%40ss@db.internal:5432/shop": (
            "postgresql+psycopg://shop:***@db.internal:5432/shop"
        ),
        "postgresql://shop:p:w@db/shop?sslmode=require": "postgresql://shop:***@db/shop?sslmode=require",
        "postgresql://db/shop?user=shop&password=hunter2": "postgresql://db/shop?user=shop&password=***",
        "sqlite:///./booking_core_demo.sqlite3": "sqlite:///./booking_core_demo.sqlite3",
    }  # fmt: skip

    # when they are masked
    masked = {url: mask_url(url) for url in urls}

    # then no password is left and the rest is kept
    assert masked == urls
    assert "hunter2" not in repr(Settings(db_url="postgresql://u:hunter2@db/x"))


def test_help_does_not_print_the_database_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a database URL with a password in the environment
    monkeypatch.setenv("BOOKING_CORE_DB_URL", "postgresql://shop:hunter2@db.internal/shop")

    # when the help is printed
    with pytest.raises(SystemExit):
        main(["--help"])

    # then it shows the URL masked
    out = capsys.readouterr().out
    assert "hunter2" not in out
    assert "postgresql://shop:***@db.internal/shop" in out
