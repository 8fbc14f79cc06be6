"""Referrals and commissions (issue 13): ``referral_codes`` (one invite code per member),
``referral_bindings`` (one binding per referee, with its history), ``distributors`` and
``commissions`` (unique per order line, beneficiary and level; the partial index
``ix_commissions_due`` over the frozen ones, for the settle job).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


_FROZEN = "state = 'frozen'"


def upgrade() -> None:
    """Create the four tables and their indexes."""
    op.create_table(
        "referral_codes",
        sa.Column("code", _key(), nullable=False),
        sa.Column("owner", _key(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_referral_codes"),
        sa.UniqueConstraint("owner", name="uq_referral_codes_owner"),
    )
    op.create_table(
        "referral_bindings",
        sa.Column("referee", _key(), nullable=False),
        sa.Column("referrer", _key(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("referee", name="pk_referral_bindings"),
    )
    op.create_index("ix_referral_bindings_referrer", "referral_bindings", ["referrer"])
    op.create_table(
        "distributors",
        sa.Column("member", _key(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("member", name="pk_distributors"),
    )
    op.create_table(
        "commissions",
        sa.Column("id", _key(), nullable=False),
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("beneficiary", _key(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("frozen_at", _instant(), nullable=False),
        sa.Column("unfreeze_at", _instant(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commissions"),
        sa.UniqueConstraint(
            "order_id",
            "line",
            "beneficiary",
            "level",
            name="uq_commissions_order_id_line_beneficiary_level",
        ),
    )
    op.create_index(
        "ix_commissions_beneficiary_frozen_at", "commissions", ["beneficiary", "frozen_at"]
    )
    op.create_index("ix_commissions_frozen_at", "commissions", ["frozen_at"])
    op.create_index(
        "ix_commissions_due",
        "commissions",
        ["unfreeze_at", "id"],
        sqlite_where=sa.text(_FROZEN),
        postgresql_where=sa.text(_FROZEN),
    )


def downgrade() -> None:
    """Drop what :func:`upgrade` created."""
    op.drop_table("commissions")
    op.drop_table("distributors")
    op.drop_table("referral_bindings")
    op.drop_table("referral_codes")
