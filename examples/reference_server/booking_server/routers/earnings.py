"""Earnings and withdrawals (issue 13; FEATURES T9, T10, P10; docs/earnings.md).

* A technician — and a store account for its store — reads his earnings statement over a
  period and his balance, withdraws to a bank card or a wallet (with an
  ``Idempotency-Key``, as ``POST /orders``), and lists his withdrawals.
* Finance — staff with the ``payouts`` permission — reads anyone's, works through the
  withdrawals waiting for approval, and approves or rejects them (audited).

Every rule is the core's (:class:`~booking_core.services.payouts.PayoutService`): who may
read whose money (another technician's is 403), the withdrawal rules, the balance checked
under the payee's lock. Withdrawals are paged by storage: one query for ``limit + 1``
after the cursor's (instant, id).
"""

# No ``from __future__ import annotations``: :func:`_payee_routes` builds its handlers' payee
# dependency at run time, and FastAPI must see it in their signatures as an object.

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Annotated, Final

import pendulum
from fastapi import APIRouter, Depends, Header, Query, Response, status

from booking_core.errors import InvalidTimeRange
from booking_core.payouts import Payee, Withdrawal, WithdrawalId
from booking_core.ports.storage import WithdrawalCursor
from booking_core.timerange import TimeRange
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import InvalidCursor, Page, PageRequest, micros
from booking_server.problems import problem_responses
from booking_server.schemas.common import Instant
from booking_server.schemas.earnings import (
    DecisionNoteIn,
    EarningsOut,
    PayeeBalanceOut,
    WithdrawalIn,
    WithdrawalList,
    WithdrawalOut,
    WithdrawalRejectIn,
)

__all__ = ["MAX_PERIOD_DAYS", "router"]

router = APIRouter(tags=["earnings"], responses=problem_responses(401, 403, 422))

_CHANGES: Final = problem_responses(404, 409)
#: The longest period one statement covers: a statement is one answer, not a page.
MAX_PERIOD_DAYS: Final = 366
_EPOCH: Final = pendulum.datetime(1970, 1, 1, tz="UTC")
_NOT_OURS: Final = "The cursor is not one this server gave; start again without it."

_KEY_DOC = (
    "Optional. A key you make up (1–200 characters) to send the same withdrawal again "
    "safely: the same key with the same amount and destination answers the withdrawal the "
    "first request made (nothing is debited twice); with another amount or destination it "
    "is 422 `idempotency_key_reused`. Keys are per payee. Without one, every request is a "
    "new withdrawal."
)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", description=_KEY_DOC)]
Since = Annotated[Instant, Query(description="The period's first instant (inclusive).")]
Until = Annotated[
    Instant,
    Query(description=f"The period's end (exclusive); at most {MAX_PERIOD_DAYS} days on."),
]


def _period(since: dt.datetime, until: dt.datetime) -> TimeRange:
    start, end = pendulum.instance(since), pendulum.instance(until)
    if end - start > pendulum.duration(days=MAX_PERIOD_DAYS):
        raise InvalidTimeRange(
            f"A statement covers at most {MAX_PERIOD_DAYS} days.",
            details={"max_days": MAX_PERIOD_DAYS},
        )
    return TimeRange(start, end)


def _cursor(page: PageRequest) -> WithdrawalCursor | None:
    """The storage cursor a page's ``cursor`` holds: ``(microseconds, withdrawal id)``."""
    key = page.after()
    if key is None:
        return None
    match key:
        case (int() as at, str() as withdrawal_id):
            try:
                moment = _EPOCH + dt.timedelta(microseconds=at)
            except OverflowError as exc:
                raise InvalidCursor(_NOT_OURS) from exc
            return WithdrawalCursor(moment, WithdrawalId(withdrawal_id))
    raise InvalidCursor(_NOT_OURS)


def _page(found: list[Withdrawal], page: PageRequest) -> WithdrawalList:
    shown = found[: page.limit]
    next_cursor = None
    if len(found) > page.limit:
        last = shown[-1]
        next_cursor = page.cursor_after((micros(last.requested_at), last.id))
    return WithdrawalList(
        items=[WithdrawalOut.from_domain(w) for w in shown], next_cursor=next_cursor
    )


