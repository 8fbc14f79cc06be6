"""A technician's record as dispatch reads it: his own settings and his verification."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.dispatch import DispatchRequest, exclusion, snapshot_of
from booking_core.dispatch.candidates import Exclusion
from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.onboarding import DocumentKind, Verification
from booking_core.scheduling import (
    DispatchSettings,
    GeoPoint,
    PolygonArea,
    ServiceArea,
    Technician,
    TechnicianProfile,
    WeeklyHours,
    WorkStatus,
)
from booking_core.timerange import TimeRange

TUINA = ServiceId("svc_tuina")
HOME = GeoPoint(31.2304, 121.4737)
DAY = pendulum.date(2026, 3, 3)
SLOT = TimeRange(
    pendulum.datetime(2026, 3, 3, 10, tz="Asia/Shanghai"),
    pendulum.datetime(2026, 3, 3, 11, tz="Asia/Shanghai"),
)


def _li(**profile: object) -> Technician:
    return Technician(
        TechnicianId("tec_li"),
        "Li",
        "Asia/Shanghai",
        WeeklyHours.every_day("09:00", "18:00"),
        frozenset({TUINA}),
        TechnicianProfile(service_area=ServiceArea(HOME, 3.0), **profile),  # type: ignore[arg-type]
    )


def test_the_snapshot_carries_his_own_settings_area_and_the_day_s_verification() -> None:
    settings = DispatchSettings(accepts_grabs=False, max_orders_per_day=6)
    approved = Verification.approved(
        "app_1", DAY.subtract(days=30), {DocumentKind.HEALTH_CERTIFICATE: DAY.add(days=1)}
    )
    li = _li(dispatch=settings, verification=approved)

    today = snapshot_of(li, status=WorkStatus.ONLINE, day=DAY, orders_today=6)
    later = snapshot_of(li, status=WorkStatus.ONLINE, day=DAY.add(days=2), orders_today=0)

    assert (today.accepts_grabs, today.max_orders_per_day, today.orders_today) == (False, 6, 6)
    assert today.working_area == ServiceArea(HOME, 3.0)
    assert (today.verified, later.verified) == (True, False)  # the certificate expired
    grab = DispatchRequest(TUINA, SLOT, HOME, CustomerId("cus_1"), grab=True)
    offer = DispatchRequest(TUINA, SLOT, HOME, CustomerId("cus_1"))
    free = lambda _: True  # noqa: E731
    assert exclusion(today, grab, free) is Exclusion.NO_GRABS
    assert exclusion(today, offer, free) is Exclusion.DAILY_LIMIT
    assert exclusion(later, offer, free) is Exclusion.NOT_VERIFIED


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_orders_per_day", 0), ("max_orders_per_day", 49), ("max_orders_per_day", True),
     ("max_orders_per_day", 2.5), ("accepts_grabs", "yes"), ("accepts_grabs", 1)],
)  # fmt: skip
def test_settings_out_of_range_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        DispatchSettings(**{field: value})  # type: ignore[arg-type]

    assert refused.value.details == {"field": field}


def test_a_drawn_working_area_replaces_the_service_area_for_dispatch() -> None:
    # A district 2 km east of his circle's centre: outside the 3 km circle's reach of the
    # customer further east, inside the polygon.
    east = GeoPoint(HOME.lat, HOME.lon + 0.06)  # ~5.7 km east of the circle's centre
    district = PolygonArea(
        [
            GeoPoint(HOME.lat - 0.02, HOME.lon + 0.03),
            GeoPoint(HOME.lat - 0.02, HOME.lon + 0.09),
            GeoPoint(HOME.lat + 0.02, HOME.lon + 0.09),
            GeoPoint(HOME.lat + 0.02, HOME.lon + 0.03),
        ]
    )
    li = _li(dispatch=DispatchSettings(working_area=district))
    circle_only = _li()

    drawn = snapshot_of(li, status=WorkStatus.ONLINE, day=DAY, orders_today=0)
    default = snapshot_of(circle_only, status=WorkStatus.ONLINE, day=DAY, orders_today=0)

    request = DispatchRequest(TUINA, SLOT, east, CustomerId("cus_1"))
    assert drawn.working_area == district
    assert exclusion(drawn, request, lambda _: True) is None
    assert exclusion(default, request, lambda _: True) is Exclusion.OUTSIDE_AREA
    near_home = DispatchRequest(TUINA, SLOT, HOME, CustomerId("cus_1"))
    assert exclusion(drawn, near_home, lambda _: True) is Exclusion.OUTSIDE_AREA


def test_a_working_area_is_a_polygon() -> None:
    with pytest.raises(InvalidInput) as refused:
        DispatchSettings(working_area=ServiceArea(HOME, 3.0))  # type: ignore[arg-type]

    assert refused.value.details["field"] == "working_area"
