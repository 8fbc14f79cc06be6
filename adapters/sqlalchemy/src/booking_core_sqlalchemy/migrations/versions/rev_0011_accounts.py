"""Server accounts, login sessions and one-time codes (issue 10): ``accounts`` with each
sign-in key (login, phone, WeChat openid) and the actor unique, ``login_sessions`` found by
id and revoked per account, ``one_time_codes`` keyed by (phone, purpose).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Create ``accounts``, ``login_sessions`` and ``one_time_codes``."""
    op.create_table(
        "accounts",
        sa.Column("id", _key(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("actor_id", _key(), nullable=False),
        sa.Column("staff", sa.Text(), nullable=True),
        sa.Column("login", _key(), nullable=True),
        sa.Column("phone", _key(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("wechat_openid", _key(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("login", name="uq_accounts_login"),
        sa.UniqueConstraint("phone", name="uq_accounts_phone"),
        sa.UniqueConstraint("wechat_openid", name="uq_accounts_wechat_openid"),
        sa.UniqueConstraint("role", "actor_id", name="uq_accounts_role_actor_id"),
    )
    op.create_table(
        "login_sessions",
        sa.Column("id", _key(), nullable=False),
        sa.Column("account_id", _key(), nullable=False),
        sa.Column("refresh_hash", sa.Text(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("expires_at", _instant(), nullable=False),
        sa.Column("revoked_at", _instant(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_sessions"),
    )
    op.create_index("ix_login_sessions_account_id", "login_sessions", ["account_id"])
    op.create_table(
        "one_time_codes",
        sa.Column("phone", _key(), nullable=False),
        sa.Column("purpose", _key(), nullable=False),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("sent_at", _instant(), nullable=False),
        sa.Column("expires_at", _instant(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phone", "purpose", name="pk_one_time_codes"),
    )


def downgrade() -> None:
    """Drop ``one_time_codes``, ``login_sessions`` and ``accounts``."""
    op.drop_table("one_time_codes")
    op.drop_index("ix_login_sessions_account_id", table_name="login_sessions")
    op.drop_table("login_sessions")
    op.drop_table("accounts")
