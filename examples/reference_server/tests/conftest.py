"""Fixtures: the server over in-memory storage, a frozen clock and the scripted gateway."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pendulum
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pendulum import DateTime

from booking_core.bootstrap import BookingApp, build
from booking_core.orders import Actor, Role
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_server import create_app
from booking_server.credentials import headers_for

ZONE = "Asia/Shanghai"
DAY = "2026-03-03"  # a Tuesday; the clock stands on the Monday before
HAS_ADAPTER = importlib.util.find_spec("booking_core_sqlalchemy") is not None
PG_URL = (
    os.environ.get("BOOKING_CORE_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
Headers = dict[str, str]


def headers_of(client: TestClient, actor: Actor) -> Headers:
    """The headers that make a request through ``client`` act as ``actor``.

    Thin over :func:`~booking_server.credentials.headers_for`, for a test that runs its
    own client (another backend, other settings): the credentials live in that app.
    """
    assert isinstance(client.app, FastAPI)
    return headers_for(client.app, actor)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(pendulum.datetime(2026, 3, 2, 8, 0, tz=ZONE))


@pytest.fixture
def gateway() -> ScriptedPaymentGateway:
    return ScriptedPaymentGateway()


@pytest.fixture
def booking_app(clock: FrozenClock, gateway: ScriptedPaymentGateway) -> BookingApp:
    return build(
        uow=InMemoryStore().unit_of_work, payments=gateway, clock=clock, ids=SequentialIds()
    )


@pytest.fixture
def client(booking_app: BookingApp) -> Iterator[TestClient]:
    with TestClient(create_app(booking_app)) as test_client:
        yield test_client


@pytest.fixture
def as_(client: TestClient) -> Callable[[Actor], Headers]:
    """``as_(actor)``: the headers that make a request through ``client`` act as ``actor``."""
    return functools.partial(headers_of, client)


@pytest.fixture
def platform(as_: Callable[[Actor], Headers]) -> Headers:
    return as_(Actor.platform("admin-1"))


@pytest.fixture
def alice(as_: Callable[[Actor], Headers]) -> Headers:
    return as_(Actor.customer("cus-alice"))


@pytest.fixture
def bob(as_: Callable[[Actor], Headers]) -> Headers:
    return as_(Actor.customer("cus-bob"))


@pytest.fixture
def shop(client: TestClient, platform: dict[str, str]) -> dict[str, str]:
    """Ids of a category, a 60-minute tuina at 199.00 CNY and two technicians doing it.

    Both technicians work 09:00–12:00 and 13:00–21:00 Asia/Shanghai, Monday to Friday.
    """
    category = client.post("/categories", json={"name": "按摩 Massage"}, headers=platform)
    service = client.post(
        "/services",
        json={
            "category_id": category.json()["id"],
            "name": "中式推拿 Chinese tuina",
            "duration_minutes": 60,
            "price": {"amount": 19900, "currency": "CNY"},
        },
        headers=platform,
    )
    hours = {day: ["09:00-12:00", "13:00-21:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    technicians = [
        client.post(
            "/technicians",
            json={
                "name": name,
                "time_zone": ZONE,
                "weekly_hours": hours,
                "service_ids": [service.json()["id"]],
            },
            headers=platform,
        )
        for name in ("李伟 Li Wei", "王芳 Wang Fang")
    ]
    assert all(r.status_code == 201 for r in (category, service, *technicians))
    return {
        "category_id": category.json()["id"],
        "service_id": service.json()["id"],
        "technician_id": technicians[0].json()["id"],
        "other_technician_id": technicians[1].json()["id"],
    }


@pytest.fixture
def technician(shop: dict[str, str], as_: Callable[[Actor], Headers]) -> Headers:
    """Headers of the shop's first technician."""
    return as_(Actor(shop["technician_id"], Role.TECHNICIAN))


@pytest.fixture
def other_technician(shop: dict[str, str], as_: Callable[[Actor], Headers]) -> Headers:
    """Headers of the shop's second technician."""
    return as_(Actor(shop["other_technician_id"], Role.TECHNICIAN))


