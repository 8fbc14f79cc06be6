"""Order contact: the address-book entry and phone an order was placed with (issue 10).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add ``orders.contact`` (a converter document; null for orders placed without one)."""
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("contact", _json(), nullable=True))


def downgrade() -> None:
    """Drop ``orders.contact``."""
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("contact")
