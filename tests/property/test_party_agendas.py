"""Parties under any sequence of party and single placements and cancellations (issue 15):
every technician's agenda stays free of overlaps (I1), every stored party is whole — all
its seats, distinct technicians, one slot — and a party is placed exactly when the search
offered its start with every technician it names (one rule engine for slots and
bookings, I2)."""

from __future__ import annotations

import itertools

import pendulum
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from booking_core import Money
from booking_core.bootstrap import build
from booking_core.catalog import Category, Service
from booking_core.errors import BookingError
from booking_core.ids import CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Actor, OrderState
from booking_core.orders.policy import OrderPolicy
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.availability import SlotSearch
from booking_core.services.ordering import PlaceOrder, PlaceParty
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core.timerange import TimeRange

ZONE = "Asia/Shanghai"
DAY = pendulum.date(2026, 3, 3)
PAIR = ServiceId("svc_pair")  # 60 min for two, 10 before, 5 after
TRIO = ServiceId("svc_trio")  # 45 min for three
SOLO = ServiceId("svc_solo")  # 40 min for one, 15 before
TECHS = (TechnicianId("tec_1"), TechnicianId("tec_2"), TechnicianId("tec_3"))
# Two of the three technicians work from a home base apart: travel differs per seat.
PLACES = (None, GeoPoint(31.2304, 121.4737), GeoPoint(31.2235, 121.4452))
WHOLE_DAY = TimeRange(
    pendulum.datetime(2026, 3, 3, tz=ZONE), pendulum.datetime(2026, 3, 4, tz=ZONE)
)

quarters = st.integers(min_value=36, max_value=80)  # 09:00 to 20:00, quarter hours
pairs = st.sampled_from(list(itertools.permutations(TECHS, 2)))
trios = st.sampled_from(list(itertools.permutations(TECHS, 3)))


def _start(quarter: int) -> pendulum.DateTime:
    return pendulum.datetime(2026, 3, 3, tz=ZONE).add(minutes=15 * quarter)


class PartyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryStore()
        self.app = build(
            uow=self.store.unit_of_work,
            payments=ScriptedPaymentGateway(),
            clock=FrozenClock(pendulum.datetime(2026, 3, 3, 7, 0, tz=ZONE)),
            ids=SequentialIds(),
            policy=BookingPolicy(notice_minutes=30, window_days=3),
            order_policy=OrderPolicy(
                max_unpaid_orders_per_customer=None, max_unpaid_orders_per_customer_technician=None
            ),
        )
        with self.store.unit_of_work() as uow:
            uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
            cny = Money(10000, "CNY")
            uow.services.add(
                Service(PAIR, CategoryId("cat_1"), "Pair", 60, cny, buffer_before_minutes=10,
                        buffer_after_minutes=5, technicians_needed=2)
            )  # fmt: skip
            uow.services.add(
                Service(TRIO, CategoryId("cat_1"), "Trio", 45, cny, technicians_needed=3)
            )
            uow.services.add(
                Service(SOLO, CategoryId("cat_1"), "Solo", 40, cny, buffer_before_minutes=15)
            )
            for technician_id in TECHS:
                uow.technicians.add(
                    Technician(
                        technician_id, technician_id, ZONE,
                        WeeklyHours.every_day("09:00", "21:00"), frozenset({PAIR, TRIO, SOLO}),
                    )
                )  # fmt: skip
            uow.commit()
        self.customers = (CustomerId(f"cus_{n}") for n in itertools.count())
        self.orders: list[OrderId] = []

    def _offered(self, service: ServiceId, start: pendulum.DateTime, place: GeoPoint | None,
                 technicians: tuple[TechnicianId, ...]) -> bool:  # fmt: skip
        found = self.app.availability.search(SlotSearch(service, DAY, location=place))
        for slot in found:
            if slot.slot.start == start:
                return set(technicians) <= {o.technician_id for o in slot.technicians}
        return False

    def _party(self, service: ServiceId, technicians: tuple[TechnicianId, ...], quarter: int,
               place: GeoPoint | None) -> None:  # fmt: skip
        start = _start(quarter)
        offered = self._offered(service, start, place, technicians)
        customer = next(self.customers)
        command = PlaceParty(customer, service, technicians, start, location=place)
        try:
            placed = self.app.ordering.place_party(command, Actor.customer(customer))
        except BookingError as refused:
            event(f"party refused: {refused.error_code}")
            placed = None
        assert (placed is not None) == offered, (start, technicians, offered)
        if placed is None:
            return
        event(f"party of {len(technicians)} placed")
        self.orders.extend(o.id for o in placed.orders)

    @rule(technicians=pairs, quarter=quarters, place=st.sampled_from(PLACES))
    def place_pair(
        self, technicians: tuple[TechnicianId, ...], quarter: int, place: GeoPoint | None
    ) -> None:
        self._party(PAIR, technicians, quarter, place)

    @rule(technicians=trios, quarter=quarters)
    def place_trio(self, technicians: tuple[TechnicianId, ...], quarter: int) -> None:
        self._party(TRIO, technicians, quarter, None)

    @rule(technician=st.sampled_from(TECHS), quarter=quarters, place=st.sampled_from(PLACES))
    def place_solo(self, technician: TechnicianId, quarter: int, place: GeoPoint | None) -> None:
        customer = next(self.customers)
        command = PlaceOrder(customer, technician, SOLO, _start(quarter), location=place)
        try:
            order = self.app.ordering.place_order(command, Actor.customer(customer))
        except BookingError:
            return
        self.orders.append(order.id)

    @precondition(lambda self: bool(self.orders))
    @rule(index=st.integers(min_value=0, max_value=10_000))
    def cancel(self, index: int) -> None:
        order_id = self.orders.pop(index % len(self.orders))
        with self.store.unit_of_work() as uow:
            customer = uow.orders.get(order_id).customer_id
        self.app.ordering.cancellation.cancel(order_id, Actor.customer(customer))

    @invariant()
    def agendas_never_overlap(self) -> None:
        with self.store.unit_of_work() as uow:
            for technician_id in TECHS:
                blocked = sorted(
                    (b.blocked for b in uow.bookings.list_active(technician_id, WHOLE_DAY)),
                    key=lambda r: r.start,
                )
                for first, second in itertools.pairwise(blocked):
                    assert not first.overlaps(second), (technician_id, first, second)

    @invariant()
    def parties_are_whole(self) -> None:
        with self.store.unit_of_work() as uow:
            orders = [
                o
                for n in range(200)
                for o in uow.orders.list_for_customer(CustomerId(f"cus_{n}"))
                if o.party is not None
            ]
        parties: dict[str, list[tuple[int, TechnicianId | None, TimeRange, int]]] = {}
        for order in orders:
            assert order.party is not None
            parties.setdefault(order.party.id, []).append(
                (order.party.seat, order.technician_id, order.slot, order.party.size)
            )
        for seats in parties.values():
            size = seats[0][3]
            assert sorted(s[0] for s in seats) == list(range(size))
            assert len({s[1] for s in seats}) == size
            assert len({s[2] for s in seats}) == 1

    @invariant()
    def placed_seats_hold_their_bookings(self) -> None:
        with self.store.unit_of_work() as uow:
            for order_id in self.orders:
                order = uow.orders.get(order_id)
                if order.state == OrderState.PENDING_PAYMENT:
                    assert uow.bookings.get(order.booking_id).active


TestParties = PartyMachine.TestCase
TestParties.settings = settings(max_examples=40, stateful_step_count=12, deadline=None)
