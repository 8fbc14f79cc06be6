"""Settings, start-up and demo seeding of the runnable server."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_server.demo_data import CATEGORIES, TECHNICIANS, seed_if_empty
from booking_server.main import create_server, open_storage
from booking_server.settings import DEFAULT_DB_URL, MEMORY_URL, Settings

HAS_ADAPTER = importlib.util.find_spec("booking_core_sqlalchemy") is not None


def test_settings_default_to_a_local_sqlite_file() -> None:
    # given an empty environment

    # when settings are read
    settings = Settings.from_env({})

    # then they name the embedded defaults
    assert settings == Settings(DEFAULT_DB_URL, "127.0.0.1", 8000, seed_demo_data=True)
    assert DEFAULT_DB_URL == "sqlite:///./booking_core_demo.sqlite3"


def test_settings_come_from_the_environment() -> None:
    # given every variable set
    env = {
        "BOOKING_CORE_DB_URL": "sqlite:////tmp/x.sqlite3",
        "BOOKING_CORE_HOST": "0.0.0.0",
        "BOOKING_CORE_PORT": "9000",
        "BOOKING_CORE_SEED": "0",
    }

    # when settings are read
    settings = Settings.from_env(env)

    # then they follow it
    assert settings == Settings("sqlite:////tmp/x.sqlite3", "0.0.0.0", 9000, seed_demo_data=False)


def test_database_timeouts_come_from_the_environment() -> None:
    # given the three timeouts set
    env = {
        "BOOKING_CORE_DB_STATEMENT_MS": "2500",
        "BOOKING_CORE_DB_LOCK_MS": "750",
        "BOOKING_CORE_DB_BUSY_MS": "1234",
    }

    # when settings are read
    settings = Settings.from_env(env)

    # then each is taken, and the others keep their defaults
    assert (settings.db_statement_ms, settings.db_lock_ms, settings.db_busy_ms) == (2500, 750, 1234)
    assert settings.max_body_bytes == Settings().max_body_bytes


@pytest.mark.parametrize("name", ["BOOKING_CORE_DB_LOCK_MS", "BOOKING_CORE_DB_BUSY_MS"])
@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_bad_database_timeout_is_refused_by_name(name: str, value: str) -> None:
    # given a timeout that is not a positive number of milliseconds

    # when settings are read
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})

    # then the message names the variable


@pytest.mark.skipif(not HAS_ADAPTER, reason="booking-core-sdk-sqlalchemy is not installed")
def test_the_sqlite_busy_timeout_setting_reaches_the_database(tmp_path: Path) -> None:
    # given a server storage opened with a busy timeout other than the default
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'timeouts.sqlite3'}", db_busy_ms=1234)

    # when the database is asked
    storage = open_storage(settings)
    try:
        with storage.unit_of_work() as uow:
            busy = uow.connection.exec_driver_sql("PRAGMA busy_timeout").scalar()  # type: ignore[attr-defined]
    finally:
        storage.close()

    # then it waits exactly that long for the write lock
    assert busy == 1234


@pytest.mark.parametrize("port", ["http", "0", "70000", "-1"])
def test_a_bad_port_is_refused_clearly(port: str) -> None:
    # given a port that is not one

    # when settings are read
    with pytest.raises(ValueError, match="BOOKING_CORE_PORT"):
        Settings.from_env({"BOOKING_CORE_PORT": port})

    # then the message names the variable


def test_a_fresh_server_is_seeded_with_the_demo_catalog() -> None:
    # given in-memory storage
    app = create_server(Settings(db_url=MEMORY_URL))

    # when the catalog is browsed
    with TestClient(app) as client:
        categories = client.get("/categories").json()["items"]
        services = client.get("/services").json()["items"]
        technicians = client.get("/technicians").json()["items"]

    # then it holds the demo data
    assert sorted(c["name"] for c in categories) == sorted(c.name for c in CATEGORIES)
    assert {s["name"] for s in services} == {s.name for c in CATEGORIES for s in c.services}
    tuina = next(s for s in services if "tuina" in s["name"])
    assert (tuina["duration_minutes"], tuina["price"]) == (60, {"amount": 19900, "currency": "CNY"})
    assert sorted(t["name"] for t in technicians) == sorted(t.name for t in TECHNICIANS)
    assert {t["time_zone"] for t in technicians} == {"Asia/Shanghai"}


def test_seeding_can_be_turned_off() -> None:
    # given a server told not to seed
    app = create_server(Settings(db_url=MEMORY_URL, seed_demo_data=False))

    # when the catalog is browsed
    with TestClient(app) as client:
        categories = client.get("/categories").json()["items"]

    # then it is empty
    assert categories == []


def test_seeding_happens_only_on_an_empty_database(booking_app: BookingApp) -> None:
    # given a database seeded once
    first = seed_if_empty(booking_app)

    # when seeding is tried again
    second = seed_if_empty(booking_app)

    # then nothing is added
    assert first is not None
    assert second is None
    assert len(booking_app.catalog.list_categories()) == len(CATEGORIES)


@pytest.mark.skipif(not HAS_ADAPTER, reason="booking-core-sdk-sqlalchemy is not installed")
def test_a_sqlite_server_keeps_its_data_across_restarts(tmp_path: Path) -> None:
    # given a server started on a new SQLite file, where a customer books
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    with TestClient(create_server(settings)) as client:
        categories_before = client.get("/categories").json()

    # when it is started again on the same file
    with TestClient(create_server(settings)) as client:
        categories_after = client.get("/categories").json()

    # then the data is there, seeded once
    assert len(categories_before["items"]) == len(CATEGORIES)
    assert categories_after == categories_before


@pytest.mark.skipif(HAS_ADAPTER, reason="booking-core-sdk-sqlalchemy is installed")
def test_a_database_url_without_the_adapter_says_what_to_install(tmp_path: Path) -> None:
    # given a SQLite URL but no adapter
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}")

    # when the server is created
    with pytest.raises(RuntimeError, match="booking-core-sdk-sqlalchemy"):
        create_server(settings)

    # then the error says what to install


@pytest.mark.skipif(not HAS_ADAPTER, reason="booking-core-sdk-sqlalchemy is not installed")
def test_sqlite_storage_runs_one_endpoint_at_a_time(tmp_path: Path) -> None:
    # SQLite serves one writing unit of work at a time: more threads only queue on its lock
    storage = open_storage(Settings(db_url=f"sqlite:///{tmp_path / 'threads.sqlite3'}"))
    try:
        assert storage.threads == 1
    finally:
        storage.close()
