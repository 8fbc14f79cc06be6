"""The store: its public profile, who it has invited, and its own prices (FEATURES S1, S7)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import attrs

from booking_core.customers.phone import check_phone
from booking_core.errors import InvalidInput, MembershipConflict, PermissionDenied
from booking_core.ids import ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.scheduling.geo import GeoPoint, ServiceArea
from booking_core.scheduling.weekly_hours import WeeklyHours
from booking_core.timerange import zone

__all__ = ["Store", "StoreAddress", "StoreDetails"]


def _text(limit: int, *, required: bool) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(_: object, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
            need = "is required and" if required else "is"
            raise InvalidInput(
                f"The store's {attribute.name} {need} at most {limit} characters; got {value!r}.",
                details={"field": attribute.name},
            )

    return check


def _optional_phone(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        check_phone(value)


def _iana(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    zone(value)


def _prices(value: Mapping[ServiceId, Money]) -> dict[ServiceId, Money]:
    return dict(sorted(value.items()))


def _price_map(
    _: object, attribute: attrs.Attribute[dict[ServiceId, Money]], value: dict[ServiceId, Money]
) -> None:
    for service_id, price in value.items():
        if price.is_negative:
            raise InvalidInput(
                f"The store's price for {service_id} cannot be negative; got {price}.",
                details={"field": "prices", "service_id": service_id},
            )


def _technician_ids(value: Iterable[TechnicianId]) -> frozenset[TechnicianId]:
    return frozenset(value)


@attrs.frozen
class StoreAddress:
    """Where the store is: coarse to fine, and its geo point."""

    city: str = attrs.field(validator=_text(40, required=True))
    district: str = attrs.field(validator=_text(40, required=True))
    detail: str = attrs.field(validator=_text(200, required=True))
    point: GeoPoint
    province: str = attrs.field(default="", validator=_text(40, required=False))


@attrs.frozen
class StoreDetails:
    """The store's public profile (what anyone may read).

    Attributes:
        name: Its name (1 to 80 characters).
        address: Where it is.
        time_zone: IANA zone of its opening hours.
        hours: Weekly opening hours, local wall-clock (:class:`WeeklyHours`).
        phone: E.164 (``+862112345678``), or none.
        service_area: Where its technicians go to customers (None: not said).
    """

    name: str = attrs.field(validator=_text(80, required=True))
    address: StoreAddress
    time_zone: str = attrs.field(validator=_iana)
    hours: WeeklyHours
    phone: str | None = attrs.field(default=None, validator=_optional_phone)
    service_area: ServiceArea | None = None


@attrs.frozen
class Store:
    """A store (merchant) on the platform.

    Its members are not listed here: a technician's store is his
    ``TechnicianProfile.store_id`` (one field, so at most one store at a time). The store
    keeps whom it has invited and who asked to join; a technician joins by accepting an
    invitation, or when the store approves his request.

    Attributes:
        id: Its id (``sto_…``).
        details: Its public profile.
        own_prices_allowed: Whether the platform lets it set its own prices (default no).
        prices: Its own price per service, sold by its technicians who have no own price
            for the service (precedence: technician's own, store's, catalog's).
        invitations: Technicians invited and not yet joined.
        join_requests: Technicians who asked to join, waiting for the store's answer.
        version: Compare-and-set counter of storage (0 until first stored); every change of
            its membership or prices bumps it.
    """

    id: StoreId
    details: StoreDetails
    own_prices_allowed: bool = False
    prices: dict[ServiceId, Money] = attrs.field(
        factory=dict, converter=_prices, validator=_price_map, hash=False
    )
    invitations: frozenset[TechnicianId] = attrs.field(
        default=frozenset(), converter=_technician_ids
    )
    version: int = 0
    join_requests: frozenset[TechnicianId] = attrs.field(
        default=frozenset(), converter=_technician_ids
    )

    def __attrs_post_init__(self) -> None:
        if self.prices and not self.own_prices_allowed:
            raise PermissionDenied(
                f"Store {self.id} may not set its own prices; the platform has not allowed it.",
                details={"store_id": self.id, "field": "prices"},
            )

    def with_prices(self, prices: Mapping[ServiceId, Money]) -> Store:
        """The store with these own prices (replacing all). Raises PermissionDenied when the
        platform does not allow it own prices (an empty map is always fine)."""
        return attrs.evolve(self, prices=prices)

    def with_own_prices_allowed(self, allowed: bool) -> Store:
        """The platform's setting; disallowing drops its prices."""
        return attrs.evolve(self, own_prices_allowed=allowed, prices=self.prices if allowed else {})

    def inviting(self, technician_id: TechnicianId) -> Store:
        """The store with ``technician_id`` invited (again is fine)."""
        return attrs.evolve(self, invitations=self.invitations | {technician_id})

    def without_invitation(self, technician_id: TechnicianId) -> Store:
        """The store with the invitation of ``technician_id`` withdrawn or used.
        Raises MembershipConflict when he was not invited."""
        if technician_id not in self.invitations:
            raise MembershipConflict(
                f"Technician {technician_id} has no invitation from store {self.id}.",
                details={"store_id": self.id, "technician_id": technician_id},
            )
        return attrs.evolve(self, invitations=self.invitations - {technician_id})

    def requested_by(self, technician_id: TechnicianId) -> Store:
        """The store with ``technician_id``'s request to join (again is fine)."""
        return attrs.evolve(self, join_requests=self.join_requests | {technician_id})

    def without_join_request(self, technician_id: TechnicianId) -> Store:
        """The store with ``technician_id``'s request to join answered or withdrawn.
        Raises MembershipConflict when he has not asked."""
        if technician_id not in self.join_requests:
            raise MembershipConflict(
                f"Technician {technician_id} has not asked to join store {self.id}.",
                details={"store_id": self.id, "technician_id": technician_id},
            )
        return attrs.evolve(self, join_requests=self.join_requests - {technician_id})

    def settled(self, technician_id: TechnicianId) -> Store:
        """The store without anything pending for ``technician_id`` (he has joined)."""
        return attrs.evolve(
            self,
            invitations=self.invitations - {technician_id},
            join_requests=self.join_requests - {technician_id},
        )
