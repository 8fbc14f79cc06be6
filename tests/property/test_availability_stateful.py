"""I1 and I2 under any sequence of book / hold / reschedule / cancel / release / time passing."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pendulum
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from booking_core import Money
from booking_core.bootstrap import build
from booking_core.catalog import Category, Service
from booking_core.errors import BookingError
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.orders.policy import OrderPolicy
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.holds import HoldSlot
from booking_core.services.ordering import PlaceOrder
from booking_core.services.rescheduling import RescheduleBooking
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core.timerange import TimeRange

ZONE = "Europe/London"
DAY = pendulum.date(2026, 3, 28)  # the day before the clocks go forward
SERVICES = (ServiceId("svc_short"), ServiceId("svc_long"))
TECHS = (TechnicianId("tec_1"), TechnicianId("tec_2"))
CUSTOMERS = (CustomerId("cus_a"), CustomerId("cus_b"), CustomerId("cus_c"))
ADDRESSES = (None, GeoPoint(51.5074, -0.1278), GeoPoint(51.4545, -0.0235))

starts = st.integers(min_value=0, max_value=2 * 24 * 4 - 1)  # quarter hours over two days


def _start(quarter: int) -> pendulum.DateTime:
    midnight = pendulum.datetime(DAY.year, DAY.month, DAY.day, tz=ZONE)
    return midnight.add(minutes=15 * quarter)


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryStore()
        self.clock = FrozenClock(pendulum.datetime(2026, 3, 28, 6, 0, tz=ZONE))
        self.app = build(
            uow=self.store.unit_of_work,
            payments=ScriptedPaymentGateway(),
            clock=self.clock,
            ids=SequentialIds(),
            policy=BookingPolicy(
                notice_minutes=30, window_days=3, slot_step_minutes=15, hold_minutes=10
            ),
            # Availability is under test, not hoarding: a few customers book freely here.
            order_policy=OrderPolicy(
                max_unpaid_orders_per_customer=None, max_unpaid_orders_per_customer_technician=None
            ),
        )
        with self.store.unit_of_work() as uow:
            uow.categories.add(Category(CategoryId("cat_1"), "Massage"))
            uow.services.add(
                Service(
                    SERVICES[0],
                    CategoryId("cat_1"),
                    "Foot 45",
                    45,
                    Money(100, "GBP"),
                    buffer_before_minutes=10,
                    buffer_after_minutes=5,
                )
            )
            uow.services.add(
                Service(
                    SERVICES[1],
                    CategoryId("cat_1"),
                    "Full body 90",
                    90,
                    Money(200, "GBP"),
                    buffer_after_minutes=15,
                )
            )
            for tid in TECHS:
                uow.technicians.add(
                    Technician(
                        tid,
                        tid,
                        ZONE,
                        WeeklyHours.parse(
                            {d: ["08:00-12:00", "13:00-02:00"] for d in ("fri", "sat", "sun")}
                        ),
                        set(SERVICES),
                    )
                )
            uow.commit()
        self.orders: list[tuple[OrderId, CustomerId]] = []
        self.holds: list[tuple[BookingId, CustomerId]] = []

    def _snapshot(self) -> dict[str, dict[str, str]]:
        """Every stored row, as text: a refused command must leave all of it as it was."""
        return {
            name: {str(key): repr(row) for key, row in rows.items()}
            for name, rows in self.store.tables.items()
        }

    @contextmanager
    def _refusal_changes_nothing(self, refused: Callable[[], None]) -> Iterator[None]:
        """Run the block; on a refusal call ``refused`` and assert no stored row changed."""
        before = self._snapshot()
        try:
            yield
        except BookingError:
            assert self._snapshot() == before, "a refused command changed stored data"
            refused()

    def _offered(
        self,
        customer: CustomerId,
        tech: TechnicianId,
        service: ServiceId,
        location: GeoPoint | None,
    ) -> set[int]:
        slots = self.app.availability.free_slots_between(
            tech,
            service,
            DAY.subtract(days=1),
            DAY.add(days=2),
            customer_id=customer,
            location=location,
        )
        return {s.start.int_timestamp // 60 for s in slots}

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        tech=st.sampled_from(TECHS),
        service=st.sampled_from(SERVICES),
        quarter=starts,
        where=st.sampled_from(ADDRESSES),
    )
    def book(
        self,
        customer: CustomerId,
        tech: TechnicianId,
        service: ServiceId,
        quarter: int,
        where: GeoPoint | None,
    ) -> None:
        start = _start(quarter)
        offered = start.int_timestamp // 60 in self._offered(customer, tech, service, where)
        placed: list[Any] = []

        def refused() -> None:
            assert not offered, "offered but refused (I2)"

        with self._refusal_changes_nothing(refused):
            placed.append(
                self.app.ordering.place_order(
                    PlaceOrder(customer, tech, service, start, location=where),
                    Actor.customer(customer),
                )
            )
        if placed:
            assert offered, "accepted but not offered (I2)"
            event("booked")
            self.orders.append((placed[0].id, customer))

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        tech=st.sampled_from(TECHS),
        service=st.sampled_from(SERVICES),
        quarter=starts,
        where=st.sampled_from(ADDRESSES),
    )
    def hold(
        self,
        customer: CustomerId,
        tech: TechnicianId,
        service: ServiceId,
        quarter: int,
        where: GeoPoint | None,
    ) -> None:
        start = _start(quarter)
        offered = start.int_timestamp // 60 in self._offered(customer, tech, service, where)
        held: list[Any] = []

        def refused() -> None:
            assert not offered, "offered but the hold was refused (I2)"

        with self._refusal_changes_nothing(refused):
            held.append(
                self.app.holds.hold(
                    HoldSlot(customer, tech, service, start, location=where),
                    Actor.customer(customer),
                )
            )
        if held:
            assert offered, "held but not offered (I2)"
            event("held")
            self.holds.append((held[0].id, customer))

    @precondition(lambda self: bool(self.orders))
    @rule(index=st.integers(min_value=0), quarter=starts)
    def reschedule(self, index: int, quarter: int) -> None:
        order_id, customer = self.orders[index % len(self.orders)]
        actor = Actor(customer, Role.CUSTOMER)
        order = self.app.ordering.get_order(order_id, actor)
        with self.store.unit_of_work() as uow:
            booking = uow.bookings.get(order.booking_id)
        start = _start(quarter)
        moved: list[Any] = []
        with self._refusal_changes_nothing(lambda: event("reschedule refused")):
            moved.append(
                self.app.rescheduling.reschedule(RescheduleBooking(order.booking_id, start, actor))
            )
        if moved:
            with self.store.unit_of_work() as uow:
                event("rescheduled")
                assert booking.active  # only an active booking moves
                assert not uow.bookings.get(booking.id).active  # the old time is free (I4)
                assert uow.bookings.get(moved[0].id).active

    @precondition(lambda self: bool(self.orders))
    @rule(index=st.integers(min_value=0))
    def cancel(self, index: int) -> None:
        order_id, customer = self.orders[index % len(self.orders)]
        # Cancelling twice is refused, and the refusal must leave everything as it was.
        with self._refusal_changes_nothing(lambda: event("cancel refused")):
            self.app.ordering.transition(order_id, "cancel", Actor(customer, Role.CUSTOMER))
            event("cancelled")

    @precondition(lambda self: bool(self.holds))
    @rule(index=st.integers(min_value=0))
    def release_hold(self, index: int) -> None:
        hold_id, customer = self.holds[index % len(self.holds)]
        self.app.holds.release(hold_id, Actor.customer(customer))

    @rule(minutes=st.integers(min_value=1, max_value=20))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(pendulum.duration(minutes=minutes))

    @invariant()
    def no_two_active_bookings_of_a_technician_overlap(self) -> None:
        everything = TimeRange(_start(-200), _start(400))
        with self.store.unit_of_work() as uow:
            for tech in TECHS:
                active = uow.bookings.list_active(tech, everything)
                for first, second in itertools.pairwise(active):
                    assert first.blocked.end <= second.blocked.start, (first, second)


BookingMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestBookingMachine = BookingMachine.TestCase
