"""Notifications (issue 11): each signed-in person's own inbox (C14), his preferences and
his WeChat one-time grants.

Everyone signed in has an inbox: a customer, a technician and a store their own, platform
staff their sub-role's shared one (:func:`booking_core.services.notifications.recipient_of`).
The rules are the core's (:class:`~booking_core.services.notifications.NotificationService`);
the server adds the text a person reads, rendered in his language by the app's
:class:`~booking_core_notifications.Renderer`. Storage pages the inbox, as it pages orders:
a page is one query for ``limit + 1`` entries after the cursor's key ``(created_at, id)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

import pendulum
from fastapi import APIRouter, Query

from booking_core.errors import InvalidInput, NotFound
from booking_core.notifications import InboxCursor, Notification
from booking_core_notifications import Renderer
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking, Texts
from booking_server.paging import InvalidCursor, Page, PageRequest, micros
from booking_server.problems import problem_responses
from booking_server.schemas.notifications import (
    GrantIn,
    GrantOut,
    InboxItemOut,
    InboxList,
    MarkedOut,
    MarkReadIn,
    PreferencesIn,
    PreferencesOut,
    UnreadOut,
)

__all__ = ["router"]

router = APIRouter(tags=["notifications"], responses=problem_responses(401, 422))


@router.get("/inbox", summary="My notifications (everyone signed in)")
def list_inbox(
    app: Booking,
    actor: CurrentActor,
    texts: Texts,
    page: Page,
    unread_only: Annotated[bool, Query(description="Only those not yet marked read.")] = False,
) -> InboxList:
    """The caller's notifications, newest first, a page at a time: what the core stored
    (template id, kind, parameters, subject, when, read or not, urgent) and the title and
    body rendered in the caller's language (his preferences' ``locale``). Platform staff
    read their sub-role's shared inbox."""
    found = app.notifications.inbox(
        actor, limit=page.limit + 1, after=_inbox_cursor(page), unread_only=unread_only
    )
    locale = app.notifications.preferences(actor).locale
    shown = found[: page.limit]
    next_cursor = None
    if len(found) > page.limit:
        last = InboxCursor.after(shown[-1])
        next_cursor = page.cursor_after((micros(last.created_at), last.notification_id))
    return InboxList(
        locale=locale,
        items=[InboxItemOut.from_domain(n, _text(texts, n, locale)) for n in shown],
        next_cursor=next_cursor,
    )


@router.get("/inbox/unread-count", summary="How many of my notifications are unread")
def unread_count(app: Booking, actor: CurrentActor) -> UnreadOut:
    """The number of the caller's unread notifications (the badge on the bell)."""
    return UnreadOut(unread=app.notifications.unread_count(actor))


@router.post("/inbox/read", summary="Mark some of my notifications read")
def mark_read(body: MarkReadIn, app: Booking, actor: CurrentActor) -> MarkedOut:
    """Mark the caller's unread notifications among ``ids`` read; how many changed. Ids of
    other people's notifications, unknown ids and ones read already change nothing."""
    return MarkedOut(marked=app.notifications.mark_read(actor, list(body.ids)))


@router.post("/inbox/read-all", summary="Mark all my notifications read")
def mark_all_read(app: Booking, actor: CurrentActor) -> MarkedOut:
    """Mark every unread notification of the caller read; how many changed."""
    return MarkedOut(marked=app.notifications.mark_all_read(actor))


@router.get("/notification-preferences", summary="My notification preferences")
def my_preferences(app: Booking, actor: CurrentActor) -> PreferencesOut:
    """The caller's preferences: the kinds of message switched off per channel, quiet hours
    and language; the defaults (nothing muted, no quiet hours, ``zh-CN``) until he saves
    some."""
    return PreferencesOut.from_domain(app.notifications.preferences(actor))


@router.put("/notification-preferences", summary="Replace my notification preferences")
def set_my_preferences(body: PreferencesIn, app: Booking, actor: CurrentActor) -> PreferencesOut:
    """Replace the caller's preferences whole. The inbox keeps every message whatever is
    muted; muting applies to push channels (SMS, e-mail, WeChat …). 422 ``invalid_input``
    when ``security`` is muted (security messages always go) or quiet hours start and end
    at the same time, 422 ``invalid_time_zone`` for an unknown zone; nothing is saved
    then."""
    preferences = app.notifications.set_preferences(
        actor,
        muted=frozenset((m.kind.value, m.channel) for m in body.muted),
        quiet_hours=None if body.quiet_hours is None else body.quiet_hours.to_domain(),
        locale=body.locale,
    )
    return PreferencesOut.from_domain(preferences)


@router.post("/notification-grants", summary="Record one-time messages I accepted (WeChat)")
def grant_messages(body: GrantIn, app: Booking, actor: CurrentActor) -> GrantOut:
    """Record that the caller accepted ``count`` more one-time messages of ``template`` —
    what a mini-program calls after ``wx.requestSubscribeMessage`` answered ``accept``.
    Each WeChat message of that template spends one; the answer is how many are left.
    422 ``invalid_input`` for a template not in the catalog."""
    left = app.notifications.grant(actor, body.template, body.count)
    return GrantOut(template=body.template, left=left)


def _text(texts: Renderer, notification: Notification, locale: str) -> tuple[str, str] | None:
    try:
        rendered = texts.render(notification.template, locale, notification.params)
    except (NotFound, InvalidInput):
        # A template an app's own rules emit without a text for it (or a text that wants a
        # parameter it lacks): the entry still shows, with its template id and parameters.
        return None
    return rendered.title, rendered.body


_EPOCH: Final = pendulum.datetime(1970, 1, 1, tz="UTC")


def _inbox_cursor(page: PageRequest) -> InboxCursor | None:
    """The storage cursor a page's ``cursor`` holds: ``(microseconds, notification id)``."""
    key = page.after()
    if key is None:
        return None
    match key:
        case (int() as at, str() as notification_id):
            try:
                return InboxCursor(_EPOCH + dt.timedelta(microseconds=at), notification_id)
            except OverflowError as exc:
                raise InvalidCursor(_NOT_A_POSITION) from exc
    raise InvalidCursor(_NOT_A_POSITION)


_NOT_A_POSITION: Final = "The cursor is not one this server gave; start again without it."
