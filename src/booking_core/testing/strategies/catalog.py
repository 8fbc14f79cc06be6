"""Strategies for the catalog: categories and services."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from booking_core.catalog import Category, Service
from booking_core.ids import CategoryId, ServiceId
from booking_core.testing.strategies._shared import (
    DEFAULT_CATEGORY_IDS,
    DEFAULT_SERVICE_IDS,
    moneys_of,
)

__all__ = ["categories", "services"]

_NAMES = ("Chinese tuina", "Foot massage", "Facial", "Deep cleaning", "按摩 Massage")
# Mostly round durations (what catalogs sell), sometimes any minute count.
_DURATIONS = st.sampled_from((30, 45, 60, 90, 120)) | st.integers(min_value=1, max_value=8 * 60)


def categories(*, ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS) -> st.SearchStrategy[Category]:
    """Top-level categories with one of ``ids``."""
    return st.builds(
        Category, st.sampled_from(ids), st.sampled_from(("Massage", "Beauty", "Housekeeping"))
    )


def services(
    *,
    ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    category_ids: Sequence[CategoryId] = DEFAULT_CATEGORY_IDS,
    currency: str = "CNY",
    max_price: int = 100_000,
    max_buffer_minutes: int = 60,
) -> st.SearchStrategy[Service]:
    """Valid services: 1 minute to 8 hours (mostly round), a price of 0 to ``max_price``
    minor units, buffers before and after of 0 to ``max_buffer_minutes``."""
    buffers = st.integers(min_value=0, max_value=max_buffer_minutes)
    return st.builds(
        Service,
        id=st.sampled_from(ids),
        category_id=st.sampled_from(category_ids),
        name=st.sampled_from(_NAMES),
        duration_minutes=_DURATIONS,
        price=moneys_of(currency, 0, max_price),
        description=st.sampled_from(("", "At your home, with oils.")),
        buffer_before_minutes=buffers,
        buffer_after_minutes=buffers,
    )
