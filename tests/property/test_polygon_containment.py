"""PolygonArea.contains agrees with independent references: half-planes for convex
polygons, the winding number for concave (star-shaped) ones, away from the boundary."""

from __future__ import annotations

import itertools
import math

from hypothesis import assume, given
from hypothesis import strategies as st

from booking_core.dispatch import PolygonArea
from booking_core.scheduling import GeoPoint

LAT0, LON0 = 31.2, 121.4


def _projected(lat: float, lon: float) -> tuple[float, float]:
    # A uniform scale of the x axis never changes containment; plain degrees will do.
    return lon, lat


@st.composite
def star_polygons(draw: st.DrawFn, convex: bool) -> list[GeoPoint]:
    """Vertices at increasing angles around (LAT0, LON0): a regular-ish convex polygon, or
    a star with random radii (concave as a rule)."""
    count = draw(st.integers(3, 12))
    angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi), min_size=count, max_size=count,
                                  unique=True)))  # fmt: skip
    assume(all(b - a > 0.05 for a, b in itertools.pairwise(angles)))
    assume(angles[0] + 2 * math.pi - angles[-1] > 0.05 and angles[-1] - angles[0] > math.pi)
    radii = [0.05] * count if convex else [draw(st.floats(0.01, 0.08)) for _ in range(count)]
    return [
        GeoPoint(LAT0 + r * math.sin(a), LON0 + r * math.cos(a))
        for a, r in zip(angles, radii, strict=True)
    ]


def _distance_to_boundary(ring: list[tuple[float, float]], x: float, y: float) -> float:
    best = math.inf
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)))
    return best


def _winding(ring: list[tuple[float, float]], x: float, y: float) -> int:
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        a1, a2 = math.atan2(y1 - y, x1 - x), math.atan2(y2 - y, x2 - x)
        step = a2 - a1
        while step > math.pi:
            step -= 2 * math.pi
        while step < -math.pi:
            step += 2 * math.pi
        total += step
    return round(total / (2 * math.pi))


def _half_planes(ring: list[tuple[float, float]], x: float, y: float) -> bool:
    signs = {
        (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) > 0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
    }
    return len(signs) == 1


probes = st.tuples(st.floats(LAT0 - 0.1, LAT0 + 0.1), st.floats(LON0 - 0.1, LON0 + 0.1))


@given(vertices=star_polygons(convex=True), probe=probes)
def test_convex_polygons_contain_what_every_half_plane_contains(
    vertices: list[GeoPoint], probe: tuple[float, float]
) -> None:
    ring = [_projected(v.lat, v.lon) for v in vertices]
    x, y = _projected(*probe)
    assume(_distance_to_boundary(ring, x, y) > 1e-7)

    assert PolygonArea(vertices).contains(GeoPoint(*probe)) is _half_planes(ring, x, y)


@given(vertices=star_polygons(convex=False), probe=probes)
def test_concave_polygons_contain_what_the_winding_number_says(
    vertices: list[GeoPoint], probe: tuple[float, float]
) -> None:
    ring = [_projected(v.lat, v.lon) for v in vertices]
    x, y = _projected(*probe)
    assume(_distance_to_boundary(ring, x, y) > 1e-7)

    assert PolygonArea(vertices).contains(GeoPoint(*probe)) is (_winding(ring, x, y) != 0)


@given(vertices=star_polygons(convex=False), at=st.floats(0, 1), edge=st.integers(0, 11))
def test_points_on_an_edge_are_inside(vertices: list[GeoPoint], at: float, edge: int) -> None:
    a = vertices[edge % len(vertices)]
    b = vertices[(edge + 1) % len(vertices)]
    on_edge = GeoPoint(a.lat + at * (b.lat - a.lat), a.lon + at * (b.lon - a.lon))

    assert PolygonArea(vertices).contains(on_edge)
