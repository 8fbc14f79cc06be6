"""Stores: profile, opening hours, service area, own prices, members, announcements
(FEATURES S1, S2, S7).

What anyone reads of a store (:class:`StoreOut`) leaves out whom it has invited; the store
and the platform read that with its members (:class:`StoreMemberList`).
"""

from __future__ import annotations

from pydantic import Field, StrictBool

from booking_core.ids import ServiceId
from booking_core.money import Money
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.stores import Announcement, Audience, Store, StoreAddress, StoreDetails
from booking_server.paging import NextCursor
from booking_server.schemas.common import (
    ID_PATTERN,
    EntityId,
    InModel,
    Instant,
    MoneyIn,
    MoneyOut,
    OutModel,
    in_zone,
)
from booking_server.schemas.technicians import MAX_RADIUS_KM, ServiceAreaOut, WeeklyHoursSpec

__all__ = [
    "AnnouncementIn",
    "AnnouncementList",
    "AnnouncementOut",
    "InvitationIn",
    "JoinRequestOut",
    "MemberIn",
    "OwnPricesAllowedIn",
    "StoreAddressIn",
    "StoreAddressOut",
    "StoreAreaIn",
    "StoreIn",
    "StoreList",
    "StoreMemberList",
    "StoreMemberOut",
    "StoreOut",
    "StorePricesIn",
]

_PHONE = r"^\+[1-9][0-9]{6,14}$"
_ZONE = r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$"


class StoreAddressIn(InModel):
    """Where the store is."""

    province: str = Field(default="", max_length=40, examples=["上海市"])
    city: str = Field(min_length=1, max_length=40, pattern=r"\S", examples=["上海市"])
    district: str = Field(min_length=1, max_length=40, pattern=r"\S", examples=["静安区"])
    detail: str = Field(min_length=1, max_length=200, pattern=r"\S", examples=["南京西路 1 号"])
    lat: float = Field(strict=True, ge=-90, le=90, examples=[31.2287])
    lon: float = Field(strict=True, ge=-180, le=180, examples=[121.4468])

    def to_domain(self) -> StoreAddress:
        """The domain value."""
        return StoreAddress(
            self.city,
            self.district,
            self.detail,
            GeoPoint(self.lat, self.lon),
            province=self.province,
        )


class StoreAddressOut(OutModel):
    """Where the store is."""

    province: str
    city: str
    district: str
    detail: str
    lat: float
    lon: float

    @classmethod
    def from_domain(cls, address: StoreAddress) -> StoreAddressOut:
        """From the domain value."""
        return cls(
            province=address.province,
            city=address.city,
            district=address.district,
            detail=address.detail,
            lat=address.point.lat,
            lon=address.point.lon,
        )


class StoreAreaIn(InModel):
    """A circle the store's technicians serve: ``radius_km`` around (``lat``, ``lon``).

    Numbers are JSON numbers (strict): ``"31.2"`` is refused, as schemathesis expects.
    """

    lat: float = Field(strict=True, ge=-90, le=90, examples=[31.2287])
    lon: float = Field(strict=True, ge=-180, le=180, examples=[121.4468])
    radius_km: float = Field(strict=True, gt=0, le=MAX_RADIUS_KM, examples=[6])

    def to_domain(self) -> ServiceArea:
        """The domain ServiceArea."""
        return ServiceArea(GeoPoint(self.lat, self.lon), self.radius_km)


class StoreIn(InModel):
    """A store's public profile (the whole of it: absent optional fields are cleared)."""

    name: str = Field(min_length=1, max_length=80, pattern=r"\S", examples=["静安店 Jing'an"])
    address: StoreAddressIn
    time_zone: str = Field(max_length=64, pattern=_ZONE, examples=["Asia/Shanghai"])
    hours: WeeklyHoursSpec
    phone: str | None = Field(default=None, pattern=_PHONE, examples=["+862112345678"])
    service_area: StoreAreaIn | None = None
    own_prices_allowed: StrictBool = Field(
        default=False,
        description="Whether the store may set its own prices (read on create only; change "
        "it with PUT /stores/{store_id}/own-prices-allowed).",
    )

    def to_domain(self) -> StoreDetails:
        """The domain value (parsing the hours raises InvalidSchedule → 422)."""
        return StoreDetails(
            self.name,
            self.address.to_domain(),
            self.time_zone,
            WeeklyHours.parse(self.hours),
            phone=self.phone,
            service_area=self.service_area.to_domain() if self.service_area else None,
        )


