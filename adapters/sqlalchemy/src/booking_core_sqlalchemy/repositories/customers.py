"""Customers in ``customers``, and their standing read with their orders in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs
from sqlalchemy import bindparam, func, literal_column, or_, select, update

from booking_core.customers import Customer, CustomerStanding
from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.order import ACTIVE_STATES
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing
from booking_core_sqlalchemy.tables import customers, orders

__all__ = ["SqlAlchemyCustomerRepository"]

_INSERT: Final = insert_or_nothing(customers)
_CUSTOMER: Final = select(customers).where(customers.c.id == bindparam("customer_id"))
_CAS: Final = (
    update(customers)
    .where(customers.c.id == bindparam("cas_id"), customers.c.version == bindparam("cas_version"))
    .values(
        tier=bindparam("new_tier"),
        document=bindparam("new_document", type_=customers.c.document.type),
        version=customers.c.version + 1,
    )
)

_ACTIVE_STATE_NAMES: Final = sorted(state.value for state in ACTIVE_STATES)
assert all(name.isidentifier() for name in _ACTIVE_STATE_NAMES)  # safe to write as SQL text
# Constants written into the SQL: an IN list of parameters is re-rendered on every execution.
_OPEN_UNPAID: Final = orders.c.state.in_(
    [literal_column(f"'{name}'") for name in _ACTIVE_STATE_NAMES]
) & or_(orders.c.paid_amount.is_(None), orders.c.paid_amount == 0)
# One row whatever he has (an aggregate without GROUP BY), his tier beside the counts; the
# (customer_id, placed_at) index finds his orders. Ids are never empty: "" means "none".
_STANDING: Final = select(
    select(customers.c.tier)
    .where(customers.c.id == bindparam("customer_id"))
    .scalar_subquery()
    .label("tier"),
    func.count().filter(_OPEN_UNPAID),
    func.count().filter(_OPEN_UNPAID & (orders.c.technician_id == bindparam("technician_id"))),
    func.count().filter((orders.c.paid_amount > 0) & (orders.c.id != bindparam("excluding"))),
).where(orders.c.customer_id == bindparam("customer_id"))


class SqlAlchemyCustomerRepository(Repository):
    """Customers (key columns and a converter document), compare-and-set on version."""

    entity = "customer"

    def add(self, customer: Customer) -> Customer:
        """Store a new customer; him at version 1. Raises DuplicateEntity."""
        stored = attrs.evolve(customer, version=1)
        self._insert_new(_INSERT, mapping.customer_to_row(stored), customer.id)
        return stored

    def get(self, customer_id: CustomerId) -> Customer:
        """The customer. Raises NotFound (``customer_not_found``)."""
        return mapping.customer_to_domain(
            self._one(_CUSTOMER, {"customer_id": customer_id}, customer_id)
        )

    def born_on(
        self,
        days: Sequence[tuple[int, int]],
        *,
        after: CustomerId | None = None,
        limit: int = 100,
    ) -> list[Customer]:
        """Customers born on one of ``days`` (month, day), by id after ``after``. The
        birthday is read from the document (``YYYY-MM-DD``): the job runs a few times a
        day, so a scan of the customers is acceptable without an index of its own."""
        if not days:
            return []
        born = customers.c.document[("details", "birthday")].as_string()
        query = select(customers).where(
            or_(*(born.like(f"%-{month:02d}-{day:02d}") for month, day in sorted(set(days))))
        )
        if after is not None:
            query = query.where(customers.c.id > after)
        rows = self._conn.execute(query.order_by(customers.c.id).limit(limit))
        return [mapping.customer_to_domain(row) for row in rows]

    def save(self, customer: Customer) -> Customer:
        """Compare-and-set on ``version``; him at the next version.

        Raises:
            NotFound: no such customer.
            ConcurrentUpdate: someone saved him since he was read.
        """
        values = mapping.customer_to_row(customer)
        params = {"cas_id": customer.id, "cas_version": customer.version,
                  "new_tier": values["tier"], "new_document": values["document"]}  # fmt: skip
        self._compare_and_set(_CAS, params, customer.id, self.get)
        return attrs.evolve(customer, version=customer.version + 1)

    def standing(
        self,
        customer_id: CustomerId,
        *,
        technician_id: TechnicianId | None = None,
        excluding_order: OrderId | None = None,
    ) -> CustomerStanding:
        """His tier, whether another order of his was paid, and his open unpaid orders (in
        all and with ``technician_id``): one statement."""
        params = {
            "customer_id": customer_id,
            "technician_id": technician_id or "",
            "excluding": excluding_order or "",
        }
        tier, unpaid, mine, paid = self._conn.execute(_STANDING, params).one()
        return CustomerStanding(
            customer_id,
            tier=tier,
            has_paid_order=bool(paid),
            unpaid=UnpaidCount(total=int(unpaid), with_technician=int(mine)),
        )
