"""Spending points on rewards (issue 13): ``reward_gifts`` (the catalog, with a stock that
never goes below zero), ``reward_exchanges`` (coupon templates sold for points) and
``reward_redemptions`` (one per customer and idempotency key).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the three tables and their indexes."""
    op.create_table(
        "reward_gifts",
        sa.Column("id", _key(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("stock", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.PrimaryKeyConstraint("id", name="pk_reward_gifts"),
    )
    op.create_table(
        "reward_exchanges",
        sa.Column("id", _key(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reward_exchanges"),
    )
    op.create_table(
        "reward_redemptions",
        sa.Column("id", _key(), nullable=False),
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("idempotency_key", _key(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("item_id", _key(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("until", _instant(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reward_redemptions"),
        sa.UniqueConstraint(
            "customer_id",
            "idempotency_key",
            name="uq_reward_redemptions_customer_id_idempotency_key",
        ),
    )
    op.create_index(
        "ix_reward_redemptions_customer_id_kind_item_id",
        "reward_redemptions",
        ["customer_id", "kind", "item_id"],
    )
    op.create_index("ix_reward_redemptions_status_id", "reward_redemptions", ["status", "id"])


def downgrade() -> None:
    """Drop what :func:`upgrade` created."""
    op.drop_table("reward_redemptions")
    op.drop_table("reward_exchanges")
    op.drop_table("reward_gifts")
