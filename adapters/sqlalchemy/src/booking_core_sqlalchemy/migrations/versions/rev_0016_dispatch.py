"""Dispatch (issue 12): ``orders.dispatch`` (the dispatch state of an order placed without a
technician; SQL ``NULL`` for the others), the partial index ``ix_orders_waiting`` over the
orders waiting for dispatch, and ``dispatch_metrics`` (one technician's dispatch counts).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


_WAITING = "technician_id IS NULL AND dispatch IS NOT NULL"


def upgrade() -> None:
    """Add ``orders.dispatch`` (null for every order stored before: each was placed with a
    technician) and ``ix_orders_waiting``; create ``dispatch_metrics``."""
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("dispatch", _json(), nullable=True))
    op.create_index(
        "ix_orders_waiting",
        "orders",
        ["slot_start", "id"],
        sqlite_where=sa.text(_WAITING),
        postgresql_where=sa.text(_WAITING),
    )
    op.create_table(
        "dispatch_metrics",
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("timed_out", sa.Integer(), nullable=False),
        sa.Column("grabbed", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("last_assigned_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("technician_id", name="pk_dispatch_metrics"),
    )


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    op.drop_table("dispatch_metrics")
    op.drop_index("ix_orders_waiting", "orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("dispatch")
