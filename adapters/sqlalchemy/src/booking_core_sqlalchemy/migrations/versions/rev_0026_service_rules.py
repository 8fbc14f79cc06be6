"""A service's own booking rules (issue 15): ``services.rules_*`` — its slot step, notice,
window days and how the window is counted — each null where the platform's applies.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("rules_step_minutes", sa.Integer()),
    ("rules_notice_minutes", sa.Integer()),
    ("rules_window_days", sa.Integer()),
    ("rules_window_kind", sa.Text()),
)


def upgrade() -> None:
    """Add the rule columns (null: the platform's)."""
    with op.batch_alter_table("services") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("services") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
