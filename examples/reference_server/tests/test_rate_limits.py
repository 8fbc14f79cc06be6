"""Rate limits: 429 ``rate_limited`` with ``Retry-After``, per key and per IP, in memory or
in Redis, off unless asked for, and settings that are checked."""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_core.errors import StorageUnavailable
from booking_core.orders import Actor
from booking_server import create_app
from booking_server.credentials import headers_for
from booking_server.main import create_server, open_rate_limits
from booking_server.ratelimit import (
    LimitName,
    RateLimited,
    RateLimits,
    Rule,
    enforce,
    parse_rate_limits,
)
from booking_server.settings import MEMORY_URL, Settings

from .conftest import DAY

REDIS_URL = os.environ.get("BOOKING_CORE_REDIS_URL") or "redis://127.0.0.1:6379/0"
DOCS = Path(__file__).resolve().parents[3] / "docs"


def _rules(
    orders: str = "2/minute", login: str = "2/minute", login_ip: str = "3/minute"
) -> dict[LimitName, Rule]:
    return {
        "orders": Rule(parse_rate_limits(orders, setting="orders")),
        "login": Rule(
            parse_rate_limits(login, setting="login"),
            parse_rate_limits(login_ip, setting="login_ip"),
        ),
        "codes": Rule(parse_rate_limits("1/minute", setting="codes")),
    }


def _redis_reachable() -> bool:
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(connection.ping())
    except redis.RedisError:
        return False
    finally:
        connection.close()


@pytest.fixture
def limited(booking_app: BookingApp) -> Iterator[Callable[[RateLimits], TestClient]]:
    """``limited(rate_limits)``: a client of the same booking app with those limits."""
    with contextlib.ExitStack() as stack:

        def make(rate_limits: RateLimits) -> TestClient:
            app = create_app(booking_app, rate_limits=rate_limits)
            return stack.enter_context(TestClient(app))

        yield make


def _place(client: TestClient, body: dict[str, Any], actor: Actor) -> Any:
    assert isinstance(client.app, FastAPI)
    return client.post("/orders", json=body, headers=headers_for(client.app, actor))


def _not_offered(shop: dict[str, str]) -> dict[str, Any]:
    # 03:00 is outside the technician's hours: 409 slot_unavailable, but a counted request.
    return {
        "technician_id": shop["technician_id"],
        "service_id": shop["service_id"],
        "start": f"{DAY}T03:00:00+08:00",
    }


# -- 429 over HTTP ------------------------------------------------------------------------


