"""Packages (套餐): a bundle of services, or several visits of one, at a fixed price.

A package's price is allocated over its visits once, when it is defined: in proportion to
each visit's list price (the catalog price of its service when the package was made), by
largest remainder (:meth:`booking_core.money.Money.allocate`: the visits sum exactly to the
price, each is a whole number of minor units within one unit of its exact share, leftover
units to the largest remainders, ties to the earlier visit — part order, then visit order).
A visit's allocated value is what a refund gives back for it unused and what the
commissions of the order that used it are computed on (docs/packages.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, NewType

import attrs

from booking_core.errors import InvalidPackage
from booking_core.ids import ServiceId
from booking_core.money import Money

__all__ = ["Package", "PackageId", "PackagePart"]

PackageId = NewType("PackageId", str)

#: At most this many visits per part, this many parts, this many days of validity.
MAX_VISITS: Final = 999
MAX_PARTS: Final = 50
MAX_VALID_DAYS: Final = 3650


def _visits(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or not 1 <= value <= MAX_VISITS:
        raise InvalidPackage(
            f"A package part holds 1 to {MAX_VISITS} visits; got {value!r}.",
            details={"field": "visits"},
        )


def _unit_price(_: object, attribute: attrs.Attribute[Money], value: Money) -> None:
    if not isinstance(value, Money) or value.is_negative:
        raise InvalidPackage(
            f"A part's list price is zero or more; got {value!r}.",
            details={"field": "unit_price"},
        )


@attrs.frozen
class PackagePart:
    """One service of a package: how many visits of it and its list price per visit (the
    catalog price when the package was made — the weight of its visits' allocation)."""

    service_id: ServiceId
    visits: int = attrs.field(validator=_visits)
    unit_price: Money = attrs.field(validator=_unit_price)

    @property
    def list_total(self) -> Money:
        """What its visits cost bought one by one: ``unit_price × visits``."""
        return self.unit_price * self.visits


def _name(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidPackage("A package needs a name.", details={"field": "name"})


def _as_parts(value: Iterable[PackagePart]) -> tuple[PackagePart, ...]:
    return tuple(value)


def _parts(_: object, attribute: attrs.Attribute[tuple[PackagePart, ...]], value: object) -> None:
    if not isinstance(value, tuple) or not value:
        raise InvalidPackage("A package has at least one part.", details={"field": "parts"})
    if len(value) > MAX_PARTS:
        raise InvalidPackage(
            f"A package has at most {MAX_PARTS} parts; got {len(value)}.",
            details={"field": "parts"},
        )
    seen: set[ServiceId] = set()
    for part in value:
        if not isinstance(part, PackagePart):
            raise InvalidPackage(f"Not a package part: {part!r}.", details={"field": "parts"})
        if part.service_id in seen:
            raise InvalidPackage(
                f"Service {part.service_id} is in the package twice; give it one part with "
                f"more visits.",
                details={"field": "parts", "service_id": part.service_id},
            )
        seen.add(part.service_id)


def _valid_days(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (type(value) is not int or not 1 <= value <= MAX_VALID_DAYS):
        raise InvalidPackage(
            f"A package is valid 1 to {MAX_VALID_DAYS} days after purchase, or without limit "
            f"(None); got {value!r}.",
            details={"field": "valid_days"},
        )


@attrs.frozen
class Package:
    """A package (套餐): its ``parts`` (a service and how many visits of it) sold together
    at ``price``, usable ``valid_days`` days after purchase (None: no limit).

    The price is more than zero and at most what the parts cost one by one (a package is
    never dearer than its visits bought singly), in the parts' currency; the parts' list
    total is more than zero (the allocation's weights). An inactive package is no longer
    sold; packages already bought are unaffected.

    Raises:
        InvalidPackage: a rule above is broken (``details["field"]`` names it).
    """

    id: PackageId
    name: str = attrs.field(validator=_name)
    parts: tuple[PackagePart, ...] = attrs.field(converter=_as_parts, validator=_parts)
    price: Money
    valid_days: int | None = attrs.field(default=None, validator=_valid_days)
    active: bool = True

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.price, Money) or self.price.amount <= 0:
            raise InvalidPackage(
                f"A package's price is more than zero; got {self.price}.",
                details={"field": "price"},
            )
        currencies = {p.unit_price.currency for p in self.parts}
        if currencies != {self.price.currency}:
            raise InvalidPackage(
                f"A package's parts are priced in its currency {self.price.currency}; got "
                f"{', '.join(sorted(currencies))}.",
                details={"field": "price"},
            )
        total = self.list_total
        if total.amount == 0:
            raise InvalidPackage(
                "A package's parts cost nothing in the catalog: its price has nothing to be "
                "allocated over.",
                details={"field": "parts"},
            )
        if self.price > total:
            raise InvalidPackage(
                f"A package costs at most what its parts cost one by one ({total}); got "
                f"{self.price}.",
                details={"field": "price", "list_total": total.amount},
            )

    @property
    def list_total(self) -> Money:
        """What every visit costs bought one by one (the sum of the parts' list totals)."""
        return sum((p.list_total for p in self.parts), Money.zero(self.price.currency))

    @property
    def visits(self) -> int:
        """How many visits the package holds in all."""
        return sum(p.visits for p in self.parts)

    def visit_values(self) -> tuple[tuple[Money, ...], ...]:
        """The price allocated over the visits, one tuple per part (in part order) of one
        value per visit: largest remainder weighted by list price, ties to the earlier
        visit. The values sum exactly to :attr:`price`."""
        weights = [p.unit_price.amount for p in self.parts for _ in range(p.visits)]
        flat = self.price.allocate(weights)
        values: list[tuple[Money, ...]] = []
        start = 0
        for part in self.parts:
            values.append(tuple(flat[start : start + part.visits]))
            start += part.visits
        return tuple(values)

    def deactivated(self) -> Package:
        """This package no longer sold."""
        return attrs.evolve(self, active=False)
