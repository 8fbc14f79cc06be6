"""The one converter: every core type has one wire form and round-trips exactly."""

from decimal import Decimal

import pendulum
import pytest
from hypothesis import given

from booking_core import Money, TimeRange
from booking_core.errors import InvalidInput, InvalidMoney, InvalidTimeRange
from booking_core.orders import Actor, Role
from booking_core.orders.order import TransitionRecord
from booking_core.scheduling import WeeklyHours
from booking_core.serialization import make_converter
from booking_core.testing.strategies import moneys, time_ranges, weekly_hours

converter = make_converter()


def test_wire_forms() -> None:
    start = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")

    assert converter.unstructure(Money(19900, "CNY")) == {"amount": 19900, "currency": "CNY"}
    assert converter.unstructure(start) == "2026-03-02T09:00:00+08:00"
    assert converter.unstructure(pendulum.date(2026, 3, 2)) == "2026-03-02"
    assert converter.unstructure(Decimal("0.30")) == "0.30"
    assert converter.unstructure(Role.CUSTOMER) == "customer"
    assert converter.unstructure(WeeklyHours.every_day("09:00", "18:00", days=["mon"])) == {
        "mon": ["09:00-18:00"]
    }


@given(money=moneys())
def test_money_round_trips(money: Money) -> None:
    assert converter.structure(converter.unstructure(money), Money) == money


@given(time_range=time_ranges())
def test_time_ranges_round_trip_to_the_same_instants(time_range: TimeRange) -> None:
    assert converter.structure(converter.unstructure(time_range), TimeRange) == time_range


@given(hours=weekly_hours())
def test_weekly_hours_round_trip(hours: WeeklyHours) -> None:
    assert converter.structure(converter.unstructure(hours), WeeklyHours) == hours


def test_records_round_trip() -> None:
    record = TransitionRecord(
        1,
        "accept",
        "pending_acceptance",
        "accepted",
        Actor("tec_1", Role.TECHNICIAN),
        pendulum.datetime(2026, 3, 2, 9, tz="UTC"),
        "on my way",
    )

    assert converter.structure(converter.unstructure(record), TransitionRecord) == record


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("2026-03-02T09:00:00", InvalidTimeRange),  # naive
        ("2026-03-02", InvalidTimeRange),  # a date, not an instant
        ("tomorrow", InvalidTimeRange),
    ],
)
def test_bad_instants_are_refused(value: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        converter.structure(value, pendulum.DateTime)


def test_bad_money_and_decimals_are_refused() -> None:
    with pytest.raises(InvalidMoney):
        converter.structure({"amount": 1.5, "currency": "CNY"}, Money)
    with pytest.raises(InvalidInput):
        converter.structure(199, Money)
    with pytest.raises(InvalidInput):
        converter.structure(0.3, Decimal)
    with pytest.raises(InvalidInput):
        converter.structure("abc", Decimal)


def test_unstructured_values_are_plain_json() -> None:
    import json

    import attrs

    @attrs.frozen
    class Document:
        role: Role | None
        tags: frozenset[str]

    payload = converter.unstructure(Document(Role.CUSTOMER, frozenset({"b", "a"})))

    assert json.loads(json.dumps(payload)) == {"role": "customer", "tags": ["a", "b"]}
    assert converter.structure(payload, Document) == Document(Role.CUSTOMER, frozenset({"a", "b"}))


def test_strategies_are_registered_for_from_type() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    seen: list[object] = []

    @given(st.from_type(Money), st.from_type(TimeRange), st.from_type(WeeklyHours))
    def collect(money: Money, time_range: TimeRange, hours: WeeklyHours) -> None:
        seen.append((money, time_range, hours))

    collect()

    assert seen
    assert all(isinstance(m, Money) and isinstance(t, TimeRange) for m, t, _ in seen)
