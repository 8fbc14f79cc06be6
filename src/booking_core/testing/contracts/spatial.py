"""The spatial index contract: what every :class:`~booking_core.ports.spatial.SpatialIndex`
(the core's grid, an adapter's R-tree) guarantees."""

from __future__ import annotations

import random

import pytest

from booking_core.errors import InvalidInput
from booking_core.ids import TechnicianId
from booking_core.ports.spatial import SpatialIndex
from booking_core.scheduling.geo import GeoPoint

__all__ = ["SpatialIndexContract"]

LI, WANG, ZHAO = TechnicianId("tec_li"), TechnicianId("tec_wang"), TechnicianId("tec_zhao")
HOME = GeoPoint(31.2304, 121.4737)  # People's Square, Shanghai


class SpatialIndexContract:
    """Mix into a ``Test*`` class that provides an ``index`` fixture: an empty index."""

    def test_a_move_leaves_no_trace_where_he_was(self, index: SpatialIndex) -> None:
        index.put(LI, HOME)

        index.put(LI, GeoPoint(31.40, 121.4737))  # about 19 km north

        assert index.near(HOME, 5.0) == []
        assert [t for t, _ in index.near(GeoPoint(31.40, 121.4737), 1.0)] == [LI]
        assert len(index) == 1

    def test_remove_takes_him_out_and_is_idempotent(self, index: SpatialIndex) -> None:
        index.put(LI, HOME)
        index.put(WANG, HOME)

        index.remove(LI)
        index.remove(LI)
        index.remove(ZHAO)

        assert [t for t, _ in index.near(HOME, 1.0)] == [WANG]
        assert len(index) == 1

    def test_nearest_first_and_equal_distances_by_id(self, index: SpatialIndex) -> None:
        center = GeoPoint(31.2, 0.0)
        index.put(ZHAO, GeoPoint(31.2, 0.03))
        index.put(WANG, GeoPoint(31.2, 0.01))
        index.put(LI, GeoPoint(31.2, -0.01))  # as far west as Wang is east

        found = index.near(center, 5.0)

        assert [t for t, _ in found] == [LI, WANG, ZHAO]
        assert found[0][1] == found[1][1] == center.distance_km(GeoPoint(31.2, 0.01))

    def test_the_boundary_is_inside(self, index: SpatialIndex) -> None:
        there = GeoPoint(31.25, 121.4737)
        index.put(LI, there)
        exact = HOME.distance_km(there)

        assert index.near(HOME, exact) == [(LI, exact)]
        assert index.near(HOME, exact * (1 - 1e-12)) == []

    def test_neighbours_across_the_antimeridian_and_near_the_pole(
        self, index: SpatialIndex
    ) -> None:
        index.put(LI, GeoPoint(-17.8, 179.99))
        index.put(WANG, GeoPoint(89.99, 0.0))

        assert [t for t, _ in index.near(GeoPoint(-17.8, -179.99), 5.0)] == [LI]
        assert [t for t, _ in index.near(GeoPoint(89.99, 180.0), 3.0)] == [WANG]

    def test_a_radius_around_the_earth_finds_everyone(self, index: SpatialIndex) -> None:
        index.put(LI, HOME)
        index.put(WANG, GeoPoint(-33.87, 151.21))  # Sydney

        assert [t for t, _ in index.near(HOME, 20_100.0)] == [LI, WANG]

    def test_it_answers_as_a_scan_of_every_position_would(self, index: SpatialIndex) -> None:
        # a seeded crowd around one city, some moved and some gone again
        draw = random.Random(11)
        where: dict[TechnicianId, GeoPoint] = {}
        for n in range(600):
            tech = TechnicianId(f"tec_{n:04d}")
            where[tech] = GeoPoint(31.2 + draw.gauss(0, 0.08), 121.45 + draw.gauss(0, 0.08))
            index.put(tech, where[tech])
        for n in range(0, 600, 7):
            tech = TechnicianId(f"tec_{n:04d}")
            where[tech] = GeoPoint(31.2 + draw.gauss(0, 0.08), 121.45 + draw.gauss(0, 0.08))
            index.put(tech, where[tech])
        for n in range(0, 600, 11):
            index.remove(TechnicianId(f"tec_{n:04d}"))
            where.pop(TechnicianId(f"tec_{n:04d}"), None)

        for radius in (0.5, 2.0, 5.0, 12.0):
            center = GeoPoint(31.21, 121.44)
            scanned = sorted(
                ((t, center.distance_km(p)) for t, p in where.items()
                 if center.distance_km(p) <= radius),
                key=lambda row: (row[1], row[0]),
            )  # fmt: skip
            assert index.near(center, radius) == scanned
        assert len(index) == len(where)

    @pytest.mark.parametrize("radius", [-1.0, float("nan"), "5", True])
    def test_a_radius_is_a_number_at_least_zero(self, index: SpatialIndex, radius: object) -> None:
        with pytest.raises(InvalidInput) as raised:
            index.near(HOME, radius)  # type: ignore[arg-type]

        assert raised.value.details == {"field": "radius_km"}
