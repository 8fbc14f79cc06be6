"""Loyalty (issue 13; FEATURES C13, C15, C16; docs/loyalty.md): points, the daily check-in,
sharing rewards, staff awards and membership tiers.

* A customer checks in once a local day (streak bonuses), is rewarded for sharing (a daily
  cap), and reads his own balance, statement and tier.
* Platform staff with the ``customers`` permission read anyone's and award points by hand
  (an ``adjustment``); with ``promotions``, campaign points — each with a reason, audited.

Every rule is the core's (:class:`~booking_core.services.loyalty.LoyaltyService`): another
customer's points are 403. A statement is paged by storage on the journal's sequence.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Final

import pendulum
from fastapi import APIRouter, Header, Query

from booking_core.errors import PermissionDenied
from booking_core.ids import CustomerId
from booking_core.loyalty import PointsMovement
from booking_core.orders import Role
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import InvalidCursor, Page, PageRequest
from booking_server.problems import problem_responses
from booking_server.schemas.common import Instant
from booking_server.schemas.loyalty import (
    AwardIn,
    CheckInOut,
    MemberTierOut,
    PointsBalanceOut,
    PointsMovementList,
    PointsMovementOut,
    ShareIn,
    ShareOut,
    TierChangeOut,
    TierOut,
)

__all__ = ["router"]

router = APIRouter(tags=["loyalty"], responses=problem_responses(401, 403, 422))

#: The most movements the core reads in one call.
_CHUNK: Final = 200
_NOT_OURS: Final = "The cursor is not one this server gave; start again without it."
_AWARD_KEY_DOC = (
    "Optional. A key you make up (1–200 characters): the same key awards once, however often "
    "the request is sent. Without one, every request is a new award."
)


@router.post("/me/check-in", summary="Check in for today (customer)")
def check_in(app: Booking, actor: CurrentActor) -> CheckInOut:
    """Check in for today — his local calendar day: the points of his streak's day (a run of
    consecutive days; a missed day starts again at day 1). Once a day: a second tap, or
    taps sent at once, answer the day's check-in with ``new`` false and award nothing.
    Customers only (403 for anyone else)."""
    return CheckInOut.from_domain(app.loyalty.check_in(CustomerId(actor.id), actor))


@router.post("/me/shares", summary="Be rewarded for a share (customer)")
def reward_share(body: ShareIn, app: Booking, actor: CurrentActor) -> ShareOut:
    """Points for sharing a service or a technician (``share_id``: the app's id of the
    share; the same id twice awards once). ``awarded`` is false once today's cap is
    reached. Customers only."""
    movement = app.loyalty.reward_share(CustomerId(actor.id), body.share_id, actor)
    return ShareOut.from_domain(movement)


@router.get("/customers/{customer_id}/points", summary="A customer's points (himself, platform)")
def points_balance(customer_id: str, app: Booking, actor: CurrentActor) -> PointsBalanceOut:
    """The points he may spend now (lots past their expiry do not count). The customer
    himself, and staff with the ``customers`` permission; everyone else 403."""
    balance = app.loyalty.balance(CustomerId(customer_id), actor)
    return PointsBalanceOut(customer_id=customer_id, balance=balance)


@router.get(
    "/customers/{customer_id}/points/statement",
    summary="A customer's points statement (himself, platform)",
)
def points_statement(
    customer_id: str,
    app: Booking,
    actor: CurrentActor,
    page: Page,
    since: Annotated[Instant | None, Query(description="At or after this instant.")] = None,
    until: Annotated[Instant | None, Query(description="Before this instant.")] = None,
) -> PointsMovementList:
    """Every movement of his points in ``[since, until)`` — earned (by order, check-in,
    sharing, campaign, adjustment), spent, returned, expired, clawed back — each with his
    balance after it, in journal order, a page at a time. The customer himself, and staff
    with the ``customers`` permission; everyone else 403."""
    start = None if since is None else pendulum.instance(since)
    end = None if until is None else pendulum.instance(until)
    after = _after(page)
    found: list[PointsMovement] = []
    # The core reads at most 200 a call; a page may hold up to 500 (and one more, to know).
    while len(found) <= page.limit:
        want = min(_CHUNK, page.limit + 1 - len(found))
        chunk = app.loyalty.statement(
            CustomerId(customer_id), actor, start=start, end=end, after=after, limit=want
        )
        found += chunk
        if len(chunk) < want:
            break
        after = chunk[-1].sequence
    shown = found[: page.limit]
    more = len(found) > page.limit
    return PointsMovementList(
        items=[PointsMovementOut.from_domain(m) for m in shown],
        next_cursor=page.cursor_after((shown[-1].sequence,)) if more else None,
    )


def _after(page: PageRequest) -> int | None:
    key = page.after()
    if key is None:
        return None
    match key:
        case (int() as sequence,):
            return sequence
    raise InvalidCursor(_NOT_OURS)


@router.post(
    "/customers/{customer_id}/points/awards",
    summary="Award points by hand (platform)",
    responses=problem_responses(404),
)
def award_points(
    customer_id: str,
    body: AwardIn,
    app: Booking,
    actor: CurrentActor,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=200, description=_AWARD_KEY_DOC),
    ] = None,
) -> PointsMovementOut:
    """Award points with a reason: an ``adjustment`` (staff with the ``customers``
    permission) or a ``campaign`` award (``promotions``); recorded in the audit log as
    ``points.award``. With the same ``Idempotency-Key`` again, the first award is answered
    and nothing more is given. 403 for anyone else; 422 ``invalid_input`` for another
    ``source``."""
    key = idempotency_key or uuid.uuid4().hex
    movement = app.loyalty.award(
        CustomerId(customer_id), body.points, actor, key=key, reason=body.reason,
        source=body.source,
    )  # fmt: skip
    return PointsMovementOut.from_domain(movement)


@router.get("/me/tier", summary="His tier, the next one and his privileges (customer)")
def my_tier(app: Booking, actor: CurrentActor) -> MemberTierOut:
    """The calling customer's tier (the stored one, which every privilege reads), the
    metric last evaluated, the next tier and its threshold, and the privileges in force.
    Customers only; everyone else 403."""
    if actor.role is not Role.CUSTOMER:
        raise PermissionDenied("Only a customer has a tier of his own.")
    return MemberTierOut.from_domain(app.loyalty.tier_status(CustomerId(actor.id), actor))


@router.get("/customers/{customer_id}/tier", summary="A customer's tier (himself, platform)")
def tier_status(customer_id: str, app: Booking, actor: CurrentActor) -> TierOut:
    """His tier now (the one pricing reads: reached by the platform's ladder, or set by
    hand) and every change of it, oldest first. The customer himself, and staff with the
    ``customers`` permission; everyone else 403."""
    history = app.loyalty.tier_history(CustomerId(customer_id), actor)
    standing = app.customers.standing(CustomerId(customer_id), actor)
    return TierOut(
        customer_id=customer_id,
        tier=standing.tier,
        history=[TierChangeOut.from_domain(c) for c in history],
    )
