"""Referrals and commissions (issue 13, 分销; FEATURES C18, T9, P9; docs/referrals.md).

* A customer or a technician (a *member*) gets his invite code and link, binds himself to
  whoever invited him and reads that binding, applies to become a distributor and reads
  his record, and reads his team level by level and his commissions by state and period.
* Platform staff list distributors; staff with the ``promotions`` permission approve,
  reject, suspend and resume them (audited); with ``books``, one member's commissions and
  the platform's view across distributors.

Every rule is the core's (:class:`~booking_core.services.referrals.ReferralService`): the
binding mode, no self-links and no cycles, the admission rule, who reads whose.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

import pendulum
from fastapi import APIRouter, Query

from booking_core.errors import NotFound
from booking_core.orders import Actor, Role
from booking_core.referrals import CommissionState, DistributorStatus, Member
from booking_core.services.referrals import CommissionStatement
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, PageRequest, micros
from booking_server.problems import problem_responses
from booking_server.schemas.common import Instant
from booking_server.schemas.referrals import (
    BindIn,
    BindingOut,
    CommissionList,
    CommissionOut,
    DistributorDecisionIn,
    DistributorList,
    DistributorOut,
    InviteOut,
    ReferralSummaryOut,
    TeamLevelOut,
    TeamList,
    state_totals,
)

__all__ = ["router"]

router = APIRouter(tags=["referrals"], responses=problem_responses(401, 403, 422))

_CHANGES: Final = problem_responses(409)
_MISSING: Final = problem_responses(404)

State = Annotated[CommissionState | None, Query(description="Only in this state.")]
FrozenSince = Annotated[Instant | None, Query(description="Frozen at or after this.")]
FrozenUntil = Annotated[Instant | None, Query(description="Frozen before this.")]


def _instant(value: dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else pendulum.instance(value)


def _own(actor: Actor) -> Member:
    """The member the caller is (the core has refused everyone else already)."""
    if actor.role is Role.TECHNICIAN:
        return Member.technician(actor.id)
    return Member.customer(actor.id)


def _commissions(
    statement: CommissionStatement, state: CommissionState | None, page: PageRequest
) -> CommissionList:
    """One page of a statement's commissions (in ``state``), oldest frozen first; the totals
    are the whole statement's."""
    chosen = [c for c in statement.commissions if state is None or c.state is state]
    shown, next_cursor = page.of(chosen, lambda c: (micros(c.frozen_at), c.id))
    return CommissionList(
        items=[CommissionOut.from_domain(c) for c in shown],
        next_cursor=next_cursor,
        totals=state_totals(statement.totals),
    )


@router.get("/me/referral-code", summary="My invite code and link (customer, technician)")
def my_invite(app: Booking, actor: CurrentActor) -> InviteOut:
    """The caller's invite code — made on first ask, his for good — and the link that
    carries it. Customers and technicians; everyone else 403."""
    code = app.referrals.code(actor)
    return InviteOut.from_domain(code, app.referrals.link(actor))


@router.post(
    "/me/referrer",
    summary="Bind me to whoever invited me (customer, technician)",
    responses=problem_responses(404, 409),
)
def bind_referrer(body: BindIn, app: Booking, actor: CurrentActor) -> BindingOut:
    """Bind the caller to the owner of ``code``, as the platform's binding mode allows
    (audited as ``referral.bind``); binding again to the same referrer changes nothing.
    404 ``referral_code_not_found``; 422 ``invalid_referral`` for his own code; 409
    ``referral_not_allowed`` when the mode refuses (``details.reason``:
    ``already_bound``, ``not_at_registration``, ``after_first_order``,
    ``change_window_closed``) or the binding would close a cycle (``cycle``)."""
    return BindingOut.from_domain(app.referrals.bind(actor, body.code, moment=body.moment))


@router.get(
    "/me/referrer",
    summary="Who referred me (customer, technician)",
    responses=_MISSING,
)
def my_referrer(app: Booking, actor: CurrentActor) -> BindingOut:
    """The caller's binding: who referred him, since when (``bound_at``; ``first_bound_at``
    when the mode let him change), and every change. 404 ``referral_binding_not_found``
    when he is bound to nobody. Customers and technicians; everyone else 403."""
    binding = app.referrals.binding(actor)
    if binding is None:
        raise NotFound("referral_binding", str(_own(actor)))
    return BindingOut.from_domain(binding)


@router.get(
    "/me/distributor",
    summary="My distributor record (customer, technician)",
    responses=_MISSING,
)
def my_distributor(app: Booking, actor: CurrentActor) -> DistributorOut:
    """The caller's distributor record: ``applied``, ``active``, ``rejected`` (with the
    reason) or ``suspended`` (with the reason), what his completed orders paid and how
    many. 404 ``distributor_not_found`` when he never applied. Customers and technicians;
    everyone else 403."""
    record = app.referrals.distributor(actor)
    if record.status is DistributorStatus.NONE:
        raise NotFound("distributor", str(record.member))
    return DistributorOut.from_domain(record)


@router.post(
    "/me/distributor-application",
    summary="Apply to become a distributor (customer, technician)",
    responses=_CHANGES,
)
def apply_as_distributor(app: Booking, actor: CurrentActor) -> DistributorOut:
    """Ask to become a distributor: ``active`` at once when admission is open (or his spend
    or orders reach the automatic threshold), ``applied`` under approval, until staff
    decide. 409 ``referral_not_allowed`` (``details.reason``: ``already``, ``suspended``,
    ``not_qualified``)."""
    return DistributorOut.from_domain(app.referrals.apply(actor))


