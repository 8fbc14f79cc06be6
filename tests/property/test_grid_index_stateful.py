"""GridIndex answers ``near`` exactly like a brute-force scan, whatever the writes.

Technicians are put, moved and removed around a few places that stress the grid — a
mid-latitude city, Reykjavik and Longyearbyen (narrow columns), Fiji on the antimeridian,
and the north pole (one-column rows) — over a background of technicians far away that makes
the index walk its cells rather than scan them — and every query is compared, list for list (ids,
the very floats, the order), with ``GeoPoint.distance_km`` over everyone.
"""

from __future__ import annotations

import random

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from booking_core.dispatch import GridIndex
from booking_core.ids import TechnicianId
from booking_core.scheduling import GeoPoint

PLACES = [
    (31.2304, 121.4737),  # Shanghai
    (64.1466, -21.9426),  # Reykjavik
    (78.2232, 15.6267),  # Longyearbyen
    (-17.8, 179.95),  # Fiji, across the antimeridian
    (89.98, 0.0),  # the north pole
]
IDS = [TechnicianId(f"tec_{i:02d}") for i in range(40)]
#: Far from every place above (thousands of km), each in a cell of its own: with this many
#: occupied cells a small query walks the cells near it instead of scanning them all.
BACKGROUND = [
    (TechnicianId(f"bg_{i:03d}"), GeoPoint(-50.0 + i // 300, -179.0 + 1.2 * (i % 300)))
    for i in range(1500)
]


def _crowd() -> dict[TechnicianId, GeoPoint]:
    """60 technicians around each place, seeded: every query has neighbours at all
    distances (Hypothesis alone draws many points right on the places)."""
    rng = random.Random(7)
    crowd: dict[TechnicianId, GeoPoint] = {}
    for lat0, lon0 in PLACES:
        for _ in range(60):
            lat = min(90.0, max(-90.0, lat0 + rng.uniform(-0.05, 0.05)))
            lon = (lon0 + rng.uniform(-0.1, 0.1) + 180.0) % 360.0 - 180.0
            crowd[TechnicianId(f"crowd_{len(crowd):03d}")] = GeoPoint(lat, lon)
    return crowd


CROWD = _crowd()


def _grid_of(cell_km: float) -> GridIndex:
    grid = GridIndex(cell_km)
    for technician_id, point in [*BACKGROUND, *CROWD.items()]:
        grid.put(technician_id, point)
    return grid


@st.composite
def points(draw: st.DrawFn) -> GeoPoint:
    lat0, lon0 = draw(st.sampled_from(PLACES))
    dlat = draw(st.floats(-0.03, 0.03))
    dlon = draw(st.floats(-0.08, 0.08))
    lat = min(90.0, max(-90.0, lat0 + dlat))
    lon = (lon0 + dlon + 180.0) % 360.0 - 180.0
    return GeoPoint(lat, lon)


class GridAgainstBruteForce(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.grid: GridIndex | None = None
        self.where: dict[TechnicianId, GeoPoint] = dict(CROWD)

    @rule(cell_km=st.sampled_from([0.1, 0.5, 2.0, 4.0]))
    def start_over(self, cell_km: float) -> None:
        self.grid = _grid_of(cell_km)
        self.where = dict(CROWD)

    def _grid(self) -> GridIndex:
        if self.grid is None:
            self.grid = _grid_of(1.0)
        return self.grid

    @rule(technician=st.sampled_from(IDS), point=points())
    def put_or_move(self, technician: TechnicianId, point: GeoPoint) -> None:
        self._grid().put(technician, point)
        self.where[technician] = point

    @rule(technician=st.sampled_from(IDS))
    def remove(self, technician: TechnicianId) -> None:
        self._grid().remove(technician)
        self.where.pop(technician, None)

    @rule(
        center=points(),
        radius=st.one_of(st.sampled_from([0.0, 0.3, 1.0, 5.0, 20.0, 60.0]), st.floats(0, 80)),
    )
    def near_is_the_brute_force_answer(self, center: GeoPoint, radius: float) -> None:
        expected = sorted(
            (center.distance_km(p), t) for t, p in self.where.items()
            if center.distance_km(p) <= radius
        )  # fmt: skip

        assert self._grid().near(center, radius) == [(t, d) for d, t in expected]

    @rule(technician=st.sampled_from(IDS), center=points(), stretch=st.floats(1.0, 1.1))
    def near_reaches_just_past_a_technician(
        self, technician: TechnicianId, center: GeoPoint, stretch: float
    ) -> None:
        # The radius that just reaches him: his cell is at the edge of what the query walks.
        point = self.where.get(technician)
        radius = 0.0 if point is None else center.distance_km(point) * stretch
        if point is not None and radius <= 80:  # the background stays out of reach
            self.near_is_the_brute_force_answer(center, radius)

    @rule(technician=st.sampled_from(IDS))
    def a_technician_is_found_where_he_is(self, technician: TechnicianId) -> None:
        point = self.where.get(technician)
        if point is not None:
            assert (technician, 0.0) in self._grid().near(point, 0.0)

    @invariant()
    def holds_each_technician_once(self) -> None:
        assert len(self._grid()) == len(self.where) + len(BACKGROUND)


GridAgainstBruteForce.TestCase.settings = settings(max_examples=150, stateful_step_count=40)
TestGridAgainstBruteForce = GridAgainstBruteForce.TestCase
