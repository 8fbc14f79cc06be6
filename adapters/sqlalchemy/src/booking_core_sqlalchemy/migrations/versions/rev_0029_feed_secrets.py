"""The secret of each technician's feed out (issue 15): ``feed_secrets`` keeps the hash of
the key in the URL a calendar app subscribes to, one row per technician.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    """Create ``feed_secrets``."""
    op.create_table(
        "feed_secrets",
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("technician_id", name="pk_feed_secrets"),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("feed_secrets")