@router.get("/me/team", summary="My team, level by level (customer, technician)")
def my_team(app: Booking, actor: CurrentActor) -> TeamList:
    """The caller's team as deep as the plan pays (level 1: the people he referred, 2:
    theirs, …): members, orders, sales and commission per level. Customers and
    technicians."""
    return TeamList(items=[TeamLevelOut.from_domain(t) for t in app.referrals.team(actor)])


@router.get("/me/commissions", summary="My commissions (customer, technician)")
def my_commissions(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    state: State = None,
    since: FrozenSince = None,
    until: FrozenUntil = None,
) -> CommissionList:
    """The caller's commissions frozen in ``[since, until)`` (in ``state``), oldest
    first, a page at a time; ``totals`` by state cover the whole period, whatever the
    page or the ``state`` filter. Customers and technicians."""
    statement = app.referrals.statement(actor, since=_instant(since), until=_instant(until))
    return _commissions(statement, state, page)


# -- staff -----------------------------------------------------------------------------


@router.get("/distributors", summary="Distributors (platform)")
def list_distributors(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    status: Annotated[DistributorStatus | None, Query(description="Only in this status.")] = None,
) -> DistributorList:
    """Every stored distributor record (in ``status``: ``applied`` is the queue to decide),
    by member, a page at a time. Platform staff; everyone else 403."""
    records = app.referrals.distributors(actor, status)
    shown, next_cursor = page.of(records, lambda d: (str(d.member),))
    return DistributorList(
        items=[DistributorOut.from_domain(d) for d in shown], next_cursor=next_cursor
    )


def _member(member: str) -> Member:
    return Member.parse(member)


@router.post(
    "/distributors/{member}/approve", summary="Approve a distributor (platform)", responses=_CHANGES
)
def approve_distributor(member: str, app: Booking, actor: CurrentActor) -> DistributorOut:
    """Approve ``member``'s application (``customer:<id>`` or ``technician:<id>``, else 422
    ``invalid_referral``): he is ``active`` and earns from orders paid from now; audited as
    ``distributor.approve``. Staff with the ``promotions`` permission. 409
    ``referral_not_allowed`` (``not_applied``)."""
    return DistributorOut.from_domain(app.referrals.approve(actor, _member(member)))


@router.post(
    "/distributors/{member}/reject", summary="Reject a distributor (platform)", responses=_CHANGES
)
def reject_distributor(
    member: str, body: DistributorDecisionIn, app: Booking, actor: CurrentActor
) -> DistributorOut:
    """Reject ``member``'s application, saying why; audited as ``distributor.reject``.
    Staff with the ``promotions`` permission. 409 ``referral_not_allowed``
    (``not_applied``)."""
    return DistributorOut.from_domain(app.referrals.reject(actor, _member(member), body.reason))


@router.post(
    "/distributors/{member}/suspend", summary="Suspend a distributor (platform)", responses=_CHANGES
)
def suspend_distributor(
    member: str, body: DistributorDecisionIn, app: Booking, actor: CurrentActor
) -> DistributorOut:
    """Suspend an active distributor, saying why: no commission on orders paid from now
    (those frozen stay his); audited as ``distributor.suspend``. Staff with the
    ``promotions`` permission. 409 ``referral_not_allowed`` (``not_active``)."""
    return DistributorOut.from_domain(app.referrals.suspend(actor, _member(member), body.reason))


@router.post(
    "/distributors/{member}/resume", summary="Lift a suspension (platform)", responses=_CHANGES
)
def resume_distributor(member: str, app: Booking, actor: CurrentActor) -> DistributorOut:
    """Make a suspended distributor active again; audited as ``distributor.resume``. Staff
    with the ``promotions`` permission. 409 ``referral_not_allowed`` (``not_suspended``)."""
    return DistributorOut.from_domain(app.referrals.resume(actor, _member(member)))


@router.get(
    "/distributors/{member}/commissions", summary="A member's commissions (himself, finance)"
)
def member_commissions(
    member: str,
    app: Booking,
    actor: CurrentActor,
    page: Page,
    state: State = None,
    since: FrozenSince = None,
    until: FrozenUntil = None,
) -> CommissionList:
    """``member``'s commissions (``customer:<id>`` or ``technician:<id>``, else 422
    ``invalid_referral``) frozen in ``[since, until)`` (in ``state``), oldest first, a page
    at a time; ``totals`` by state cover the whole period, whatever the page or the
    ``state`` filter — as ``GET /me/commissions`` answers him. Staff with the ``books``
    permission, and the member himself; everyone else 403."""
    statement = app.referrals.statement(
        actor, _member(member), since=_instant(since), until=_instant(until)
    )
    return _commissions(statement, state, page)


@router.get("/referrals/summary", summary="Commissions across distributors (platform)")
def referral_summary(
    app: Booking,
    actor: CurrentActor,
    since: Annotated[Instant, Query(description="Frozen at or after this.")],
    until: Annotated[Instant, Query(description="Frozen before this.")],
) -> ReferralSummaryOut:
    """The platform's view: how many members stand in each distributor status, how many
    earned commission in ``[since, until)``, and every commission of the period by state.
    Staff with the ``books`` permission; everyone else 403."""
    start, end = pendulum.instance(since), pendulum.instance(until)
    summary = app.referrals.summary(actor, start, end)
    return ReferralSummaryOut.from_domain(summary, start, end)
