"""The audit log (issue 10): who among the platform's staff did what, when, and what it
changed, for staff with the ``audit`` permission (super admins).

The rule is the core's (:class:`~booking_core.services.audit.AuditService`); storage pages
the log, as it pages orders: a page is one query for ``limit + 1`` entries after the
cursor's key ``(at, id)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

import pendulum
from fastapi import APIRouter, Query

from booking_core.audit import AuditCursor, AuditQuery
from booking_core.audit.entry import ACTION_PATTERN
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import InvalidCursor, Page, PageRequest, micros
from booking_server.problems import problem_responses
from booking_server.schemas.audit import AuditEntryOut, AuditList
from booking_server.schemas.common import ID_PATTERN, Instant

__all__ = ["router"]

router = APIRouter(tags=["audit"], responses=problem_responses(401, 403, 422))

_ID_FILTER: Final = {"pattern": ID_PATTERN, "max_length": 128}
_ACTION_DOC: Final = (
    "Only this action and those below it by whole words: `order` finds `order.cancel` and "
    "`order.contact.reveal`, `order.can` finds nothing."
)


@router.get("/audit", summary="Read the audit log (super admin)")
def list_audit(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    actor_id: Annotated[
        str | None, Query(**_ID_FILTER, description="Only this staff member's actions.")
    ] = None,
    action: Annotated[
        str | None,
        Query(pattern=f"^{ACTION_PATTERN.pattern}$", max_length=80, description=_ACTION_DOC),
    ] = None,
    subject_kind: Annotated[
        str | None,
        Query(**_ID_FILTER, description="Only actions on this kind of record (`order` …)."),
    ] = None,
    subject_id: Annotated[
        str | None, Query(**_ID_FILTER, description="Only actions on this record.")
    ] = None,
    since: Annotated[Instant | None, Query(description="At or after this instant.")] = None,
    until: Annotated[Instant | None, Query(description="Before this instant.")] = None,
) -> AuditList:
    """Platform staff's actions, newest first, filtered, a page at a time: who (the staff
    member and the sub-role he acted in), what (a dotted action on a subject), when, the
    changed fields before and after, and the reason given. Reads are not recorded; a
    contact reveal is, with its reason.

    403 ``permission_denied`` for anyone without the ``audit`` permission (every sub-role
    but super admin, and every other role).
    """
    query = AuditQuery(
        actor_id=actor_id,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        since=None if since is None else pendulum.instance(since),
        until=None if until is None else pendulum.instance(until),
        after=_audit_cursor(page),
        limit=page.limit + 1,
    )
    found = app.audit.entries(actor, query)
    shown = found[: page.limit]
    next_cursor = None
    if len(found) > page.limit:
        last = AuditCursor.after(shown[-1])
        next_cursor = page.cursor_after((micros(last.at), last.entry_id))
    return AuditList(items=[AuditEntryOut.from_domain(e) for e in shown], next_cursor=next_cursor)


_EPOCH: Final = pendulum.datetime(1970, 1, 1, tz="UTC")


def _audit_cursor(page: PageRequest) -> AuditCursor | None:
    """The storage cursor a page's ``cursor`` holds: ``(microseconds, entry id)``."""
    key = page.after()
    if key is None:
        return None
    match key:
        case (int() as at, str() as entry_id):
            try:
                return AuditCursor(_EPOCH + dt.timedelta(microseconds=at), entry_id)
            except OverflowError as exc:
                raise InvalidCursor(_NOT_A_POSITION) from exc
    raise InvalidCursor(_NOT_A_POSITION)


_NOT_A_POSITION: Final = "The cursor is not one this server gave; start again without it."
