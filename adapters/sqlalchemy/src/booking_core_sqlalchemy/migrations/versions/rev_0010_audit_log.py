"""The audit log of platform actions (issue 10): ``audit_entries``, append-only, listed
newest first by ``(at, id)`` and filtered by record or by staff member.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create ``audit_entries`` and its three indexes."""
    op.create_table(
        "audit_entries",
        sa.Column("id", _key(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("actor_id", _key(), nullable=False),
        sa.Column("staff", sa.Text(), nullable=False),
        sa.Column("action", _key(), nullable=False),
        sa.Column("subject_kind", _key(), nullable=False),
        sa.Column("subject_id", _key(), nullable=False),
        sa.Column("before", _json(), nullable=True),
        sa.Column("after", _json(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_at_id", "audit_entries", ["at", "id"])
    op.create_index(
        "ix_audit_entries_subject_kind_subject_id_at",
        "audit_entries",
        ["subject_kind", "subject_id", "at"],
    )
    op.create_index("ix_audit_entries_actor_id_at", "audit_entries", ["actor_id", "at"])


def downgrade() -> None:
    """Drop ``audit_entries``."""
    op.drop_table("audit_entries")