def _unquoted(key: str | None) -> str:
    if key is None:
        # No key: a new withdrawal every time (the core keys every withdrawal).
        return uuid.uuid4().hex
    if len(key) >= 2 and key[0] == key[-1] == '"':
        return key[1:-1]
    return key


# -- the payee's own: technicians and stores, one set of handlers ------------------------


_EARNINGS_DOC = (
    "Every movement of {whose} earnings in ``[since, until)`` — a completed order's share, "
    "a kept cancellation fee's share, a refund after completion (negative) — oldest first, "
    "with the total, the orders completed and the total per service. {who}; finance (the "
    "``payouts`` permission) reads anyone's; everyone else 403. 422 ``invalid_time_range`` "
    f"when ``until`` is not after ``since`` or the period is longer than {MAX_PERIOD_DAYS} "
    "days."
)
_BALANCE_DOC = (
    "What {whose} may withdraw now (``available``), has in flight and was paid out. {who}; "
    "finance reads anyone's; everyone else 403."
)
_WITHDRAW_DOC = (
    "Withdraw ``amount`` (fee included) of {whose} available balance to a bank card or a "
    "wallet; debited at once. At or below the approval limit it is ``approved`` and paid "
    "out by a job; above it, ``pending_approval`` until finance decides. {who} only (403 "
    "for everyone else, finance included). 409 ``withdrawal_not_allowed`` when a rule "
    "refuses it (``details.reason``: ``currency``, ``below_minimum``, ``not_above_fee``, "
    "``day_not_allowed``, ``too_many_in_period``, ``too_much_in_period``); 409 "
    "``insufficient_balance`` when less is available (``details``: ``available``, "
    "``requested``) — also when requests sent at once took it first; 422 "
    "``invalid_payout_destination`` for a card number not masked; with an "
    "``Idempotency-Key``: the first request's withdrawal for a retry (200 instead of 201), 422 "
    "``idempotency_key_reused`` for another amount or destination, 422 "
    "``invalid_idempotency_key`` for a key longer than 200 characters."
)
_LIST_DOC = (
    "{whose_cap} withdrawals, newest first, a page at a time. {who}; finance reads anyone's; "
    "everyone else 403."
)


def _technician(technician_id: str) -> Payee:
    return Payee.technician(technician_id)


def _store(store_id: str) -> Payee:
    return Payee.store(store_id)


