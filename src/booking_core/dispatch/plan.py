"""How a platform dispatches: the mode and its settings, chosen per service or city."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from booking_core.dispatch.candidates import DEFAULT_RADIUS_KM
from booking_core.dispatch.score import RankingWeights
from booking_core.errors import InvalidInput
from booking_core.ids import ServiceId
from booking_core.orders.dispatching import DispatchMode

__all__ = ["DispatchPlan", "DispatchPolicy"]


def _at_least(low: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(_: object, attribute: attrs.Attribute[int], value: int) -> None:
        if type(value) is not int or value < low:
            raise InvalidInput(
                f"{attribute.name} is a whole number ≥ {low}; got {value!r}.",
                details={"field": attribute.name},
            )

    return check


def _radius(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
        raise InvalidInput(
            f"A dispatch radius is a number of kilometres above 0 and at most 100; got {value!r}.",
            details={"field": attribute.name},
        )


@attrs.frozen
class DispatchPlan:
    """One way of dispatching and its settings.

    Attributes:
        mode: See :class:`DispatchMode`.
        radius_km: How far from the customer candidates are looked for.
        weights: How candidates are ranked (docs/dispatch.md, "The score").
        offer_seconds: How long an offer stands before it times out (``offer``).
        max_offers: Offers made before the order is escalated to a dispatcher (``offer``).
        escalate_after_minutes: Minutes after dispatch opened when an order still without a
            technician is escalated (``offer`` and ``grab``).
        broadcast_size: How many of the best candidates a grab broadcast reaches.
    """

    mode: DispatchMode = DispatchMode.AUTO
    radius_km: float = attrs.field(default=DEFAULT_RADIUS_KM, validator=_radius)
    weights: RankingWeights = attrs.field(factory=RankingWeights)
    offer_seconds: int = attrs.field(default=60, validator=_at_least(5))
    max_offers: int = attrs.field(default=5, validator=_at_least(1))
    escalate_after_minutes: int = attrs.field(default=15, validator=_at_least(1))
    broadcast_size: int = attrs.field(default=20, validator=_at_least(1))


def _plans(value: Mapping[str, DispatchPlan]) -> dict[str, DispatchPlan]:
    return dict(value)


@attrs.frozen
class DispatchPolicy:
    """Which plan applies to an order: its service's, else its city's, else the default.

    Attributes:
        default: The plan where nothing more specific is set.
        by_city: Plans by the city of the order's address (as the address book spells it).
        by_service: Plans by service id; a service's plan wins over its city's.
    """

    default: DispatchPlan = attrs.field(factory=DispatchPlan)
    by_city: dict[str, DispatchPlan] = attrs.field(factory=dict, converter=_plans, hash=False)
    by_service: dict[str, DispatchPlan] = attrs.field(factory=dict, converter=_plans, hash=False)

    def plan_for(self, service_id: ServiceId, city: str | None) -> DispatchPlan:
        """The plan for an order of ``service_id`` at an address in ``city`` (None: unknown)."""
        found = self.by_service.get(service_id)
        if found is None and city is not None:
            found = self.by_city.get(city)
        return found if found is not None else self.default
