"""Strategies for the books: split rates and rate tables."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hypothesis import strategies as st

from booking_core.ids import ServiceId, StoreId
from booking_core.ledger import RateRule, RateTable, SplitRates
from booking_core.testing.strategies._shared import DEFAULT_SERVICE_IDS

__all__ = ["rate_rules", "rate_tables", "split_rates"]

_DEFAULT_STORE_IDS = (StoreId("sto_1"), StoreId("sto_2"))
_DEFAULT_LEVELS = ("gold", "silver")


def split_rates() -> st.SearchStrategy[SplitRates]:
    """Technician and store shares to the thousandth, together at most the whole (each of
    0 and 1 included)."""
    return st.integers(0, 1000).flatmap(
        lambda t: st.integers(0, 1000 - t).map(
            lambda s: SplitRates(Decimal(t) / 1000, Decimal(s) / 1000)
        )
    )


def rate_rules(
    *,
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    store_ids: Sequence[StoreId] = _DEFAULT_STORE_IDS,
    levels: Sequence[str] = _DEFAULT_LEVELS,
) -> st.SearchStrategy[RateRule]:
    """Rules naming one, two or all three of a store, a service and a technician level."""
    criteria = st.tuples(
        st.none() | st.sampled_from(store_ids),
        st.none() | st.sampled_from(service_ids),
        st.none() | st.sampled_from(levels),
    ).filter(lambda named: any(c is not None for c in named))
    return st.builds(
        lambda rates, named: RateRule(
            rates, store_id=named[0], service_id=named[1], technician_level=named[2]
        ),
        split_rates(),
        criteria,
    )


def rate_tables(
    *,
    service_ids: Sequence[ServiceId] = DEFAULT_SERVICE_IDS,
    store_ids: Sequence[StoreId] = _DEFAULT_STORE_IDS,
    levels: Sequence[str] = _DEFAULT_LEVELS,
    max_rules: int = 4,
) -> st.SearchStrategy[RateTable]:
    """A default split and up to ``max_rules`` rules overriding it."""
    return st.builds(
        RateTable,
        split_rates(),
        st.lists(
            rate_rules(service_ids=service_ids, store_ids=store_ids, levels=levels),
            max_size=max_rules,
        ).map(tuple),
    )
