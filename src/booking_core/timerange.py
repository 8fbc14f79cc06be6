"""Half-open ranges of aware time: [start, end)."""

from __future__ import annotations

import datetime as _dt

import attrs
import pendulum
from pendulum import DateTime, Duration

from booking_core.errors import InvalidTimeRange, InvalidTimeZone

__all__ = ["TimeRange", "ensure_aware", "zone"]


def ensure_aware(value: object, what: str = "time") -> DateTime:
    """Return ``value`` as a pendulum DateTime, refusing naive or non-datetime values."""
    if not isinstance(value, DateTime):
        if isinstance(value, _dt.datetime) and value.tzinfo is not None:
            return pendulum.instance(value)
        raise InvalidTimeRange(
            f"The {what} must be a timezone-aware datetime; got {value!r}.",
            details={"value": repr(value)},
        )
    if value.tzinfo is None:
        raise InvalidTimeRange(f"The {what} must carry a time zone; got a naive {value}.")
    return value


def zone(name: str) -> pendulum.Timezone:
    """The IANA zone called ``name``.

    Raises:
        InvalidTimeZone: if ``name`` is not a known IANA zone name.
    """
    if not isinstance(name, str) or not name or name != name.strip():
        raise InvalidTimeZone(f"{name!r} is not an IANA time zone name such as 'Asia/Shanghai'.")
    try:
        tz = pendulum.timezone(name)
    except Exception as exc:  # pendulum raises InvalidTimezone (a ValueError) or OSError
        raise InvalidTimeZone(
            f"{name!r} is not an IANA time zone name such as 'Asia/Shanghai'.",
            details={"time_zone": name},
        ) from exc
    if not isinstance(tz, pendulum.Timezone):
        raise InvalidTimeZone(f"{name!r} is a fixed offset, not an IANA zone name.")
    return tz


def _instant(value: DateTime) -> tuple[int, int]:
    return value.int_timestamp, value.microsecond


def _aware_start(value: object) -> DateTime:
    return ensure_aware(value, "start")


def _aware_end(value: object) -> DateTime:
    return ensure_aware(value, "end")


@attrs.frozen
class TimeRange:
    """A half-open interval ``[start, end)`` of aware instants; touching is not overlapping."""

    # Equality by instant: PEP 495 makes == between zones False at an ambiguous (fold) time.
    start: DateTime = attrs.field(converter=_aware_start, eq=_instant)
    end: DateTime = attrs.field(converter=_aware_end, eq=_instant)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidTimeRange(
                f"A time range must end after it starts; got {self.start} → {self.end}.",
                details={"start": self.start.isoformat(), "end": self.end.isoformat()},
            )

    @classmethod
    def of_aware(cls, start: DateTime, end: DateTime) -> TimeRange:
        """``TimeRange(start, end)``, cheaper where both are aware pendulum DateTimes (how
        storage reads instants back, once per booking of an agenda): the converters would
        return them unchanged, so they are skipped. Anything else (naive, stdlib, an end
        not after the start) goes through the constructor and its checks."""
        if not (
            isinstance(start, DateTime)
            and isinstance(end, DateTime)
            and start.tzinfo is not None
            and end.tzinfo is not None
            and start < end
        ):
            return cls(start, end)
        made = object.__new__(cls)
        object.__setattr__(made, "start", start)
        object.__setattr__(made, "end", end)
        return made

    @classmethod
    def starting(cls, start: DateTime, duration: Duration) -> TimeRange:
        """The range of ``duration`` from ``start`` (absolute time, not wall-clock)."""
        return cls(start, start + duration)

    @property
    def duration(self) -> Duration:
        """Absolute length of the range."""
        return self.end - self.start

    def overlaps(self, other: TimeRange) -> bool:
        """True when the ranges share an instant (touching ends do not)."""
        return self.start < other.end and other.start < self.end

    def contains(self, instant: DateTime) -> bool:
        """True when ``start <= instant < end``."""
        return self.start <= instant < self.end

    def covers(self, other: TimeRange) -> bool:
        """True when ``other`` lies wholly inside this range."""
        return self.start <= other.start and other.end <= self.end

    def expand(self, before: Duration, after: Duration) -> TimeRange:
        """This range widened by ``before`` at the start and ``after`` at the end."""
        return TimeRange(self.start - before, self.end + after)

    def in_utc(self) -> TimeRange:
        """The same instants expressed in UTC (how storage keeps them)."""
        return self.in_zone("UTC")

    def in_zone(self, time_zone: str) -> TimeRange:
        """The same instants shown in ``time_zone`` (an IANA name)."""
        return TimeRange(self.start.in_timezone(time_zone), self.end.in_timezone(time_zone))
