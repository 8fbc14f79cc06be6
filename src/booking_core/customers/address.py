"""A customer's saved address: where at-home services are performed (FEATURES C2)."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from booking_core.customers.phone import check_phone
from booking_core.errors import InvalidInput
from booking_core.scheduling.geo import GeoPoint

__all__ = ["Address"]

#: How many addresses one customer's book holds.
MAX_ADDRESSES = 20


def _text(limit: int, *, required: bool) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(_: object, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
            need = "is required and" if required else "is"
            raise InvalidInput(
                f"The address's {attribute.name} {need} at most {limit} characters; got {value!r}.",
                details={"field": attribute.name},
            )

    return check


def _optional_phone(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        check_phone(value)


@attrs.frozen
class Address:
    """One labelled address of a customer's address book.

    Attributes:
        id: Unique within the customer's book (``addr_…``).
        label: What the customer calls it ("Home", "Office").
        province, city, district: Where it is, coarse to fine; a technician not yet
            entitled to the full address sees the district only (INVARIANTS I25).
        detail: Street, building, floor and door.
        point: Its geo point: service areas and travel time are measured from it.
        contact_name: Who to ask for there (default: the customer).
        contact_phone: Their phone in E.164 form (default: the customer's).
    """

    id: str = attrs.field(validator=_text(64, required=True))
    label: str = attrs.field(validator=_text(40, required=True))
    province: str = attrs.field(validator=_text(40, required=False))
    city: str = attrs.field(validator=_text(40, required=True))
    district: str = attrs.field(validator=_text(40, required=True))
    detail: str = attrs.field(validator=_text(200, required=True))
    point: GeoPoint
    contact_name: str | None = None
    contact_phone: str | None = attrs.field(default=None, validator=_optional_phone)
