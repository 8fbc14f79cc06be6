"""Places on the earth, distances between them, and a default travel-time estimate.

Pure math (haversine over WGS 84 coordinates); no map service. Adapters that know real
road times implement the :class:`~booking_core.ports.travel.TravelTime` port instead.
"""

from __future__ import annotations

import math

import attrs

from booking_core.errors import InvalidInput

__all__ = ["EARTH_RADIUS_KM", "GeoPoint", "HaversineDistance", "ServiceArea", "StraightLineTravel"]

EARTH_RADIUS_KM = 6371.0088  # mean earth radius (IUGG)


def _latitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or not -90.0 <= value <= 90.0:
        raise InvalidInput(
            f"A latitude lies in [-90, 90]; got {value!r}.", details={"field": "lat"}
        )


def _longitude(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or not -180.0 <= value <= 180.0:
        raise InvalidInput(
            f"A longitude lies in [-180, 180]; got {value!r}.", details={"field": "lon"}
        )


@attrs.frozen
class GeoPoint:
    """A WGS 84 coordinate in decimal degrees (the customer's address, a store)."""

    lat: float = attrs.field(validator=_latitude)
    lon: float = attrs.field(validator=_longitude)

    def distance_km(self, other: GeoPoint) -> float:
        """Great-circle distance in kilometres (haversine)."""
        phi1, phi2 = math.radians(self.lat), math.radians(other.lat)
        d_phi = phi2 - phi1
        d_lambda = math.radians(other.lon - self.lon)
        a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or not value > 0:
        raise InvalidInput(
            f"The {attribute.name} must be a positive number; got {value!r}.",
            details={"field": attribute.name},
        )


@attrs.frozen
class ServiceArea:
    """A circle a technician serves: everything within ``radius_km`` of ``center``."""

    center: GeoPoint
    radius_km: float = attrs.field(validator=_positive)

    def contains(self, point: GeoPoint) -> bool:
        """True when ``point`` is within the radius (the boundary is inside)."""
        return self.center.distance_km(point) <= self.radius_km


class HaversineDistance:
    """The default geo-distance: great-circle kilometres."""

    def km(self, origin: GeoPoint, destination: GeoPoint) -> float:
        """Distance in kilometres."""
        return origin.distance_km(destination)


def _non_negative_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise InvalidInput(
            f"The {attribute.name} is a whole number of minutes ≥ 0; got {value!r}.",
            details={"field": attribute.name},
        )


def _round_to(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 1:
        raise InvalidInput(
            f"The {attribute.name} is a whole number of minutes ≥ 1; got {value!r}.",
            details={"field": attribute.name},
        )


@attrs.frozen
class StraightLineTravel:
    """Travel time estimated from the straight-line distance and an average speed.

    ``minutes = ceil_to(round_to, minimum + km × detour / speed × 60)``; the detour factor
    turns a straight line into a rough road distance. The same two points always give the
    same minutes, so the slots offered and the bookings accepted agree (I2).
    """

    speed_kmh: float = attrs.field(default=20.0, validator=_positive)
    detour_factor: float = attrs.field(default=1.3, validator=_positive)
    minimum_minutes: int = attrs.field(default=0, validator=_non_negative_int)
    round_to_minutes: int = attrs.field(default=5, validator=_round_to)

    def minutes(self, origin: GeoPoint, destination: GeoPoint) -> int:
        """Whole minutes to travel from ``origin`` to ``destination`` (0 for the same place)."""
        km = origin.distance_km(destination) * self.detour_factor
        if km == 0:
            return 0
        raw = self.minimum_minutes + km / self.speed_kmh * 60
        step = self.round_to_minutes
        return math.ceil(raw / step - 1e-9) * step
