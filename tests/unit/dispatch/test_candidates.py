"""The filter: each rule leaves out the technician who fails it, and only him."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pendulum
import pytest

from booking_core.dispatch import (
    DispatchRequest,
    Exclusion,
    GridIndex,
    PolygonArea,
    TechnicianSnapshot,
    exclusion,
    find_candidates,
)
from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.scheduling import GeoPoint, ServiceArea, WorkStatus
from booking_core.timerange import TimeRange

TUINA = ServiceId("svc_tuina")
HOME = GeoPoint(31.2304, 121.4737)
SLOT = TimeRange(
    pendulum.datetime(2026, 3, 2, 15, tz="Asia/Shanghai"),
    pendulum.datetime(2026, 3, 2, 16, tz="Asia/Shanghai"),
)
NEAR = GeoPoint(31.2404, 121.4737)  # 1.1 km north of HOME
REQUEST = DispatchRequest(TUINA, SLOT, HOME, CustomerId("cus_1"))
SUBJECT, CONTROL = TechnicianId("tec_subject"), TechnicianId("tec_control")
#: One who passes every rule; each test changes one thing about a copy of him.
GOOD = TechnicianSnapshot(
    SUBJECT,
    verified=True,
    service_ids={TUINA},
    status=WorkStatus.ONLINE,
    working_area=ServiceArea(HOME, 10.0),
    accepts_grabs=False,
    max_orders_per_day=5,
    orders_today=4,
)


def _survivors(
    subject: TechnicianSnapshot | None,
    request: DispatchRequest = REQUEST,
    is_free: Callable[[TechnicianId], bool] = lambda _: True,
    where: GeoPoint = NEAR,
) -> list[TechnicianId]:
    grid = GridIndex()
    grid.put(SUBJECT, where)
    grid.put(CONTROL, GeoPoint(31.2504, 121.4737))
    known = {CONTROL: attrs.evolve(GOOD, id=CONTROL, accepts_grabs=True)}
    if subject is not None:
        known[SUBJECT] = subject

    found = find_candidates(grid.near, request, known.get, lambda t: t == CONTROL or is_free(t))

    assert found == sorted(found, key=lambda c: c.distance_km)
    return [c.technician_id for c in found]


def test_one_who_passes_every_rule_is_a_candidate_with_his_distance() -> None:
    grid = GridIndex()
    there = GeoPoint(31.2404, 121.4737)
    grid.put(SUBJECT, there)

    (candidate,) = find_candidates(grid.near, REQUEST, {SUBJECT: GOOD}.get, lambda _: True)

    assert candidate.technician is GOOD
    assert candidate.distance_km == HOME.distance_km(there)
    assert _survivors(GOOD) == [SUBJECT, CONTROL]


def test_beyond_the_radius() -> None:
    assert _survivors(GOOD, where=GeoPoint(31.29, 121.4737)) == [CONTROL]  # 6.6 km
    wider = attrs.evolve(REQUEST, radius_km=7.0)

    assert _survivors(GOOD, wider, where=GeoPoint(31.29, 121.4737)) == [CONTROL, SUBJECT]


def test_excluded_blocked_or_refused() -> None:
    request = attrs.evolve(REQUEST, excluded={SUBJECT})

    assert _survivors(GOOD, request) == [CONTROL]
    assert exclusion(GOOD, request, lambda _: True) is Exclusion.EXCLUDED


def test_unknown_to_the_lookup() -> None:
    assert _survivors(None) == [CONTROL]
    assert exclusion(None, REQUEST, lambda _: True) is Exclusion.UNKNOWN


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"verified": False}, Exclusion.NOT_VERIFIED),
        ({"service_ids": {ServiceId("svc_thai")}}, Exclusion.NOT_SKILLED),
        ({"status": WorkStatus.RESTING}, Exclusion.NOT_ONLINE),
        ({"status": WorkStatus.IN_SERVICE}, Exclusion.NOT_ONLINE),
        ({"status": WorkStatus.OFFLINE}, Exclusion.NOT_ONLINE),
        ({"working_area": ServiceArea(GeoPoint(31.30, 121.4737), 5.0)}, Exclusion.OUTSIDE_AREA),
        (
            {"working_area": PolygonArea([GeoPoint(31.24, 121.40), GeoPoint(31.30, 121.40),
                                          GeoPoint(31.30, 121.50), GeoPoint(31.24, 121.50)])},
            Exclusion.OUTSIDE_AREA,
        ),
        ({"orders_today": 5}, Exclusion.DAILY_LIMIT),
    ],
)  # fmt: skip
def test_each_rule_of_the_snapshot(change: dict[str, object], reason: Exclusion) -> None:
    subject = attrs.evolve(GOOD, **change)  # type: ignore[arg-type]

    assert _survivors(subject) == [CONTROL]
    assert exclusion(subject, REQUEST, lambda _: True) is reason


def test_a_working_area_the_customer_is_in_keeps_him() -> None:
    polygon = PolygonArea(
        [GeoPoint(31.20, 121.40), GeoPoint(31.30, 121.40), GeoPoint(31.30, 121.50),
         GeoPoint(31.20, 121.50)]
    )  # fmt: skip

    assert _survivors(attrs.evolve(GOOD, working_area=polygon)) == [SUBJECT, CONTROL]
    assert _survivors(attrs.evolve(GOOD, working_area=None)) == [SUBJECT, CONTROL]


def test_grabs_only_for_those_who_accept_them() -> None:
    grab = attrs.evolve(REQUEST, grab=True)

    assert _survivors(GOOD, grab) == [CONTROL]
    assert exclusion(GOOD, grab, lambda _: True) is Exclusion.NO_GRABS
    assert _survivors(attrs.evolve(GOOD, accepts_grabs=True), grab) == [SUBJECT, CONTROL]


def test_busy_for_the_slot_and_asked_last() -> None:
    asked: list[TechnicianId] = []

    def is_free(technician_id: TechnicianId) -> bool:
        asked.append(technician_id)
        return False

    assert _survivors(GOOD, is_free=is_free) == [CONTROL]
    assert asked == [SUBJECT]
    asked.clear()
    assert _survivors(attrs.evolve(GOOD, verified=False), is_free=is_free) == [CONTROL]
    assert asked == []  # a technician failing a cheaper rule is not looked up in the agenda


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: attrs.evolve(REQUEST, radius_km=0), "radius_km"),
        (lambda: attrs.evolve(GOOD, max_orders_per_day=0), "max_orders_per_day"),
        (lambda: attrs.evolve(GOOD, orders_today=-1), "orders_today"),
    ],
)
def test_values_out_of_range_are_refused(build: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        build()

    assert raised.value.details == {"field": field}
