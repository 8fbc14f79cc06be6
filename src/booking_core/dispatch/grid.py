"""A pure-Python spatial index: technicians bucketed in cells of a few kilometres.

The earth is cut in rows of equal latitude height (``cell_km`` from north to south); each
row is cut in as many columns as fit ``cell_km`` wide along its equator-side edge, so a
cell is about square at every latitude and a row near a pole has a handful of columns (the
last has one). A cell is keyed by the integer pair ``(row, col)``; columns wrap around, so
the antimeridian is an ordinary boundary between two neighbouring columns.

A query visits, row by row, only the columns the search circle can reach in that row — the
circle's longitude half-width is computed on the sphere for the row's latitude band, so it
widens towards the poles as it must — then checks every technician of those cells with the
exact haversine distance. A circle around a pole takes whole rows. When a query would visit
more cells than the index has occupied ones (a very large radius), it scans the occupied
cells instead: no radius is refused, large ones just cost a full scan.

Thread safety: one lock around every call, so readers and writers may share an index
across threads (each call is microseconds; the lock is never held while calling out).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from itertools import chain
from operator import itemgetter

from booking_core.errors import InvalidInput
from booking_core.ids import TechnicianId
from booking_core.scheduling.geo import EARTH_RADIUS_KM, GeoPoint

__all__ = ["DEFAULT_CELL_KM", "GridIndex"]

#: The default cell size, chosen by ``benchmarks/bench_dispatch.py``: with a 5 km search
#: radius in a city of 100,000 technicians, 1.5–2 km cells were the fastest of the sizes
#: measured (0.5–5 km; docs/dispatch.md has the figures).
DEFAULT_CELL_KM = 2.0

_DEG = math.pi / 180.0  # what math.radians multiplies by, so distances match GeoPoint's
_HALF_PI = math.pi / 2
_HALF_DEG = _DEG / 2
_TWO_R = 2 * EARTH_RADIUS_KM
_DISTANCE = itemgetter(1)
_DISTANCE_THEN_ID = itemgetter(1, 0)
#: Margins that keep the cell arithmetic conservative under rounding (radians).
_SLACK = 1e-9

#: A technician's entry in a cell: half his latitude in radians, its cosine, his longitude
#: in degrees, his id.
_Entry = tuple[float, float, float, TechnicianId]
_Key = tuple[int, int]


class GridIndex:
    """The core's :class:`~booking_core.ports.spatial.SpatialIndex`: a grid of square-ish
    cells of ``cell_km`` kilometres, exact answers (docs/dispatch.md, "The spatial index").

    Args:
        cell_km: The side of a cell. Smaller cells check fewer technicians outside the
            circle but visit more cells; 0.3–0.4 of the usual search radius measured best.

    Raises:
        InvalidInput: ``cell_km`` is not a positive number (``details["field"] ==
            "cell_km"``).
    """

    __slots__ = ("_cell_rad", "_cells", "_columns", "_lock", "_where", "cell_km")

    def __init__(self, cell_km: float = DEFAULT_CELL_KM) -> None:
        if (
            not isinstance(cell_km, int | float)
            or isinstance(cell_km, bool)
            or not 0 < cell_km < 1000
        ):
            raise InvalidInput(
                f"A grid cell is a positive number of kilometres under 1000; got {cell_km!r}.",
                details={"field": "cell_km"},
            )
        self.cell_km = float(cell_km)
        # Row height in radians of latitude.
        self._cell_rad = self.cell_km / EARTH_RADIUS_KM
        self._cells: dict[_Key, dict[TechnicianId, _Entry]] = {}
        self._where: dict[TechnicianId, _Key] = {}
        self._columns: dict[int, int] = {}
        self._lock = threading.Lock()

    # -- the grid -----------------------------------------------------------------------

    def _row(self, phi: float) -> int:
        return math.floor((phi + _HALF_PI) / self._cell_rad)

    def _row_band(self, row: int) -> tuple[float, float]:
        south = row * self._cell_rad - _HALF_PI
        return south, south + self._cell_rad

    def _column_count(self, row: int) -> int:
        count = self._columns.get(row)
        if count is None:
            south, north = self._row_band(row)
            # The edge nearer the equator is the row's widest; cells there are cell_km wide.
            widest = 0.0 if south <= 0.0 <= north else min(abs(south), abs(north))
            circumference = 2 * math.pi * EARTH_RADIUS_KM * math.cos(min(widest, _HALF_PI))
            count = max(1, math.floor(circumference / self.cell_km))
            self._columns[row] = count
        return count

    def _column(self, row: int, lon: float) -> int:
        count = self._column_count(row)
        return math.floor((lon + 180.0) / 360.0 * count) % count

    def _key(self, point: GeoPoint) -> _Key:
        row = self._row(point.lat * _DEG)
        return row, self._column(row, point.lon)

    # -- writes -------------------------------------------------------------------------

    def put(self, technician_id: TechnicianId, point: GeoPoint) -> None:
        """Place ``technician_id`` at ``point``, moving him if he was elsewhere."""
        phi = point.lat * _DEG
        entry = (phi / 2, math.cos(phi), point.lon, technician_id)
        with self._lock:
            key = self._key(point)
            old = self._where.get(technician_id)
            if old is not None and old != key:
                self._drop(technician_id, old)
            self._cells.setdefault(key, {})[technician_id] = entry
            self._where[technician_id] = key

    def remove(self, technician_id: TechnicianId) -> None:
        """Take ``technician_id`` out; nothing happens if he is not in the index."""
        with self._lock:
            key = self._where.pop(technician_id, None)
            if key is not None:
                self._drop(technician_id, key)

    def _drop(self, technician_id: TechnicianId, key: _Key) -> None:
        cell = self._cells[key]
        del cell[technician_id]
        if not cell:
            del self._cells[key]  # only occupied cells are kept: a full scan reads those

    def __len__(self) -> int:
        """How many technicians the index holds."""
        return len(self._where)

    # -- queries ------------------------------------------------------------------------

    def near(self, center: GeoPoint, radius_km: float) -> list[tuple[TechnicianId, float]]:
        """Every technician within ``radius_km`` of ``center``, nearest first, by id among
        equals, each with the distance :meth:`GeoPoint.distance_km` gives.

        Raises:
            InvalidInput: ``radius_km`` is negative or not a number.
        """
        if (
            not isinstance(radius_km, int | float)
            or isinstance(radius_km, bool)
            or not radius_km >= 0  # also refuses NaN
        ):
            raise InvalidInput(
                f"A search radius is a number of kilometres ≥ 0; got {radius_km!r}.",
                details={"field": "radius_km"},
            )
        phi1 = center.lat * _DEG
        half1, cos1, lon1 = phi1 / 2, math.cos(phi1), center.lon
        delta = radius_km / EARTH_RADIUS_KM
        # sin² of half the angle: a point whose haversine term exceeds it is surely out.
        cut = math.sin(min(delta, math.pi) / 2 + _SLACK) ** 2 + _SLACK
        sin, asin, sqrt, two_r, half_deg = math.sin, math.asin, math.sqrt, _TWO_R, _HALF_DEG
        with self._lock:
            entries = chain.from_iterable(
                cell.values() for cell in self._cells_near(phi1, lon1, delta)
            )
            # GeoPoint.distance_km term by term, so the float is the same: halving is exact
            # in binary, so (b - a) / 2 == b / 2 - a / 2 and x * DEG / 2 == x * (DEG / 2).
            terms = [
                (sin(half2 - half1) ** 2 + cos1 * cos2 * sin((lon2 - lon1) * half_deg) ** 2, t)
                for half2, cos2, lon2, t in entries
            ]
        inside = [(t, two_r * asin(sqrt(a) if a < 1.0 else 1.0)) for a, t in terms if a <= cut]
        found = [row for row in inside if row[1] <= radius_km]
        found.sort(key=_DISTANCE)
        if len({row[1] for row in found}) < len(found):
            found.sort(key=_DISTANCE_THEN_ID)  # equal distances: by id (rare)
        return found

    def _cells_near(
        self, phi: float, lon: float, delta: float
    ) -> Iterator[dict[TechnicianId, _Entry]]:
        """The occupied cells a circle of angular radius ``delta`` around ``(phi, lon)`` may
        reach (a superset; never one short)."""
        if delta >= math.pi:
            yield from self._cells.values()
            return
        low = max(phi - delta - _SLACK, -_HALF_PI)
        high = min(phi + delta + _SLACK, _HALF_PI)
        first, last = self._row(low), self._row(high)
        plan: list[tuple[int, int, int]] = []  # (row, first col, last col), cols may wrap
        visits = 0
        for row in range(first, last + 1):
            south, north = self._row_band(row)
            count = self._column_count(row)
            half = _half_width(phi, delta, max(south, low), min(north, high))
            if half < 0:
                continue
            if half >= math.pi:
                plan.append((row, 0, count - 1))
                visits += count
                continue
            span = half / _DEG + _SLACK
            start = math.floor((lon - span + 180.0) / 360.0 * count)
            stop = math.floor((lon + span + 180.0) / 360.0 * count)
            if stop - start + 1 >= count:
                start, stop = 0, count - 1
            plan.append((row, start, stop))
            visits += stop - start + 1
        cells = self._cells
        if visits > len(cells):
            # Cheaper to read every occupied cell than to look up that many empty ones.
            yield from cells.values()
            return
        for row, start, stop in plan:
            count = self._column_count(row)
            for col in range(start, stop + 1):
                cell = cells.get((row, col % count))
                if cell is not None:
                    yield cell


def _half_width(phi: float, delta: float, south: float, north: float) -> float:
    """The largest longitude difference (radians) between the centre ``phi`` and a point
    within angular distance ``delta`` of it with a latitude in ``[south, north]``: -1 when
    none is, ``pi`` or more when every longitude is."""
    if south > north:
        return -1.0
    if north >= _HALF_PI - _SLACK or south <= -_HALF_PI + _SLACK:
        return math.pi  # the band touches a pole the circle reaches: every longitude
    cos_phi, sin_phi, cos_delta = math.cos(phi), math.sin(phi), math.cos(delta)
    if cos_phi <= _SLACK:
        return math.pi  # the centre is a pole
    # The half-width is largest where sin(lat) = sin(phi) / cos(delta); clamp into the band.
    ratio = sin_phi / cos_delta if cos_delta > 0 else math.copysign(2.0, sin_phi)
    peak = math.asin(ratio) if -1.0 <= ratio <= 1.0 else math.copysign(_HALF_PI, ratio)
    widest = -1.0
    for lat in (south, north, min(max(peak, south), north)):
        cos_lat = math.cos(lat)
        if cos_lat <= _SLACK:
            return math.pi
        cosine = (cos_delta - sin_phi * math.sin(lat)) / (cos_phi * cos_lat)
        if cosine <= -1.0:
            return math.pi
        widest = max(widest, math.acos(min(cosine, 1.0)))
    return widest + _SLACK
