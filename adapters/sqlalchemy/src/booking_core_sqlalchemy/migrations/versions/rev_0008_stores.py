"""Stores (issue 10): profile, own prices and invitations as a converter document; their
announcements. A store's members are named by their profile document, and each member's copy
of its prices lives there too, so ``technicians`` does not change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    """Create ``stores`` and ``store_announcements``."""
    op.create_table(
        "stores",
        sa.Column("id", _key(), nullable=False),
        sa.Column("name", _key(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stores"),
    )
    op.create_table(
        "store_announcements",
        sa.Column("id", _key(), nullable=False),
        sa.Column("store_id", _key(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column(
            "published_at",
            postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite"),
            nullable=False,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_announcements"),
    )
    op.create_index(
        "ix_store_announcements_store_id_published_at",
        "store_announcements",
        ["store_id", "published_at"],
    )


def downgrade() -> None:
    """Drop ``store_announcements`` and ``stores``."""
    op.drop_table("store_announcements")
    op.drop_table("stores")
