"""A customer's review of a completed order: defined in :mod:`booking_core.reviews` (with its
reply, follow-up and moderation), kept importable from here."""

from __future__ import annotations

from booking_core.reviews.review import MAX_REVIEW_TEXT, Review

__all__ = ["MAX_REVIEW_TEXT", "Review"]
