"""Orders paid by a package's last visit, on SQLite and PostgreSQL (issue 15): of orders
placed at once with the same last visit — at different times, with different technicians,
so nothing else stands between them — exactly one is placed and paid by it; the others are
refused ``none_left`` and leave no order, booking or journal entry behind."""

from __future__ import annotations

from booking_core.errors import PackageNotRedeemable
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.orders import Actor, Order, OrderState
from booking_core.services.ordering import PlaceOrder
from booking_core.services.packages import CreatePackage, RecordPurchase
from booking_core.testing.contracts.orders import at_once
from booking_core.testing.orders import HOME, OPERATOR, at, order_world
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage

ORDERS = 6


def test_orders_racing_for_the_last_visit_one_is_paid_by_it(storage: SqlAlchemyStorage) -> None:
    world = order_world(uow=storage.unit_of_work)
    package = world.app.packages.create_package(
        CreatePackage("Foot once", ((world.foot, 1),), Money(8000, "CNY")), OPERATOR
    )
    holding = world.app.packages.record_purchase(
        RecordPurchase(package.id, CustomerId("cus_1"), "wx-9", Money(8000, "CNY")), OPERATOR
    )
    customer = Actor.customer("cus_1")

    def attempt(n: int) -> Order:
        command = PlaceOrder(
            CustomerId("cus_1"), world.li if n % 2 else world.wang, world.foot,
            at(3, 10 + n), location=HOME, holding_id=holding.id,
        )  # fmt: skip
        return world.app.ordering.place_order(command, customer)

    results = at_once(ORDERS, attempt)

    won = [r for r in results if isinstance(r, Order)]
    lost = [r for r in results if not isinstance(r, Order)]
    assert len(won) == 1, results
    assert all(isinstance(r, PackageNotRedeemable) for r in lost), results
    assert {r.details["reason"] for r in lost if isinstance(r, PackageNotRedeemable)} == {
        "none_left"
    }
    order = won[0]
    assert (order.state, order.paid_amount.amount) == (OrderState.PENDING_ACCEPTANCE, 8000)
    with world.uow() as uow:
        stored = uow.orders.list_for_customer(CustomerId("cus_1"))
        bookings = [
            b.order_id
            for t in (world.li, world.wang)
            for b in uow.bookings.list_active(t, TimeRange(at(3, 0), at(4, 0)))
        ]
        uses = uow.holdings.get(holding.id).uses
    assert [o.id for o in stored] == [order.id]
    assert bookings == [order.id]
    assert [u.order_id for u in uses] == [OrderId(order.id)]
    assert world.journal(order.id) == [
        (f"visit:{order.id}", {"prepaid_packages": 8000, "customer_funds": -8000})
    ]
    assert world.balances() == {"payments_clearing": 8000, "customer_funds": -8000}
