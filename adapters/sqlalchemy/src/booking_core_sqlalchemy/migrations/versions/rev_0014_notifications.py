"""Notifications (issue 11): ``notifications`` (each one an inbox entry, listed per
recipient newest first by ``(created_at, id)``, with a partial index over the unread ones),
``notification_deliveries`` (one line per notification and push channel),
``notification_preferences`` (one row per recipient who saved any) and
``subscription_grants`` (the one-time grants left per recipient and template, never below
zero).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the four tables and their indexes."""
    op.create_table(
        "notifications",
        sa.Column("id", _key(), nullable=False),
        sa.Column("recipient_role", _key(), nullable=False),
        sa.Column("recipient_id", _key(), nullable=False),
        sa.Column("template", _key(), nullable=False),
        sa.Column("params", _json(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", _key(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("read_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index(
        "ix_notifications_recipient_role_recipient_id_created_at_id",
        "notifications",
        ["recipient_role", "recipient_id", "created_at", "id"],
    )
    unread = sa.text("read_at IS NULL")
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["recipient_role", "recipient_id", "created_at", "id"],
        sqlite_where=unread,
        postgresql_where=unread,
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", _key(), nullable=False),
        sa.Column("notification_id", _key(), nullable=False),
        sa.Column("channel", _key(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_deliveries"),
    )
    op.create_index(
        "ix_notification_deliveries_notification_id_channel",
        "notification_deliveries",
        ["notification_id", "channel"],
    )
    op.create_table(
        "notification_preferences",
        sa.Column("recipient_role", _key(), nullable=False),
        sa.Column("recipient_id", _key(), nullable=False),
        sa.Column("muted", _json(), nullable=False),
        sa.Column("quiet_start", sa.Text(), nullable=True),
        sa.Column("quiet_end", sa.Text(), nullable=True),
        sa.Column("quiet_time_zone", sa.Text(), nullable=True),
        sa.Column("locale", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(quiet_start IS NULL) = (quiet_end IS NULL) "
            "AND (quiet_start IS NULL) = (quiet_time_zone IS NULL)",
            name=op.f("ck_notification_preferences_quiet_hours_whole"),
        ),
        sa.PrimaryKeyConstraint(
            "recipient_role", "recipient_id", name="pk_notification_preferences"
        ),
    )
    op.create_table(
        "subscription_grants",
        sa.Column("recipient_role", _key(), nullable=False),
        sa.Column("recipient_id", _key(), nullable=False),
        sa.Column("template", _key(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "remaining >= 0", name=op.f("ck_subscription_grants_remaining_not_negative")
        ),
        sa.PrimaryKeyConstraint(
            "recipient_role", "recipient_id", "template", name="pk_subscription_grants"
        ),
    )


def downgrade() -> None:
    """Drop the four tables (their indexes go with them)."""
    op.drop_table("subscription_grants")
    op.drop_table("notification_preferences")
    op.drop_table("notification_deliveries")
    op.drop_table("notifications")
