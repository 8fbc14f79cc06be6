"""Order listings (issue 10): an index over a technician's orders by slot start.

A technician's views (new, today, upcoming, history) and a store's list (its technicians'
orders, through a subquery on their profiles) filter on ``technician_id`` and sort, and
page, on ``slot_start``: this index serves both the filter and the keyset cursor. A
customer's list already has ``ix_orders_customer_id_placed_at``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``ix_orders_technician_id_slot_start``."""
    op.create_index("ix_orders_technician_id_slot_start", "orders", ["technician_id", "slot_start"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_orders_technician_id_slot_start", table_name="orders")