def _payee_routes(
    kind: str, collection: str, payee_of: Callable[..., Payee], words: Mapping[str, str]
) -> None:
    """Register one payee kind's four routes under ``/<collection>/{<kind>_id}``.

    ``payee_of`` reads the payee from the path (its parameter names the path's); ``words``
    fill the descriptions and summaries. Each route keeps the name (the OpenAPI operation
    id) it had as a handler of its own: ``<kind>_earnings``, ``<kind>_balance``,
    ``<kind>_withdraw``, ``<kind>_withdrawals``.
    """
    base = f"/{collection}/{{{kind}_id}}"
    # Evaluated now (this module does not postpone annotations): FastAPI reads the
    # closure's dependency from the signature.
    ThePayee = Annotated[Payee, Depends(payee_of)]  # noqa: N806

    @router.get(
        f"{base}/earnings",
        name=f"{kind}_earnings",
        summary=words["earnings_summary"],
        description=_EARNINGS_DOC.format(**words),
    )
    def earnings(
        payee: ThePayee, since: Since, until: Until, app: Booking, actor: CurrentActor
    ) -> EarningsOut:
        return EarningsOut.from_domain(app.payouts.earnings(payee, actor, _period(since, until)))

    @router.get(
        f"{base}/balance",
        name=f"{kind}_balance",
        summary=words["balance_summary"],
        description=_BALANCE_DOC.format(**words),
    )
    def balance(payee: ThePayee, app: Booking, actor: CurrentActor) -> PayeeBalanceOut:
        return PayeeBalanceOut.from_domain(app.payouts.balance(payee, actor))

    @router.post(
        f"{base}/withdrawals",
        name=f"{kind}_withdraw",
        status_code=status.HTTP_201_CREATED,
        summary=words["withdraw_summary"],
        description=_WITHDRAW_DOC.format(**words),
        responses=_CHANGES,
    )
    def withdraw(
        payee: ThePayee,
        body: WithdrawalIn,
        app: Booking,
        actor: CurrentActor,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> WithdrawalOut:
        withdrawal = app.payouts.request_withdrawal(
            payee,
            body.amount.to_domain(),
            body.destination.to_domain(),
            actor,
            idempotency_key=_unquoted(idempotency_key),
        )
        if withdrawal.replayed:  # the stored withdrawal of a key used before, not a new one
            response.status_code = status.HTTP_200_OK
        return WithdrawalOut.from_domain(withdrawal)

    @router.get(
        f"{base}/withdrawals",
        name=f"{kind}_withdrawals",
        summary=words["list_summary"],
        description=_LIST_DOC.format(**words),
    )
    def withdrawals(
        payee: ThePayee, app: Booking, actor: CurrentActor, page: Page
    ) -> WithdrawalList:
        found = app.payouts.withdrawals(payee, actor, limit=page.limit + 1, after=_cursor(page))
        return _page(found, page)


_payee_routes(
    "technician",
    "technicians",
    _technician,
    {
        "whose": "the technician's",
        "whose_cap": "The technician's",
        "who": "He himself",
        "earnings_summary": "A technician's earnings statement (himself, finance)",
        "balance_summary": "A technician's balance (himself, finance)",
        "withdraw_summary": "Withdraw earnings (the technician)",
        "list_summary": "A technician's withdrawals (himself, finance)",
    },
)
_payee_routes(
    "store",
    "stores",
    _store,
    {
        "whose": "the store's",
        "whose_cap": "The store's",
        "who": "The store's account",
        "earnings_summary": "A store's earnings statement (the store, finance)",
        "balance_summary": "A store's balance (the store, finance)",
        "withdraw_summary": "Withdraw earnings (the store)",
        "list_summary": "A store's withdrawals (the store, finance)",
    },
)


# -- finance ---------------------------------------------------------------------------


@router.get("/withdrawals/pending", summary="Withdrawals waiting for approval (finance)")
def pending_withdrawals(app: Booking, actor: CurrentActor, page: Page) -> WithdrawalList:
    """Every payee's withdrawals waiting for finance's approval, oldest first, a page at a
    time. Staff with the ``payouts`` permission; everyone else 403."""
    found = app.payouts.pending(actor, limit=page.limit + 1, after=_cursor(page))
    return _page(found, page)


@router.get(
    "/withdrawals/{withdrawal_id}",
    summary="One withdrawal (its payee, finance)",
    responses=problem_responses(404),
)
def get_withdrawal(withdrawal_id: str, app: Booking, actor: CurrentActor) -> WithdrawalOut:
    """One withdrawal. Its payee and finance see it; to anyone else outside the platform it
    does not exist (404 ``withdrawal_not_found``); staff without the ``payouts``
    permission 403."""
    return WithdrawalOut.from_domain(app.payouts.get(WithdrawalId(withdrawal_id), actor))


@router.post(
    "/withdrawals/{withdrawal_id}/approve",
    summary="Approve a withdrawal (finance)",
    responses=_CHANGES,
)
def approve_withdrawal(
    withdrawal_id: str, app: Booking, actor: CurrentActor, body: DecisionNoteIn | None = None
) -> WithdrawalOut:
    """Approve a withdrawal waiting for approval (an optional ``note``): its payout job is
    scheduled; audited as ``withdrawal.approve``. 404 ``withdrawal_not_found``; 409
    ``transition_not_allowed`` when it is not waiting for approval; 409
    ``concurrent_update`` when it changed meanwhile."""
    note = None if body is None else body.note
    return WithdrawalOut.from_domain(
        app.payouts.approve(WithdrawalId(withdrawal_id), actor, note=note)
    )


@router.post(
    "/withdrawals/{withdrawal_id}/reject",
    summary="Reject a withdrawal (finance)",
    responses=_CHANGES,
)
def reject_withdrawal(
    withdrawal_id: str, body: WithdrawalRejectIn, app: Booking, actor: CurrentActor
) -> WithdrawalOut:
    """Reject a withdrawal not yet approved, saying why: its whole amount, fee included,
    goes back to the payee's balance, once; audited as ``withdrawal.reject``. 404
    ``withdrawal_not_found``; 409 ``transition_not_allowed`` when it was approved already
    or is final."""
    rejected = app.payouts.reject(WithdrawalId(withdrawal_id), actor, reason=body.reason)
    return WithdrawalOut.from_domain(rejected)
