"""Holds (issue 14): ``orders.held_*`` — what a manual-capture provider keeps authorized on
the customer's card for the order, not yet captured or voided — and
``payment_attempts.captured_amount``, the part of a held payment that was captured (null:
all of it, or nothing captured).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the held amount of orders and the captured part of attempts."""
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("held_amount", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("held_currency", postgresql.CHAR(3), nullable=True))
    with op.batch_alter_table("payment_attempts") as batch:
        batch.add_column(sa.Column("captured_amount", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_column("captured_amount")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("held_currency")
        batch.drop_column("held_amount")
