"""Payment providers (issue 14): ``payment_attempts.gateway`` and ``refunds.gateway`` name the
provider that took the money, so its queries and refunds go back to it when several
providers are routed by channel. Rows from before name none (``''``: the default provider).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("payment_attempts", "refunds")


def upgrade() -> None:
    """Add the provider's name to attempts and refunds."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("gateway", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop the provider's name."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("gateway")
