"""Checks of the payment providers' daily statements (对账, FEATURES P10): finance reads
every difference between a provider's statement and the platform's money, and may check a
day again."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pendulum
from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from booking_core.errors import NotFound
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import InvalidCursor, Page, PageRequest
from booking_server.problems import problem_responses
from booking_server.schemas import StatementCheckList, StatementCheckOut

__all__ = ["router"]

router = APIRouter(tags=["payments"], responses=problem_responses(401, 403, 422))

_NOT_OURS = "The cursor is not one this server gave; start again without it."


def _after(page: PageRequest) -> tuple[pendulum.Date, str] | None:
    key = page.after()
    if key is None:
        return None
    match key:
        case (str() as day, str() as provider):
            try:
                return pendulum.Date.fromisoformat(day), provider
            except ValueError as exc:
                raise InvalidCursor(_NOT_OURS) from exc
    raise InvalidCursor(_NOT_OURS)


def _day(day: dt.date) -> pendulum.Date:
    return pendulum.Date(day.year, day.month, day.day)


@router.get("/statement-checks", summary="Checks of the providers' statements (finance)")
def list_statement_checks(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    provider: Annotated[str | None, Query(max_length=64)] = None,
) -> StatementCheckList:
    """The checks of every provider's daily statement (or ``provider``'s), newest day first,
    each with its differences. Staff with the ``books`` permission; everyone else 403."""
    found = app.statements.checks(actor, provider=provider, after=_after(page),
                                  limit=page.limit + 1)  # fmt: skip
    shown = found[: page.limit]
    next_cursor = None
    if len(found) > page.limit:
        last = shown[-1]
        next_cursor = page.cursor_after((last.day.isoformat(), last.provider))
    return StatementCheckList(
        items=[StatementCheckOut.from_domain(c) for c in shown], next_cursor=next_cursor
    )


@router.get(
    "/statement-checks/{provider}/{day}",
    summary="One provider's statement check of a day (finance)",
    responses=problem_responses(404),
)
def get_statement_check(
    provider: str, day: dt.date, app: Booking, actor: CurrentActor
) -> StatementCheckOut:
    """The check of ``provider``'s statement of ``day`` (YYYY-MM-DD, the provider's day);
    404 ``statement_check_not_found`` if that day was not checked."""
    return StatementCheckOut.from_domain(app.statements.get(provider, _day(day), actor))


@router.post(
    "/statement-checks/{provider}/{day}",
    summary="Check a provider's statement of a day now (finance)",
    responses=problem_responses(402, 404),
)
async def check_statement(
    provider: str, day: dt.date, app: Booking, actor: CurrentActor
) -> StatementCheckOut:
    """Fetch ``provider``'s statement of ``day`` now, match it against the platform's
    captures and refunds and keep the outcome (replacing an earlier check of that day); the
    daily job does this every morning. 404 ``payment_provider_not_found`` for a provider not
    configured; 402 ``payment_error`` when it offers no statements or could not give this
    one (not ready yet: ``details.reason``)."""
    if provider not in app.payments.providers:
        raise NotFound("payment_provider", provider)
    check = await run_in_threadpool(app.statements.check, provider, _day(day), actor)
    return StatementCheckOut.from_domain(check)
