"""Points and tiers (issue 13): ``points_accounts`` (a customer's totals, the row a spend
locks), ``points_lots`` (one per award), the append-only journal ``points_movements``,
``points_check_ins`` (one per customer and local day), ``tier_statuses`` and the
append-only ``tier_changes``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _open_lots() -> Any:
    return sa.text("remaining > 0")


def upgrade() -> None:
    """Create the points and tier tables."""
    op.create_table(
        "points_accounts",
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("debt", sa.BigInteger(), nullable=False),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("expired", sa.BigInteger(), nullable=False),
        sa.Column("clawed_back", sa.BigInteger(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.CheckConstraint("debt >= 0", name="debt_not_negative"),
        sa.CheckConstraint(
            "earned - spent - expired - clawed_back + debt >= 0",
            name="balance_covered",
        ),
        sa.PrimaryKeyConstraint("customer_id", name="pk_points_accounts"),
    )
    op.create_table(
        "points_lots",
        sa.Column("id", _key(), nullable=False),
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("earned_at", _instant(), nullable=False),
        sa.Column("expires_at", _instant(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("order_id", _key(), nullable=True),
        sa.CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_in_lot"),
        sa.PrimaryKeyConstraint("id", name="pk_points_lots"),
    )
    op.create_index(
        "ix_points_lots_open",
        "points_lots",
        ["customer_id"],
        sqlite_where=_open_lots(),
        postgresql_where=_open_lots(),
    )
    op.create_index(
        "ix_points_lots_expiring",
        "points_lots",
        ["expires_at"],
        sqlite_where=_open_lots(),
        postgresql_where=_open_lots(),
    )
    op.create_table(
        "points_movements",
        sa.Column("id", _key(), nullable=False),
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("effects", _json(), nullable=False),
        sa.Column("debt_change", sa.BigInteger(), nullable=False),
        sa.Column("order_id", _key(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_points_movements"),
        sa.UniqueConstraint(
            "customer_id", "sequence", name="uq_points_movements_customer_id_sequence"
        ),
    )
    op.create_index(
        "ix_points_movements_customer_id_order_id", "points_movements", ["customer_id", "order_id"]
    )
    op.create_table(
        "points_check_ins",
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("local_date", sa.String(10), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("movement_id", _key(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "local_date", name="pk_points_check_ins"),
    )
    op.create_table(
        "tier_statuses",
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("tier", sa.Text(), nullable=True),
        sa.Column("metric", sa.BigInteger(), nullable=False),
        sa.Column("evaluated_at", _instant(), nullable=True),
        sa.Column("since", _instant(), nullable=True),
        sa.Column("below_since", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", name="pk_tier_statuses"),
    )
    op.create_table(
        "tier_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("from_tier", sa.Text(), nullable=True),
        sa.Column("to_tier", sa.Text(), nullable=True),
        sa.Column("metric", sa.BigInteger(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tier_changes"),
    )
    op.create_index("ix_tier_changes_customer_id_id", "tier_changes", ["customer_id", "id"])


def downgrade() -> None:
    """Drop what :func:`upgrade` created."""
    op.drop_index("ix_tier_changes_customer_id_id", "tier_changes")
    op.drop_table("tier_changes")
    op.drop_table("tier_statuses")
    op.drop_table("points_check_ins")
    op.drop_index("ix_points_movements_customer_id_order_id", "points_movements")
    op.drop_table("points_movements")
    op.drop_index("ix_points_lots_expiring", "points_lots")
    op.drop_index("ix_points_lots_open", "points_lots")
    op.drop_table("points_lots")
    op.drop_table("points_accounts")
