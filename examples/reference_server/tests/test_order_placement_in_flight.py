"""POST /orders answers 409 ``idempotency_key_in_flight`` while the key's first request runs.

Only PostgreSQL lets two transactions run at once (SQLite and the in-memory store serialize
them: a retry there waits for the first and gets its order), so this runs the server on a
PostgreSQL schema of its own and holds the key's claim open in a transaction of the test,
as a first request still running would. Skipped when PostgreSQL is unreachable (failed
under CI), like the adapter's tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp, build
from booking_core.ids import OrderId
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.testing import FrozenClock, ScriptedPaymentGateway, SequentialIds
from booking_core_sqlalchemy import SqlAlchemyStorage

from .conftest import fresh_pg_storage

KEY = "5e1d0c3b-in-flight"


@pytest.fixture
def pg_storage() -> Iterator[SqlAlchemyStorage]:
    with fresh_pg_storage() as storage:
        yield storage


@pytest.fixture
def booking_app(  # replaces the in-memory app of conftest for this module
    clock: FrozenClock, gateway: ScriptedPaymentGateway, pg_storage: SqlAlchemyStorage
) -> BookingApp:
    return build(uow=pg_storage.unit_of_work, payments=gateway, clock=clock, ids=SequentialIds())


@pytest.mark.postgres
def test_a_retry_while_the_first_request_runs_is_409_then_201_once_it_failed(
    client: TestClient,
    order_body: Callable[..., dict[str, Any]],
    alice: dict[str, str],
    clock: FrozenClock,
    pg_storage: SqlAlchemyStorage,
) -> None:
    headers = {**alice, "Idempotency-Key": KEY}
    now = clock.now()
    running = IdempotencyRecord(
        actor_id="cus-alice",  # whom the alice fixture acts as
        key=KEY,
        fingerprint="0" * 64,
        order_id=OrderId("ord_first"),
        created_at=now,
        expires_at=now + pendulum.duration(hours=24),
    )

    with pg_storage.unit_of_work() as first_request:
        assert first_request.idempotency_keys.claim(running) is None
        in_flight = client.post("/orders", json=order_body(), headers=headers)
        first_request.rollback()  # the first request failed: the key is free again

    assert in_flight.status_code == 409
    assert in_flight.json()["code"] == "idempotency_key_in_flight"
    assert in_flight.json()["details"] == {"idempotency_key": KEY}
    retried = client.post("/orders", json=order_body(), headers=headers)
    assert retried.status_code == 201, retried.json()
    again = client.post("/orders", json=order_body(), headers=headers)
    assert (again.status_code, again.json()["id"]) == (200, retried.json()["id"])
