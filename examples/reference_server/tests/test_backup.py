"""``python -m booking_server backup|restore``: consistent copies, restored whole, the schema
revision checked (booking_server.backup)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import attrs
import pendulum
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from booking_core.ids import OrderId
from booking_core.orders import Actor
from booking_core.testing.orders import OrderWorld, order_world
from booking_server.credentials import headers_for
from booking_server.main import create_server, main, open_storage
from booking_server.settings import Settings

HAS_ADAPTER = importlib.util.find_spec("booking_core_sqlalchemy") is not None
PG_URL = (
    os.environ.get("BOOKING_CORE_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
pytestmark = pytest.mark.skipif(not HAS_ADAPTER, reason="booking-core-sdk-sqlalchemy missing")

FUTURE = "9999_from_newer_code"
DOC = Path(__file__).resolve().parents[3] / "docs" / "operations.md"
# A python block followed by "prints" and the text block it prints.
_EXAMPLE = re.compile(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", re.S)


def run(*argv: str) -> int:
    """``python -m booking_server ARGV`` in-process; its exit status."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert isinstance(exited.value.code, int)
    return exited.value.code


def head() -> str:
    from alembic.script import ScriptDirectory

    from booking_core_sqlalchemy import alembic_config

    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None
    return found


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def revision_of(url: str) -> str:
    from sqlalchemy import text

    from booking_core_sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(
                connection.scalar(text("SELECT version_num FROM booking_core_alembic_version"))
            )
    finally:
        engine.dispose()


def set_revision(url: str, revision: str) -> None:
    from sqlalchemy import text

    from booking_core_sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE booking_core_alembic_version SET version_num = :r"), {"r": revision}
            )
    finally:
        engine.dispose()


@contextlib.contextmanager
def world_on(url: str) -> Iterator[tuple[OrderWorld, list[OrderId]]]:
    """order_world over the migrated database at ``url``, and its paid orders."""
    from booking_core_sqlalchemy import SqlAlchemyStorage, migrate

    migrate(url)
    storage = SqlAlchemyStorage(url)
    try:
        world = order_world(uow=storage.unit_of_work)
        yield (
            world,
            [
                world.paid_order(pendulum.datetime(2026, 3, 3, h, tz="Asia/Shanghai"))
                for h in (10, 12, 14)
            ],
        )
    finally:
        storage.dispose()


# --- the books of a restored database ------------------------------------------------------


@attrs.frozen
class Books:
    """A database's orders (id: state), what was paid for each, their bookings (id:
    active), each order's ledger entries (id, kind) and every non-zero balance."""

    orders: dict[str, str]
    paid: dict[str, int]
    bookings: dict[str, bool]
    journal: dict[str, list[tuple[str, str]]]
    balances: dict[str, int]

    def assert_balanced(self) -> None:
        """The trial balance sums to zero, and each paid order's payment is in it once."""
        paid = [o for o, state in self.orders.items() if state != "pending_payment"]
        assert sum(self.balances.values()) == 0
        assert all(self.journal[o] == [] for o in self.orders if o not in paid)
        assert all([kind for _, kind in self.journal[o]] == ["payment_captured"] for o in paid)
        assert self.balances.get("payments_clearing", 0) == sum(self.paid.values())


def books(url: str) -> Books:
    """Every order, booking, ledger entry and balance of the database at ``url``."""
    from booking_core_sqlalchemy import SqlAlchemyStorage

    storage = SqlAlchemyStorage(url)
    try:
        with storage.unit_of_work() as uow:
            rows = uow.connection.exec_driver_sql(
                "SELECT id, state, COALESCE(paid_amount, 0) FROM orders"
            ).all()
            orders = {str(order_id): str(state) for order_id, state, _ in rows}
            paid = {str(order_id): int(amount) for order_id, _, amount in rows}
            bookings = {
                o: uow.bookings.get(uow.orders.get(OrderId(o)).booking_id).active for o in orders
            }
            journal = {
                o: [(str(t.id), t.kind.value) for t in uow.ledger.for_order(OrderId(o))]
                for o in orders
            }
            balances = {
                str(account): money.amount for (account, _), money in uow.ledger.balances().items()
            }
    finally:
        storage.dispose()
    return Books(orders, paid, bookings, journal, balances)


# --- SQLite, under a running server ---------------------------------------------------------


