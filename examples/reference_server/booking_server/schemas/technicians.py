"""Technicians, their weekly hours and searchable profiles (FEATURES C5, T2, T4).

* **Weekly hours** are ``{"mon": ["09:00-12:00", "13:00-21:00"], ...}``; absent days are off.
* **Ratings** are decimal strings with one decimal (``"4.8"``), the mean stars of the
  technician's reviews rounded half up; null while unrated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Final

from annotated_types import Interval
from pydantic import Field, StrictInt, StringConstraints

from booking_core.ids import ServiceId, StoreId
from booking_core.scheduling import DispatchSettings, PolygonArea, Technician, WeeklyHours
from booking_core.scheduling.dispatch_settings import MAX_ORDERS_PER_DAY
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.profile import (
    RATING_QUANTUM,
    RATING_ROUNDING,
    Gender,
    TechnicianProfile,
)
from booking_core.services.technicians import RegisterTechnician
from booking_server.paging import NextCursor
from booking_server.schemas.common import (
    ID_PATTERN,
    TAKE_WHOLE_FLOATS,
    EntityId,
    InModel,
    MoneyIn,
    MoneyOut,
    Name,
    OutModel,
)

__all__ = [
    "MAX_RADIUS_KM",
    "RATING_PATTERN",
    "ProfileIn",
    "ProfileOut",
    "Rating",
    "ServiceAreaIn",
    "ServiceAreaOut",
    "Skill",
    "TechnicianIn",
    "TechnicianList",
    "TechnicianOut",
    "WeeklyHoursSpec",
]


WeeklyHoursSpec = Annotated[
    dict[str, Annotated[list[Annotated[str, Field(max_length=17)]], Field(max_length=12)]],
    Field(
        max_length=7,
        description="Working ranges per day (mon … sun) as local wall-clock 'HH:MM-HH:MM' "
        "(or 'HH:MM:SS-HH:MM:SS': a start rounds up, an end down, to the minute) in the "
        "technician's zone; absent days are off.",
        examples=[{"mon": ["09:00-12:00", "13:00-21:00"], "sat": ["10:00-16:00"]}],
    ),
]


#: The widest service area the server takes (a city and its suburbs, generously).
MAX_RADIUS_KM: Final = 500


Skill = Annotated[str, Field(min_length=1, max_length=50, examples=["tuina"])]


#: "0" … "5" with at most one decimal, as ratings are shown.
RATING_PATTERN: Final = r"^(?:[0-4](?:\.[0-9])?|5(?:\.0)?)$"


# A decimal is a string, as answers show it; a JSON number only when whole. JSON Schema
# cannot say "a number with at most one decimal" in a way every client computes alike
# (4.8 is no exact multiple of 0.1 in binary floating point), so 4.8 is written "4.8".
Rating = Annotated[
    Annotated[StrictInt, Interval(ge=0, le=5), TAKE_WHOLE_FLOATS]
    | Annotated[str, StringConstraints(pattern=RATING_PATTERN)],
    Field(
        description='Average stars, 0–5 with at most one decimal: a string ("4.8") or a '
        "whole number (5).",
        examples=["4.8"],
    ),
]


class ServiceAreaIn(InModel):
    """A circle the technician serves: ``radius_km`` around (``lat``, ``lon``)."""

    lat: float = Field(ge=-90, le=90, strict=True, examples=[31.2304])
    lon: float = Field(ge=-180, le=180, strict=True, examples=[121.4737])
    radius_km: float = Field(gt=0, le=MAX_RADIUS_KM, strict=True, examples=[8])

    def to_domain(self) -> ServiceArea:
        """The domain ServiceArea."""
        return ServiceArea(GeoPoint(self.lat, self.lon), self.radius_km)


#: The most corners a working area may have (a district's outline needs far fewer).
MAX_VERTICES = 200


class VertexIn(InModel):
    """A corner of a working area drawn on a map."""

    lat: float = Field(ge=-90, le=90, strict=True, examples=[31.2304])
    lon: float = Field(ge=-180, le=180, strict=True, examples=[121.4737])


class VertexOut(OutModel):
    """A corner of a working area."""

    lat: float
    lon: float


class ServiceAreaOut(OutModel):
    """A circle the technician serves."""

    lat: float
    lon: float
    radius_km: float

    @classmethod
    def from_domain(cls, area: ServiceArea) -> ServiceAreaOut:
        """From the domain ServiceArea."""
        return cls(lat=area.center.lat, lon=area.center.lon, radius_km=area.radius_km)


class ProfileIn(InModel):
    """What customers filter technicians by (the whole profile: absent fields are cleared).

    ``rating`` and ``store_id`` are the platform's to set: for the technician himself and
    his store the stored rating is kept whatever is sent, and a different ``store_id`` is
    refused (403).
    """

    gender: Gender | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    prices: dict[EntityId, MoneyIn] = Field(
        default_factory=dict,
        max_length=200,
        description="His own price per service id; other services sell at the catalog price.",
        examples=[{"svc_0002": {"amount": 25900, "currency": "CNY"}}],
        # pydantic checks the keys against EntityId but documents the pattern only as
        # patternProperties, which lets any other key through: say it of every key.
        json_schema_extra={"propertyNames": {"pattern": ID_PATTERN, "examples": ["svc_0002"]}},
    )
    store_id: EntityId | None = None
    service_area: ServiceAreaIn | None = None
    rating: Rating | None = None
    accepts_grabs: bool = Field(
        default=True, description="Whether grab broadcasts (抢单) reach him (his setting)."
    )
    max_orders_per_day: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ORDERS_PER_DAY,
        description="The most orders dispatch gives him in one local day (null: no maximum).",
    )
    working_area: list[VertexIn] | None = Field(
        default=None,
        min_length=3,
        max_length=MAX_VERTICES,
        description="Where he takes dispatched orders, a polygon of 3 or more distinct "
        "corners within 500 km of the first, not on one line (null: his service area).",
    )

    def to_domain(self) -> TechnicianProfile:
        """The domain profile."""
        return TechnicianProfile(
            gender=self.gender,
            skills=frozenset(self.skills),
            # Shown as "5.0", not "5": the one-decimal form reviews give (exact here).
            rating=None
            if self.rating is None
            else Decimal(self.rating).quantize(RATING_QUANTUM, rounding=RATING_ROUNDING),
            prices={ServiceId(k): v.to_domain() for k, v in self.prices.items()},
            store_id=StoreId(self.store_id) if self.store_id is not None else None,
            service_area=self.service_area.to_domain() if self.service_area else None,
            dispatch=DispatchSettings(
                self.accepts_grabs,
                self.max_orders_per_day,
                None
                if self.working_area is None
                else PolygonArea([GeoPoint(v.lat, v.lon) for v in self.working_area]),
            ),
        )


class ProfileOut(OutModel):
    """A technician's searchable profile, with his rating."""

    gender: Gender | None
    skills: list[str]
    prices: dict[str, MoneyOut]
    store_id: str | None
    service_area: ServiceAreaOut | None
    rating: str | None = Field(
        description="Mean stars of his reviews to one decimal (half up), as a string; null "
        "while unrated.",
        examples=["4.8"],
    )
    accepts_grabs: bool
    max_orders_per_day: int | None
    working_area: list[VertexOut] | None

    @classmethod
    def from_domain(cls, profile: TechnicianProfile) -> ProfileOut:
        """From the domain profile."""
        area = profile.service_area
        return cls(
            gender=profile.gender,
            skills=sorted(profile.skills),
            prices={k: MoneyOut.from_domain(v) for k, v in profile.prices.items()},
            store_id=profile.store_id,
            service_area=ServiceAreaOut.from_domain(area) if area is not None else None,
            rating=str(profile.rating) if profile.rating is not None else None,
            accepts_grabs=profile.dispatch.accepts_grabs,
            max_orders_per_day=profile.dispatch.max_orders_per_day,
            working_area=None
            if (drawn := profile.dispatch.working_area) is None
            else [VertexOut(lat=v.lat, lon=v.lon) for v in drawn.vertices],
        )


