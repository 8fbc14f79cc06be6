"""What a person wants to be told, where, and when not."""

from __future__ import annotations

import attrs
import pendulum
from pendulum import DateTime, Time

from booking_core.errors import InvalidInput
from booking_core.notifications.notification import Recipient
from booking_core.timerange import zone

__all__ = ["LOCALES", "Preferences", "QuietHours"]

#: The languages every template is written in.
LOCALES = ("zh-CN", "en")


@attrs.frozen
class QuietHours:
    """Local hours in which non-urgent messages wait (``22:00``–``08:00`` spans midnight).

    ``start == end`` is refused: it would mean "always" or "never" and says neither.
    """

    start: Time
    end: Time
    time_zone: str

    def __attrs_post_init__(self) -> None:
        zone(self.time_zone)
        if self.start == self.end:
            raise InvalidInput(
                "Quiet hours need a start and an end that differ (e.g. 22:00 to 08:00).",
                details={"field": "quiet_hours"},
            )

    def release(self, at: DateTime) -> DateTime | None:
        """When a message due ``at`` may go: None if ``at`` is outside the quiet hours, else
        the end of the quiet stretch it falls in (in UTC)."""
        local = at.in_timezone(self.time_zone)
        clock = local.time()
        spans_midnight = self.start > self.end
        quiet = (
            (clock >= self.start or clock < self.end)
            if spans_midnight
            else (self.start <= clock < self.end)
        )
        if not quiet:
            return None
        end_day = local.date()
        if spans_midnight and clock >= self.start:
            end_day = end_day.add(days=1)
        end = pendulum.datetime(
            end_day.year,
            end_day.month,
            end_day.day,
            self.end.hour,
            self.end.minute,
            tz=self.time_zone,
        )
        return end.in_timezone("UTC")


@attrs.frozen
class Preferences:
    """One recipient's settings.

    Attributes:
        recipient: Whose they are.
        muted: ``(kind, channel)`` pairs switched off. The inbox is not a channel here: it
            keeps every message; security messages ignore this.
        quiet_hours: When non-urgent messages wait; None: never.
        locale: ``zh-CN`` or ``en``: the language of his messages.
    """

    recipient: Recipient
    muted: frozenset[tuple[str, str]] = frozenset()
    quiet_hours: QuietHours | None = None
    locale: str = attrs.field(default="zh-CN")

    @locale.validator
    def _known_locale(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in LOCALES:
            raise InvalidInput(
                f"Messages are written in {' or '.join(LOCALES)}, not {value!r}.",
                details={"field": "locale"},
            )

    def allows(self, kind: str, channel: str) -> bool:
        """Whether a message of ``kind`` may go to ``channel``."""
        return kind == "security" or (kind, channel) not in self.muted
