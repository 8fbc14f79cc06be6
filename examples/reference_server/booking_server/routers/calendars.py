"""A technician's outside calendars (issue 15; docs/calendars.md): the iCalendar feeds of his
own calendar app the worker reads, busy blocks pushed by your system, the feed out of his
bookings for his calendar app, and the platform's bulk import of bookings and busy blocks.

Who may do what is the core's (:class:`~booking_core.services.outside_calendars.
OutsideCalendarService`, :class:`~booking_core.services.bulk_import.BulkImportService`):
feeds, blocks and the feed out are his, his store's and the platform's (staff with the
``technicians`` permission); the import is the platform's. The routes only map — except
that a feed is addressed under its technician, so the route checks that the feed is one of
his (404 ``calendar_feed_not_found`` otherwise) before acting on it.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated, Final

import pendulum
from fastapi import APIRouter, Path, Query, Request, Response, status

from booking_core.bootstrap import BookingApp
from booking_core.errors import NotFound
from booking_core.ids import TechnicianId
from booking_core.orders import Actor
from booking_core.scheduling.busy_block import BusyBlock
from booking_core.scheduling.calendar_feed import CalendarFeed
from booking_core.timerange import TimeRange
from booking_server.actors import CurrentActor, OptionalActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import Unauthenticated, problem_responses
from booking_server.schemas.calendars import (
    BUSY_SOURCE_PATTERN,
    UID_PATTERN,
    BusyBlockIn,
    BusyBlockList,
    BusyBlockOut,
    CalendarFeedIn,
    CalendarFeedList,
    CalendarFeedOut,
    CalendarLinkOut,
    FeedRefreshOut,
    ImportIn,
    ImportReportOut,
)
from booking_server.schemas.common import ID_PATTERN, MAX_YEAR, MIN_YEAR, Instant

__all__ = ["ICAL_MEDIA_TYPE", "router"]

router = APIRouter(tags=["calendars"], responses=problem_responses(404, 422))

#: The media type of the feed out (RFC 5545); Starlette adds ``charset=utf-8``.
ICAL_MEDIA_TYPE: Final = "text/calendar"
#: How far back and ahead the feed out may reach (its defaults are the core's).
MAX_FEED_DAYS: Final = 366
#: The ends of a window left open: beyond every instant the server takes (years
#: MIN_YEAR…MAX_YEAR), so an open side cuts nothing off.
_OPEN_START: Final = pendulum.datetime(MIN_YEAR - 1, 1, 1, tz="UTC")
_OPEN_END: Final = pendulum.datetime(MAX_YEAR + 2, 1, 1, tz="UTC")

FeedId = Annotated[
    str, Path(pattern=ID_PATTERN, description="The feed's id.", examples=["cal_0009"])
]
Uid = Annotated[
    str,
    Path(
        pattern=UID_PATTERN,
        description="Your system's id of the block: pushing the same uid again replaces it.",
        examples=["dentist-0303"],
    ),
]


def _zone(app: BookingApp, technician_id: str) -> str:
    return app.technicians.get(TechnicianId(technician_id)).time_zone


def _feed_of(app: BookingApp, actor: Actor, technician_id: str, feed_id: str) -> CalendarFeed:
    # feeds() checks who may read his calendars first (404 technician, 403), then the feed
    # must be one of his: a feed id under another technician's path is not found.
    for feed in app.outside_calendars.feeds(actor, TechnicianId(technician_id)):
        if feed.id == feed_id:
            return feed
    raise NotFound("calendar_feed", feed_id)


def _by_id(feed: CalendarFeed) -> SortKey:
    return (feed.id,)


def _by_blocked_start(block: BusyBlock) -> SortKey:
    return (micros(block.blocked.start), block.source, block.uid)


# --- feeds in --------------------------------------------------------------------------------


@router.post(
    "/technicians/{technician_id}/calendar-feeds",
    status_code=status.HTTP_201_CREATED,
    summary="Register a feed of his own calendar (he, his store or the platform)",
    responses=problem_responses(401, 403),
)
def register_calendar_feed(
    technician_id: str, body: CalendarFeedIn, app: Booking, actor: CurrentActor
) -> CalendarFeedOut:
    """An iCalendar feed (his calendar app's private address) the worker reads at once and
    then every ``refresh_minutes``: its events become busy blocks (source
    ``ical:<feed id>``), widened by the feed's buffers. 422 ``invalid_calendar`` for an
    address that is not http(s), a period or buffer out of range (``details.field``);
    ``invalid_time_zone`` for an unknown zone."""
    feed = app.outside_calendars.register_feed(
        actor,
        TechnicianId(technician_id),
        body.checked_url(),
        refresh_minutes=body.refresh_minutes,
        buffer_before_minutes=body.buffer_before_minutes,
        buffer_after_minutes=body.buffer_after_minutes,
        time_zone=body.time_zone,
    )
    return CalendarFeedOut.from_domain(feed, _zone(app, technician_id))


@router.get(
    "/technicians/{technician_id}/calendar-feeds",
    summary="His calendar feeds (he, his store or the platform)",
    responses=problem_responses(401, 403),
)
def calendar_feeds(
    technician_id: str, app: Booking, actor: CurrentActor, page: Page
) -> CalendarFeedList:
    """By id, a page at a time, each with how its last reads went (``last_refreshed_at``,
    ``failures`` in a row, ``last_error``)."""
    feeds = app.outside_calendars.feeds(actor, TechnicianId(technician_id))
    shown, next_cursor = page.of(feeds, _by_id)
    zone = _zone(app, technician_id)
    return CalendarFeedList(
        technician_id=technician_id,
        items=[CalendarFeedOut.from_domain(f, zone) for f in shown],
        next_cursor=next_cursor,
    )


@router.delete(
    "/technicians/{technician_id}/calendar-feeds/{feed_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a calendar feed and its busy blocks (he, his store or the platform)",
    responses=problem_responses(401, 403),
)
def remove_calendar_feed(
    technician_id: str, feed_id: FeedId, app: Booking, actor: CurrentActor
) -> Response:
    """The feed and every block read from it go (their time is offered again); its reads
    end. 404 ``calendar_feed_not_found`` when he has no such feed."""
    feed = _feed_of(app, actor, technician_id, feed_id)
    app.outside_calendars.remove_feed(actor, feed.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/technicians/{technician_id}/calendar-feeds/{feed_id}/refresh",
    summary="Read a calendar feed now (he, his store or the platform)",
    responses=problem_responses(401, 403),
)
def refresh_calendar_feed(
    technician_id: str, feed_id: FeedId, app: Booking, actor: CurrentActor
) -> FeedRefreshOut:
    """Read it now and replace its blocks with what it holds, in one transaction. A read
    that fails is an answer, not an error (200, ``ok: false``, ``error`` says why): the
    blocks of the last good read stay, ``failures`` counts it and the next try waits a
    backoff. 404 ``calendar_feed_not_found`` when he has no such feed."""
    feed = _feed_of(app, actor, technician_id, feed_id)
    outcome = app.outside_calendars.refresh(feed.id)
    return FeedRefreshOut.from_domain(outcome, _zone(app, technician_id))


# --- busy blocks -----------------------------------------------------------------------------


@router.put(
    "/technicians/{technician_id}/busy-blocks/{uid}",
    summary="Push a busy block, or replace it (he, his store or the platform)",
    responses=problem_responses(401, 403, 409),
)
def push_busy_block(
    technician_id: str, uid: Uid, body: BusyBlockIn, app: Booking, actor: CurrentActor
) -> BusyBlockOut:
    """Store the block ``uid`` (source ``api``), replacing the one pushed with that uid:
    its time, widened by its buffers, is no longer offered. 409 ``busy_time_conflict``
    when a booking or a live checkout hold takes some of it (nothing stored; of a push and
    a booking of the same time at once, exactly one succeeds); 422 ``invalid_time_range``
    for an end not after the start."""
    block = app.outside_calendars.push_block(
        actor,
        TechnicianId(technician_id),
        uid,
        body.span(),
        summary=body.summary,
        buffer_before_minutes=body.buffer_before_minutes,
        buffer_after_minutes=body.buffer_after_minutes,
    )
    return BusyBlockOut.from_domain(block, _zone(app, technician_id))


@router.delete(
    "/technicians/{technician_id}/busy-blocks/{uid}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a pushed busy block (he, his store or the platform)",
    responses=problem_responses(401, 403),
)
def delete_busy_block(technician_id: str, uid: Uid, app: Booking, actor: CurrentActor) -> Response:
    """Its time is offered again. Only pushed blocks (source ``api``): a feed's go with
    the feed or its next read, imported ones by importing again. 404
    ``busy_block_not_found`` when he has no pushed block ``uid``."""
    app.outside_calendars.delete_block(actor, TechnicianId(technician_id), uid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/technicians/{technician_id}/busy-blocks",
    summary="His busy blocks (he, his store or the platform)",
    responses=problem_responses(401, 403),
)
def busy_blocks(
    technician_id: str,
    app: Booking,
    actor: CurrentActor,
    page: Page,
    since: Annotated[
        Instant | None,
        Query(description="Only blocks whose blocked time ends after this instant."),
    ] = None,
    until: Annotated[
        Instant | None,
        Query(description="Only blocks whose blocked time starts before this instant."),
    ] = None,
    source: Annotated[
        str | None,
        Query(
            pattern=BUSY_SOURCE_PATTERN,
            description="Only blocks from `api`, `import` or `ical:<feed id>`.",
        ),
    ] = None,
) -> BusyBlockList:
    """Of every source (or ``source``), by blocked start, a page at a time, with their
    private summaries (only he, his store and the platform read them). ``since`` and
    ``until`` bound the window the blocked time overlaps; either may be left out (the
    window is open on that side). 422 ``invalid_time_range`` for a window that ends before
    it starts."""
    within = (
        None
        if since is None and until is None
        else TimeRange(
            _OPEN_START if since is None else pendulum.instance(since),
            _OPEN_END if until is None else pendulum.instance(until),
        )
    )
    blocks = app.outside_calendars.blocks(
        actor, TechnicianId(technician_id), within=within, source=source
    )
    shown, next_cursor = page.of(blocks, _by_blocked_start)
    zone = _zone(app, technician_id)
    return BusyBlockList(
        technician_id=technician_id,
        time_zone=zone,
        items=[BusyBlockOut.from_domain(b, zone) for b in shown],
        next_cursor=next_cursor,
    )


# --- the feed out ----------------------------------------------------------------------------


@router.get(
    "/technicians/{technician_id}/calendar.ics",
    summary="His bookings as an iCalendar feed (he, his store or the platform)",
    response_class=Response,
    responses={
        200: {
            "description": "An iCalendar (RFC 5545) document: one event per booking.",
            "content": {ICAL_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403),
    },
)
def calendar_feed_out(
    technician_id: str,
    app: Booking,
    actor: OptionalActor,
    days_back: Annotated[
        int, Query(ge=0, le=MAX_FEED_DAYS, description="From this many days ago.")
    ] = 30,
    days_ahead: Annotated[
        int, Query(ge=0, le=MAX_FEED_DAYS, description="To this many days ahead.")
    ] = 180,
    key: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            description="The secret of the link from POST …/calendar-link: with it no "
            "sign-in is needed (a calendar app subscribes to the link).",
        ),
    ] = None,
) -> Response:
    """``text/calendar``: one ``VEVENT`` per booking (checkout holds left out), ``UID``
    ``<booking id>@booking-core``, times in UTC, the service's name as the summary and no
    customer data. Signed in (he, his store, the platform), or with the ``key`` of his
    current link (``POST /technicians/{technician_id}/calendar-link``) and no sign-in —
    what a calendar app that cannot send ``Authorization`` subscribes to; a wrong or
    retired key is 404."""
    technician = TechnicianId(technician_id)
    if key is not None:
        text = app.outside_calendars.feed_out_by_secret(
            technician, _secret_hash(key), days_back=days_back, days_ahead=days_ahead
        )
    elif actor is None:
        raise Unauthenticated(
            "Sign in first, or use the calendar link (POST "
            f"/technicians/{technician_id}/calendar-link) with its key."
        )
    else:
        text = app.outside_calendars.feed_out(
            actor, technician, days_back=days_back, days_ahead=days_ahead
        )
    # Personal data of one caller's view: no shared cache keeps it.
    return Response(text, media_type=ICAL_MEDIA_TYPE, headers={"Cache-Control": "private"})


def _secret_hash(key: str) -> str:
    # Only the hash is stored: a copy of the database does not open anyone's feed.
    return hashlib.sha256(key.encode()).hexdigest()


@router.post(
    "/technicians/{technician_id}/calendar-link",
    status_code=status.HTTP_201_CREATED,
    summary="A new secret link to his feed out (he, his store or the platform)",
    responses=problem_responses(401, 403, 404),
)
def new_calendar_link(
    technician_id: str, request: Request, app: Booking, actor: CurrentActor
) -> CalendarLinkOut:
    """A new link to his bookings' iCalendar feed that works without signing in, for a
    calendar app to subscribe to; the link before stops working. The key is shown once
    (only its hash is kept): to see a link again, make a new one."""
    key = secrets.token_urlsafe(32)
    app.outside_calendars.set_feed_secret(actor, TechnicianId(technician_id), _secret_hash(key))
    url = request.url_for("calendar_feed_out", technician_id=technician_id)
    return CalendarLinkOut(url=f"{url}?key={key}", key=key)


@router.delete(
    "/technicians/{technician_id}/calendar-link",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire his feed link (he, his store or the platform)",
    responses=problem_responses(401, 403, 404),
)
def retire_calendar_link(technician_id: str, app: Booking, actor: CurrentActor) -> Response:
    """No link opens his feed any more (signed-in reads still do)."""
    app.outside_calendars.set_feed_secret(actor, TechnicianId(technician_id), None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- bulk import -----------------------------------------------------------------------------


@router.post(
    "/imports",
    summary="Import bookings and busy blocks (platform)",
    responses=problem_responses(401, 403),
)
def run_import(body: ImportIn, app: Booking, actor: CurrentActor) -> ImportReportOut:
    """Best effort in one transaction: every row is checked, those that pass are stored
    together, the others are reported (``conflict`` with what, ``invalid`` why) and stored
    nowhere. Idempotent by ``external_id``: the same rows again are ``unchanged``. Staff
    with the ``technicians`` permission; at most 5,000 rows a call (422 beyond)."""
    report = app.imports.run(
        actor,
        bookings=[row.to_domain() for row in body.bookings],
        busy_blocks=[row.to_domain() for row in body.busy_blocks],
    )
    return ImportReportOut.from_domain(report)
