"""Agenda versions (issue 9): a number per technician that triggers change on every write
of his bookings, record or schedule.

The "any technician" search reads the versions of its candidates first and reuses the
answers of those whose version has not moved. Triggers keep the table, so every writer —
the adapter, a migration, an operator's SQL — changes it in the same transaction as the
data, and the booking path sends no statement more.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Each watched table and its column naming the technician.
_WATCHED = (
    ("bookings", "technician_id"),
    ("work_schedules", "technician_id"),
    ("technicians", "id"),
)
_EVENTS = ("insert", "update", "delete")
_BUMP = (
    "INSERT INTO agenda_versions (technician_id, version) VALUES ({row}.{column}, 1) "
    "ON CONFLICT (technician_id) DO UPDATE SET version = agenda_versions.version + 1"
)


def upgrade() -> None:
    """Create ``agenda_versions``, start every known technician at 1, add the triggers."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "agenda_versions",
        sa.Column(
            "technician_id",
            sa.Text().with_variant(sa.Text(collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("technician_id", name="pk_agenda_versions"),
    )
    op.execute("INSERT INTO agenda_versions (technician_id, version) SELECT id, 1 FROM technicians")
    for table, column in _WATCHED:
        if postgres:
            # One function per table: NEW is null on delete, OLD on insert.
            op.execute(
                f"CREATE FUNCTION {table}_bump_agenda_version() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "IF TG_OP = 'DELETE' THEN "
                f"{_BUMP.format(row='OLD', column=column)}; RETURN OLD; END IF; "
                f"{_BUMP.format(row='NEW', column=column)}; RETURN NEW; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_agenda_version AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_bump_agenda_version()"
            )
            continue
        for event in _EVENTS:
            row = "OLD" if event == "delete" else "NEW"
            op.execute(
                f"CREATE TRIGGER {table}_agenda_version_{event} AFTER {event.upper()} "
                f"ON {table} FOR EACH ROW BEGIN "
                f"{_BUMP.format(row=row, column=column)}; END"
            )


def downgrade() -> None:
    """Drop the triggers and the table."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, _ in _WATCHED:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_agenda_version ON {table}")
            op.execute(f"DROP FUNCTION {table}_bump_agenda_version()")
            continue
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER {table}_agenda_version_{event}")
    op.drop_table("agenda_versions")
