"""The server's cheap paths mean the same as the plain ones: times shown in a zone, and the
thread pool sized for the storage."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking_core.testing.orders import order_world
from booking_server.app import create_app
from booking_server.schemas.common import in_zone

ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "UTC",
]


@settings(max_examples=500, deadline=None)
@given(
    seconds=st.integers(
        pendulum.datetime(2000, 1, 1).int_timestamp, pendulum.datetime(2100, 1, 1).int_timestamp
    ),
    microsecond=st.integers(0, 999_999),
    source=st.sampled_from(ZONES),
    target=st.sampled_from(ZONES),
)
def test_a_time_shown_in_a_zone_is_what_pendulum_shows(
    seconds: int, microsecond: int, source: str, target: str
) -> None:
    # An instant written in any zone (DST edges included), shown in another
    instant = pendulum.from_timestamp(seconds, tz=source).add(microseconds=microsecond)

    shown = in_zone(instant, target)

    expected = instant.in_timezone(target)
    assert shown.isoformat() == expected.isoformat()
    assert shown.timestamp() == expected.timestamp()


def test_a_thread_pool_of_no_threads_is_refused() -> None:
    with pytest.raises(ValueError, match="threads must be positive"):
        create_app(order_world().app, threads=0)
