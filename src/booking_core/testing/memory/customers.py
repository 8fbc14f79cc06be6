"""In-memory customers and their standing."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from booking_core.customers import Customer, CustomerStanding
from booking_core.errors import ConcurrentUpdate
from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.order import ACTIVE_STATES, Order
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryCustomers"]


class InMemoryCustomers(Table):
    """:class:`~booking_core.ports.storage.CustomerRepository` over a snapshot."""

    def add(self, customer: Customer) -> Customer:
        stored = attrs.evolve(customer, version=1)
        self._insert(customer.id, stored)
        return stored

    def get(self, customer_id: CustomerId) -> Customer:
        found: Customer = self._get(customer_id)
        return found

    def save(self, customer: Customer) -> Customer:
        if self.get(customer.id).version != customer.version:
            raise ConcurrentUpdate(
                f"Customer {customer.id} was changed by someone else; reload and try again.",
                details={"customer_id": customer.id},
            )
        stored = attrs.evolve(customer, version=customer.version + 1)
        self.rows[customer.id] = stored
        return stored

    def born_on(
        self,
        days: Sequence[tuple[int, int]],
        *,
        after: CustomerId | None = None,
        limit: int = 100,
    ) -> list[Customer]:
        wanted = set(days)
        found: list[Customer] = sorted(
            (
                c
                for c in self.rows.values()
                if c.details.birthday is not None
                and (c.details.birthday.month, c.details.birthday.day) in wanted
                and (after is None or c.id > after)
            ),
            key=lambda c: c.id,
        )
        return found[:limit]

    def standing(
        self,
        customer_id: CustomerId,
        *,
        technician_id: TechnicianId | None = None,
        excluding_order: OrderId | None = None,
    ) -> CustomerStanding:
        orders: list[Order] = [
            o for o in self.table("orders").values() if o.customer_id == customer_id
        ]
        unpaid = [
            o for o in orders if o.state in ACTIVE_STATES and (o.paid is None or o.paid.amount == 0)
        ]
        customer: Customer | None = self.rows.get(customer_id)
        return CustomerStanding(
            customer_id,
            tier=customer.tier if customer is not None else None,
            has_paid_order=any(
                o.id != excluding_order and o.paid is not None and o.paid.amount > 0 for o in orders
            ),
            unpaid=UnpaidCount(
                total=len(unpaid),
                with_technician=sum(1 for o in unpaid if o.technician_id == technician_id),
            ),
        )
