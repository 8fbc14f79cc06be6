"""Orders paid by a package visit (issue 15): ``orders.holding_id`` names the bought
package whose visit paid the order (null: paid with money).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("holding_id", _key(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("holding_id")
