"""Packages in ``packages`` and bought packages in ``package_holdings`` (revision 0028).

A holding is key columns plus the converter document, compare-and-set on ``version``; the
unique ``payment_reference`` stores one holding per payment (a second purchase recorded
against it inserts nothing and finds the first).
"""

from __future__ import annotations

from typing import Any, Final

import attrs
from sqlalchemy import bindparam, select, update

from booking_core.catalog import (
    HoldingId,
    Package,
    PackageHolding,
    PackageId,
    PackagePart,
)
from booking_core.errors import NotFound
from booking_core.ids import CustomerId
from booking_core.money import Money
from booking_core.serialization import make_converter
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing, rowcount
from booking_core_sqlalchemy.tables import package_holdings, packages

__all__ = [
    "SqlAlchemyHoldingRepository",
    "SqlAlchemyPackageRepository",
    "holding_to_domain",
    "holding_to_row",
    "package_to_domain",
    "package_to_row",
]

_converter = make_converter()
_p = packages.c
_h = package_holdings.c
_PARTS = tuple[PackagePart, ...]

_INSERT_PACKAGE: Final = insert_or_nothing(packages)
_GET_PACKAGE: Final = select(packages).where(_p.id == bindparam("package_id"))
_SAVE_PACKAGE: Final = (
    update(packages)
    .where(_p.id == bindparam("package_id"))
    .values(
        name=bindparam("new_name"),
        active=bindparam("new_active"),
        price_amount=bindparam("new_price_amount"),
        price_currency=bindparam("new_price_currency"),
        valid_days=bindparam("new_valid_days"),
        parts=bindparam("new_parts", type_=_p.parts.type),
    )
)
_LIST_PACKAGES: Final = select(packages).order_by(_p.name, _p.id)
_LIST_ACTIVE: Final = select(packages).where(_p.active.is_(True)).order_by(_p.name, _p.id)

_INSERT_HOLDING: Final = insert_or_nothing(package_holdings)
_GET_HOLDING: Final = select(package_holdings).where(_h.id == bindparam("holding_id"))
_BY_PAYMENT: Final = select(package_holdings).where(
    _h.payment_reference == bindparam("payment_reference")
)
_FOR_CUSTOMER: Final = (
    select(package_holdings)
    .where(_h.customer_id == bindparam("customer_id"))
    .order_by(_h.purchased_at, _h.id)
)
_CAS: Final = (
    update(package_holdings)
    .where(_h.id == bindparam("cas_id"), _h.version == bindparam("cas_version"))
    .values(document=bindparam("new_document", type_=_h.document.type), version=_h.version + 1)
)


def package_to_row(package: Package) -> dict[str, Any]:
    """Column values of a package."""
    return {
        "id": package.id,
        "name": package.name,
        "active": package.active,
        "price_amount": package.price.amount,
        "price_currency": package.price.currency,
        "valid_days": package.valid_days,
        "parts": _converter.unstructure(package.parts, _PARTS),
    }


def package_to_domain(row: Any) -> Package:
    """The package of a ``packages`` row."""
    return Package(
        PackageId(row.id),
        row.name,
        _converter.structure(row.parts, _PARTS),
        Money(row.price_amount, row.price_currency),
        row.valid_days,
        bool(row.active),
    )


def holding_to_row(holding: PackageHolding) -> dict[str, Any]:
    """Column values of a holding: key columns and the converter document."""
    document = _converter.unstructure(holding, PackageHolding)
    del document["version"]
    return {
        "id": holding.id,
        "customer_id": holding.customer_id,
        "package_id": holding.package_id,
        "payment_reference": holding.payment_reference,
        "purchased_at": holding.purchased_at,
        "expires_at": holding.expires_at,
        "paid_amount": holding.paid.amount,
        "paid_currency": holding.paid.currency,
        "version": holding.version,
        "document": document,
    }


def holding_to_domain(row: Any) -> PackageHolding:
    """The holding of a ``package_holdings`` row."""
    return _converter.structure({**row.document, "version": row.version}, PackageHolding)


class SqlAlchemyPackageRepository(Repository):
    """Packages, one statement per method."""

    entity = "package"

    def add(self, package: Package) -> None:
        """Store a new package. Raises DuplicateEntity (``package_exists``)."""
        self._insert_new(_INSERT_PACKAGE, package_to_row(package), package.id)

    def get(self, package_id: PackageId) -> Package:
        """The package. Raises NotFound (``package_not_found``)."""
        return package_to_domain(self._one(_GET_PACKAGE, {"package_id": package_id}, package_id))

    def save(self, package: Package) -> None:
        """Replace the stored package. Raises NotFound."""
        row = package_to_row(package)
        params = {"package_id": package.id} | {f"new_{k}": v for k, v in row.items() if k != "id"}
        if not rowcount(self._conn.execute(_SAVE_PACKAGE, params)):
            raise NotFound(self.entity, package.id)

    def list(self, *, active_only: bool = False) -> list[Package]:
        """The packages, by name then id."""
        statement = _LIST_ACTIVE if active_only else _LIST_PACKAGES
        return [package_to_domain(row) for row in self._conn.execute(statement)]


class SqlAlchemyHoldingRepository(Repository):
    """Bought packages, one statement per method (two for a refused save)."""

    entity = "package_holding"

    def add(self, holding: PackageHolding) -> PackageHolding:
        """Store a new holding at version 1. Raises DuplicateEntity (its id or its payment
        reference exists)."""
        stored = attrs.evolve(holding, version=1)
        self._insert_new(_INSERT_HOLDING, holding_to_row(stored), holding.id)
        return stored

    def get(self, holding_id: HoldingId) -> PackageHolding:
        """The holding. Raises NotFound (``package_holding_not_found``)."""
        return holding_to_domain(self._one(_GET_HOLDING, {"holding_id": holding_id}, holding_id))

    def find_by_payment(self, payment_reference: str) -> PackageHolding | None:
        """The holding bought with ``payment_reference``, if any."""
        row = self._conn.execute(_BY_PAYMENT, {"payment_reference": payment_reference}).first()
        return None if row is None else holding_to_domain(row)

    def list_for_customer(self, customer_id: CustomerId) -> list[PackageHolding]:
        """The customer's holdings, by purchase instant then id."""
        rows = self._conn.execute(_FOR_CUSTOMER, {"customer_id": customer_id})
        return [holding_to_domain(row) for row in rows]

    def save(self, holding: PackageHolding) -> PackageHolding:
        """Compare-and-set on ``version``; the holding at the next version.

        Raises:
            NotFound: no such holding.
            ConcurrentUpdate: someone saved it since it was read.
        """
        params = {
            "cas_id": holding.id,
            "cas_version": holding.version,
            "new_document": holding_to_row(holding)["document"],
        }
        self._compare_and_set(_CAS, params, holding.id, self.get)
        return attrs.evolve(holding, version=holding.version + 1)