class Writer(threading.Thread):
    """Books and pays orders through the server's HTTP API until stopped; ``committed``
    holds each order once its payment was answered (both units of work committed)."""

    def __init__(self, app: FastAPI, client: TestClient) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.customer = headers_for(app, Actor.customer("cus-backup"))
        self.committed: list[str] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._book_until_stopped()
        except BaseException as exc:  # reported by the test, not swallowed
            self.error = exc

    def _book_until_stopped(self) -> None:
        technicians = self.client.get("/technicians").json()["items"]
        services = {s["id"]: s for s in self.client.get("/services").json()["items"]}
        today = pendulum.now("Asia/Shanghai").date()
        for days in range(1, 14):
            for technician in technicians:
                service_id = next(s for s in technician["service_ids"] if s in services)
                if self._book_day(technician["id"], service_id, today.add(days=days)):
                    return
        raise AssertionError("ran out of free slots before the test stopped writing")

    def _book_day(self, technician_id: str, service_id: str, day: pendulum.Date) -> bool:
        slots = self.client.get(
            f"/technicians/{technician_id}/slots",
            params={"service_id": service_id, "date": day.isoformat(), "limit": 100},
        ).json()["items"]
        for slot in slots:
            if self.stop.is_set():
                return True
            body = {
                "technician_id": technician_id,
                "service_id": service_id,
                "start": slot["start"],
            }
            placed = self.client.post("/orders", json=body, headers=self.customer)
            if placed.status_code == 409:  # overlaps the order just placed
                continue
            assert placed.status_code == 201, placed.json()
            order_id = placed.json()["id"]
            paid = self.client.post(f"/orders/{order_id}/payments", headers=self.customer)
            assert paid.json()["order_state"] == "pending_acceptance", paid.json()
            self.committed.append(order_id)
        return False

    def wait_for(self, count: int) -> None:
        deadline = pendulum.now().add(seconds=60)
        while len(self.committed) < count and self.is_alive():
            assert pendulum.now() < deadline, "the writer is stuck"
            self.stop.wait(0.01)


def test_a_backup_of_a_running_server_holds_everything_committed_before_it(
    tmp_path: Path,
) -> None:
    # given the server running on a SQLite file, a customer booking and paying non-stop
    source = sqlite_url(tmp_path / "live.sqlite3")
    app = create_server(Settings(db_url=source, rate_limits=False))
    backups: list[tuple[Path, list[str]]] = []
    with TestClient(app) as client:
        writer = Writer(app, client)
        writer.start()
        try:
            # when it is backed up three times while the orders keep coming
            for round_ in range(3):
                writer.wait_for(len(writer.committed) + 5)
                before = list(writer.committed)
                path = tmp_path / f"backup-{round_}.sqlite3"
                assert run("backup", str(path), "--db-url", source) == 0
                backups.append((path, before))
            writer.wait_for(len(writer.committed) + 3)
        finally:
            writer.stop.set()
            writer.join(30)
        assert writer.error is None, writer.error
        last_before = backups[-1][1]
        assert len(writer.committed) > len(last_before)  # the server kept taking orders

    # then each backup, restored into a new file, holds every order committed before it
    # started, with its booking and its ledger entry, and its books balance
    for round_, (path, before) in enumerate(backups):
        restored = sqlite_url(tmp_path / f"restored-{round_}.sqlite3")
        assert run("restore", str(path), "--db-url", restored) == 0
        found = books(restored)
        assert {o: found.orders.get(o) for o in before} == dict.fromkeys(
            before, "pending_acceptance"
        )
        assert found.bookings == dict.fromkeys(found.orders, True)
        assert all(len(found.journal[o]) == 1 for o in before)
        found.assert_balanced()


def test_a_restore_replaces_the_data_and_keeps_the_schema(tmp_path: Path) -> None:
    # given a backup, and orders placed after it
    url = sqlite_url(tmp_path / "shop.sqlite3")
    with world_on(url) as (world, _):
        at_backup = books(url)
        assert run("backup", str(tmp_path / "shop.backup"), "--db-url", url) == 0
        world.paid_order(pendulum.datetime(2026, 3, 4, 10, tz="Asia/Shanghai"))
    assert books(url) != at_backup

    # when the backup is restored into the same file
    status = run("restore", str(tmp_path / "shop.backup"), "--db-url", url)

    # then the database is as it was when backed up
    assert status == 0
    assert books(url) == at_backup
    assert revision_of(url) == head()


