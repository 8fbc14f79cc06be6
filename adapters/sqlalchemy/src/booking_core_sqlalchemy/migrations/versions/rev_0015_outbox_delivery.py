"""Outbox relay and dead letters; e-mail addresses on accounts (issue 11).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    """Add ``outbox_messages.state`` (messages delivered before are ``delivered``) and
    ``due_at``, the relay's index, and ``accounts.email``."""
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("state", sa.Text(), nullable=True))
        batch.add_column(sa.Column("due_at", _instant(), nullable=True))
    op.execute(
        "UPDATE outbox_messages SET state = CASE WHEN delivered_at IS NULL "
        "THEN 'pending' ELSE 'delivered' END"
    )
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("state", existing_type=sa.Text(), nullable=False)
    op.create_index(
        "ix_outbox_messages_state_created_at_id", "outbox_messages", ["state", "created_at", "id"]
    )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("email", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("email")
    op.drop_index("ix_outbox_messages_state_created_at_id", "outbox_messages")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("due_at")
        batch.drop_column("state")
