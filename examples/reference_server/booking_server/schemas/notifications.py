"""Notifications (issue 11): the caller's inbox, his preferences and his WeChat grants.

An inbox entry carries what the core stored — a template id and its parameters — and the
text a person reads, rendered in the caller's language (his preferences' ``locale``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

import pendulum
from annotated_types import Interval
from pydantic import AwareDatetime, Field, JsonValue, StrictInt

from booking_core.notifications import Notification, NotificationKind, Preferences, QuietHours
from booking_core.notifications.catalog import TEMPLATES
from booking_core.services.notifications import MAX_GRANTS
from booking_server.paging import NextCursor
from booking_server.schemas.common import (
    ID_PATTERN,
    TAKE_WHOLE_FLOATS,
    InModel,
    OutModel,
    in_zone,
)

__all__ = [
    "GrantIn",
    "GrantOut",
    "InboxItemOut",
    "InboxList",
    "MarkReadIn",
    "MarkedOut",
    "MutedIn",
    "PreferencesIn",
    "PreferencesOut",
    "QuietHoursIn",
    "UnreadOut",
]

#: Most ids one ``POST /inbox/read`` takes (a page of the inbox is at most 500).
MAX_MARKED: Final = 500
_CLOCK: Final = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_ZONE: Final = r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$"
_CHANNEL: Final = r"^[a-z][a-z0-9_]{0,31}$"

#: The templates of the catalog (the document lists them; the core refuses any other).
_TEMPLATE_IDS: Final[list[JsonValue]] = [*sorted(TEMPLATES)]

Locale = Literal["zh-CN", "en"]
_Count = Annotated[StrictInt, Interval(ge=1, le=MAX_GRANTS), TAKE_WHOLE_FLOATS]


class InboxItemOut(OutModel):
    """One notification in the caller's inbox."""

    id: str
    template: str = Field(description="The template id (see docs/notifications.md).")
    kind: str = Field(description="What it is about: orders, payments, reminders, …")
    params: dict[str, str] = Field(description="The template's parameters, as text.")
    subject: str = Field(description="What it is about: an order id, an application id.")
    created_at: AwareDatetime = Field(description="When it was made (UTC).")
    read_at: AwareDatetime | None = Field(description="When it was marked read; null: unread.")
    urgent: bool = Field(description="Sent even in the recipient's quiet hours.")
    title: str | None = Field(
        description="The title in the caller's language; null when no text is written for "
        "this template in it."
    )
    body: str | None = Field(description="The body in the caller's language (null likewise).")

    @classmethod
    def from_domain(cls, notification: Notification, text: tuple[str, str] | None) -> InboxItemOut:
        """The answer for ``notification`` with its rendered ``(title, body)``."""
        return cls(
            id=notification.id,
            template=notification.template,
            kind=notification.kind,
            params=dict(notification.params),
            subject=notification.subject,
            created_at=in_zone(notification.created_at, "UTC"),
            read_at=None if notification.read_at is None else in_zone(notification.read_at, "UTC"),
            urgent=notification.urgent,
            title=None if text is None else text[0],
            body=None if text is None else text[1],
        )


class InboxList(OutModel):
    """The caller's notifications, newest first (then by id, larger first), one page."""

    locale: str = Field(description="The language the titles and bodies are in.")
    items: list[InboxItemOut]
    next_cursor: NextCursor = None


class UnreadOut(OutModel):
    """How many of the caller's notifications are unread."""

    unread: int


class MarkReadIn(InModel):
    """Notifications to mark read (ids not the caller's, or read already, change nothing)."""

    ids: list[Annotated[str, Field(pattern=ID_PATTERN, max_length=128)]] = Field(
        min_length=1, max_length=MAX_MARKED
    )


class MarkedOut(OutModel):
    """How many notifications changed from unread to read."""

    marked: int


class MutedIn(InModel):
    """One kind of message switched off on one channel."""

    kind: NotificationKind = Field(
        description="`security` messages cannot be switched off (422 `invalid_input`)."
    )
    channel: str = Field(
        pattern=_CHANNEL, description="A push channel's name.", examples=["sms", "wechat"]
    )


class QuietHoursIn(InModel):
    """Local hours in which non-urgent messages wait; ``22:00``–``08:00`` spans midnight."""

    start: str = Field(pattern=_CLOCK, examples=["22:00"])
    end: str = Field(pattern=_CLOCK, examples=["08:00"], description="Not equal to `start`.")
    time_zone: str = Field(max_length=64, pattern=_ZONE, examples=["Asia/Shanghai"])

    def to_domain(self) -> QuietHours:
        """The domain value (its checks run: an unknown zone, ``start == end``)."""
        return QuietHours(_clock(self.start), _clock(self.end), self.time_zone)


class QuietHoursOut(OutModel):
    """Quiet hours as stored."""

    start: str = Field(examples=["22:00"])
    end: str = Field(examples=["08:00"])
    time_zone: str = Field(examples=["Asia/Shanghai"])


class MutedOut(OutModel):
    """One kind of message switched off on one channel."""

    kind: str
    channel: str


class PreferencesIn(InModel):
    """The caller's preferences, replaced whole."""

    muted: list[MutedIn] = Field(default_factory=list, max_length=64)
    quiet_hours: QuietHoursIn | None = None
    locale: Locale = Field(default="zh-CN", description="The language of his messages.")


class PreferencesOut(OutModel):
    """The caller's preferences (the defaults until he saves some)."""

    muted: list[MutedOut] = Field(description="By kind, then channel.")
    quiet_hours: QuietHoursOut | None
    locale: str

    @classmethod
    def from_domain(cls, preferences: Preferences) -> PreferencesOut:
        """The answer for ``preferences``."""
        quiet = preferences.quiet_hours
        return cls(
            muted=[MutedOut(kind=k, channel=c) for k, c in sorted(preferences.muted)],
            quiet_hours=None
            if quiet is None
            else QuietHoursOut(
                start=quiet.start.strftime("%H:%M"),
                end=quiet.end.strftime("%H:%M"),
                time_zone=quiet.time_zone,
            ),
            locale=preferences.locale,
        )


class GrantIn(InModel):
    """One-time messages the caller just accepted (``wx.requestSubscribeMessage``)."""

    template: str = Field(
        max_length=64,
        description="The template he accepted messages of.",
        json_schema_extra={"enum": _TEMPLATE_IDS},
    )
    count: _Count = Field(default=1, description=f"How many (1–{MAX_GRANTS}).")


class GrantOut(OutModel):
    """The one-time messages of a template the caller has granted and not yet received."""

    template: str
    left: int


def _clock(text: str) -> pendulum.Time:
    moment = dt.time.fromisoformat(text)
    return pendulum.Time(moment.hour, moment.minute)
