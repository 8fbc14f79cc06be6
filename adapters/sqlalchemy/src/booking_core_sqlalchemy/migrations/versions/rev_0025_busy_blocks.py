"""Outside calendars (issue 15): ``busy_blocks`` — technicians' busy time from their own
calendars, pushed by API or imported — and ``calendar_feeds``, the iCalendar feeds the
refresh job reads.

Writes of ``busy_blocks`` change the technician's agenda version by trigger, as writes of
his bookings do (revision 0005), so remembered search answers are not reused past them.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = ("insert", "update", "delete")
_BUMP = (
    "INSERT INTO agenda_versions (technician_id, version) VALUES ({row}.technician_id, 1) "
    "ON CONFLICT (technician_id) DO UPDATE SET version = agenda_versions.version + 1"
)


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Create the two tables and the agenda-version triggers on ``busy_blocks``."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "busy_blocks",
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("source", _key(), nullable=False),
        sa.Column("uid", _key(), nullable=False),
        sa.Column("span_start", _instant(), nullable=False),
        sa.Column("span_end", _instant(), nullable=False),
        sa.Column("blocked_start", _instant(), nullable=False),
        sa.Column("blocked_end", _instant(), nullable=False),
        sa.Column("buffer_before_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_after_minutes", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.CheckConstraint("span_end > span_start", name="span_not_empty"),
        sa.CheckConstraint("blocked_end > blocked_start", name="blocked_not_empty"),
        sa.PrimaryKeyConstraint("technician_id", "source", "uid", name="pk_busy_blocks"),
    )
    op.create_index(
        "ix_busy_blocks_technician_blocked_start",
        "busy_blocks",
        ["technician_id", "blocked_start"],
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", _key(), nullable=False),
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("refresh_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_before_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_after_minutes", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=True),
        sa.Column("last_refreshed_at", _instant(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feeds"),
    )
    op.create_index("ix_calendar_feeds_technician_id", "calendar_feeds", ["technician_id"])
    if postgres:
        op.execute(
            "CREATE FUNCTION busy_blocks_bump_agenda_version() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' THEN "
            f"{_BUMP.format(row='OLD')}; RETURN OLD; END IF; "
            f"{_BUMP.format(row='NEW')}; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER busy_blocks_agenda_version AFTER INSERT OR UPDATE OR DELETE "
            "ON busy_blocks FOR EACH ROW EXECUTE FUNCTION busy_blocks_bump_agenda_version()"
        )
        return
    for event in _EVENTS:
        row = "OLD" if event == "delete" else "NEW"
        op.execute(
            f"CREATE TRIGGER busy_blocks_agenda_version_{event} AFTER {event.upper()} "
            f"ON busy_blocks FOR EACH ROW BEGIN {_BUMP.format(row=row)}; END"
        )


def downgrade() -> None:
    """Drop the triggers and the tables."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER busy_blocks_agenda_version ON busy_blocks")
        op.execute("DROP FUNCTION busy_blocks_bump_agenda_version()")
    else:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER busy_blocks_agenda_version_{event}")
    op.drop_index("ix_calendar_feeds_technician_id", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    op.drop_index("ix_busy_blocks_technician_blocked_start", table_name="busy_blocks")
    op.drop_table("busy_blocks")
