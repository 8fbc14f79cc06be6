"""Dead letters (issue 11): the jobs and outbox messages the workers gave up on, for
platform staff with the ``jobs`` permission (operations, super admins) to look at, retry
or discard. Each retry and discard is recorded in the audit log.

The rules are the core's (:class:`~booking_core.services.dead_letters.DeadLetterService`):
it checks the permission before it reads anything, so an outbox message's payload — which
may hold customers' data — reaches nobody else. Storage pages both lists by id: a page is
one query for ``limit + 1`` entries after the cursor's id.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter

from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import InvalidCursor, Page, PageRequest
from booking_server.problems import problem_responses
from booking_server.schemas.dead_letters import (
    DeadJobList,
    DeadMessageList,
    DiscardIn,
    JobOut,
    OutboxMessageOut,
)

__all__ = ["router"]

router = APIRouter(tags=["dead letters"], responses=problem_responses(401, 403, 422))

_CHANGES: Final = problem_responses(404, 409)


@router.get("/dead-letters/jobs", summary="Dead jobs (operations)")
def list_dead_jobs(app: Booking, actor: CurrentActor, page: Page) -> DeadJobList:
    """Jobs that failed too often to be tried again, by id, a page at a time, each with its
    last error. 403 ``permission_denied`` for anyone without the ``jobs`` permission."""
    found = app.dead_letters.jobs(actor, limit=page.limit + 1, after=_after_id(page))
    shown = found[: page.limit]
    more = len(found) > page.limit
    return DeadJobList(
        items=[JobOut.from_domain(j) for j in shown],
        next_cursor=page.cursor_after((shown[-1].id,)) if more else None,
    )


@router.get("/dead-letters/messages", summary="Dead outbox messages (operations)")
def list_dead_messages(app: Booking, actor: CurrentActor, page: Page) -> DeadMessageList:
    """Outbox messages (domain events) whose relaying failed too often, by id, a page at a
    time, with their payload and last error. 403 ``permission_denied`` for anyone without
    the ``jobs`` permission."""
    found = app.dead_letters.messages(actor, limit=page.limit + 1, after=_after_id(page))
    shown = found[: page.limit]
    more = len(found) > page.limit
    return DeadMessageList(
        items=[OutboxMessageOut.from_domain(m) for m in shown],
        next_cursor=page.cursor_after((shown[-1].id,)) if more else None,
    )


@router.post(
    "/dead-letters/jobs/{job_id}/retry",
    summary="Run a dead job again (operations)",
    responses=_CHANGES,
)
def retry_dead_job(job_id: str, app: Booking, actor: CurrentActor) -> JobOut:
    """Put a dead job back, due now, with its attempts counted from zero; the next worker
    round runs it. 404 ``job_not_found``; 409 ``concurrent_update`` when it is not dead
    (retried or discarded meanwhile)."""
    return JobOut.from_domain(app.dead_letters.retry_job(job_id, actor))


@router.post(
    "/dead-letters/jobs/{job_id}/discard",
    summary="Give a dead job up (operations)",
    responses=_CHANGES,
)
def discard_dead_job(job_id: str, body: DiscardIn, app: Booking, actor: CurrentActor) -> JobOut:
    """Give a dead job up for good, saying why (the reason goes to the audit log); it stays
    stored as ``discarded``. 404 ``job_not_found``; 409 ``concurrent_update`` when it is not
    dead."""
    return JobOut.from_domain(app.dead_letters.discard_job(job_id, actor, reason=body.reason))


@router.post(
    "/dead-letters/messages/{message_id}/retry",
    summary="Relay a dead outbox message again (operations)",
    responses=_CHANGES,
)
def retry_dead_message(message_id: str, app: Booking, actor: CurrentActor) -> OutboxMessageOut:
    """Put a dead outbox message back, due now, with its attempts counted from zero; the
    next worker round relays it. 404 when there is no such message; 409
    ``concurrent_update`` when it is not dead."""
    return OutboxMessageOut.from_domain(app.dead_letters.retry_message(message_id, actor))


@router.post(
    "/dead-letters/messages/{message_id}/discard",
    summary="Give a dead outbox message up (operations)",
    responses=_CHANGES,
)
def discard_dead_message(
    message_id: str, body: DiscardIn, app: Booking, actor: CurrentActor
) -> OutboxMessageOut:
    """Give a dead outbox message up for good, saying why (the reason goes to the audit
    log); it stays stored as ``discarded``. 404 when there is no such message; 409
    ``concurrent_update`` when it is not dead."""
    message = app.dead_letters.discard_message(message_id, actor, reason=body.reason)
    return OutboxMessageOut.from_domain(message)


def _after_id(page: PageRequest) -> str | None:
    """The id a page's ``cursor`` holds: the last one the previous page showed."""
    key = page.after()
    if key is None:
        return None
    match key:
        case (str() as last_id,):
            return last_id
    raise InvalidCursor("The cursor is not one this server gave; start again without it.")
