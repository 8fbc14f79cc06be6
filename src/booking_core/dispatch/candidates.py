"""Candidates for an order: who may be asked to take it, nearest first.

A pure function over what the caller has loaded: the spatial index's answer for the order's
radius, each technician's snapshot, and the engine's agenda check. The rules, in the order
they run (cheapest first; the agenda check, the dearest, last):

1. within the request's radius of the customer (the spatial index);
2. not excluded: the customer has not blocked him and he has not refused this order;
3. known: the lookup has a snapshot of him (the index may be a moment stale);
4. verified;
5. skilled in the service;
6. online (his work status; resting, in service or offline technicians are not asked);
7. the customer is inside his working area (a circle or a polygon; none: anywhere);
8. for a broadcast (grab) request, he accepts grabs;
9. under his maximum of orders per day;
10. free for the slot — the caller's ``is_free``, which asks the availability engine
    (travel from the previous job and buffers included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum

import attrs

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.scheduling.area import PolygonArea
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.schedule import WorkStatus
from booking_core.timerange import TimeRange

__all__ = [
    "Candidate",
    "DispatchRequest",
    "Exclusion",
    "TechnicianSnapshot",
    "exclusion",
    "find_candidates",
]

#: How far from the customer dispatch looks unless the request says otherwise.
DEFAULT_RADIUS_KM = 5.0

#: ``SpatialIndex.near`` — passed as the bound method (``index.near``): the domain knows
#: the query, not the port.
NearQuery = Callable[[GeoPoint, float], Sequence[tuple[TechnicianId, float]]]


def _ids(value: Iterable[TechnicianId]) -> frozenset[TechnicianId]:
    return frozenset(value)


def _services(value: Iterable[ServiceId]) -> frozenset[ServiceId]:
    return frozenset(value)


def _radius(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise InvalidInput(
            f"A dispatch radius is a positive number of kilometres; got {value!r}.",
            details={"field": "radius_km"},
        )


def _cap(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise InvalidInput(
            f"A maximum of orders per day is a whole number ≥ 1 (or none); got {value!r}.",
            details={"field": attribute.name},
        )


def _count(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise InvalidInput(
            f"The {attribute.name} is a whole number ≥ 0; got {value!r}.",
            details={"field": attribute.name},
        )


@attrs.frozen
class DispatchRequest:
    """An order looking for a technician.

    Attributes:
        service_id: The service booked.
        slot: When (the agenda check is the caller's ``is_free``, which knows it).
        location: The customer's address.
        customer_id: Who booked.
        excluded: Technicians not to ask: blocked by the customer, or who refused (or let
            time out) an offer of this order already.
        radius_km: How far to look (:data:`DEFAULT_RADIUS_KM`).
        grab: True for a broadcast (抢单): only technicians who accept grabs.
    """

    service_id: ServiceId
    slot: TimeRange
    location: GeoPoint
    customer_id: CustomerId
    excluded: frozenset[TechnicianId] = attrs.field(default=frozenset(), converter=_ids)
    radius_km: float = attrs.field(default=DEFAULT_RADIUS_KM, validator=_radius)
    grab: bool = False


@attrs.frozen
class TechnicianSnapshot:
    """What the filter reads about one technician, loaded once per dispatch round.

    Attributes:
        id: Who.
        verified: Whether the platform verified him (only verified technicians work).
        service_ids: The services he performs.
        status: His work status; only ``ONLINE`` technicians are candidates.
        working_area: Where he takes orders: a circle or a polygon (None: wherever the
            search radius reaches).
        accepts_grabs: Whether he takes part in broadcasts (his setting).
        max_orders_per_day: His own daily maximum (None: no maximum).
        orders_today: Orders he already has today.
    """

    id: TechnicianId
    verified: bool
    service_ids: frozenset[ServiceId] = attrs.field(converter=_services)
    status: WorkStatus
    working_area: ServiceArea | PolygonArea | None = None
    accepts_grabs: bool = True
    max_orders_per_day: int | None = attrs.field(default=None, validator=_cap)
    orders_today: int = attrs.field(default=0, validator=_count)


class Exclusion(StrEnum):
    """Why a technician within the radius is not a candidate (the first rule he fails)."""

    EXCLUDED = "excluded"
    UNKNOWN = "unknown"
    NOT_VERIFIED = "not_verified"
    NOT_SKILLED = "not_skilled"
    NOT_ONLINE = "not_online"
    OUTSIDE_AREA = "outside_area"
    NO_GRABS = "no_grabs"
    DAILY_LIMIT = "daily_limit"
    BUSY = "busy"


@attrs.frozen
class Candidate:
    """A technician who passed every rule, and how far he is from the customer.

    Attributes:
        technician: His snapshot.
        distance_km: Kilometres to the customer (as the spatial index measured).
    """

    technician: TechnicianSnapshot
    distance_km: float

    @property
    def technician_id(self) -> TechnicianId:
        """His id."""
        return self.technician.id


def exclusion(
    snapshot: TechnicianSnapshot | None,
    request: DispatchRequest,
    is_free: Callable[[TechnicianId], bool],
) -> Exclusion | None:
    """The first rule (2–10 of the module's list) ``snapshot`` fails for ``request``, or
    None when he is a candidate. A dispatcher's board shows it next to each name."""
    if snapshot is None:
        return Exclusion.UNKNOWN
    if snapshot.id in request.excluded:
        return Exclusion.EXCLUDED
    if not snapshot.verified:
        return Exclusion.NOT_VERIFIED
    if request.service_id not in snapshot.service_ids:
        return Exclusion.NOT_SKILLED
    if snapshot.status is not WorkStatus.ONLINE:
        return Exclusion.NOT_ONLINE
    area = snapshot.working_area
    if area is not None and not area.contains(request.location):
        return Exclusion.OUTSIDE_AREA
    if request.grab and not snapshot.accepts_grabs:
        return Exclusion.NO_GRABS
    cap = snapshot.max_orders_per_day
    if cap is not None and snapshot.orders_today >= cap:
        return Exclusion.DAILY_LIMIT
    if not is_free(snapshot.id):
        return Exclusion.BUSY
    return None


def find_candidates(
    near: NearQuery,
    request: DispatchRequest,
    snapshots: Callable[[TechnicianId], TechnicianSnapshot | None],
    is_free: Callable[[TechnicianId], bool],
) -> list[Candidate]:
    """The technicians who may take ``request``, nearest first (by id among equals).

    Args:
        near: The spatial index's query, ``index.near`` (any
            :class:`~booking_core.ports.spatial.SpatialIndex`).
        request: The order looking for a technician.
        snapshots: Looks a technician's snapshot up (``dict.get`` of a loaded mapping);
            None for one it does not know, who is left out.
        is_free: Whether a technician is free for ``request.slot`` at ``request.location``
            — the availability engine's answer, travel and buffers included. Asked only of
            technicians who passed every other rule.
    """
    survivors: list[Candidate] = []
    excluded = request.excluded
    for technician_id, distance in near(request.location, request.radius_km):
        if technician_id in excluded:
            continue  # the cheapest rule first, before the lookup
        snapshot = snapshots(technician_id)
        if exclusion(snapshot, request, is_free) is None:
            assert snapshot is not None
            survivors.append(Candidate(snapshot, distance))
    return survivors
