"""The thin vertical slice through the services, on in-memory storage."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.errors import (
    DuplicateEntity,
    InvalidMoney,
    InvalidSchedule,
    InvalidTimeZone,
    NotFound,
    PermissionDenied,
    ReviewNotAllowed,
    ServiceNotOffered,
    SlotTaken,
    SlotUnavailable,
    TransitionNotAllowed,
)
from booking_core.ids import CustomerId
from booking_core.orders import Actor, Role
from booking_core.ports.payments import PaymentStatus
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.ordering import PlaceOrder
from booking_core.services.reviews import SubmitReview
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing import (
    FrozenClock,
    InMemoryStore,
    ScriptedPaymentGateway,
    SequentialIds,
)
from booking_core.testing.payments import Outcome

ZONE = "Asia/Shanghai"
MONDAY = pendulum.date(2026, 3, 2)
CUSTOMER = Actor("cus_1", Role.CUSTOMER)


@attrs.define
class World:
    app: BookingApp
    store: InMemoryStore
    clock: FrozenClock
    gateway: ScriptedPaymentGateway
    technician: Technician
    service_id: str


@pytest.fixture
def world() -> World:
    store = InMemoryStore()
    clock = FrozenClock(pendulum.datetime(2026, 3, 2, 8, 0, tz=ZONE))
    gateway = ScriptedPaymentGateway()
    app = build(
        uow=store.unit_of_work,
        payments=gateway,
        clock=clock,
        ids=SequentialIds(),
        policy=BookingPolicy(notice_minutes=60, window_days=14),
    )
    category = app.catalog.create_category(CreateCategory("按摩 Massage"), Actor.platform())
    service = app.catalog.create_service(
        CreateService(category.id, "Chinese tuina", 60, Money(19900, "CNY")),
        Actor.platform(),
    )
    technician = app.technicians.register(
        RegisterTechnician(
            "Li", ZONE, WeeklyHours.every_day("09:00", "18:00"), frozenset({service.id})
        ),
        Actor.platform(),
    )
    return World(app, store, clock, gateway, technician, service.id)


def at(hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2026, 3, 2, hour, minute, tz=ZONE)


def place(world: World, hour: int, customer: str = "cus_1") -> str:
    order = world.app.ordering.place_order(
        PlaceOrder(CustomerId(customer), world.technician.id, world.service_id, at(hour)),
        Actor.customer(customer),
    )
    return order.id


def test_free_slots_respect_hours_and_strict_notice(world: World) -> None:
    slots = world.app.availability.free_slots(world.technician.id, world.service_id, MONDAY)

    # now 08:00 + 60 min notice = 09:00, which is strict: the 09:00 slot is not offered.
    assert [s.start.format("HH:mm") for s in slots] == [f"{h:02d}:00" for h in range(10, 18)]
    assert all(s.start.timezone_name == ZONE for s in slots)


def test_a_booked_slot_disappears_and_an_overlapping_order_is_refused(world: World) -> None:
    place(world, 11)

    with pytest.raises(SlotTaken) as caught:
        world.app.ordering.place_order(
            PlaceOrder(CustomerId("cus_2"), world.technician.id, world.service_id, at(11, 30)),
            Actor.customer("cus_2"),
        )

    assert caught.value.error_code == "slot_taken"
    slots = world.app.availability.free_slots(world.technician.id, world.service_id, MONDAY)
    assert [s.start.hour for s in slots] == [10, 12, 13, 14, 15, 16, 17]
    with world.store.unit_of_work() as uow:
        assert len(uow.orders.list_for_customer(CustomerId("cus_2"))) == 0
        assert len(uow.bookings.list_active(world.technician.id, slots[0])) == 0


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        (at(9), "exactly now + notice is not offered"),
        (at(8), "before working hours"),
        (at(17, 30), "ends after working hours"),
        (at(10, 30), "not on the slot grid"),
        (pendulum.datetime(2026, 3, 20, 10, tz=ZONE), "beyond the booking window"),
    ],
)
def test_starts_the_slot_list_does_not_offer_are_refused(
    world: World, start: pendulum.DateTime, reason: str
) -> None:
    with pytest.raises(SlotUnavailable):
        world.app.ordering.place_order(
            PlaceOrder(CustomerId("cus_1"), world.technician.id, world.service_id, start),
            Actor.customer("cus_1"),
        )

    with world.store.unit_of_work() as uow:
        assert uow.orders.list_for_customer(CustomerId("cus_1")) == [], reason


#: A punctual technician's steps for the 10:00-11:00 order, as the time guards allow them.
ON_TIME_FOR_10 = {
    "accept": at(8, 5),
    "depart": at(9),
    "arrive": at(9, 50),
    "start_service": at(10),
    "complete": at(11),
}


def test_full_lifecycle_is_recorded_with_actor_time_and_reason(world: World) -> None:
    order_id = place(world, 10)
    technician = Actor(world.technician.id, Role.TECHNICIAN)

    result = world.app.ordering.pay_in_full(order_id, CUSTOMER)
    for event, when in ON_TIME_FOR_10.items():
        world.clock.set(when)
        world.app.ordering.transition(order_id, event, technician, reason=f"{event} done")

    assert result.status is PaymentStatus.CAPTURED
    order = world.app.ordering.get_order(order_id, CUSTOMER)
    assert order.state == "completed"
    assert order.paid == Money(19900, "CNY")
    assert [(r.event, r.from_state, r.to_state) for r in order.timeline] == [
        ("pay", "pending_payment", "pending_acceptance"),
        ("accept", "pending_acceptance", "accepted"),
        ("depart", "accepted", "departed"),
        ("arrive", "departed", "arrived"),
        ("start_service", "arrived", "in_service"),
        ("complete", "in_service", "completed"),
    ]
    assert order.timeline[1].actor == technician
    assert [r.at for r in order.timeline[1:]] == list(ON_TIME_FOR_10.values())
    assert order.timeline[1].reason == "accept done"
    assert order.timeline[0].actor.role is Role.SYSTEM


def test_an_illegal_transition_is_refused_and_changes_nothing(world: World) -> None:
    order_id = place(world, 10)
    before = world.app.ordering.get_order(order_id, CUSTOMER)

    with pytest.raises(TransitionNotAllowed) as caught:
        world.app.ordering.transition(
            order_id, "complete", Actor(world.technician.id, Role.TECHNICIAN)
        )

    assert "pending payment" in caught.value.message
    after = world.app.ordering.get_order(order_id, CUSTOMER)
    assert (after.state, after.version, after.timeline) == (
        before.state,
        before.version,
        before.timeline,
    )


def test_actors_act_only_on_their_own_orders(world: World) -> None:
    order_id = place(world, 10)
    world.app.ordering.pay_in_full(order_id, CUSTOMER)

    with pytest.raises(NotFound):
        world.app.ordering.get_order(order_id, Actor("cus_2", Role.CUSTOMER))
    with pytest.raises(NotFound):
        world.app.ordering.transition(order_id, "accept", Actor("tec_x", Role.TECHNICIAN))
    with pytest.raises(PermissionDenied):
        world.app.ordering.transition(order_id, "accept", CUSTOMER)
    with pytest.raises(NotFound):
        world.app.ordering.pay_in_full(order_id, Actor("cus_2", Role.CUSTOMER))


def test_cancelling_frees_the_slot(world: World) -> None:
    order_id = place(world, 10)

    world.app.ordering.transition(order_id, "cancel", CUSTOMER, reason="changed my mind")

    slots = world.app.availability.free_slots(world.technician.id, world.service_id, MONDAY)
    assert slots[0].start == at(10)
    place(world, 10, customer="cus_2")


def test_a_declined_payment_leaves_the_order_unpaid(world: World) -> None:
    order_id = place(world, 10)
    world.gateway.script(Outcome.DECLINE)

    result = world.app.ordering.pay_in_full(order_id, CUSTOMER)

    assert result.status is PaymentStatus.DECLINED
    assert world.app.ordering.get_order(order_id, CUSTOMER).state == "pending_payment"


def test_an_unknown_outcome_waits_for_reconciliation_and_applies_once(world: World) -> None:
    order_id = place(world, 10)
    world.gateway.script(Outcome.UNKNOWN_THEN_APPROVE)

    first = world.app.ordering.pay_in_full(order_id, CUSTOMER)
    state_after_timeout = world.app.ordering.get_order(order_id, CUSTOMER).state
    world.app.ordering.reconcile_payment(order_id)
    world.app.ordering.reconcile_payment(order_id)

    assert first.status is PaymentStatus.UNKNOWN
    assert state_after_timeout == "pending_payment"
    order = world.app.ordering.get_order(order_id, CUSTOMER)
    assert order.state == "pending_acceptance"
    assert [r.event for r in order.timeline] == ["pay"]


def test_paying_twice_is_refused_without_charging_again(world: World) -> None:
    order_id = place(world, 10)
    world.app.ordering.pay_in_full(order_id, CUSTOMER)

    with pytest.raises(TransitionNotAllowed):
        world.app.ordering.pay_in_full(order_id, CUSTOMER)

    assert [c for c in world.gateway.calls if c.startswith("create_payment")] == [
        f"create_payment {order_id}:ful:1"
    ]


def test_reviews_only_for_own_completed_orders_once(world: World) -> None:
    order_id = place(world, 10)
    world.app.ordering.pay_in_full(order_id, CUSTOMER)
    with pytest.raises(ReviewNotAllowed):
        world.app.reviews.submit(
            SubmitReview(order_id, CustomerId("cus_1"), 5, "early"), Actor.customer("cus_1")
        )
    technician = Actor(world.technician.id, Role.TECHNICIAN)
    for event, when in ON_TIME_FOR_10.items():
        world.clock.set(when)
        world.app.ordering.transition(order_id, event, technician)

    review = world.app.reviews.submit(
        SubmitReview(order_id, CustomerId("cus_1"), 5, "很好"), Actor.customer("cus_1")
    )

    assert world.app.reviews.for_technician(world.technician.id) == [review]
    with pytest.raises(DuplicateEntity):
        world.app.reviews.submit(
            SubmitReview(order_id, CustomerId("cus_1"), 4, "again"), Actor.customer("cus_1")
        )
    with pytest.raises(NotFound):
        world.app.reviews.submit(
            SubmitReview(order_id, CustomerId("cus_2"), 1, "not mine"), Actor.customer("cus_2")
        )


def test_every_change_writes_its_events_to_the_outbox(world: World) -> None:
    order_id = place(world, 10)
    world.app.ordering.pay_in_full(order_id, CUSTOMER)

    with world.store.unit_of_work() as uow:
        pending = uow.outbox.pending(10)
    assert [m.name for m in pending] == ["OrderPlaced", "PaymentCaptured", "OrderStateChanged"]
    assert pending[0].payload["price"] == {"amount": 19900, "currency": "CNY"}
    assert pending[2].payload["to_state"] == "pending_acceptance"


def test_bad_input_is_refused_with_specific_codes_and_stores_nothing(world: World) -> None:
    with pytest.raises(InvalidTimeZone):
        world.app.technicians.register(
            RegisterTechnician("Zhou", "Mars/Olympus", WeeklyHours.every_day("09:00", "18:00")),
            Actor.platform(),
        )
    with pytest.raises(InvalidSchedule):
        WeeklyHours.parse({"mon": ["9am-6pm"]})
    with pytest.raises(InvalidMoney):
        Money(-1.5, "CNY")  # type: ignore[arg-type]
    with pytest.raises(NotFound) as caught:
        world.app.catalog.create_service(
            CreateService("cat_nope", "Ghost", 60, Money(100, "CNY")),  # type: ignore[arg-type]
            Actor.platform(),
        )
    assert caught.value.error_code == "category_not_found"
    other = world.app.catalog.create_service(
        CreateService(world.app.catalog.list_categories()[0].id, "Foot", 30, Money(9900, "CNY")),
        Actor.platform(),
    )
    with pytest.raises(ServiceNotOffered):
        world.app.availability.free_slots(world.technician.id, other.id, MONDAY)

    assert [t.name for t in world.app.technicians.list()] == ["Li"]
