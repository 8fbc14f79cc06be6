"""Working areas: the circle a technician serves, or a polygon drawn on a map.

A :class:`PolygonArea` is a city-scale region (a district, a ring road) given by its
vertices. Its containment test is ray casting in a local equirectangular projection: the
vertices' longitudes are unwrapped around the first vertex (so an area may straddle the
antimeridian) and scaled by the cosine of its mean latitude; edges are straight lines in
that projection. Points on an edge or a vertex are inside, as the boundary of a
:class:`~booking_core.scheduling.geo.ServiceArea` is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

from booking_core.errors import InvalidInput
from booking_core.scheduling.geo import GeoPoint, ServiceArea

__all__ = ["MAX_POLYGON_SPAN_KM", "PolygonArea", "within_area"]

#: The farthest a vertex may lie from the first one. The projection is local: beyond a few
#: hundred kilometres straight edges in it stop meaning what a map shows.
MAX_POLYGON_SPAN_KM = 500.0
#: A point this close to an edge (in projected degrees, about 0.1 mm) lies on it.
_ON_EDGE = 1e-9


def _unwrap(lon: float, reference: float) -> float:
    # The longitude nearest ``reference`` that names the same meridian.
    delta = (lon - reference + 180.0) % 360.0 - 180.0
    return reference + delta


def _vertices(value: Iterable[GeoPoint]) -> tuple[GeoPoint, ...]:
    return tuple(value)


def _check_vertices(
    _: object, attribute: attrs.Attribute[tuple[GeoPoint, ...]], value: tuple[GeoPoint, ...]
) -> None:
    for index, vertex in enumerate(value):
        if not isinstance(vertex, GeoPoint):
            raise InvalidInput(
                f"A polygon's vertices are GeoPoints; vertex {index} is {vertex!r}.",
                details={"field": "vertices", "index": index},
            )
    if len(set(value)) < 3:
        raise InvalidInput(
            f"A polygon needs at least 3 distinct vertices; got {len(set(value))}.",
            details={"field": "vertices"},
        )
    first = value[0]
    for index, vertex in enumerate(value):
        if first.distance_km(vertex) > MAX_POLYGON_SPAN_KM:
            raise InvalidInput(
                f"A working area spans at most {MAX_POLYGON_SPAN_KM:g} km; vertex {index} "
                f"lies {first.distance_km(vertex):.0f} km from the first. Split it in smaller "
                "areas.",
                details={"field": "vertices", "index": index},
            )


@attrs.frozen
class PolygonArea:
    """A working area bounded by a polygon of :class:`GeoPoint` vertices, in order (either
    direction; the ring closes itself, and repeating the first vertex at the end is allowed).

    Raises:
        InvalidInput: ``details["field"] == "vertices"`` — fewer than 3 distinct vertices,
            all of them on one line (no area), a vertex that is not a GeoPoint, or a vertex
            more than :data:`MAX_POLYGON_SPAN_KM` from the first.
    """

    vertices: tuple[GeoPoint, ...] = attrs.field(converter=_vertices, validator=_check_vertices)
    # The projected ring and its bounding box, computed once.
    _xs: tuple[float, ...] = attrs.field(init=False, eq=False, repr=False)
    _ys: tuple[float, ...] = attrs.field(init=False, eq=False, repr=False)
    _box: tuple[float, float, float, float] = attrs.field(init=False, eq=False, repr=False)
    _lon0: float = attrs.field(init=False, eq=False, repr=False)
    _scale: float = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        ring = list(self.vertices)
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring.pop()
        lon0 = ring[0].lon
        scale = math.cos(math.radians(sum(v.lat for v in ring) / len(ring)))
        xs = tuple((_unwrap(v.lon, lon0) - lon0) * scale for v in ring)
        ys = tuple(v.lat for v in ring)
        # Twice the signed area (shoelace): zero means every vertex is on one line.
        doubled = sum(
            xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(xs))
        )  # fmt: skip
        span = max(max(xs) - min(xs), max(ys) - min(ys))
        if abs(doubled) <= 1e-9 * span * span:  # rounding aside, no area at all
            raise InvalidInput(
                "A polygon's vertices all lie on one line: it encloses no area.",
                details={"field": "vertices"},
            )
        object.__setattr__(self, "_xs", xs)
        object.__setattr__(self, "_ys", ys)
        object.__setattr__(self, "_box", (min(xs), max(xs), min(ys), max(ys)))
        object.__setattr__(self, "_lon0", lon0)
        object.__setattr__(self, "_scale", scale)

    def contains(self, point: GeoPoint) -> bool:
        """True when ``point`` is inside the polygon or on its boundary (an edge or a vertex,
        within about 0.1 mm); ray casting with the half-open rule elsewhere, so a ray through
        a vertex counts its two edges once."""
        x = (_unwrap(point.lon, self._lon0) - self._lon0) * self._scale
        y = point.lat
        x_min, x_max, y_min, y_max = self._box
        if x < x_min - _ON_EDGE or x > x_max + _ON_EDGE or y < y_min - _ON_EDGE:
            return False
        if y > y_max + _ON_EDGE:
            return False
        xs, ys = self._xs, self._ys
        inside = False
        j = len(xs) - 1
        for i in range(len(xs)):
            xi, yi, xj, yj = xs[i], ys[i], xs[j], ys[j]
            if _on_segment(x, y, xi, yi, xj, yj):
                return True
            # Half-open: an edge counts when it spans y with one end strictly above.
            if (yi > y) != (yj > y) and x < xi + (y - yi) * (xj - xi) / (yj - yi):
                inside = not inside
            j = i
        return inside


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    if not (min(x1, x2) - _ON_EDGE <= x <= max(x1, x2) + _ON_EDGE):
        return False
    if not (min(y1, y2) - _ON_EDGE <= y <= max(y1, y2) + _ON_EDGE):
        return False
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy)
    return abs(dx * (y - y1) - dy * (x - x1)) <= _ON_EDGE * length


def within_area(area: ServiceArea | PolygonArea, point: GeoPoint) -> bool:
    """True when ``point`` lies in ``area`` — a circle or a polygon — boundary included."""
    return area.contains(point)