def test_an_order_over_the_limit_is_429_problem_with_retry_after(
    limited: Callable[[RateLimits], TestClient], shop: dict[str, str]
) -> None:
    # given orders limited to 2 a minute per customer
    client = limited(RateLimits.create(_rules(orders="2/minute")))
    alice = Actor.customer("cus-alice")
    body = {**_not_offered(shop), "start": f"{DAY}T10:00:00+08:00"}

    # when Alice places an order, tries a slot that is not offered, and places one more
    first = _place(client, body, alice)
    second = _place(client, _not_offered(shop), alice)
    third = _place(client, {**body, "start": f"{DAY}T11:00:00+08:00"}, alice)

    # then the first two are answered as usual and the third is a 429 problem
    assert (first.status_code, second.status_code) == (201, 409)
    assert third.status_code == 429
    assert third.headers["content-type"] == "application/problem+json"
    retry_after = int(third.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    problem = third.json()
    assert problem["code"] == "rate_limited"
    assert problem["type"].endswith("/rate_limited")
    assert problem["status"] == 429
    assert problem["details"] == {
        "name": "orders",
        "per": "key",
        "limit": "2 per 1 minute",
        "retry_after_seconds": retry_after,
    }
    assert "at most 2 per 1 minute" in problem["detail"]
    # and nothing was booked by the refused request
    mine = client.get("/orders", headers=headers_for(client.app, alice)).json()  # type: ignore[arg-type]
    assert [o["id"] for o in mine["items"]] == [first.json()["id"]]


def test_limits_are_per_customer(
    limited: Callable[[RateLimits], TestClient], shop: dict[str, str]
) -> None:
    # given Alice has used up her orders
    client = limited(RateLimits.create(_rules(orders="1/minute")))
    assert _place(client, _not_offered(shop), Actor.customer("cus-alice")).status_code == 409
    assert _place(client, _not_offered(shop), Actor.customer("cus-alice")).status_code == 429

    # when Bob places one
    bob = _place(client, _not_offered(shop), Actor.customer("cus-bob"))

    # then he is not held back by Alice's count
    assert bob.status_code == 409


def test_create_app_has_no_rate_limits_by_default(client: TestClient, shop: dict[str, str]) -> None:
    # given the app the tests and docs use: create_app without rate_limits
    alice = Actor.customer("cus-alice")

    # when Alice sends many more orders than any default limit takes
    statuses = {_place(client, _not_offered(shop), alice).status_code for _ in range(15)}

    # then none is refused for the rate
    assert statuses == {409}
    assert client.app.state.rate_limits is None  # type: ignore[attr-defined]


def test_the_limit_frees_up_after_retry_after(
    limited: Callable[[RateLimits], TestClient], shop: dict[str, str]
) -> None:
    # given the one order a second is used up
    client = limited(RateLimits.create(_rules(orders="1/second")))
    alice = Actor.customer("cus-alice")
    assert _place(client, _not_offered(shop), alice).status_code == 409
    refused = _place(client, _not_offered(shop), alice)
    assert refused.status_code == 429

    # when she waits as long as Retry-After says
    time.sleep(int(refused.headers["Retry-After"]))

    # then she may place again
    assert _place(client, _not_offered(shop), alice).status_code == 409


def test_the_openapi_lists_the_429_of_placing_an_order(client: TestClient) -> None:
    responses = client.get("/openapi.json").json()["paths"]["/orders"]["post"]["responses"]

    assert responses["429"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    assert responses["429"]["headers"]["Retry-After"]["schema"] == {
        "type": "integer",
        "minimum": 0,
    }


# -- keys and client IPs -------------------------------------------------------------------


def _login_app(booking_app: BookingApp, rate_limits: RateLimits | None) -> FastAPI:
    # A route like the login routes: it calls enforce with the login name.
    router = APIRouter()

    @router.post("/try-login/{login}")
    def try_login(request: Request, login: str) -> dict[str, str]:
        enforce(request, "login", login)
        return {"login": login}

    return create_app(booking_app, routers=[router], rate_limits=rate_limits)


def test_login_is_limited_per_login_and_per_client_ip(booking_app: BookingApp) -> None:
    # given 2 a minute per login and 3 a minute per IP
    app = _login_app(booking_app, RateLimits.create(_rules(login="2/minute", login_ip="3/minute")))
    one = TestClient(app, client=("203.0.113.1", 50000))
    other = TestClient(app, client=("203.0.113.2", 50000))

    # when one IP tries "ann" three times, then "ben" once and "cat" once
    ann = [one.post("/try-login/ann").status_code for _ in range(3)]
    ben = one.post("/try-login/ben")
    cat = one.post("/try-login/cat")

    # then "ann" is refused per login, "cat" per IP (the IP's 3 are used)
    assert ann == [200, 200, 429]
    assert one.post("/try-login/ann").json()["details"]["per"] == "key"
    assert ben.status_code == 200
    assert cat.status_code == 429
    assert cat.json()["details"] == {
        "name": "login",
        "per": "ip",
        "limit": "3 per 1 minute",
        "retry_after_seconds": int(cat.headers["Retry-After"]),
    }
    assert "client IP" in cat.json()["detail"]
    # and from another IP: "ann" is still used up, "cat" was not charged by its refusal
    assert other.post("/try-login/ann").status_code == 429
    assert [other.post("/try-login/cat").status_code for _ in range(3)] == [200, 200, 429]


def test_enforce_does_nothing_without_rate_limits(booking_app: BookingApp) -> None:
    client = TestClient(_login_app(booking_app, None))

    assert {client.post("/try-login/ann").status_code for _ in range(10)} == {200}


def test_no_key_is_stored_in_clear() -> None:
    # given a hit for a phone number
    limits = RateLimits.create(_rules())
    limits.hit("codes", "+8613812345678", client="203.0.113.1")

    # when the storage's keys are read (the memory storage keeps moving windows in events)
    keys = list(limits.storage.events)  # type: ignore[attr-defined]

    # then they name the digest, never the phone
    assert keys
    assert all("13812345678" not in key for key in keys)
    assert all(re.search(r"/booking_core/codes/key/[0-9a-f]{32}/", key) for key in keys)


# -- Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_limits() -> Iterator[Callable[[], RateLimits]]:
    """``make()``: rate limits in the real Redis, in a namespace of this test alone."""
    if not _redis_reachable() and not os.environ.get("CI"):
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (start it; CI never skips this)")
    namespace = f"test-{uuid.uuid4().hex}"
    made: list[RateLimits] = []

    def make() -> RateLimits:
        made.append(RateLimits.create(_rules(), storage_url=REDIS_URL, namespace=namespace))
        return made[-1]

    yield make
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    keys = list(connection.scan_iter(match=f"*LIMITER/{namespace}/*"))
    if keys:
        connection.delete(*keys)
    connection.close()


def test_redis_counts_are_shared_by_every_worker(
    redis_limits: Callable[[], RateLimits],
    booking_app: BookingApp,
    shop: dict[str, str],
) -> None:
    # given two server processes' apps, each with its own connection to one Redis
    first, second = redis_limits(), redis_limits()
    assert first.check_storage()
    one = TestClient(create_app(booking_app, rate_limits=first))
    two = TestClient(create_app(booking_app, rate_limits=second))
    alice = Actor.customer("cus-alice")

    # when Alice places two orders through one and a third through the other
    statuses = [
        _place(one, _not_offered(shop), alice).status_code,
        _place(two, _not_offered(shop), alice).status_code,
        _place(one, _not_offered(shop), alice).status_code,
    ]

    # then the third is refused: the count is in Redis, not in either process
    assert statuses == [409, 409, 429]
    refused = _place(two, _not_offered(shop), alice)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # and Bob is counted apart
    assert _place(two, _not_offered(shop), Actor.customer("cus-bob")).status_code == 409


def test_redis_keys_hold_no_phone(redis_limits: Callable[[], RateLimits]) -> None:
    import redis

    limits = redis_limits()
    limits.hit("codes", "+8613812345678", client="203.0.113.1")

    connection = redis.Redis.from_url(REDIS_URL)
    keys = [k.decode() for k in connection.scan_iter(match=f"*LIMITER/{limits.namespace}/*")]
    connection.close()
    assert keys
    assert all("13812345678" not in key for key in keys)


def test_a_rate_limit_store_that_does_not_answer_is_503(booking_app: BookingApp) -> None:
    # given limits in a Redis where none listens
    limits = RateLimits.create(_rules(), storage_url="redis://127.0.0.1:1/0")
    client = TestClient(_login_app(booking_app, limits))

    # when a request is counted
    response = client.post("/try-login/ann")

    # then it is a 503 to retry, not a 500 and not a pass
    assert response.status_code == 503
    assert response.json()["code"] == StorageUnavailable.code
    assert response.headers["Retry-After"] == "1"
    assert not limits.check_storage()


# -- settings ------------------------------------------------------------------------------


def test_settings_read_the_rate_limits_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "BOOKING_CORE_RATE_LIMITS": "off",
            "BOOKING_CORE_RATE_LIMIT_STORAGE": "redis://:hunter2@cache:6379/2",
            "BOOKING_CORE_RATE_LIMIT_LOGIN": "3/minute",
            "BOOKING_CORE_RATE_LIMIT_LOGIN_IP": "9/minute",
            "BOOKING_CORE_RATE_LIMIT_CODES": "1/hour",
            "BOOKING_CORE_RATE_LIMIT_CODES_IP": "4/hour",
            "BOOKING_CORE_RATE_LIMIT_ORDERS": "7 per day",
        }
    )

    assert settings.rate_limits is False
    assert settings.rate_limit_storage == "redis://:hunter2@cache:6379/2"
    assert (settings.rate_limit_login, settings.rate_limit_login_ip) == ("3/minute", "9/minute")
    assert (settings.rate_limit_codes, settings.rate_limit_codes_ip) == ("1/hour", "4/hour")
    assert settings.rate_limit_orders == "7 per day"
    assert "hunter2" not in repr(settings)