class StoreOut(OutModel):
    """A store as anyone sees it."""

    id: str
    name: str
    address: StoreAddressOut
    time_zone: str
    hours: dict[str, list[str]]
    phone: str | None
    service_area: ServiceAreaOut | None
    own_prices_allowed: bool
    prices: dict[str, MoneyOut] = Field(
        description="Its own price per service id; its technicians sell at it unless they "
        "have their own."
    )
    version: int

    @classmethod
    def from_domain(cls, store: Store) -> StoreOut:
        """From the domain Store."""
        details = store.details
        area = details.service_area
        return cls(
            id=store.id,
            name=details.name,
            address=StoreAddressOut.from_domain(details.address),
            time_zone=details.time_zone,
            hours=details.hours.to_spec(),
            phone=details.phone,
            service_area=ServiceAreaOut.from_domain(area) if area is not None else None,
            own_prices_allowed=store.own_prices_allowed,
            prices={k: MoneyOut.from_domain(v) for k, v in store.prices.items()},
            version=store.version,
        )


class StoreList(OutModel):
    """Stores by name then id, one page."""

    items: list[StoreOut]
    next_cursor: NextCursor = None


class OwnPricesAllowedIn(InModel):
    """Whether the platform lets the store set its own prices."""

    allowed: StrictBool


class StorePricesIn(InModel):
    """The store's own prices, replacing all it had (an empty map clears them)."""

    prices: dict[EntityId, MoneyIn] = Field(
        max_length=200,
        examples=[{"svc_0002": {"amount": 17900, "currency": "CNY"}}],
        json_schema_extra={"propertyNames": {"pattern": ID_PATTERN, "examples": ["svc_0002"]}},
    )

    def to_domain(self) -> dict[ServiceId, Money]:
        """The domain map."""
        return {ServiceId(k): v.to_domain() for k, v in self.prices.items()}


class InvitationIn(InModel):
    """The technician a store invites."""

    technician_id: EntityId


class MemberIn(InModel):
    """A technician the platform adds (``transfer``: out of the store he is in, if any)."""

    technician_id: EntityId
    transfer: StrictBool = False


class StoreMemberOut(OutModel):
    """A technician as his store sees him in its list."""

    id: str
    name: str
    store_id: str | None

    @classmethod
    def from_domain(cls, technician: Technician) -> StoreMemberOut:
        """From the domain Technician."""
        return cls(id=technician.id, name=technician.name, store_id=technician.profile.store_id)


class StoreMemberList(OutModel):
    """A store's technicians by name then id, one page, whom it has invited and who asked
    to join."""

    items: list[StoreMemberOut]
    invitations: list[str] = Field(description="Technicians invited who have not joined yet.")
    join_requests: list[str] = Field(
        default_factory=list,
        description="Technicians who asked to join, waiting for the store's answer.",
    )
    next_cursor: NextCursor = None

    @classmethod
    def pending(cls, store: Store) -> StoreMemberList:
        """No members, only what is pending: its invitations and requests to join."""
        return cls(
            items=[],
            invitations=sorted(store.invitations),
            join_requests=sorted(store.join_requests),
        )


class JoinRequestOut(OutModel):
    """A technician's request to join a store, waiting for the store's answer."""

    store_id: str
    technician_id: str


class AnnouncementIn(InModel):
    """An announcement to publish."""

    audience: Audience = Field(examples=["technicians"])
    title: str = Field(min_length=1, max_length=100, pattern=r"\S", examples=["Training"])
    body: str = Field(min_length=1, max_length=2000, pattern=r"\S", examples=["Friday 10:00"])


class AnnouncementOut(OutModel):
    """A published announcement; ``published_at`` in the store's zone."""

    id: str
    store_id: str
    audience: Audience
    title: str
    body: str
    published_at: Instant

    @classmethod
    def from_domain(cls, announcement: Announcement, time_zone: str) -> AnnouncementOut:
        """From the domain value, its instant shown in ``time_zone``."""
        return cls(
            id=announcement.id,
            store_id=announcement.store_id,
            audience=announcement.audience,
            title=announcement.title,
            body=announcement.body,
            published_at=in_zone(announcement.published_at, time_zone),
        )


class AnnouncementList(OutModel):
    """The latest announcements the caller may read (at most 100), newest first, one page."""

    items: list[AnnouncementOut]
    next_cursor: NextCursor = None
