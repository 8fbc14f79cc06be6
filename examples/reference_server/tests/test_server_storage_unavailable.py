"""A stalled database answers 503 problem+json with Retry-After, then the server recovers
(issue 8, item 12)."""

from __future__ import annotations

import importlib.util
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import build
from booking_core.errors import StorageUnavailable
from booking_core.orders import Actor
from booking_core.testing import FrozenClock, ScriptedPaymentGateway, SequentialIds
from booking_server import create_app
from booking_server.problems import status_for

from .conftest import headers_of

HAS_ADAPTER = importlib.util.find_spec("booking_core_sqlalchemy") is not None
PLATFORM = Actor.platform("admin-1")


def test_storage_unavailable_is_a_503() -> None:
    assert status_for(StorageUnavailable("The database is busy.", retry_after_seconds=3)) == 503


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "stalled.sqlite3"


@pytest.fixture
def quick_client(sqlite_file: Path, clock: FrozenClock) -> Iterator[TestClient]:
    """The server over a SQLite file whose writers wait at most 200 ms for the write lock."""
    if not HAS_ADAPTER:
        pytest.skip("booking_core_sqlalchemy is not installed")
    from booking_core_sqlalchemy import DatabaseTimeouts, SqlAlchemyStorage, migrate

    migrate(f"sqlite:///{sqlite_file}")
    timeouts = DatabaseTimeouts(sqlite_busy_ms=200, retry_after_s=3)
    with SqlAlchemyStorage(f"sqlite:///{sqlite_file}", timeouts=timeouts) as storage:
        booking_app = build(
            uow=storage.unit_of_work,
            payments=ScriptedPaymentGateway(),
            clock=clock,
            ids=SequentialIds(),
        )
        with TestClient(create_app(booking_app)) as client:
            yield client


def test_a_locked_database_answers_503_with_retry_after_then_recovers(
    quick_client: TestClient, sqlite_file: Path
) -> None:
    # Given another process holding the database's write lock
    platform = headers_of(quick_client, PLATFORM)  # signed in before the lock is taken
    other = sqlite3.connect(sqlite_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    # When a category is created
    try:
        began = time.monotonic()
        stalled = quick_client.post("/categories", json={"name": "Massage"}, headers=platform)
        elapsed = time.monotonic() - began
    finally:
        other.execute("ROLLBACK")
        other.close()

    # Then the answer is a quick 503 problem that says when to retry, and nothing leaks
    assert elapsed < 3.0
    assert stalled.status_code == 503
    assert stalled.headers["content-type"] == "application/problem+json"
    assert stalled.headers["retry-after"] == "3"
    body = stalled.json()
    assert (body["code"], body["status"], body["title"]) == (
        "storage_unavailable",
        503,
        "Storage unavailable",
    )
    assert body["details"] == {"reason": "busy", "retry_after_seconds": 3}
    assert "sqlite" not in body["detail"].lower()
    assert str(sqlite_file) not in stalled.text
    # And once the lock is gone the same request succeeds, and only once
    created = quick_client.post("/categories", json={"name": "Massage"}, headers=platform)
    assert created.status_code == 201
    listed = quick_client.get("/categories", headers=platform).json()
    assert [c["name"] for c in (listed["items"] if isinstance(listed, dict) else listed)] == [
        "Massage"
    ]