@pytest.fixture
def order_body(shop: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """The POST /orders body for the shop's tuina with the first technician at ``start``."""

    def body(start: str = f"{DAY}T10:00:00+08:00") -> dict[str, Any]:
        return {
            "technician_id": shop["technician_id"],
            "service_id": shop["service_id"],
            "start": start,
        }

    return body


@pytest.fixture
def place(
    client: TestClient, order_body: Callable[..., dict[str, Any]], alice: dict[str, str]
) -> Callable[..., dict[str, Any]]:
    """Place an order as Alice (or ``headers``) at ``start``; asserts it was created."""

    def place_order(
        start: str = f"{DAY}T10:00:00+08:00", headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = client.post("/orders", json=order_body(start), headers=headers or alice)
        assert response.status_code == 201, response.json()
        body: dict[str, Any] = response.json()
        return body

    return place_order


@pytest.fixture
def paid_order(
    client: TestClient, place: Callable[..., dict[str, Any]], alice: dict[str, str]
) -> dict[str, Any]:
    order = place()
    response = client.post(f"/orders/{order['id']}/payments", headers=alice)
    assert response.json()["order_state"] == "pending_acceptance"
    return order


#: Where a punctual technician takes each timed step, from the slot's start and end (the
#: order's time guards refuse setting off, starting and completing too early).
_ON_TIME: dict[str, Callable[[DateTime, DateTime], DateTime]] = {
    "depart": lambda start, _: start.subtract(hours=1),
    "arrive": lambda start, _: start.subtract(minutes=10),
    "start-service": lambda start, _: start,
    "complete": lambda _, end: end,
}
WHOLE_WAY = ("accept", "depart", "arrive", "start-service", "complete")


@pytest.fixture
def walk(client: TestClient, clock: FrozenClock) -> Callable[..., dict[str, Any]]:
    """Move an order along as ``headers`` (its technician), each step at its time.

    Before each action (``WHOLE_WAY`` by default) the frozen clock moves forward, never
    back, to when a punctual technician takes it: set off an hour before the start, arrive
    ten minutes before, start at the start, complete at the end. Asserts every step answered
    200; returns the last answer's body. With ``transitions=True`` each step goes through
    ``POST /orders/{id}/transitions/{event}`` instead of ``POST /orders/{id}/{action}``.
    """

    def walk_order(
        order_id: str, headers: dict[str, str], *actions: str, transitions: bool = False
    ) -> dict[str, Any]:
        slot = client.get(f"/orders/{order_id}", headers=headers).json()["slot"]
        start, end = pendulum.parse(slot["start"]), pendulum.parse(slot["end"])
        assert isinstance(start, DateTime)
        assert isinstance(end, DateTime)
        body: dict[str, Any] = {}
        for action in actions or WHOLE_WAY:
            when = _ON_TIME.get(action)
            if when is not None:
                clock.set(max(clock.now(), when(start, end)))
            if transitions:
                event = action.replace("-", "_")
                url = f"/orders/{order_id}/transitions/{event}"
                response = client.post(url, json={}, headers=headers)
            else:
                response = client.post(f"/orders/{order_id}/{action}", headers=headers)
            assert response.status_code == 200, (action, response.json())
            body = response.json()
        return body

    return walk_order


@pytest.fixture
def snapshot(
    client: TestClient, shop: dict[str, str], alice: dict[str, str], bob: dict[str, str]
) -> Callable[[], dict[str, Any]]:
    """Everything the list endpoints show, to prove a refused request stored nothing."""
    slots = f"/technicians/{shop['technician_id']}/slots?service_id={shop['service_id']}&date={DAY}"
    views: dict[str, tuple[str, dict[str, str] | None]] = {
        "categories": ("/categories", None),
        "services": ("/services", None),
        "technicians": ("/technicians", None),
        "slots": (slots, None),
        "alice's orders": ("/orders", alice),
        "bob's orders": ("/orders", bob),
    }

    def take() -> dict[str, Any]:
        return {
            name: client.get(path, headers=headers).json()
            for name, (path, headers) in views.items()
        }

    return take


# --- every backend the server runs on ------------------------------------------------------


@pytest.fixture(
    params=[
        "memory",
        pytest.param("sqlite", marks=pytest.mark.skipif(not HAS_ADAPTER, reason="no adapter")),
        pytest.param("postgres", marks=pytest.mark.skipif(not HAS_ADAPTER, reason="no adapter")),
    ]
)
def any_backend(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[UnitOfWorkFactory]:
    """The storage of each backend the server runs on."""
    if request.param == "memory":
        from booking_core.testing import InMemoryStore

        yield InMemoryStore().unit_of_work
        return
    if request.param == "sqlite":
        from booking_core_sqlalchemy import SqlAlchemyStorage

        with SqlAlchemyStorage.create_sqlite(tmp_path / "edge.sqlite3") as storage:
            yield storage.unit_of_work
        return
    with fresh_pg_storage() as storage:
        yield storage.unit_of_work


@contextlib.contextmanager
def fresh_pg_storage() -> Iterator[Any]:
    """A migrated ``SqlAlchemyStorage`` on a new PostgreSQL schema, dropped afterwards.

    Skipped when PostgreSQL is unreachable, failed instead under CI (``CI`` set): CI must
    never pass by skipping the database that matters most.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from booking_core_sqlalchemy import SqlAlchemyStorage, create_engine, migrate

    schema = f"bc_server_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public"))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        reason = f"PostgreSQL is unreachable: {exc.__class__.__name__}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so the PostgreSQL tests must run.", pytrace=False)
        pytest.skip(reason)
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema},public"})
    try:
        migrate(engine)
        yield SqlAlchemyStorage(engine)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        admin.dispose()


@pytest.fixture
def backend_client(any_backend: UnitOfWorkFactory, clock: FrozenClock) -> Iterator[TestClient]:
    booking_app = build(
        uow=any_backend, payments=ScriptedPaymentGateway(), clock=clock, ids=SequentialIds()
    )
    with TestClient(create_app(booking_app)) as client:
        yield client
