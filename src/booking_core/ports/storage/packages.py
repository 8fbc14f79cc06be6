"""Storage of packages (套餐) and the packages customers bought (holdings)."""

from __future__ import annotations

from typing import Protocol

from booking_core.catalog import HoldingId, Package, PackageHolding, PackageId
from booking_core.ids import CustomerId

__all__ = ["HoldingRepository", "PackageRepository", "PackageStore"]


class PackageRepository(Protocol):
    """The platform's packages."""

    def add(self, package: Package) -> None:
        """Store a new package. Raises DuplicateEntity (``package_exists``)."""
        ...

    def get(self, package_id: PackageId) -> Package:
        """The package. Raises NotFound (``package_not_found``)."""
        ...

    def save(self, package: Package) -> None:
        """Replace the stored package with the same id (e.g. deactivated); last writer wins.
        Raises NotFound (``package_not_found``)."""
        ...

    def list(self, *, active_only: bool = False) -> list[Package]:
        """The packages (only those still sold if ``active_only``), by name then id."""
        ...


class HoldingRepository(Protocol):
    """Bought packages, compare-and-set on ``version``.

    A payment reference is stored once: of two purchases recorded against one payment,
    one is stored and the other finds it (:meth:`find_by_payment`).
    """

    def add(self, holding: PackageHolding) -> PackageHolding:
        """Store a new holding; returns it at version 1.

        Raises:
            DuplicateEntity: (``package_holding_exists``) its id or its payment reference
                is stored already.
        """
        ...

    def get(self, holding_id: HoldingId) -> PackageHolding:
        """The holding. Raises NotFound (``package_holding_not_found``)."""
        ...

    def find_by_payment(self, payment_reference: str) -> PackageHolding | None:
        """The holding bought with ``payment_reference``, if any."""
        ...

    def list_for_customer(self, customer_id: CustomerId) -> list[PackageHolding]:
        """The customer's holdings, by purchase instant then id."""
        ...

    def save(self, holding: PackageHolding) -> PackageHolding:
        """Store the changed holding if nobody saved it since it was read (its ``version``
        is the stored one); returns it at the next version.

        Raises:
            NotFound: (``package_holding_not_found``) no such holding.
            ConcurrentUpdate: someone saved it since it was read (one winner per version).
        """
        ...


class PackageStore(Protocol):
    """The packages' part of a unit of work."""

    @property
    def packages(self) -> PackageRepository: ...
    @property
    def holdings(self) -> HoldingRepository: ...
