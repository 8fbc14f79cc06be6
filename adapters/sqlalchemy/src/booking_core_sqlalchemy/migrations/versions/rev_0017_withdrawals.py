"""Withdrawals (issue 13): ``withdrawals``, one row per withdrawal of a technician's or a
store's earnings — key columns, the converter document and a ``version`` for
compare-and-set; ``(payee, idempotency_key)`` unique.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Create ``withdrawals`` and its indexes."""
    op.create_table(
        "withdrawals",
        sa.Column("id", _key(), nullable=False),
        sa.Column("payee", _key(), nullable=False),
        sa.Column("idempotency_key", _key(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("requested_at", _instant(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", postgresql.CHAR(3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "document", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_withdrawals"),
        sa.UniqueConstraint(
            "payee", "idempotency_key", name="uq_withdrawals_payee_idempotency_key"
        ),
    )
    op.create_index(
        "ix_withdrawals_payee_requested_at_id", "withdrawals", ["payee", "requested_at", "id"]
    )
    op.create_index(
        "ix_withdrawals_status_requested_at_id", "withdrawals", ["status", "requested_at", "id"]
    )


def downgrade() -> None:
    """Drop ``withdrawals``."""
    op.drop_index("ix_withdrawals_status_requested_at_id", "withdrawals")
    op.drop_index("ix_withdrawals_payee_requested_at_id", "withdrawals")
    op.drop_table("withdrawals")
