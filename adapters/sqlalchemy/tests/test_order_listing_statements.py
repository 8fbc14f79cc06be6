"""A page of orders costs two statements, whatever the filters and however many orders:
one ``SELECT`` of the orders (the store filter a subquery, the cursor and the limit in it)
and one of their timelines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pytest
from sqlalchemy import event

from booking_core.ids import OrderId, StoreId
from booking_core.orders import OrderState
from booking_core.ports.storage import OrderCursor, OrderQuery, OrderSort
from booking_core.testing.orders import at, order_world
from booking_core_sqlalchemy import SqlAlchemyStorage


@contextmanager
def _counting(storage: SqlAlchemyStorage) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(storage.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(storage.engine, "before_cursor_execute", count)


@pytest.mark.parametrize(
    "query",
    [
        OrderQuery(limit=3),
        OrderQuery(
            store_id=StoreId("sto_1"),
            states={OrderState.PENDING_ACCEPTANCE},
            slot_from=at(3, 0),
            slot_until=at(10, 0),
            sort=OrderSort.SOONEST_SLOT,
            after=OrderCursor(at(3, 0), OrderId("ord_0000")),
            limit=3,
        ),
    ],
    ids=["plain", "every-filter"],
)
def test_a_page_of_orders_is_two_statements(storage: SqlAlchemyStorage, query: OrderQuery) -> None:
    world = order_world(uow=storage.unit_of_work)
    with storage.unit_of_work() as uow:
        li = uow.technicians.get(world.li)
        profile = attrs.evolve(li.profile, store_id=StoreId("sto_1"))
        uow.technicians.save(attrs.evolve(li, profile=profile))
        uow.commit()
    for day in (4, 5, 6, 7):
        world.paid_order(at(day, 10))

    with storage.unit_of_work() as uow, _counting(storage) as statements:
        found = uow.orders.find(query)

    assert len(found) == 3
    assert all(order.timeline for order in found)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert (len(selects), len(statements)) == (2, 2), statements
