"""Order quotes: how each order's price was made (lines, discounts, coupon), for the books.

Revision ID: 0003
Revises: 0002
Create Date: 2026-05-27
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add ``orders.quote`` (a converter document; null for the orders stored before)."""
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("quote", _json(), nullable=True))


def downgrade() -> None:
    """Drop ``orders.quote``."""
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("quote")
