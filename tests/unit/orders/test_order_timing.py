"""Time guards of the order chart: no setting off, starting or completing too early."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

from booking_core import Money, TimeRange
from booking_core.errors import InvalidOrderPolicy, TooEarly, TransitionNotAllowed
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.orders.policy import OrderPolicy, PaymentMode

ZONE = "Asia/Shanghai"
START = pendulum.datetime(2026, 3, 27, 10, tz=ZONE)  # a 60-minute slot, 25 days ahead
PLACED = pendulum.datetime(2026, 3, 2, 8, tz=ZONE)
TECH = Actor("tec_1", Role.TECHNICIAN)
DEFAULTS = OrderPolicy()


def order(minutes: int = 60, *, mode: PaymentMode = PaymentMode.FULL, paid: int = 19900) -> Order:
    placed = Order.place(
        order_id=OrderId("ord_1"),
        customer_id=CustomerId("cus_1"),
        technician_id=TechnicianId("tec_1"),
        service_id=ServiceId("svc_1"),
        booking_id=BookingId("bkg_1"),
        slot=TimeRange(START, START.add(minutes=minutes)),
        time_zone=ZONE,
        price=Money(19900, "CNY"),
        at=PLACED,
        payment_mode=mode,
        upfront=DEFAULTS.upfront(mode, Money(19900, "CNY")),
    )
    placed.paid = Money(paid, "CNY")
    placed.transition("pay", actor=Actor.system(), at=PLACED)
    placed.transition("accept", actor=TECH, at=PLACED)
    placed.pull_events()
    return placed


def walk(o: Order, *steps: tuple[str, DateTime], policy: OrderPolicy = DEFAULTS) -> Order:
    for event, when in steps:
        o.transition(event, actor=TECH, at=when, policy=policy)
    return o


def refused(o: Order, event: str, at: DateTime, policy: OrderPolicy = DEFAULTS) -> TooEarly:
    o.pull_events()  # those of the steps before
    state, timeline, version = o.state, list(o.timeline), o.version
    with pytest.raises(TooEarly) as caught:
        o.transition(event, actor=TECH, at=at, policy=policy)
    assert (o.state, o.timeline, o.version, o.pull_events()) == (state, timeline, version, [])
    return caught.value


def test_the_defaults_are_three_hours_half_an_hour_and_half_the_service() -> None:
    assert DEFAULTS.depart_lead_minutes == 180
    assert DEFAULTS.start_tolerance_minutes == 30
    assert DEFAULTS.min_service_share == Decimal("0.5")


def test_setting_off_weeks_before_the_slot_is_refused_naming_the_guard_and_the_time() -> None:
    o = order()

    error = refused(o, "depart", PLACED)

    assert error.code == "too_early"
    assert isinstance(error, TransitionNotAllowed)  # still a refused transition (409)
    assert error.details == {
        "event": "depart",
        "state": "accepted",
        "order_id": "ord_1",
        "guards": ["lead_time_reached"],
        "not_before": "2026-03-27T07:00:00+08:00",
    }
    assert error.message == (
        "Cannot depart order ord_1 now: the technician sets off no earlier than 180 minutes "
        "before the start; possible from 2026-03-27 07:00 (Asia/Shanghai) on."
    )


def test_setting_off_is_allowed_from_exactly_the_lead_time_before_the_start() -> None:
    o = order()
    refused(o, "depart", START.subtract(minutes=180, seconds=1))

    walk(o, ("depart", START.subtract(minutes=180)))

    assert o.state == OrderState.DEPARTED


def test_the_service_starts_no_earlier_than_the_tolerance_before_the_slot() -> None:
    o = walk(order(), ("depart", START.subtract(hours=2)), ("arrive", START.subtract(hours=1)))

    error = refused(o, "start_service", START.subtract(minutes=31))
    walk(o, ("start_service", START.subtract(minutes=30)))

    assert error.details["guards"] == ["start_tolerance_reached"]
    assert error.details["not_before"] == "2026-03-27T09:30:00+08:00"
    assert "no earlier than 30 minutes before the start" in error.message
    assert o.state == OrderState.IN_SERVICE


def test_completion_waits_for_the_minimum_share_of_the_service_after_its_recorded_start() -> None:
    late_start = START.add(minutes=20)  # the service really began at 10:20
    o = walk(
        order(90),
        ("depart", START.subtract(hours=1)),
        ("arrive", START.add(minutes=15)),
        ("start_service", late_start),
    )

    error = refused(o, "complete", late_start.add(minutes=44, seconds=59))
    walk(o, ("complete", late_start.add(minutes=45)))  # half of 90 minutes after 10:20

    assert error.details["guards"] == ["minimum_service_time_reached"]
    assert error.details["not_before"] == "2026-03-27T11:05:00+08:00"
    assert "at least 50% of the service (45 minutes) after it started" in error.message
    assert o.state == OrderState.COMPLETED


def test_a_completion_both_too_early_and_unpaid_names_both_guards_and_is_no_mere_wait() -> None:
    o = walk(
        order(mode=PaymentMode.DEPOSIT, paid=5970),
        ("depart", START.subtract(hours=1)),
        ("arrive", START.subtract(minutes=5)),
        ("start_service", START),
    )

    with pytest.raises(TransitionNotAllowed) as caught:
        o.transition("complete", actor=TECH, at=START.add(minutes=1), policy=DEFAULTS)

    assert not isinstance(caught.value, TooEarly)  # waiting alone would not help
    assert caught.value.details["guards"] == ["fully_paid", "minimum_service_time_reached"]
    assert caught.value.details["not_before"] == "2026-03-27T10:30:00+08:00"
    assert "the balance has not been paid" in caught.value.message


def test_the_policy_in_force_decides_and_zero_turns_a_wait_off() -> None:
    strict = OrderPolicy(depart_lead_minutes=60, start_tolerance_minutes=0, min_service_share=1)
    relaxed = OrderPolicy(min_service_share=Decimal(0))
    o = order()

    refused(o, "depart", START.subtract(minutes=61), strict)
    walk(o, ("depart", START.subtract(minutes=60)), ("arrive", START.subtract(minutes=1)),
         policy=strict)  # fmt: skip
    refused(o, "start_service", START.subtract(seconds=1), strict)
    walk(o, ("start_service", START), policy=strict)
    refused(o, "complete", START.add(minutes=59), strict)
    walk(o, ("complete", START), policy=relaxed)

    assert o.state == OrderState.COMPLETED


def test_without_a_policy_the_default_guards_apply() -> None:
    o = order()

    with pytest.raises(TooEarly):
        o.transition("depart", actor=TECH, at=PLACED)

    assert o.state == OrderState.ACCEPTED


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"depart_lead_minutes": -1}, "depart_lead_minutes"),
        ({"start_tolerance_minutes": 1.5}, "start_tolerance_minutes"),
        ({"min_service_share": Decimal("1.01")}, "min_service_share"),
        ({"min_service_share": Decimal("-0.1")}, "min_service_share"),
        ({"min_service_share": 0.5}, "min_service_share"),
    ],
)
def test_a_time_guard_setting_out_of_range_is_refused(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidOrderPolicy) as caught:
        OrderPolicy(**fields)  # type: ignore[arg-type]

    assert field.replace("_", " ") in caught.value.message or field in caught.value.message


@given(
    lead=st.integers(0, 24 * 60),
    offset=st.integers(-48 * 60 * 60, 60 * 60),  # seconds from the start
)
def test_departure_is_allowed_exactly_from_the_lead_time_on(lead: int, offset: int) -> None:
    policy = OrderPolicy(depart_lead_minutes=lead)
    o = order()
    when = START.add(seconds=offset)

    if when >= START.subtract(minutes=lead):
        o.transition("depart", actor=TECH, at=when, policy=policy)
        assert o.state == OrderState.DEPARTED
    else:
        error = refused(o, "depart", when, policy)
        assert pendulum.parse(error.details["not_before"]) == START.subtract(minutes=lead)


@given(
    minutes=st.integers(1, 8 * 60),
    share=st.decimals(0, 1, places=2),
    started=st.integers(-30, 120),
    waited=st.integers(0, 8 * 60 * 60),
)
def test_completion_is_allowed_exactly_after_the_share_of_the_duration(
    minutes: int, share: Decimal, started: int, waited: int
) -> None:
    policy = OrderPolicy(min_service_share=share)
    o = order(minutes)
    begun = START.add(minutes=started)
    walk(o, ("depart", START.subtract(hours=1)), ("arrive", START.subtract(minutes=30)),
         ("start_service", begun), policy=policy)  # fmt: skip
    needed = minutes * 60 * share  # seconds, maybe fractional: round up to a whole second
    when = begun.add(seconds=waited)

    if waited >= needed:
        o.transition("complete", actor=TECH, at=when, policy=policy)
        assert o.state == OrderState.COMPLETED
    else:
        refused(o, "complete", when, policy)


def test_a_minimum_time_to_the_second_is_rounded_up_and_shown_to_the_second() -> None:
    o = walk(
        order(25),
        ("depart", START.subtract(hours=1)),
        ("arrive", START.subtract(minutes=5)),
        ("start_service", START),
    )

    error = refused(o, "complete", START.add(minutes=12, seconds=29))
    walk(o, ("complete", START.add(minutes=12, seconds=30)))  # half of 25 minutes

    assert error.details["not_before"] == "2026-03-27T10:12:30+08:00"
    assert "possible from 2026-03-27 10:12:30 (Asia/Shanghai) on" in error.message
    assert "(12.5 minutes)" in error.message
    assert o.state == OrderState.COMPLETED
