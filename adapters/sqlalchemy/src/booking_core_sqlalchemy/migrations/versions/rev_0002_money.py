"""Money: coupon templates and coupons, campaigns, and the double-entry journal.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-20
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = ("ledger_transactions", "ledger_postings")


# Types are spelled out here rather than imported, so this revision never changes.
def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _serial() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the promotion tables and the append-only journal (INVARIANTS I8, I16)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "coupon_templates",
        sa.Column("id", _key(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coupon_templates"),
    )
    op.create_table(
        "coupons",
        sa.Column("id", _key(), nullable=False),
        sa.Column("template_id", _key(), nullable=False),
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("order_id", _key(), nullable=True),
        sa.Column("issued_at", _instant(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coupons"),
    )
    op.create_index("ix_coupons_template_id_customer_id", "coupons", ["template_id", "customer_id"])
    op.create_index("ix_coupons_customer_id_issued_at", "coupons", ["customer_id", "issued_at"])
    op.create_index("ix_coupons_order_id", "coupons", ["order_id"])
    op.create_table(
        "campaigns",
        sa.Column("id", _key(), nullable=False),
        sa.Column("starts_at", _instant(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
    )
    op.create_table(
        "ledger_transactions",
        sa.Column("position", _serial(), autoincrement=True, nullable=False),
        sa.Column("id", _key(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("order_id", _key(), nullable=True),
        sa.Column("order_sequence", sa.Integer(), nullable=True),
        sa.Column("reverses", _key(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_ledger_transactions"),
        sa.UniqueConstraint("id", name="uq_ledger_transactions_id"),
        sa.UniqueConstraint(
            "order_id", "order_sequence", name="uq_ledger_transactions_order_id_order_sequence"
        ),
        sa.UniqueConstraint("reverses", name="uq_ledger_transactions_reverses"),
    )
    op.create_table(
        "ledger_postings",
        sa.Column("transaction_id", _key(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("account_kind", sa.Text(), nullable=False),
        sa.Column("account_owner", _key(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", postgresql.CHAR(3), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name="fk_ledger_postings_transaction_id_ledger_transactions",
        ),
        sa.PrimaryKeyConstraint("transaction_id", "line", name="pk_ledger_postings"),
    )
    op.create_index(
        "ix_ledger_postings_account_kind_account_owner_currency",
        "ledger_postings",
        ["account_kind", "account_owner", "currency"],
    )
    # INVARIANTS I8: entries are immutable; they are corrected by reversing entries only.
    if postgres:
        op.execute(
            "CREATE FUNCTION ledger_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '55000'; "
            "END $$"
        )
    for table in _APPEND_ONLY:
        if postgres:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
            )
        else:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade() -> None:
    """Drop everything :func:`upgrade` created."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_table("ledger_postings")
    op.drop_table("ledger_transactions")
    if postgres:
        op.execute("DROP FUNCTION ledger_refuse_change()")
    op.drop_table("campaigns")
    op.drop_table("coupons")
    op.drop_table("coupon_templates")
