"""Customers: what they say about themselves, their address book, favourites and standing.

Phones are E.164 (``+8613812345678``). The server checks the shape, as the core does; a
platform that wants numbers checked against their country's plan validates them in its own
identity layer (``phonenumbers``) before calling the SDK.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool

from booking_core.customers import Address, Customer, CustomerDetails, CustomerStanding
from booking_core.scheduling.geo import GeoPoint
from booking_core.scheduling.profile import Gender
from booking_core.services.customers import NewAddress
from booking_server.schemas.common import (
    ID_PATTERN,
    EntityId,
    InModel,
    OutModel,
)

__all__ = [
    "AddressIn",
    "AddressOut",
    "CustomerDetailsIn",
    "CustomerOut",
    "DefaultAddressIn",
    "FavouritesIn",
    "StandingOut",
    "TierIn",
]

_PHONE = r"^\+[1-9][0-9]{6,14}$"
_ZONE = r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$"


def _date_text(value: Any) -> Any:
    # Days travel as "YYYY-MM-DD" only; pydantic would also take a number of seconds.
    if not isinstance(value, str):
        raise ValueError("a day is an ISO 8601 date string such as '1990-05-17'")
    return value


BirthDay = Annotated[dt.date, BeforeValidator(_date_text)]


class CustomerDetailsIn(InModel):
    """What a customer says about himself."""

    nickname: str = Field(min_length=1, max_length=40, examples=["Alice"])
    avatar_url: str | None = Field(
        default=None, max_length=500, pattern=r"^https://", examples=["https://example.com/a.png"]
    )
    gender: Gender | None = None
    birthday: BirthDay | None = Field(default=None, examples=["1990-05-17"])
    time_zone: str | None = Field(
        default=None, max_length=64, pattern=_ZONE, examples=["Asia/Shanghai"]
    )
    phone: str | None = Field(default=None, pattern=_PHONE, examples=["+8613812345678"])

    def to_domain(self) -> CustomerDetails:
        """The domain value (its own checks run: e.g. an unknown zone is refused)."""
        return CustomerDetails(
            self.nickname,
            avatar_url=self.avatar_url,
            gender=self.gender,
            birthday=self.birthday,
            time_zone=self.time_zone,
            phone=self.phone,
        )


class AddressIn(InModel):
    """An address to add to the book."""

    label: str = Field(min_length=1, max_length=40, examples=["Home"])
    province: str = Field(default="", max_length=40, examples=["上海市"])
    city: str = Field(min_length=1, max_length=40, examples=["上海市"])
    district: str = Field(min_length=1, max_length=40, examples=["黄浦区"])
    detail: str = Field(min_length=1, max_length=200, examples=["南京东路 1 号 3 楼"])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[31.2304])
    lon: float = Field(ge=-180, le=180, strict=True, examples=[121.4737])
    contact_name: str | None = Field(default=None, min_length=1, max_length=40)
    contact_phone: str | None = Field(default=None, pattern=_PHONE)
    default: StrictBool = Field(default=False, description="Make it the default address.")

    def to_command(self) -> NewAddress:
        """The service's command."""
        return NewAddress(
            label=self.label,
            city=self.city,
            district=self.district,
            detail=self.detail,
            point=GeoPoint(self.lat, self.lon),
            province=self.province,
            contact_name=self.contact_name,
            contact_phone=self.contact_phone,
        )


class AddressOut(OutModel):
    """An address of the book."""

    id: str
    label: str
    province: str
    city: str
    district: str
    detail: str
    lat: float
    lon: float
    contact_name: str | None
    contact_phone: str | None

    @classmethod
    def from_domain(cls, address: Address) -> AddressOut:
        """From the domain value."""
        return cls(
            id=address.id,
            label=address.label,
            province=address.province,
            city=address.city,
            district=address.district,
            detail=address.detail,
            lat=address.point.lat,
            lon=address.point.lon,
            contact_name=address.contact_name,
            contact_phone=address.contact_phone,
        )


class DefaultAddressIn(InModel):
    """Which address becomes the default."""

    address_id: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)


class FavouritesIn(InModel):
    """Favourites to add and to remove (removing one that is not there is fine)."""

    add_technicians: list[EntityId] = Field(default_factory=list, max_length=50)
    remove_technicians: list[EntityId] = Field(default_factory=list, max_length=50)
    add_services: list[EntityId] = Field(default_factory=list, max_length=50)
    remove_services: list[EntityId] = Field(default_factory=list, max_length=50)


class TierIn(InModel):
    """A membership tier (null: not a member)."""

    tier: str | None = Field(min_length=1, max_length=40, examples=["gold"])


class CustomerOut(OutModel):
    """A customer's record (to himself and the platform)."""

    id: str
    nickname: str
    avatar_url: str | None
    gender: Gender | None
    birthday: dt.date | None
    time_zone: str | None
    phone: str | None
    registered_at: dt.datetime
    addresses: list[AddressOut]
    default_address_id: str | None
    favourite_technicians: list[str]
    favourite_services: list[str]
    tier: str | None
    version: int

    @classmethod
    def from_domain(cls, customer: Customer) -> CustomerOut:
        """From the domain value."""
        details = customer.details
        return cls(
            id=customer.id,
            nickname=details.nickname,
            avatar_url=details.avatar_url,
            gender=details.gender,
            birthday=details.birthday,
            time_zone=details.time_zone,
            phone=details.phone,
            registered_at=customer.registered_at,
            addresses=[AddressOut.from_domain(a) for a in customer.addresses],
            default_address_id=customer.default_address_id,
            favourite_technicians=sorted(customer.favourite_technicians),
            favourite_services=sorted(customer.favourite_services),
            tier=customer.tier,
            version=customer.version,
        )


class StandingOut(OutModel):
    """What the customer's prices depend on now, and his unpaid orders."""

    tier: str | None
    is_new: bool = Field(description="New until one of his orders is paid.")
    unpaid_orders: int

    @classmethod
    def from_domain(cls, standing: CustomerStanding) -> StandingOut:
        """From the domain value."""
        return cls(tier=standing.tier, is_new=standing.is_new, unpaid_orders=standing.unpaid.total)
