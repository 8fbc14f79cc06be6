"""Richer reviews (issue 15): ``reviews.document`` — dimension ratings, tags, photos,
anonymity, the technician's reply, the customer's follow-up and the moderation record, in
the converter's form; ``reviews.moderation_state`` (indexed) for the staff's queue; and
``reviews.version`` for compare-and-set. Existing reviews become stars-and-text reviews
with nothing else (``{}``, null, 0).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the review's document, moderation state and version."""
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(
            sa.Column(
                "document",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                server_default="{}",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("moderation_state", sa.Text(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_reviews_moderation_state", "reviews", ["moderation_state"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_reviews_moderation_state", table_name="reviews")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("version")
        batch.drop_column("moderation_state")
        batch.drop_column("document")
