"""Strategies for the basic values: currencies, zones, money, instants, ranges, hours."""

from __future__ import annotations

import pendulum
from hypothesis import strategies as st
from pendulum import DateTime

from booking_core.money import Money
from booking_core.scheduling.weekly_hours import WeeklyHours
from booking_core.timerange import TimeRange

__all__ = ["aware_datetimes", "currencies", "moneys", "time_ranges", "weekly_hours", "zones"]

_ZONES = ("Asia/Shanghai", "UTC", "America/New_York", "Europe/London", "Australia/Sydney")
_EPOCH_2020 = 1_577_836_800 // 60
_EPOCH_2035 = 2_051_222_400 // 60


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes the platforms use."""
    return st.sampled_from(("CNY", "USD", "EUR", "JPY", "HKD"))


def zones() -> st.SearchStrategy[str]:
    """IANA zone names, with and without daylight-saving time."""
    return st.sampled_from(_ZONES)


def moneys(
    *, currency: str | None = None, min_amount: int = -(10**9), max_amount: int = 10**9
) -> st.SearchStrategy[Money]:
    """Amounts of one currency (a random one unless ``currency`` is given)."""
    return st.builds(
        Money,
        st.integers(min_value=min_amount, max_value=max_amount),
        st.just(currency) if currency else currencies(),
    )


def aware_datetimes(*, zone: str | None = None) -> st.SearchStrategy[DateTime]:
    """Whole-minute aware instants in 2020–2035, shown in an IANA zone."""
    return st.builds(
        lambda minute, tz: pendulum.from_timestamp(minute * 60, tz=tz),
        st.integers(min_value=_EPOCH_2020, max_value=_EPOCH_2035),
        st.just(zone) if zone else zones(),
    )


def time_ranges(
    *, zone: str | None = None, max_minutes: int = 24 * 60
) -> st.SearchStrategy[TimeRange]:
    """Half-open ranges of 1 to ``max_minutes`` minutes."""
    return st.builds(
        lambda start, minutes: TimeRange(start, start.add(minutes=minutes)),
        aware_datetimes(zone=zone),
        st.integers(min_value=1, max_value=max_minutes),
    )


@st.composite
def _day_ranges(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    cuts = sorted(draw(st.sets(st.integers(0, 24 * 4), max_size=6)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return tuple((a * 15, b * 15) for a, b in pairs if a < b)


def weekly_hours() -> st.SearchStrategy[WeeklyHours]:
    """Valid weekly hours: up to three ranges a day on a 15-minute grid."""
    return st.builds(WeeklyHours, st.tuples(*[_day_ranges() for _ in range(7)]))
