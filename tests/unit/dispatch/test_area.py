"""Working areas: polygon validation, containment, the boundary rule, the antimeridian."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from booking_core.dispatch import PolygonArea, within_area
from booking_core.errors import InvalidInput
from booking_core.scheduling import GeoPoint, ServiceArea

# An L-shaped district (concave): the square 0..2 × 0..2 (in 0.01°) without its top right.
L_SHAPE = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)]


def _area(
    corners: Sequence[tuple[float, float]], lat0: float = 31.2, lon0: float = 121.4
) -> PolygonArea:
    return PolygonArea([GeoPoint(lat0 + y / 100, lon0 + x / 100) for x, y in corners])


def _at(x: float, y: float, lat0: float = 31.2, lon0: float = 121.4) -> GeoPoint:
    return GeoPoint(lat0 + y / 100, lon0 + x / 100)


def test_a_concave_polygon_holds_its_arms_not_its_notch() -> None:
    area = _area(L_SHAPE)

    assert area.contains(_at(0.5, 1.5))
    assert area.contains(_at(1.5, 0.5))
    assert not area.contains(_at(1.5, 1.5))  # the notch
    assert not area.contains(_at(3, 0.5))


@pytest.mark.parametrize("point", [(0, 0), (1, 1), (2, 0.5), (0.5, 2), (1, 1.5), (1.5, 1)])
def test_points_on_an_edge_or_a_vertex_are_inside(point: tuple[float, float]) -> None:
    assert _area(L_SHAPE).contains(_at(*point))


def test_a_ray_through_a_vertex_counts_once() -> None:
    # From (0.5, 1): the ray runs along y = 1 through the vertex (2, 1) and the edge's end.
    area = _area(L_SHAPE)

    assert area.contains(_at(0.5, 1))
    assert not area.contains(_at(-0.5, 1))


def test_an_area_across_the_antimeridian() -> None:
    area = PolygonArea(
        [GeoPoint(-17.9, 179.9), GeoPoint(-17.9, -179.9), GeoPoint(-17.7, -179.9),
         GeoPoint(-17.7, 179.9)]
    )  # fmt: skip

    assert area.contains(GeoPoint(-17.8, 180.0))
    assert area.contains(GeoPoint(-17.8, -179.95))
    assert not area.contains(GeoPoint(-17.8, 179.5))


def test_the_closing_vertex_may_be_repeated() -> None:
    assert _area([*L_SHAPE, L_SHAPE[0]]).contains(_at(0.5, 0.5))


@pytest.mark.parametrize(
    "corners",
    [[(0, 0), (1, 1)], [(0, 0), (1, 1), (0, 0), (1, 1)], [(0, 0), (1, 1), (2, 2), (3, 3)]],
    ids=["two vertices", "two distinct", "one line"],
)
def test_a_polygon_needs_three_vertices_not_on_one_line(
    corners: Sequence[tuple[float, float]],
) -> None:
    with pytest.raises(InvalidInput) as raised:
        _area(corners)

    assert raised.value.details["field"] == "vertices"


def test_vertices_must_be_geopoints_and_close_together() -> None:
    with pytest.raises(InvalidInput) as not_points:
        PolygonArea([GeoPoint(0, 0), GeoPoint(0, 1), (1, 1)])  # type: ignore[list-item]
    with pytest.raises(InvalidInput) as too_wide:
        PolygonArea([GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(6, 0)])

    assert not_points.value.details == {"field": "vertices", "index": 2}
    assert too_wide.value.details == {"field": "vertices", "index": 2}


def test_within_area_asks_a_circle_or_a_polygon() -> None:
    circle = ServiceArea(_at(0, 0), 1.0)

    assert within_area(circle, _at(0.5, 0))
    assert not within_area(circle, _at(2, 0))
    assert within_area(_area(L_SHAPE), _at(0.5, 0.5))
    assert not within_area(_area(L_SHAPE), _at(1.5, 1.5))
