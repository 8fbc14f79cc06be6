"""Weekly working hours as local wall-clock minutes, per weekday."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from booking_core.errors import InvalidSchedule

__all__ = [
    "DAY_NAMES",
    "WeeklyHours",
    "check_ranges",
    "format_clock",
    "parse_clock",
    "parse_ranges",
]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?$")
_DAY = 24 * 60

Ranges = tuple[tuple[int, int], ...]


def parse_clock(text: str, *, round_up: bool = False) -> int:
    """Minutes after local midnight of an ``HH:MM`` or ``HH:MM:SS`` wall-clock time
    (``24:00`` allowed).

    Seconds (a calendar gives them) round to the minute *down*, or *up* with ``round_up``:
    :func:`parse_ranges` rounds a range's start up and its end down, so the rounded range
    never holds time the technician did not give.
    """
    seconds = _clock_seconds(text)
    return -(-seconds // 60) if round_up else seconds // 60


def _clock_seconds(text: str) -> int:
    match = _CLOCK.match(text) if isinstance(text, str) else None
    seconds = -1
    if match:
        seconds = (int(match.group(1)) * 60 + int(match.group(2))) * 60 + int(match.group(3) or 0)
    if not match or seconds > _DAY * 60:
        raise InvalidSchedule(
            f"{text!r} is not a wall-clock time such as '09:30' or '09:30:00'.",
            details={"time": str(text)},
        )
    return seconds


def _check_days(_: object, attribute: attrs.Attribute[tuple[Ranges, ...]], value: object) -> None:
    if not isinstance(value, tuple) or len(value) != 7:
        raise InvalidSchedule("Weekly hours list exactly seven days, Monday first.")
    for index, (name, ranges) in enumerate(zip(DAY_NAMES, value, strict=True)):
        check_ranges(ranges, name)
        # A range that runs past midnight must not run into the next day's first range.
        following = value[(index + 1) % 7]
        if ranges and following and ranges[-1][1] - _DAY > following[0][0]:
            raise InvalidSchedule(
                f"The last range of {name} runs past midnight into the first range of "
                f"{DAY_NAMES[(index + 1) % 7]}; shorten one of them.",
                details={"day": name},
            )


def check_ranges(ranges: Ranges, name: str) -> None:
    """Refuse ranges of one day that are malformed, unordered or overlapping.

    A range is ``(start, end)`` in minutes after local midnight with ``0 <= start < 1440``
    and ``start < end <= start + 1440``; ``end > 1440`` means it ends the next day.

    Raises:
        InvalidSchedule: naming the day (``name``) and the bad range.
    """
    previous_end = -1
    for start, end in ranges:
        if not (type(start) is int and type(end) is int and 0 <= start < _DAY):
            raise InvalidSchedule(
                f"On {name} a working range starts at a time of that day; got {start!r}.",
                details={"day": name},
            )
        if not start < end <= start + _DAY:
            raise InvalidSchedule(
                f"On {name} a working range must end after it starts and within 24 hours; "
                f"got {format_clock(start)}–{format_clock(end)}.",
                details={"day": name},
            )
        if start < previous_end:
            raise InvalidSchedule(
                f"On {name} two working ranges overlap; list them in order without overlap.",
                details={"day": name},
            )
        previous_end = end


def format_clock(minute: int) -> str:
    """``HH:MM`` of a minute after midnight (a minute past 24:00 shows the next day's time)."""
    if minute > _DAY:
        minute -= _DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_ranges(texts: Iterable[str], name: str) -> Ranges:
    """Ranges of one day from ``["09:00-12:00", "22:00-02:00"]``, sorted and checked.

    An end at or before the start means the next day: ``22:00-02:00`` runs past midnight,
    and so does ``08:00-07:00`` (a 23-hour overnight shift; ``08:00-08:00`` is 24 hours).
    Times may carry seconds (``09:00:30-17:59:59``): the start rounds up and the end down
    to the minute (09:01–17:59), after the end's day is decided on the exact times. A
    range with no whole minute left once rounded is refused.
    """
    ranges: list[tuple[int, int]] = []
    for text in texts:
        start_text, sep, end_text = str(text).partition("-")
        if not sep:
            raise InvalidSchedule(
                f"{text!r} is not a range such as '09:00-18:00'.", details={"day": name}
            )
        start_s, end_s = _clock_seconds(start_text.strip()), _clock_seconds(end_text.strip())
        if start_s == _DAY * 60:
            raise InvalidSchedule(
                f"{text!r} starts at 24:00; write it as the next day's 00:00.",
                details={"day": name},
            )
        if end_s <= start_s:
            end_s += _DAY * 60  # across midnight: ends on the next day
        # Rounded inwards: never a minute the technician did not give.
        start, end = -(-start_s // 60), end_s // 60
        if end <= start or start >= _DAY:
            raise InvalidSchedule(
                f"{text!r} holds no whole minute that starts on this day once its seconds "
                "are rounded (the start up, the end down); widen it or drop it.",
                details={"day": name},
            )
        ranges.append((start, end))
    result = tuple(sorted(ranges))
    check_ranges(result, name)
    return result


@attrs.frozen
class WeeklyHours:
    """Working ranges per weekday (index 0 = Monday), in minutes after local midnight.

    Times are wall-clock times in the owner's IANA zone, so 09:00–18:00 stays 09:00–18:00
    local on daylight-saving days. A range may run past midnight (``22:00-02:00`` is stored
    as ``(1320, 1560)``); it belongs to the day it starts on.
    """

    days: tuple[Ranges, ...] = attrs.field(validator=_check_days)

    @classmethod
    def parse(cls, spec: Mapping[str, Sequence[str]]) -> WeeklyHours:
        """Hours from ``{"mon": ["09:00-12:00", "13:00-18:00"], ...}``; absent days are off."""
        unknown = set(spec) - set(DAY_NAMES)
        if unknown:
            raise InvalidSchedule(
                f"Unknown day names {sorted(unknown)}; use {', '.join(DAY_NAMES)}."
            )
        days = [parse_ranges(spec.get(name, ()), name) for name in DAY_NAMES]
        return cls(tuple(days))

    @classmethod
    def every_day(cls, start: str, end: str, *, days: Iterable[str] = DAY_NAMES) -> WeeklyHours:
        """The same single range on each of ``days``."""
        return cls.parse({d: [f"{start}-{end}"] for d in days})

    def ranges_on(self, weekday: int) -> Ranges:
        """The working ranges of ``weekday`` (0 = Monday)."""
        return self.days[weekday]

    def to_spec(self) -> dict[str, list[str]]:
        """The inverse of :meth:`parse` (for serialization and display)."""
        return {
            name: [f"{format_clock(s)}-{format_clock(e)}" for s, e in ranges]
            for name, ranges in zip(DAY_NAMES, self.days, strict=True)
            if ranges
        }
