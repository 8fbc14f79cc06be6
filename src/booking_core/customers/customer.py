"""The customer: who books, where, and what the platform knows about him (FEATURES C1, C2, C5)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import attrs
import pendulum
from pendulum import Date, DateTime

from booking_core.customers.address import MAX_ADDRESSES, Address
from booking_core.customers.phone import check_phone
from booking_core.errors import InvalidInput, NotFound
from booking_core.ids import CustomerId, ServiceId, TechnicianId
from booking_core.scheduling.profile import Gender
from booking_core.timerange import zone

__all__ = ["Customer", "CustomerDetails"]


def _optional_phone(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        check_phone(value)


def _iana(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    zone(value)


def _nickname(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise InvalidInput(
            f"A nickname is 1 to 40 characters; got {value!r}.", details={"field": "nickname"}
        )


def _avatar(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not value.startswith("https://") or len(value) > 500):
        raise InvalidInput(
            f"An avatar is an https:// URL of at most 500 characters; got {value!r}.",
            details={"field": "avatar_url"},
        )


def _addresses(value: Iterable[Address]) -> tuple[Address, ...]:
    return tuple(value)


def _technician_ids(value: Iterable[TechnicianId]) -> frozenset[TechnicianId]:
    return frozenset(value)


def _service_ids(value: Iterable[ServiceId]) -> frozenset[ServiceId]:
    return frozenset(value)


def _as_date(value: _dt.date | None) -> Date | None:
    # A plain datetime.date is welcome; stored and compared as pendulum's Date.
    if value is None or isinstance(value, Date):
        return value
    return pendulum.Date(value.year, value.month, value.day)


@attrs.frozen
class CustomerDetails:
    """What the customer says about himself (each field optional but the nickname).

    Attributes:
        nickname: How technicians and stores address him.
        avatar_url: An https URL of his picture.
        gender: As he gives it (None: not given).
        birthday: His date of birth (birthday offers later).
        time_zone: IANA zone his times are shown in (None: the platform's).
        phone: E.164 (``+8613812345678``); only its shape is checked here.
    """

    nickname: str = attrs.field(validator=_nickname)
    avatar_url: str | None = attrs.field(default=None, validator=_avatar)
    gender: Gender | None = None
    birthday: Date | None = attrs.field(default=None, converter=_as_date)
    time_zone: str | None = attrs.field(default=None)
    phone: str | None = attrs.field(default=None, validator=_optional_phone)

    @time_zone.validator
    def _zone(self, attribute: attrs.Attribute[str | None], value: str | None) -> None:
        if value is not None:
            zone(value)


@attrs.frozen
class Customer:
    """A registered customer.

    Customers need not be registered to book (an embedding app may keep its people
    elsewhere): checkout and quotes price an unregistered id as a customer without tier.
    A registered one brings his membership tier; whether he is *new* is never stored — it is
    derived from his order history (:class:`~booking_core.customers.standing.CustomerStanding`).

    Attributes:
        id: His id (the account layer's).
        details: What he says about himself.
        registered_at: When he registered.
        addresses: His address book, in the order he added them.
        default_address_id: The address used when he names none (None: the book is empty).
        favourite_technicians / favourite_services: What he marked.
        tier: His membership tier name (None: not a member). Set by the platform (and, later,
            the loyalty rules); pricing uses it for tier prices and member-only coupons.
        version: Compare-and-set counter of storage (0 until first stored).
    """

    id: CustomerId
    details: CustomerDetails
    registered_at: DateTime
    addresses: tuple[Address, ...] = attrs.field(default=(), converter=_addresses)
    default_address_id: str | None = None
    favourite_technicians: frozenset[TechnicianId] = attrs.field(
        default=frozenset(), converter=_technician_ids
    )
    favourite_services: frozenset[ServiceId] = attrs.field(
        default=frozenset(), converter=_service_ids
    )
    tier: str | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        ids = [a.id for a in self.addresses]
        if len(ids) != len(set(ids)):
            raise InvalidInput("Two addresses share an id.", details={"field": "addresses"})
        if len(ids) > MAX_ADDRESSES:
            raise InvalidInput(
                f"An address book holds at most {MAX_ADDRESSES} addresses; remove one first.",
                details={"field": "addresses", "max": MAX_ADDRESSES},
            )
        if self.default_address_id is not None and self.default_address_id not in ids:
            raise InvalidInput(
                f"The default address {self.default_address_id!r} is not in the book.",
                details={"field": "default_address_id"},
            )

    # -- the address book ------------------------------------------------------------------

    def address(self, address_id: str) -> Address:
        """The address with ``address_id``. Raises NotFound (``address_not_found``)."""
        for address in self.addresses:
            if address.id == address_id:
                return address
        raise NotFound("address", address_id)

    @property
    def default_address(self) -> Address | None:
        """The default address (None: the book is empty)."""
        if self.default_address_id is None:
            return None
        return self.address(self.default_address_id)

    def with_address(self, address: Address, *, default: bool = False) -> Customer:
        """The book with ``address`` added (or replacing the one with its id); the first
        address, or one marked ``default``, becomes the default."""
        kept = [a for a in self.addresses if a.id != address.id]
        replaced = len(kept) < len(self.addresses)
        addresses = (
            tuple(address if a.id == address.id else a for a in self.addresses)
            if replaced
            else (*self.addresses, address)
        )
        chosen = address.id if default or self.default_address_id is None else None
        return attrs.evolve(
            self, addresses=addresses, default_address_id=chosen or self.default_address_id
        )

    def without_address(self, address_id: str) -> Customer:
        """The book without ``address_id``; the default passes to the first one left.
        Raises NotFound."""
        self.address(address_id)
        left = tuple(a for a in self.addresses if a.id != address_id)
        default = self.default_address_id
        if default == address_id:
            default = left[0].id if left else None
        return attrs.evolve(self, addresses=left, default_address_id=default)

    def with_default_address(self, address_id: str) -> Customer:
        """The book with ``address_id`` as default. Raises NotFound."""
        self.address(address_id)
        return attrs.evolve(self, default_address_id=address_id)

    # -- favourites ------------------------------------------------------------------------

    def with_favourites(
        self,
        *,
        add_technicians: Iterable[TechnicianId] = (),
        remove_technicians: Iterable[TechnicianId] = (),
        add_services: Iterable[ServiceId] = (),
        remove_services: Iterable[ServiceId] = (),
    ) -> Customer:
        """His favourites with these added and removed (removing what is not there is fine)."""
        return attrs.evolve(
            self,
            favourite_technicians=(self.favourite_technicians | set(add_technicians))
            - set(remove_technicians),
            favourite_services=(self.favourite_services | set(add_services)) - set(remove_services),
        )
