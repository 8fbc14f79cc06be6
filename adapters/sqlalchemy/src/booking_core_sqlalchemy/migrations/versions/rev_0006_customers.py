"""Customers (issue 10): profile, address book, favourites as a converter document; the
membership tier as a column, read with the order counts in checkout's one standing query.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``customers``."""
    op.create_table(
        "customers",
        sa.Column(
            "id", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("tier", sa.Text(), nullable=True),
        sa.Column(
            "registered_at",
            postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )


def downgrade() -> None:
    """Drop ``customers``."""
    op.drop_table("customers")
