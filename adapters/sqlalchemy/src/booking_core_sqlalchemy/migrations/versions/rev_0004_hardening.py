"""Hardening (issue 8): idempotency keys of order placement, and further sections below.

Each section of this revision is one helper's change, in its own pair of functions that
``upgrade`` and ``downgrade`` call (downgrade in reverse order).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


# -- section: idempotency keys of order placement (issue 8, item 4) ------------------------


def _upgrade_idempotency_keys() -> None:
    # The primary key (actor_id, key) is what decides between concurrent requests that
    # carry the same key: one insert wins, the other finds the winner's record.
    op.create_table(
        "idempotency_keys",
        sa.Column("actor_id", _key(), nullable=False),
        sa.Column("key", _key(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("expires_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def _downgrade_idempotency_keys() -> None:
    op.drop_index("ix_idempotency_keys_expires_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")


# -- section: check constraint names of bookings (issue 8, item 8) -------------------------

# Revision 0001 named these with the prefix already in the name, and the naming convention
# added it again ("ck_bookings_ck_bookings_slot_not_empty"); tables.py (and create_all) says
# "ck_bookings_slot_not_empty". Only PostgreSQL names constraints so that they can be seen
# and renamed; on SQLite the name lives in the table's CREATE statement and changes nothing.
_CHECK_NAMES = (
    ("ck_bookings_ck_bookings_slot_not_empty", "ck_bookings_slot_not_empty"),
    ("ck_bookings_ck_bookings_blocked_not_empty", "ck_bookings_blocked_not_empty"),
)


def _upgrade_check_names() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for old, new in _CHECK_NAMES:
        op.execute(f"ALTER TABLE bookings RENAME CONSTRAINT {old} TO {new}")


def _downgrade_check_names() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for old, new in _CHECK_NAMES:
        op.execute(f"ALTER TABLE bookings RENAME CONSTRAINT {new} TO {old}")


# -- section: at most one open payment attempt per order (issue 8, item 1; payments) -------

# The pay command locks the order's row and asks about an open attempt instead of opening a
# second one; this partial unique index states the same rule in the database. Captured
# attempts are deliberately not constrained: a capture is a fact the gateway reports, stored
# even when it is one too many (the surplus is refunded), and a purpose such as a price
# difference may legitimately be paid more than once.
_OPEN_ATTEMPT = "status IN ('unknown', 'requires_action', 'authorized')"


def _upgrade_one_open_payment() -> None:
    op.create_index(
        "uq_payment_attempts_one_open",
        "payment_attempts",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text(_OPEN_ATTEMPT),
        postgresql_where=sa.text(_OPEN_ATTEMPT),
    )


def _downgrade_one_open_payment() -> None:
    op.drop_index("uq_payment_attempts_one_open", table_name="payment_attempts")


# -- end of sections ------------------------------------------------------------------------


def upgrade() -> None:
    """Apply every section of the hardening revision."""
    _upgrade_idempotency_keys()
    _upgrade_check_names()
    _upgrade_one_open_payment()


def downgrade() -> None:
    """Undo every section, last first."""
    _downgrade_one_open_payment()
    _downgrade_check_names()
    _downgrade_idempotency_keys()
