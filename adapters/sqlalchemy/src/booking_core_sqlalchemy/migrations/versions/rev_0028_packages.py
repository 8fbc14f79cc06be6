"""Packages (套餐, issue 15): ``packages`` — a bundle of services or several visits of one
at a fixed price, its parts in the converter's wire form — and ``package_holdings``, the
packages customers bought (the converter document, compare-and-set on ``version``; one
holding per ``payment_reference``).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the two tables."""
    op.create_table(
        "packages",
        sa.Column("id", _key(), nullable=False),
        sa.Column("name", _key(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("price_currency", postgresql.CHAR(3), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("parts", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_packages"),
    )
    op.create_table(
        "package_holdings",
        sa.Column("id", _key(), nullable=False),
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("package_id", _key(), nullable=False),
        sa.Column("payment_reference", _key(), nullable=False),
        sa.Column("purchased_at", _instant(), nullable=False),
        sa.Column("expires_at", _instant(), nullable=True),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_currency", postgresql.CHAR(3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_package_holdings"),
        sa.UniqueConstraint("payment_reference", name="uq_package_holdings_payment_reference"),
    )
    op.create_index(
        "ix_package_holdings_customer_id_purchased_at_id",
        "package_holdings",
        ["customer_id", "purchased_at", "id"],
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_package_holdings_customer_id_purchased_at_id", table_name="package_holdings")
    op.drop_table("package_holdings")
    op.drop_table("packages")
