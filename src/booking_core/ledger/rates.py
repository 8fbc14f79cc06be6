"""Split rates: how a completed order's amount is shared, configured per store, service
or technician level."""

from __future__ import annotations

from decimal import Decimal

import attrs

from booking_core.errors import InvalidRates
from booking_core.ids import ServiceId, StoreId

__all__ = ["RateRule", "RateTable", "SplitRates"]


def _rate(value: object, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
        raise InvalidRates(
            f"The {field} rate is a Decimal from 0 to 1 (never a float); got {value!r}.",
            details={"field": field},
        )
    return value


@attrs.frozen
class SplitRates:
    """Shares of an order's settlement base; the platform keeps the rest.

    Attributes:
        technician: The technician's share (``Decimal("0.6")`` = 60 %).
        store: The store's share (zero for an independent technician).
    """

    technician: Decimal
    store: Decimal = Decimal(0)

    def __attrs_post_init__(self) -> None:
        _rate(self.technician, "technician")
        _rate(self.store, "store")
        if self.technician + self.store > 1:
            raise InvalidRates(
                f"The technician ({self.technician}) and store ({self.store}) rates give "
                "away more than the whole amount.",
                details={"field": "store"},
            )

    @property
    def platform(self) -> Decimal:
        """What is left for the platform."""
        return Decimal(1) - self.technician - self.store


@attrs.frozen
class RateRule:
    """Rates for orders matching every criterion given (None matches anything).

    Attributes:
        rates: The rates to use.
        store_id: Orders sold by this store.
        service_id: Lines of this service.
        technician_level: Orders done by a technician of this level (e.g. ``"gold"``).
    """

    rates: SplitRates
    store_id: StoreId | None = None
    service_id: ServiceId | None = None
    technician_level: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.store_id is None and self.service_id is None and self.technician_level is None:
            raise InvalidRates("A rate rule names a store, a service or a technician level.")

    def matches(
        self, store_id: StoreId | None, service_id: ServiceId, technician_level: str | None
    ) -> bool:
        """Whether every criterion the rule names matches."""
        return (
            (self.store_id is None or self.store_id == store_id)
            and (self.service_id is None or self.service_id == service_id)
            and (self.technician_level is None or self.technician_level == technician_level)
        )

    @property
    def specificity(self) -> tuple[int, bool, bool, bool]:
        """How specific the rule is: criteria named, then service, level, store."""
        service = self.service_id is not None
        level = self.technician_level is not None
        store = self.store_id is not None
        return service + level + store, service, level, store


@attrs.frozen
class RateTable:
    """The configured rates: a default and rules that override it.

    The matching rule naming the most criteria wins; between rules naming as many, one
    naming the service beats one naming the technician level, which beats one naming the
    store; then the earlier rule wins. No match: the default.
    """

    default: SplitRates
    rules: tuple[RateRule, ...] = ()

    def rates_for(
        self,
        *,
        service_id: ServiceId,
        store_id: StoreId | None = None,
        technician_level: str | None = None,
    ) -> SplitRates:
        """The rates for a line of ``service_id`` sold by ``store_id``, done at that level."""
        best: RateRule | None = None
        for rule in self.rules:
            if rule.matches(store_id, service_id, technician_level) and (
                best is None or rule.specificity > best.specificity
            ):
                best = rule
        return self.default if best is None else best.rates
