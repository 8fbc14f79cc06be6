"""The database itself refuses overlapping active bookings (INVARIANTS I1 on PostgreSQL).

Rows are written with raw SQL, bypassing the repository: this proves the exclusion
constraint, not any application check.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg.errors
import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from booking_core_sqlalchemy.tables import metadata

pytestmark = pytest.mark.postgres

INSERT = text(
    "INSERT INTO bookings (id, technician_id, slot_start, slot_end, blocked_start, blocked_end,"
    " active, travel_minutes)"
    " VALUES (:id, :technician, :start, :end, :start, :end, :active, 0)"
)


def _insert(
    connection: Connection, n: int, start: str, end: str, *, active: bool = True,
    technician: str = "tec_1",
) -> None:  # fmt: skip
    connection.execute(
        INSERT,
        {"id": f"bkg_{n}", "technician": technician, "start": f"2026-03-02 {start}+08",
         "end": f"2026-03-02 {end}+08", "active": active},
    )  # fmt: skip


@pytest.fixture
def connection(pg_engine: Engine) -> Iterator[Connection]:
    """A connection to emptied tables holding one active booking, 09:00–10:00 of tec_1."""
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with pg_engine.begin() as setup:
        setup.execute(text(f"TRUNCATE {names}"))
    with pg_engine.connect() as conn:
        _insert(conn, 1, "09:00", "10:00")
        conn.commit()
        yield conn


def test_an_overlapping_active_row_is_refused_by_the_constraint(connection: Connection) -> None:
    with pytest.raises(IntegrityError) as caught:
        _insert(connection, 2, "09:59", "11:00")

    assert isinstance(caught.value.orig, psycopg.errors.ExclusionViolation)
    assert caught.value.orig.sqlstate == "23P01"
    assert caught.value.orig.diag.constraint_name == "ex_bookings_no_overlap"


def test_an_inactive_row_touching_rows_and_other_technicians_are_accepted(
    connection: Connection,
) -> None:
    _insert(connection, 2, "09:30", "10:30", active=False)
    _insert(connection, 3, "10:00", "11:00")
    _insert(connection, 4, "08:00", "09:00")
    _insert(connection, 5, "09:00", "10:00", technician="tec_2")
    connection.commit()

    count = connection.execute(text("SELECT count(*) FROM bookings WHERE active")).scalar_one()
    assert count == 4


def test_reactivating_an_overlapping_row_is_refused(connection: Connection) -> None:
    _insert(connection, 2, "09:30", "10:30", active=False)
    connection.commit()

    with pytest.raises(IntegrityError) as caught:
        connection.execute(text("UPDATE bookings SET active = true WHERE id = 'bkg_2'"))
    assert caught.value.orig is not None
    assert getattr(caught.value.orig, "sqlstate", None) == "23P01"
