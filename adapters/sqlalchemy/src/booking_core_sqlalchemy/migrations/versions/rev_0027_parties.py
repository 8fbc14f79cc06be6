"""Services for several technicians at once (issue 15): ``services.technicians_needed``
(1 for every service stored before), and the party an order fills a seat of —
``orders.party_id``, ``party_size``, ``party_seat`` (null for the orders of a service for
one) with ``ix_orders_party_id`` to list a party's orders.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    """Add the columns and the index."""
    with op.batch_alter_table("services") as batch:
        batch.add_column(
            sa.Column("technicians_needed", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("party_id", _key(), nullable=True))
        batch.add_column(sa.Column("party_size", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("party_seat", sa.Integer(), nullable=True))
    op.create_index("ix_orders_party_id", "orders", ["party_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_orders_party_id", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        for name in ("party_seat", "party_size", "party_id"):
            batch.drop_column(name)
    with op.batch_alter_table("services") as batch:
        batch.drop_column("technicians_needed")