def test_an_older_schema_is_migrated_up_after_the_restore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a backup of a database at the first revision
    from booking_core_sqlalchemy import migrate

    old = sqlite_url(tmp_path / "old.sqlite3")
    migrate(old, revision="0001")
    assert run("backup", str(tmp_path / "old.backup"), "--db-url", old) == 0

    # when it is restored
    restored = sqlite_url(tmp_path / "restored.sqlite3")
    status = run("restore", str(tmp_path / "old.backup"), "--db-url", restored)

    # then the restored database is at this code's head
    assert status == 0
    assert revision_of(restored) == head()
    assert f"(schema 0001, migrated to {head()})" in capsys.readouterr().out


def test_a_backup_from_newer_code_is_refused_and_nothing_is_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a backup whose schema revision this code does not know, and a live database
    newer = sqlite_url(tmp_path / "newer.sqlite3")
    with world_on(newer):
        pass
    set_revision(newer, FUTURE)
    assert run("backup", str(tmp_path / "newer.backup"), "--db-url", newer) == 0
    live = sqlite_url(tmp_path / "live.sqlite3")
    with world_on(live):
        pass
    before = (tmp_path / "live.sqlite3").read_bytes()
    capsys.readouterr()

    # when it is restored over the live database
    status = run("restore", str(tmp_path / "newer.backup"), "--db-url", live)

    # then it is refused with its own status and code, and the database is as it was
    assert status == 3
    err = capsys.readouterr().err
    assert "schema_too_new" in err
    assert FUTURE in err
    assert (tmp_path / "live.sqlite3").read_bytes() == before


def test_a_restore_over_a_database_in_use_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a backup, and a server's storage holding the target file open
    url = sqlite_url(tmp_path / "shop.sqlite3")
    with world_on(url):
        pass
    assert run("backup", str(tmp_path / "shop.backup"), "--db-url", url) == 0
    target = sqlite_url(tmp_path / "busy.sqlite3")
    storage = open_storage(Settings(db_url=target))
    try:
        with storage.unit_of_work():
            pass  # a pooled connection stays open, as in a running server

        # when the backup is restored into it
        status = run("restore", str(tmp_path / "shop.backup"), "--db-url", target)
    finally:
        storage.close()

    # then it is refused: stop the server first
    assert status == 4
    assert "database_in_use" in capsys.readouterr().err
    with contextlib.closing(sqlite3.connect(tmp_path / "busy.sqlite3")) as connection:
        assert connection.execute("SELECT count(*) FROM orders").fetchone() == (0,)


def test_a_file_that_is_no_backup_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a file that is no SQLite database
    (tmp_path / "notes.txt").write_text("not a backup")

    # when it is restored
    status = run("restore", str(tmp_path / "notes.txt"), "--db-url", sqlite_url(tmp_path / "x.db"))

    # then it is refused as such
    assert status == 6
    assert "no_booking_schema" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--help"], "Run the booking_core reference server."),
        (["backup", "--help"], "python -m booking_server backup [-h] [--db-url DB_URL] PATH"),
        (["restore", "--help"], "python -m booking_server restore [-h] [--db-url DB_URL] PATH"),
    ],
)
def test_the_first_argument_picks_the_subcommand_else_the_server_runs(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the module's command line

    # when asked for help, with and without a subcommand
    status = run(*argv)

    # then the server's own options stay as they were, and each subcommand has its own
    assert status == 0
    assert says in " ".join(capsys.readouterr().out.split())


def test_the_commands_run_as_python_dash_m(tmp_path: Path) -> None:
    # given a migrated database named by the environment, as for the server
    url = sqlite_url(tmp_path / "env.sqlite3")
    with world_on(url):
        pass
    env = {**os.environ, "BOOKING_CORE_DB_URL": url}

    # when it is backed up through the module's command line
    done = subprocess.run(
        [sys.executable, "-m", "booking_server", "backup", str(tmp_path / "env.backup")],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )

    # then the backup is written and said so
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stdout.startswith(f"backed up {url} (schema {head()})")
    assert (tmp_path / "env.backup").is_file()


def test_the_python_example_of_the_docs_runs_and_prints_what_they_say(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given the example of docs/operations.md
    ((code, printed),) = _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))

    # when it runs
    exec(code, {})

    # then it prints what the page says
    assert capsys.readouterr().out == printed


# --- PostgreSQL -----------------------------------------------------------------------------


def test_without_pg_dump_the_error_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given no PostgreSQL client tools on PATH
    monkeypatch.setenv("PATH", str(tmp_path))

    # when a PostgreSQL database is backed up
    status = run("backup", str(tmp_path / "pg.dump"), "--db-url", PG_URL)

    # then the error says what to install
    assert status == 5
    assert "postgresql-client" in capsys.readouterr().err
    assert not (tmp_path / "pg.dump").exists()


