"""The shipped migrations: they build the schema from nothing, twice is a no-op, and they
describe exactly the tables of ``booking_core_sqlalchemy.tables``."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from booking_core_sqlalchemy import VERSION_TABLE, alembic_config, create_engine, migrate
from booking_core_sqlalchemy.tables import metadata

TABLES = {table.name for table in metadata.sorted_tables}

# Schema objects that exist on one database only (tables.py marks them with ddl_if).
ONLY_ON = {"ix_bookings_active_technician_blocked_start": "sqlite"}


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        return ",".join(found)


def test_migrate_creates_the_schema_and_twice_is_a_no_op(empty_engine: Engine) -> None:
    migrate(empty_engine)
    first = (set(inspect(empty_engine).get_table_names()), _revision(empty_engine))
    migrate(empty_engine)
    second = (set(inspect(empty_engine).get_table_names()), _revision(empty_engine))

    assert first == second
    assert first[0] == TABLES | {VERSION_TABLE}
    assert first[1] == "0001" or first[1] > "0001"


def test_migrations_match_the_table_definitions(empty_engine: Engine) -> None:
    migrate(empty_engine)

    dialect = empty_engine.dialect.name

    def include(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        return ONLY_ON.get(name or "", dialect) == dialect

    with empty_engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"version_table": VERSION_TABLE, "compare_type": True, "include_object": include},
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_downgrade_to_base_removes_everything(empty_engine: Engine) -> None:
    migrate(empty_engine)

    with empty_engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "base")
    assert set(inspect(empty_engine).get_table_names()) == {VERSION_TABLE}


def test_migrate_accepts_a_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'by_url.sqlite3'}"

    migrate(url)

    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def _definitions(engine: Engine) -> set[tuple[str, ...]]:
    # What alembic's compare_metadata never looks at. PostgreSQL: every constraint as
    # pg_get_constraintdef spells it, above all the exclusion constraint over the blocked
    # range (kind "x"). SQLite: the SQL of every index (the partial one over active rows).
    if engine.dialect.name == "postgresql":
        query = text(
            "SELECT rel.relname, con.conname, con.contype::text, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid "
            "WHERE rel.relnamespace = current_schema()::regnamespace "
            f"AND rel.relname <> '{VERSION_TABLE}'"
        )
    else:
        query = text(
            "SELECT tbl_name, name, type, sql FROM sqlite_master "
            "WHERE type = 'index' AND sql IS NOT NULL"
        )
    with engine.connect() as connection:
        return {tuple(row) for row in connection.execute(query)}


#: The one rule of INVARIANTS I1 that the database itself enforces on PostgreSQL.
EXCLUSION = (
    "bookings",
    "ex_bookings_no_overlap",
    "x",
    "EXCLUDE USING gist (technician_id WITH =, "
    "tstzrange(blocked_start, blocked_end, '[)'::text) WITH &&) WHERE (active)",
)


def test_migrated_constraints_and_indexes_match_the_table_definitions(
    empty_engine: Engine, request: pytest.FixtureRequest
) -> None:
    postgres = empty_engine.dialect.name == "postgresql"
    migrated: Engine = (
        request.getfixturevalue("pg_engine")
        if postgres
        else request.getfixturevalue("sqlite_storage").engine
    )

    with empty_engine.begin() as connection:
        metadata.create_all(connection)
    from_migrations = _definitions(migrated)
    from_tables = _definitions(empty_engine)

    if postgres:
        assert {c for c in from_migrations if c[2] == "x"} == {EXCLUSION}
    else:
        assert any("WHERE active" in c[3] for c in from_migrations), from_migrations
    assert from_migrations - from_tables == set()
    assert from_tables - from_migrations == set()
