"""The order lifecycle: defined transitions only, by the right actors, recorded once."""

import pendulum
import pytest

from booking_core import Money, TimeRange
from booking_core.errors import PermissionDenied, TransitionNotAllowed
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.orders.events import OrderPlaced, OrderStateChanged
from booking_core.orders.order import EVENT_ROLES

AT = pendulum.datetime(2026, 3, 2, 8, tz="Asia/Shanghai")
TECH = Actor("tec_1", Role.TECHNICIAN)
CUSTOMER = Actor("cus_1", Role.CUSTOMER)
HAPPY_PATH = ["pay", "accept", "depart", "arrive", "start_service", "complete"]


def new_order() -> Order:
    order = Order.place(
        order_id=OrderId("ord_1"),
        customer_id=CustomerId("cus_1"),
        technician_id=TechnicianId("tec_1"),
        service_id=ServiceId("svc_1"),
        booking_id=BookingId("bkg_1"),
        slot=TimeRange(AT.add(hours=2), AT.add(hours=3)),
        time_zone="Asia/Shanghai",
        price=Money(19900, "CNY"),
        at=AT,
    )
    order.paid = Money(19900, "CNY")  # captured: the payment guards pass
    return order


def actor_for(event: str) -> Actor:
    return Actor.system() if event == "pay" else TECH


#: When a punctual technician fires the timed events of the 10:00-11:00 slot (the time
#: guards allow each); the others happen at placing time.
ON_TIME = {
    "depart": AT.add(hours=1),
    "arrive": AT.add(hours=1, minutes=50),
    "start_service": AT.add(hours=2),
    "complete": AT.add(hours=3),
}


def on_time(event: str) -> pendulum.DateTime:
    return ON_TIME.get(event, AT)


def test_the_happy_path_visits_every_state_in_order() -> None:
    order = new_order()

    for event in HAPPY_PATH:
        order.transition(event, actor=actor_for(event), at=on_time(event))

    assert [r.to_state for r in order.timeline] == [
        "pending_acceptance",
        "accepted",
        "departed",
        "arrived",
        "in_service",
        "completed",
    ]
    assert [r.sequence for r in order.timeline] == [1, 2, 3, 4, 5, 6]
    events = order.pull_events()
    assert isinstance(events[0], OrderPlaced)
    assert [e.event for e in events[1:] if isinstance(e, OrderStateChanged)] == HAPPY_PATH
    assert order.pull_events() == []


@pytest.mark.parametrize("done", range(len(HAPPY_PATH)))
def test_every_out_of_order_event_is_refused_and_changes_nothing(done: int) -> None:
    order = new_order()
    for event in HAPPY_PATH[:done]:
        order.transition(event, actor=actor_for(event), at=on_time(event))
    state, timeline = order.state, list(order.timeline)

    for event in HAPPY_PATH:
        if event == HAPPY_PATH[done]:
            continue
        with pytest.raises(TransitionNotAllowed):
            order.transition(event, actor=Actor("ops", Role.PLATFORM), at=on_time(event))

    assert (order.state, order.timeline) == (state, timeline)


def test_cancel_is_allowed_until_service_starts() -> None:
    for done in range(len(HAPPY_PATH)):
        order = new_order()
        for event in HAPPY_PATH[:done]:
            order.transition(event, actor=actor_for(event), at=on_time(event))

        if order.state in ("in_service", "completed"):
            with pytest.raises(TransitionNotAllowed):
                order.transition("cancel", actor=CUSTOMER, at=ON_TIME["complete"])
        else:
            order.transition("cancel", actor=CUSTOMER, at=ON_TIME["complete"], reason="changed")
            assert order.state == OrderState.CANCELLED
            assert order.timeline[-1].reason == "changed"


def test_roles_and_ownership_are_checked_before_the_machine() -> None:
    order = new_order()
    order.transition("pay", actor=Actor.system(), at=AT)

    with pytest.raises(PermissionDenied):
        order.transition("accept", actor=CUSTOMER, at=AT)
    with pytest.raises(PermissionDenied):
        order.transition("accept", actor=Actor("tec_2", Role.TECHNICIAN), at=AT)
    with pytest.raises(PermissionDenied):
        order.transition("cancel", actor=Actor("cus_2", Role.CUSTOMER), at=AT)
    with pytest.raises(PermissionDenied):
        order.transition("pay", actor=CUSTOMER, at=AT)

    assert order.state == "pending_acceptance"
    assert len(order.timeline) == 1


def test_unknown_events_are_refused_with_the_list_of_actions() -> None:
    order = new_order()

    with pytest.raises(TransitionNotAllowed) as caught:
        order.transition("teleport", actor=TECH, at=AT)

    assert "accept" in caught.value.message
    assert set(EVENT_ROLES) == {
        "pay",
        "cancel",
        *HAPPY_PATH,
        "reject",
        "reassign",
        "assign",
        "modify",
        "no_show",
        "refund",
        "settle_refund",
    }


def test_visibility_follows_the_role() -> None:
    order = new_order()

    assert order.can_be_seen_by(CUSTOMER)
    assert order.can_be_seen_by(TECH)
    assert order.can_be_seen_by(Actor("ops", Role.PLATFORM))
    assert not order.can_be_seen_by(Actor("cus_2", Role.CUSTOMER))
    assert not order.can_be_seen_by(Actor("tec_2", Role.TECHNICIAN))
    assert not order.can_be_seen_by(Actor("store_1", Role.STORE))