@pytest.fixture(scope="module")
def pg_databases() -> Iterator[tuple[str, str]]:
    """URLs of two databases of this module's own, dropped after it (a database per test
    would cost seconds: PostgreSQL checkpoints to drop one)."""
    from sqlalchemy import make_url, text
    from sqlalchemy.exc import SQLAlchemyError

    from booking_core_sqlalchemy import create_engine

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        admin.dispose()
        reason = f"PostgreSQL is unreachable: {exc.__class__.__name__}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so the PostgreSQL tests must run.", pytrace=False)
        pytest.skip(reason)
    names = [f"booking_backup_test_{uuid.uuid4().hex[:8]}_{n}" for n in (1, 2)]
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        urls = [
            make_url(PG_URL).set(database=n).render_as_string(hide_password=False) for n in names
        ]
        yield urls[0], urls[1]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_pair(pg_databases: tuple[str, str]) -> tuple[str, str]:
    """The module's two databases, emptied: a new ``public`` schema in each."""
    from sqlalchemy import text

    from booking_core_sqlalchemy import create_engine

    for url in pg_databases:
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    return pg_databases


@pytest.mark.postgres
def test_a_postgres_backup_restores_into_an_empty_and_into_its_own_database(
    tmp_path: Path, pg_pair: tuple[str, str]
) -> None:
    # given a database with paid orders, backed up, and an order placed after the backup
    source, empty = pg_pair
    dump = tmp_path / "pg.dump"
    with world_on(source) as (world, paid):
        at_backup = books(source)
        assert run("backup", str(dump), "--db-url", source) == 0
        world.paid_order(pendulum.datetime(2026, 3, 4, 10, tz="Asia/Shanghai"))

    # when it is restored into an empty database, and over its own
    into_empty = run("restore", str(dump), "--db-url", empty)
    into_itself = run("restore", str(dump), "--db-url", source)

    # then both hold exactly what was backed up, the paid orders and balanced books
    assert (into_empty, into_itself) == (0, 0)
    assert books(empty) == at_backup
    assert books(source) == at_backup
    assert set(paid) <= set(at_backup.orders)
    at_backup.assert_balanced()


@pytest.mark.postgres
def test_a_postgres_backup_of_an_older_schema_is_migrated_up(
    tmp_path: Path, pg_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # given a backup of a database at the first revision
    from booking_core_sqlalchemy import migrate

    old, empty = pg_pair
    migrate(old, revision="0001")
    assert run("backup", str(tmp_path / "old.dump"), "--db-url", old) == 0

    # when it is restored into an empty database
    status = run("restore", str(tmp_path / "old.dump"), "--db-url", empty)

    # then it is at this code's head
    assert status == 0
    assert revision_of(empty) == head()
    assert f"(schema 0001, migrated to {head()})" in capsys.readouterr().out


@pytest.mark.postgres
def test_a_postgres_backup_from_newer_code_is_refused_and_nothing_is_touched(
    tmp_path: Path, pg_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # given a backup whose schema revision this code does not know, and a live database
    newer, live = pg_pair
    with world_on(newer):
        pass
    set_revision(newer, FUTURE)
    assert run("backup", str(tmp_path / "newer.dump"), "--db-url", newer) == 0
    with world_on(live):
        pass
    before = books(live)
    capsys.readouterr()

    # when it is restored over the live database
    status = run("restore", str(tmp_path / "newer.dump"), "--db-url", live)

    # then it is refused with its own status and code, and the database is as it was
    assert status == 3
    assert "schema_too_new" in capsys.readouterr().err
    assert books(live) == before
    assert revision_of(live) == head()


@pytest.mark.postgres
def test_a_postgres_target_at_another_revision_is_refused(
    tmp_path: Path, pg_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # given a backup at the first revision and a database at the head
    from booking_core_sqlalchemy import migrate

    old, live = pg_pair
    migrate(old, revision="0001")
    assert run("backup", str(tmp_path / "old.dump"), "--db-url", old) == 0
    migrate(live)

    # when it is restored over the database at the head
    status = run("restore", str(tmp_path / "old.dump"), "--db-url", live)

    # then it is refused: --clean would leave the newer tables behind
    assert status == 7
    assert "target_schema_differs" in capsys.readouterr().err
    assert revision_of(live) == head()
