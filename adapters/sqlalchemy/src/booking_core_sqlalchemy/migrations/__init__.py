"""Alembic migrations of the booking_core schema (run them with ``migrate()``)."""