def test_the_runnable_server_has_rate_limits_on_by_default() -> None:
    settings = Settings.from_env({})
    assert settings.rate_limits is True
    assert settings.rate_limit_storage == "memory://"

    limits = open_rate_limits(settings)

    assert isinstance(limits, RateLimits)
    assert str(limits.rules["orders"].per_key[0]) == "10 per 1 minute"
    assert open_rate_limits(Settings(rate_limits=False)) is None
    app = create_server(Settings(db_url=MEMORY_URL, seed_demo_data=False))
    assert isinstance(app.state.rate_limits, RateLimits)


@pytest.mark.parametrize("value", ["5/fortnight", "five a minute", "0/minute", ";", "5"])
def test_a_malformed_limit_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="BOOKING_CORE_RATE_LIMIT_CODES_IP must be rate limits"):
        Settings.from_env({"BOOKING_CORE_RATE_LIMIT_CODES_IP": value})
    with pytest.raises(ValueError, match="BOOKING_CORE_RATE_LIMIT_ORDERS"):
        Settings(rate_limit_orders=value)


def test_a_bad_switch_or_storage_is_refused_with_the_password_masked() -> None:
    with pytest.raises(ValueError, match="BOOKING_CORE_RATE_LIMITS must be on or off"):
        Settings.from_env({"BOOKING_CORE_RATE_LIMITS": "sometimes"})
    with pytest.raises(ValueError, match="BOOKING_CORE_RATE_LIMIT_STORAGE") as raised:
        Settings.from_env({"BOOKING_CORE_RATE_LIMIT_STORAGE": "memcached://u:hunter2@m:11211"})
    assert "hunter2" not in str(raised.value)
    with pytest.raises(ValueError, match="BOOKING_CORE_RATE_LIMIT_STORAGE"):
        Settings(rate_limit_storage="localhost:6379")


def test_a_redis_that_does_not_answer_stops_the_server_at_start() -> None:
    settings = Settings(db_url=MEMORY_URL, rate_limit_storage="redis://:hunter2@127.0.0.1:1/0")

    with pytest.raises(RuntimeError, match="rate limit storage does not answer") as raised:
        create_server(settings)

    assert "hunter2" not in str(raised.value)


def test_rate_limited_names_the_limit() -> None:
    error = RateLimited("codes", "key", parse_rate_limits("5/hour", setting="x")[0], 42)

    assert error.details == {
        "name": "codes",
        "per": "key",
        "limit": "5 per 1 hour",
        "retry_after_seconds": 42,
    }
    assert error.message == (
        "Too many code requests for this phone: at most 5 per 1 hour. Try again in 42 s."
    )


# -- docs ----------------------------------------------------------------------------------


def test_the_rate_limits_section_of_the_server_page_runs_as_written() -> None:
    text = (DOCS / "server.md").read_text(encoding="utf-8")
    section = text.split("\n## Rate limits\n", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", section, re.S)
    assert examples, "docs/server.md: the Rate limits section needs an example that prints"

    namespace: dict[str, object] = {}
    for code, printed in examples:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
        assert out.getvalue() == printed