class TechnicianIn(InModel):
    """Register a technician with weekly hours in his IANA time zone, and his profile."""

    name: Name = Field(examples=["李师傅 Master Li"])
    time_zone: str = Field(max_length=64, description="IANA zone name.", examples=["Asia/Shanghai"])
    weekly_hours: WeeklyHoursSpec
    service_ids: list[EntityId] = Field(default_factory=list, max_length=200)
    profile: ProfileIn | None = None

    def to_command(self) -> RegisterTechnician:
        """The core command (parsing the hours raises InvalidSchedule → 422)."""
        profile = self.profile.to_domain() if self.profile else TechnicianProfile()
        return RegisterTechnician(
            name=self.name,
            time_zone=self.time_zone,
            weekly_hours=WeeklyHours.parse(self.weekly_hours),
            service_ids=frozenset(ServiceId(s) for s in self.service_ids),
            profile=profile,
        )


class TechnicianOut(OutModel):
    """A technician: zone, weekly hours, the services he performs and his profile."""

    id: str
    name: str
    time_zone: str
    weekly_hours: dict[str, list[str]]
    service_ids: list[str]
    profile: ProfileOut

    @classmethod
    def from_domain(cls, technician: Technician) -> TechnicianOut:
        """From the domain Technician."""
        return cls(
            id=technician.id,
            name=technician.name,
            time_zone=technician.time_zone,
            weekly_hours=technician.weekly_hours.to_spec(),
            service_ids=sorted(technician.service_ids),
            profile=ProfileOut.from_domain(technician.profile),
        )


class TechnicianList(OutModel):
    """Technicians by name then id, one page."""

    items: list[TechnicianOut]
    next_cursor: NextCursor = None
