"""Reconciliation with providers' statements (issue 14): ``money_movements.gateway`` (the
provider that moved the money; ``''`` before: the default provider) and an index on
``money_movements.at`` (a day's movements), and ``statement_checks``: one provider's
statement of one day matched against our money, with every difference.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
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
    """Add the movements' provider and time index; create ``statement_checks``."""
    with op.batch_alter_table("money_movements") as batch:
        batch.add_column(sa.Column("gateway", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_money_movements_at", "money_movements", ["at"])
    op.create_table(
        "statement_checks",
        sa.Column("provider", _key(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("checked_at", _instant(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("differences", _json(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "day", name="pk_statement_checks"),
    )


def downgrade() -> None:
    """Drop ``statement_checks``, the index and the movements' provider."""
    op.drop_table("statement_checks")
    op.drop_index("ix_money_movements_at", table_name="money_movements")
    with op.batch_alter_table("money_movements") as batch:
        batch.drop_column("gateway")
