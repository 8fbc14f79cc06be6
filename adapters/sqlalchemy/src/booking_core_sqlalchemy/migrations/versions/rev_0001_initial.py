"""The initial schema: catalog, technicians and schedules, bookings and holds, orders, reviews,
outbox, jobs, payments, refunds, money movements, webhooks,
complaints and positions.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Types are spelled out here rather than imported, so this revision never changes.
def _key() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return postgresql.TIMESTAMP(timezone=True).with_variant(sa.String(32), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _serial() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _currency() -> sa.types.TypeEngine[str]:
    return postgresql.CHAR(3)


def upgrade() -> None:
    """Create the tables, the no-overlap exclusion constraint (PostgreSQL) and the indexes."""
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # Lets a GiST index combine "technician_id WITH =" and "tstzrange WITH &&".
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")

    op.create_table(
        "categories",
        sa.Column("id", _key(), nullable=False),
        sa.Column("name", _key(), nullable=False),
        sa.Column("parent_id", _key(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_categories"),
    )
    op.create_table(
        "services",
        sa.Column("id", _key(), nullable=False),
        sa.Column("category_id", _key(), nullable=False),
        sa.Column("name", _key(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_before_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_after_minutes", sa.Integer(), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("price_currency", _currency(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
    )
    op.create_index("ix_services_category_id", "services", ["category_id"])
    op.create_table(
        "technicians",
        sa.Column("id", _key(), nullable=False),
        sa.Column("name", _key(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("weekly_hours", _json(), nullable=False),
        sa.Column("service_ids", _json(), nullable=False),
        sa.Column("profile", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_technicians"),
    )
    op.create_table(
        "bookings",
        sa.Column("id", _key(), nullable=False),
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("order_id", _key(), nullable=True),
        sa.Column("slot_start", _instant(), nullable=False),
        sa.Column("slot_end", _instant(), nullable=False),
        sa.Column("blocked_start", _instant(), nullable=False),
        sa.Column("blocked_end", _instant(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("service_id", _key(), nullable=True),
        sa.Column("holder", _key(), nullable=True),
        sa.Column("hold_expires_at", _instant(), nullable=True),
        sa.Column("location_lat", sa.Double(), nullable=True),
        sa.Column("location_lon", sa.Double(), nullable=True),
        sa.Column("travel_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.CheckConstraint("slot_end > slot_start", name="ck_bookings_slot_not_empty"),
        sa.CheckConstraint("blocked_end > blocked_start", name="ck_bookings_blocked_not_empty"),
    )
    if postgres:
        # INVARIANTS I1, enforced by the database itself: no two active bookings of one
        # technician with overlapping half-open blocked ranges, whatever the isolation level.
        # The GiST index behind it also answers list_active().
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap "
            "EXCLUDE USING gist (technician_id WITH =, "
            "tstzrange(blocked_start, blocked_end, '[)') WITH &&) WHERE (active)"
        )
    else:
        op.create_index(
            "ix_bookings_active_technician_blocked_start",
            "bookings",
            ["technician_id", "blocked_start"],
            sqlite_where=sa.text("active"),
        )
    op.create_table(
        "work_schedules",
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("technician_id", name="pk_work_schedules"),
    )
    op.create_table(
        "orders",
        sa.Column("id", _key(), nullable=False),
        sa.Column("number", _key(), nullable=False),
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("technician_id", _key(), nullable=True),
        sa.Column("service_id", _key(), nullable=False),
        sa.Column("booking_id", _key(), nullable=False),
        sa.Column("slot_start", _instant(), nullable=False),
        sa.Column("slot_end", _instant(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("placed_at", _instant(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("payment_mode", sa.Text(), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("price_currency", _currency(), nullable=False),
        sa.Column("upfront_amount", sa.BigInteger(), nullable=False),
        sa.Column("upfront_currency", _currency(), nullable=False),
        sa.Column("paid_amount", sa.BigInteger(), nullable=True),
        sa.Column("paid_currency", _currency(), nullable=True),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=True),
        sa.Column("refunded_currency", _currency(), nullable=True),
        sa.Column("cancellation_fee_amount", sa.BigInteger(), nullable=True),
        sa.Column("cancellation_fee_currency", _currency(), nullable=True),
        sa.Column("destination_lat", sa.Double(), nullable=True),
        sa.Column("destination_lon", sa.Double(), nullable=True),
        sa.Column("late_minutes", sa.Integer(), nullable=True),
        sa.Column("cancel_cause", sa.Text(), nullable=True),
        sa.Column("review_closed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
    )
    op.create_index(
        "uq_orders_number",
        "orders",
        ["number"],
        unique=True,
        sqlite_where=sa.text("number != ''"),
        postgresql_where=sa.text("number != ''"),
    )
    op.create_table(
        "counters",
        sa.Column("name", _key(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    if postgres:
        op.execute("CREATE SEQUENCE order_number_seq")
    op.create_index("ix_orders_customer_id_placed_at", "orders", ["customer_id", "placed_at"])
    op.create_table(
        "order_transitions",
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("from_state", sa.Text(), nullable=False),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_order_transitions_order_id_orders"
        ),
        sa.PrimaryKeyConstraint("order_id", "sequence", name="pk_order_transitions"),
    )
    # INVARIANTS I6: a timeline record is immutable once written.
    if postgres:
        op.execute(
            "CREATE FUNCTION order_transitions_refuse_update() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'order_transitions is append-only' USING ERRCODE = '55000'; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER order_transitions_append_only BEFORE UPDATE ON order_transitions "
            "FOR EACH ROW EXECUTE FUNCTION order_transitions_refuse_update()"
        )
    else:
        op.execute(
            "CREATE TRIGGER order_transitions_append_only BEFORE UPDATE ON order_transitions "
            "BEGIN SELECT RAISE(ABORT, 'order_transitions is append-only'); END"
        )
    op.create_table(
        "reviews",
        sa.Column("id", _key(), nullable=False),
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("customer_id", _key(), nullable=False),
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("stars", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.UniqueConstraint("order_id", name="uq_reviews_order_id"),
    )
    op.create_index(
        "ix_reviews_technician_id_created_at", "reviews", ["technician_id", "created_at"]
    )
    op.create_table(
        "jobs",
        sa.Column("id", _key(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", _key(), nullable=False),
        sa.Column("due_at", _instant(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.Text(), nullable=True),
        sa.Column("locked_until", _instant(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_subject", "jobs", ["subject"])
    op.create_index(
        "ix_jobs_claimable",
        "jobs",
        ["due_at", "id"],
        sqlite_where=sa.text("status IN ('pending', 'running')"),
        postgresql_where=sa.text("status IN ('pending', 'running')"),
    )
    op.create_table(
        "payment_attempts",
        sa.Column("key", _key(), nullable=False),
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", _currency(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.Column("gateway_reference", sa.Text(), nullable=True),
        sa.Column("failure_code", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_payment_attempts"),
    )
    op.create_index("ix_payment_attempts_order_id", "payment_attempts", ["order_id"])
    op.create_table(
        "refunds",
        sa.Column("key", _key(), nullable=False),
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("payment_key", _key(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", _currency(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", _instant(), nullable=False),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_refunds"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_table(
        "money_movements",
        sa.Column("position", _serial(), autoincrement=True, nullable=False),
        sa.Column("key", _key(), nullable=False),
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", _currency(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_money_movements"),
        sa.UniqueConstraint("key", name="uq_money_movements_key"),
    )
    op.create_index("ix_money_movements_order_id", "money_movements", ["order_id"])
    op.create_table(
        "webhook_events",
        sa.Column("gateway", _key(), nullable=False),
        sa.Column("event_id", _key(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("received_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("gateway", "event_id", name="pk_webhook_events"),
    )
    op.create_table(
        "complaints",
        sa.Column("id", _key(), nullable=False),
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("filed_at", _instant(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
    )
    op.create_index("ix_complaints_order_id", "complaints", ["order_id"])
    op.create_index("ix_complaints_state_filed_at", "complaints", ["state", "filed_at"])
    op.create_table(
        "position_reports",
        sa.Column("id", _serial(), autoincrement=True, nullable=False),
        sa.Column("order_id", _key(), nullable=False),
        sa.Column("technician_id", _key(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("reported_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_position_reports"),
    )
    op.create_index(
        "ix_position_reports_order_id_reported_at", "position_reports", ["order_id", "reported_at"]
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", _key(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", _instant(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
    )
    op.create_index(
        "ix_outbox_messages_pending",
        "outbox_messages",
        ["created_at", "id"],
        sqlite_where=sa.text("delivered_at IS NULL"),
        postgresql_where=sa.text("delivered_at IS NULL"),
    )


def downgrade() -> None:
    """Drop everything :func:`upgrade` created (the btree_gist extension stays)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_table("outbox_messages")
    op.drop_table("jobs")
    for table in (
        "position_reports",
        "complaints",
        "webhook_events",
        "money_movements",
        "refunds",
        "payment_attempts",
    ):
        op.drop_table(table)
    op.drop_table("reviews")
    op.drop_table("order_transitions")
    if postgres:
        op.execute("DROP FUNCTION order_transitions_refuse_update()")
    op.drop_table("counters")
    if postgres:
        op.execute("DROP SEQUENCE order_number_seq")
    op.drop_table("orders")
    op.drop_table("work_schedules")
    op.drop_table("bookings")
    op.drop_table("technicians")
    op.drop_table("services")
    op.drop_table("categories")
