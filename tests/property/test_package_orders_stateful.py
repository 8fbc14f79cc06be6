"""Package visits and the books under any sequence of orders paid by visits, cancellations
(free, or keeping a fee), completions, complaints refunded in full and refunds of the rest
of a package (issue 15, I8, I13):

* prepaid packages owe exactly the value of every unused visit of every holding;
* customer funds hold exactly what the open orders were paid by their visits;
* a visit is used by exactly the orders that stand on it — open, completed and not
  refunded, or cancelled keeping the visit — and an order given its visit back is
  refunded in full;
* the books balance, and payments clearing holds exactly what the packages were sold for
  less what their refunds paid back (a refund takes every visit neither used nor refunded).
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from booking_core.catalog import HoldingId
from booking_core.errors import BookingError, ComplaintNotAllowed, InvalidPackage
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.orders import Actor, OrderState, Role
from booking_core.orders.complaint import Decision, Remedy
from booking_core.orders.order import ACTIVE_STATES
from booking_core.services.aftersales import FileComplaint
from booking_core.services.ordering import PlaceOrder
from booking_core.services.packages import CreatePackage, RecordPurchase, RefundPackage
from booking_core.testing.orders import CUSTOMER, HOME, OPERATOR, OrderWorld, order_world

SOLD = (Money(50000, "CNY"), Money(29999, "CNY"))


class PackageOrders(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world: OrderWorld = order_world()
        world = self.world
        # Wang asks more than the catalog: a visit's value must not follow him.
        wang = world.app.technicians.get(world.wang)
        prices = {**wang.profile.prices, world.tuina: Money(21900, "CNY")}
        world.app.technicians.update_profile(
            world.wang, attrs.evolve(wang.profile, prices=prices), OPERATOR
        )
        spring = world.app.packages.create_package(
            CreatePackage("Spring 5", ((world.tuina, 3), (world.foot, 2)), SOLD[0]), OPERATOR
        )
        ten = world.app.packages.create_package(
            CreatePackage("Foot 4", ((world.foot, 4),), SOLD[1]), OPERATOR
        )
        self.holdings = [
            world.app.packages.record_purchase(
                RecordPurchase(package.id, CustomerId("cus_1"), f"wx-{n}", price), OPERATOR
            ).id
            for n, (package, price) in enumerate(((spring, SOLD[0]), (ten, SOLD[1])))
        ]
        self.orders: list[OrderId] = []
        self.refunded: dict[str, int] = {}  # refund reference: amount paid back

    @rule(
        holding=st.integers(0, 1),
        tuina=st.booleans(),
        wang=st.booleans(),
        day=st.integers(0, 4),
        hour=st.integers(10, 19),
    )
    def place(self, holding: int, tuina: bool, wang: bool, day: int, hour: int) -> None:
        world = self.world
        start = world.clock.now().start_of("day").add(days=day, hours=hour)
        command = PlaceOrder(
            CustomerId("cus_1"),
            world.wang if wang else world.li,
            world.tuina if tuina else world.foot,
            start,
            location=HOME,
            holding_id=self.holdings[holding],
        )
        try:
            order = world.app.ordering.place_order(command, CUSTOMER)
        except BookingError as refused:  # a used-up package, a taken or past time
            event(f"refused: {refused.error_code}")
            return
        self.orders.append(order.id)

    def _open(self, *states: OrderState) -> list[OrderId]:
        return [o for o in self.orders if self.world.get(o).state in states]

    @precondition(lambda self: self._open(*ACTIVE_STATES))
    @rule(data=st.data(), platform=st.booleans())
    def cancel(self, data: st.DataObject, platform: bool) -> None:
        order_id = data.draw(st.sampled_from(self._open(*ACTIVE_STATES)))
        actor = OPERATOR if platform else CUSTOMER
        result = self.world.app.cancellation.cancel(order_id, actor)
        event(f"cancelled keeping {'a fee' if result.quote.fee else 'nothing'}")

    def _servable(self) -> list[OrderId]:
        # Served on schedule: set off an hour before the start, which is not past yet.
        soon = self.world.clock.now().add(hours=1)
        waiting = self._open(OrderState.PENDING_ACCEPTANCE)
        return [o for o in waiting if self.world.get(o).slot.start >= soon]

    @precondition(lambda self: self._servable())
    @rule(data=st.data())
    def serve(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self._servable()))
        technician = self.world.get(order_id).technician_id
        assert technician is not None
        actor = Actor(technician, Role.TECHNICIAN)
        self.world.fire(order_id, "accept", actor=actor)
        # The clock moves to the order's end: earlier starts are past for later placements.
        self.world.fire_on_schedule(
            order_id, "depart", "arrive", "start_service", "complete", actor=actor
        )
        event("served")

    @precondition(lambda self: self._open(OrderState.COMPLETED))
    @rule(data=st.data())
    def refund_in_full(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self._open(OrderState.COMPLETED)))
        aftersales = self.world.app.aftersales
        try:
            complaint = aftersales.file(
                FileComplaint(order_id, CustomerId("cus_1"), "Not as booked", Remedy.FULL_REFUND),
                CUSTOMER,
            )
        except ComplaintNotAllowed:  # its window closed while the clock moved on
            event("complaint window closed")
            return
        aftersales.take_up(complaint.id, OPERATOR)
        aftersales.resolve(complaint.id, OPERATOR, decision=Decision.FULL_REFUND)
        event("refunded in full after completion")

    @precondition(lambda self: len(self.orders) >= 2)  # later, so visits are in use first
    @rule(holding=st.integers(0, 1), n=st.integers(0, 2))
    def refund_the_rest(self, holding: int, n: int) -> None:
        command = RefundPackage(HoldingId(self.holdings[holding]), f"back-{holding}-{n}")
        try:
            refund = self.world.app.packages.record_refund(command, OPERATOR)
        except InvalidPackage:  # nothing left to refund
            event("nothing to refund")
            return
        self.refunded[command.refund_reference] = refund.amount.amount
        event("refunded the rest")

    def _uses(self) -> dict[OrderId, Any]:
        with self.world.uow() as uow:
            holdings = [uow.holdings.get(HoldingId(h)) for h in self.holdings]
        return {u.order_id: u for h in holdings for u in h.uses}

    @invariant()
    def prepaid_packages_owe_every_unused_visit(self) -> None:
        with self.world.uow() as uow:
            holdings = [uow.holdings.get(HoldingId(h)) for h in self.holdings]
        unused = sum(h.refund_value().amount for h in holdings)
        assert -self.world.balances().get("prepaid_packages", 0) == unused

    @invariant()
    def visits_are_used_by_exactly_the_orders_standing_on_them(self) -> None:
        uses = self._uses()
        held = 0
        for order_id in self.orders:
            order = self.world.get(order_id)
            standing = order.state in ACTIVE_STATES or order.state in (
                OrderState.COMPLETED,
                OrderState.CANCELLED,  # cancelled and still cancelled: the visit was kept
            )
            assert (order_id in uses) == standing, (order_id, order.state)
            if order.state == OrderState.REFUNDED:
                assert order.refunded_amount == order.paid_amount
            if order_id in uses:
                assert order.price == uses[order_id].value
            if order.state in ACTIVE_STATES:
                held += order.paid_amount.amount
        assert -self.world.balances().get("customer_funds", 0) == held

    @invariant()
    def the_books_balance_and_clearing_holds_the_sales(self) -> None:
        balances = self.world.balances()
        assert sum(balances.values()) == 0
        sold = sum(m.amount for m in SOLD)
        assert balances.get("payments_clearing", 0) == sold - sum(self.refunded.values())


TestPackageOrders = PackageOrders.TestCase
TestPackageOrders.settings = settings(max_examples=60, stateful_step_count=14, deadline=None)
