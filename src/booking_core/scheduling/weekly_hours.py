"""Weekly working hours as local wall-clock minutes, per weekday."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from booking_core.errors import InvalidSchedule

__all__ = ["DAY_NAMES", "WeeklyHours", "parse_clock"]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_DAY = 24 * 60

Ranges = tuple[tuple[int, int], ...]


def parse_clock(text: str) -> int:
    """Minutes after local midnight of an ``HH:MM`` wall-clock time (``24:00`` allowed)."""
    match = _CLOCK.match(text) if isinstance(text, str) else None
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not match or minutes > _DAY:
        raise InvalidSchedule(f"{text!r} is not a wall-clock time such as '09:30'.")
    return minutes


def _check_days(_: object, attribute: attrs.Attribute[tuple[Ranges, ...]], value: object) -> None:
    if not isinstance(value, tuple) or len(value) != 7:
        raise InvalidSchedule("Weekly hours list exactly seven days, Monday first.")
    for name, ranges in zip(DAY_NAMES, value, strict=True):
        previous_end = -1
        for start, end in ranges:
            if not 0 <= start < end <= _DAY:
                raise InvalidSchedule(
                    f"On {name} a working range must end after it starts, within the day; "
                    f"got {start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}.",
                    details={"day": name},
                )
            if start < previous_end:
                raise InvalidSchedule(
                    f"On {name} two working ranges overlap; list them in order without overlap.",
                    details={"day": name},
                )
            previous_end = end


@attrs.frozen
class WeeklyHours:
    """Working ranges per weekday (index 0 = Monday), in minutes after local midnight.

    Times are wall-clock times in the owner's IANA zone, so 09:00–18:00 stays 09:00–18:00
    local on daylight-saving days.
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
        days: list[Ranges] = []
        for name in DAY_NAMES:
            ranges: list[tuple[int, int]] = []
            for text in spec.get(name, ()):
                start, sep, end = str(text).partition("-")
                if not sep:
                    raise InvalidSchedule(f"{text!r} is not a range such as '09:00-18:00'.")
                ranges.append((parse_clock(start.strip()), parse_clock(end.strip())))
            days.append(tuple(sorted(ranges)))
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
            name: [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in ranges]
            for name, ranges in zip(DAY_NAMES, self.days, strict=True)
            if ranges
        }
