"""In-memory packages and holdings."""

from __future__ import annotations

import attrs

from booking_core.catalog import HoldingId, Package, PackageHolding, PackageId
from booking_core.errors import ConcurrentUpdate, DuplicateEntity
from booking_core.ids import CustomerId
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryHoldings", "InMemoryPackages"]


class InMemoryPackages(Table):
    """:class:`~booking_core.ports.storage.PackageRepository` over a snapshot."""

    def add(self, package: Package) -> None:
        self._insert(package.id, package)

    def get(self, package_id: PackageId) -> Package:
        found: Package = self._get(package_id)
        return found

    def save(self, package: Package) -> None:
        self._get(package.id)
        self.rows[package.id] = package

    def list(self, *, active_only: bool = False) -> list[Package]:
        found = [p for p in self.rows.values() if p.active or not active_only]
        return sorted(found, key=lambda p: (p.name, p.id))


class InMemoryHoldings(Table):
    """:class:`~booking_core.ports.storage.HoldingRepository` over a snapshot (rows are
    frozen holdings by id; units of work are serialized)."""

    def add(self, holding: PackageHolding) -> PackageHolding:
        if self.find_by_payment(holding.payment_reference) is not None:
            raise DuplicateEntity("package_holding", holding.id)
        stored = attrs.evolve(holding, version=1)
        self._insert(holding.id, stored)
        return stored

    def get(self, holding_id: HoldingId) -> PackageHolding:
        found: PackageHolding = self._get(holding_id)
        return found

    def find_by_payment(self, payment_reference: str) -> PackageHolding | None:
        return next(
            (h for h in self.rows.values() if h.payment_reference == payment_reference), None
        )

    def list_for_customer(self, customer_id: CustomerId) -> list[PackageHolding]:
        found = [h for h in self.rows.values() if h.customer_id == customer_id]
        return sorted(found, key=lambda h: (h.purchased_at, h.id))

    def save(self, holding: PackageHolding) -> PackageHolding:
        if self.get(holding.id).version != holding.version:
            raise ConcurrentUpdate(
                f"Package holding {holding.id} was changed by someone else; reload it and try "
                f"again.",
                details={"holding_id": holding.id},
            )
        stored = attrs.evolve(holding, version=holding.version + 1)
        self.rows[holding.id] = stored
        return stored
