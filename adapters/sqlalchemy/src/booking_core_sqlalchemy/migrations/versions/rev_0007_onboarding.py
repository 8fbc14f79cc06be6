"""Technicians' applications (issue 10, onboarding): key columns plus the converter
document of each application. A technician's verification lives in his profile document,
so ``technicians`` does not change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    """Create ``technician_applications`` and the indexes of its two lists."""
    op.create_table(
        "technician_applications",
        sa.Column("id", _key(), nullable=False),
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column(
            "submitted_at",
            postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_technician_applications"),
    )
    op.create_index(
        "ix_technician_applications_technician_id_submitted_at",
        "technician_applications",
        ["technician_id", "submitted_at"],
    )
    op.create_index(
        "ix_technician_applications_state_submitted_at",
        "technician_applications",
        ["state", "submitted_at"],
    )


def downgrade() -> None:
    """Drop ``technician_applications``."""
    op.drop_table("technician_applications")
