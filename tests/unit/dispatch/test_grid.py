"""GridIndex: moves, removals, validation, and the edges of the map."""

from __future__ import annotations

import pytest

from booking_core.dispatch import GridIndex
from booking_core.errors import InvalidInput
from booking_core.ids import TechnicianId
from booking_core.scheduling import GeoPoint

LI, WANG, ZHAO = TechnicianId("tec_li"), TechnicianId("tec_wang"), TechnicianId("tec_zhao")
HOME = GeoPoint(31.2304, 121.4737)


def test_a_move_leaves_no_trace_where_he_was() -> None:
    grid = GridIndex(1.0)
    grid.put(LI, HOME)

    grid.put(LI, GeoPoint(31.40, 121.4737))  # about 19 km north

    assert grid.near(HOME, 5.0) == []
    assert [t for t, _ in grid.near(GeoPoint(31.40, 121.4737), 1.0)] == [LI]
    assert len(grid) == 1


def test_remove_takes_him_out_and_is_idempotent() -> None:
    grid = GridIndex()
    grid.put(LI, HOME)
    grid.put(WANG, HOME)

    grid.remove(LI)
    grid.remove(LI)
    grid.remove(ZHAO)

    assert [t for t, _ in grid.near(HOME, 1.0)] == [WANG]
    assert len(grid) == 1


def test_nearest_first_and_equal_distances_by_id() -> None:
    grid = GridIndex(0.5)
    center = GeoPoint(31.2, 0.0)
    grid.put(ZHAO, GeoPoint(31.2, 0.03))
    grid.put(WANG, GeoPoint(31.2, 0.01))
    grid.put(LI, GeoPoint(31.2, -0.01))  # as far west as Wang is east

    found = grid.near(center, 5.0)

    assert [t for t, _ in found] == [LI, WANG, ZHAO]
    assert found[0][1] == found[1][1] == center.distance_km(GeoPoint(31.2, 0.01))


def test_the_boundary_is_inside() -> None:
    grid = GridIndex()
    there = GeoPoint(31.25, 121.4737)
    grid.put(LI, there)
    exact = HOME.distance_km(there)

    assert grid.near(HOME, exact) == [(LI, exact)]
    assert grid.near(HOME, exact * (1 - 1e-12)) == []


def test_neighbours_across_the_antimeridian_and_the_pole() -> None:
    grid = GridIndex(1.0)
    grid.put(LI, GeoPoint(-17.8, 179.99))
    grid.put(WANG, GeoPoint(89.99, 0.0))

    assert [t for t, _ in grid.near(GeoPoint(-17.8, -179.99), 5.0)] == [LI]
    assert [t for t, _ in grid.near(GeoPoint(89.99, 180.0), 3.0)] == [WANG]


def test_a_radius_wider_than_the_grid_scans_everyone() -> None:
    grid = GridIndex(1.0)
    grid.put(LI, HOME)
    grid.put(WANG, GeoPoint(-33.87, 151.21))  # Sydney

    assert [t for t, _ in grid.near(HOME, 20_100.0)] == [LI, WANG]


@pytest.mark.parametrize("radius", [-1.0, float("nan"), "5", True])
def test_a_radius_is_a_number_at_least_zero(radius: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        GridIndex().near(HOME, radius)  # type: ignore[arg-type]

    assert raised.value.details == {"field": "radius_km"}


@pytest.mark.parametrize("cell", [0, -1.0, 1000.0, "2"])
def test_a_cell_is_a_positive_size(cell: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        GridIndex(cell)  # type: ignore[arg-type]

    assert raised.value.details == {"field": "cell_km"}
