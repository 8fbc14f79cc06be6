"""Referral use cases (FEATURES C18, T9, P9; INVARIANTS I21–I23; docs/referrals.md): invite
codes, binding, distributors, team statistics, commission statements and the settle job.

Commissions themselves are made, reduced and scheduled by the order flow, through the step
:class:`~booking_core.services.steps.commissions.Commissions`; this service settles them
(:meth:`ReferralService.run_settle_job`) and shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import attrs
from pendulum import DateTime

from booking_core.errors import ConcurrentUpdate, DuplicateEntity, PermissionDenied
from booking_core.ids import CustomerId
from booking_core.orders.actor import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.jobs import Job
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.referrals import (
    Binding,
    BindingMoment,
    Commission,
    CommissionState,
    Distributor,
    DistributorStatus,
    Member,
    MemberKind,
    ReferralCode,
    ReferralPolicy,
    check_no_cycle,
    invite_code,
)
from booking_core.services._access import require_permission
from booking_core.services.steps.audit import AuditTrail
from booking_core.staff import Permission

__all__ = ["CommissionStatement", "ReferralService", "ReferralSummary", "TeamLevel"]

_CODE_ATTEMPTS = 5


@attrs.frozen
class TeamLevel:
    """One level of a distributor's team (C18, P9).

    Attributes:
        level: 1 for the people he referred, 2 for theirs, …
        members: How many members are at this level.
        orders: How many orders earned him commission at this level.
        sales: What those orders' lines were worth as commission bases, by currency.
        commission: What he earned at this level (frozen and settled, net of refunds), by
            currency.
    """

    level: int
    members: int
    orders: int
    sales: dict[str, int]
    commission: dict[str, int]


@attrs.frozen
class CommissionStatement:
    """A beneficiary's commissions in a period, and totals by state.

    Attributes:
        beneficiary: Whose.
        commissions: Each commission frozen in the period, oldest first.
        totals: Minor units by (state, currency): what is frozen and settled (net of
            refunds) and what was cancelled — the statement equals the sum of its lines.
    """

    beneficiary: Member
    commissions: tuple[Commission, ...]
    totals: dict[tuple[CommissionState, str], int]


@attrs.frozen
class ReferralSummary:
    """The platform's view across distributors (P9).

    Attributes:
        distributors: How many members stand in each status (never applied: left out).
        beneficiaries: How many members earned a commission in the period.
        totals: Minor units by (state, currency) over every commission in the period.
    """

    distributors: dict[DistributorStatus, int]
    beneficiaries: int
    totals: dict[tuple[CommissionState, str], int]


def _member_of(actor: Actor) -> Member:
    """The member an actor is (a customer or a technician).

    Raises:
        PermissionDenied: the actor is neither.
    """
    if actor.role is Role.CUSTOMER:
        return Member.customer(actor.id)
    if actor.role is Role.TECHNICIAN:
        return Member.technician(actor.id)
    raise PermissionDenied(
        f"Only customers and technicians take part in referrals; you act as {actor.role.value}.",
        details={"role": actor.role.value},
    )


def _totals(commissions: Iterable[Commission]) -> dict[tuple[CommissionState, str], int]:
    totals: dict[tuple[CommissionState, str], int] = defaultdict(int)
    for c in commissions:
        currency = c.amount.currency
        if c.state is not CommissionState.CANCELLED:
            totals[c.state, currency] += c.remaining.amount
        if c.cancelled:
            totals[CommissionState.CANCELLED, currency] += c.cancelled.amount
    return dict(totals)


class ReferralService:
    """Invite codes, bindings, distributors, statistics and the settle job."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        policy: ReferralPolicy,
        *,
        audit: AuditTrail,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._audit = audit

    # -- codes -------------------------------------------------------------------------

    def code(self, actor: Actor) -> ReferralCode:
        """The actor's invite code, made on first ask (unique; a collision mints another)."""
        member = _member_of(actor)
        for _ in range(_CODE_ATTEMPTS):
            with self._uow() as uow:
                known = uow.referrals.code_of(member)
                if known is not None:
                    return known
                seed = self._ids.new_id("ref")
                made = ReferralCode(
                    invite_code(seed, self._policy.code_length), member, self._clock.now()
                )
                try:
                    uow.referrals.add_code(made)
                except DuplicateEntity:
                    continue  # the code is taken (or he got one concurrently): look again
                uow.commit()
                return made
        raise ConcurrentUpdate("No free invite code was found; try again.")

    def link(self, actor: Actor) -> str:
        """The actor's invite link (the policy's template with his code)."""
        return self.code(actor).link(self._policy.link_template)

    # -- binding -----------------------------------------------------------------------

    def bind(
        self,
        actor: Actor,
        code: str,
        *,
        moment: BindingMoment = BindingMoment.LATER,
        referee: Member | None = None,
    ) -> Binding:
        """Bind the actor (or, for the system or platform staff, ``referee``) to the owner
        of ``code``, as the binding mode allows (I21).

        Raises:
            NotFound: (``referral_code_not_found``) no such code.
            InvalidReferral: the code is his own.
            ReferralNotAllowed: the mode does not allow it (``details["reason"]``), or it
                would close a cycle (``cycle``).
            PermissionDenied: a customer or technician binding someone else; staff without
                the promotions permission.
        """
        referee = self._referee(actor, referee)
        now = self._clock.now()
        with self._uow() as uow:
            # The cycle check reads the referrer's upline; no other bind may write meanwhile.
            uow.locks.take(LockKey.referral_graph())
            referrer = uow.referrals.code(ReferralCode.normalize(code)).owner
            existing = uow.referrals.binding_of(referee)
            self._policy.binding.check(
                existing, referrer, moment=moment, at=now, has_ordered=_has_ordered(uow, referee)
            )
            if existing is not None and existing.referrer == referrer:
                return existing
            check_no_cycle(referee, referrer, uow.referrals.upline(referrer))
            normalized = ReferralCode.normalize(code)
            if existing is None:
                bound = Binding.first(referee, referrer, now, moment, normalized)
                uow.referrals.add_binding(bound)
            else:
                bound = uow.referrals.save_binding(
                    existing.changed_to(referrer, now, moment, normalized)
                )
            self._audit.record(uow, actor, "referral.bind", ("member", str(referee)),
                               before=existing, after=bound)  # fmt: skip
            uow.commit()
            return bound

    @staticmethod
    def _referee(actor: Actor, referee: Member | None) -> Member:
        if actor.role in (Role.SYSTEM, Role.PLATFORM):
            if actor.role is Role.PLATFORM:
                require_permission(actor, Permission.PROMOTIONS, "binds members")
            if referee is None:
                raise PermissionDenied(
                    "Name the member to bind.", details={"role": actor.role.value}
                )
            return referee
        own = _member_of(actor)
        if referee is not None and referee != own:
            raise PermissionDenied("A member binds only himself.", details={"member": str(own)})
        return own

    def binding(self, actor: Actor, member: Member | None = None) -> Binding | None:
        """The binding of the actor (or, for staff, of ``member``), with its history."""
        target = self._readable(actor, member)
        with self._uow() as uow:
            return uow.referrals.binding_of(target)

    # -- distributors ------------------------------------------------------------------

    def apply(self, actor: Actor) -> Distributor:
        """The actor asks to become a distributor (active at once when admission is open or
        he qualifies automatically; waiting for staff under approval).

        Raises:
            ReferralNotAllowed: as :meth:`Distributor.apply`.
        """
        member = _member_of(actor)
        with self._uow() as uow:
            record = uow.referrals.distributor(member)
            record.apply(self._policy.admission, self._clock.now())
            uow.referrals.save_distributor(record)
            uow.commit()
            return record

    def approve(self, actor: Actor, member: Member) -> Distributor:
        """Staff approve ``member``'s application (audited)."""
        return self._decide(actor, member, "approve", None)

    def reject(self, actor: Actor, member: Member, reason: str) -> Distributor:
        """Staff reject ``member``'s application (audited)."""
        return self._decide(actor, member, "reject", reason)

    def suspend(self, actor: Actor, member: Member, reason: str) -> Distributor:
        """Staff suspend ``member``: no commission on orders paid from now (audited)."""
        return self._decide(actor, member, "suspend", reason)

    def resume(self, actor: Actor, member: Member) -> Distributor:
        """Staff lift ``member``'s suspension (audited)."""
        return self._decide(actor, member, "resume", None)

    def _decide(self, actor: Actor, member: Member, action: str, reason: str | None) -> Distributor:
        """Raises PermissionDenied (not staff with the promotions permission) and
        ReferralNotAllowed (the record is not in the state the action needs)."""
        require_permission(actor, Permission.PROMOTIONS, "decides on distributors")
        now = self._clock.now()
        with self._uow() as uow:
            record = uow.referrals.distributor(member)
            before = attrs.evolve(record)
            if action == "approve":
                record.approve(now, actor.id)
            elif action == "reject":
                record.reject(now, actor.id, reason or "")
            elif action == "suspend":
                record.suspend(now, actor.id, reason or "")
            else:
                record.resume(now, actor.id)
            uow.referrals.save_distributor(record)
            self._audit.record(uow, actor, f"distributor.{action}", ("member", str(member)),
                               before=before, after=record, reason=reason)  # fmt: skip
            uow.commit()
            return record

    def distributor(self, actor: Actor, member: Member | None = None) -> Distributor:
        """The actor's (or, for staff, ``member``'s) distributor record."""
        target = self._readable(actor, member)
        with self._uow() as uow:
            return uow.referrals.distributor(target)

    def distributors(
        self, actor: Actor, status: DistributorStatus | None = None
    ) -> list[Distributor]:
        """Staff: the stored distributor records (of ``status``)."""
        _require_staff(actor)
        with self._uow() as uow:
            return uow.referrals.list_distributors(status)

    # -- statistics --------------------------------------------------------------------

    def team(self, actor: Actor, member: Member | None = None) -> list[TeamLevel]:
        """The team of the actor (or, for staff, of ``member``) level by level, as deep as
        the customer plan pays: members, orders, sales and commission per level."""
        target = self._readable(actor, member)
        depth = self._policy.customer_plan.levels
        with self._uow() as uow:
            counts = []
            frontier = [target]
            for _ in range(depth):
                frontier = (
                    [b.referee for b in uow.referrals.referees_of(frontier)] if frontier else []
                )
                counts.append(len(frontier))
            earned = uow.commissions.for_beneficiary(target)
        levels = []
        for level, members in enumerate(counts, start=1):
            mine = [c for c in earned if c.level == level]
            sales: dict[str, int] = defaultdict(int)
            commission: dict[str, int] = defaultdict(int)
            for c in mine:
                sales[c.base.currency] += c.base.amount
                commission[c.amount.currency] += c.remaining.amount
            orders = len({c.order_id for c in mine})
            levels.append(TeamLevel(level, members, orders, dict(sales), dict(commission)))
        return levels

    def statement(
        self,
        actor: Actor,
        member: Member | None = None,
        *,
        since: DateTime | None = None,
        until: DateTime | None = None,
    ) -> CommissionStatement:
        """The commissions of the actor (or, for staff with the books permission, of
        ``member``) frozen in ``[since, until)``, with totals by state."""
        if member is not None and actor.role is Role.PLATFORM:
            require_permission(actor, Permission.BOOKS, "sees others' commissions")
        target = self._readable(actor, member)
        with self._uow() as uow:
            found = uow.commissions.for_beneficiary(target, since=since, until=until)
        return CommissionStatement(target, tuple(found), _totals(found))

    def summary(self, actor: Actor, since: DateTime, until: DateTime) -> ReferralSummary:
        """Staff with the books permission: distributors by status and every commission
        frozen in ``[since, until)`` by state."""
        require_permission(actor, Permission.BOOKS, "sees the commissions")
        with self._uow() as uow:
            records = uow.referrals.list_distributors()
            found = uow.commissions.between(since, until)
        statuses: dict[DistributorStatus, int] = defaultdict(int)
        for record in records:
            if record.status is not DistributorStatus.NONE:  # customers with a spend only
                statuses[record.status] += 1
        return ReferralSummary(dict(statuses), len({c.beneficiary for c in found}), _totals(found))

    def _readable(self, actor: Actor, member: Member | None) -> Member:
        if actor.role is Role.PLATFORM:
            if member is None:
                raise PermissionDenied("Name the member.", details={"role": actor.role.value})
            return member
        own = _member_of(actor)
        if member is not None and member != own:
            raise PermissionDenied("A member sees only his own referrals.",
                                   details={"member": str(own)})  # fmt: skip
        return own

    # -- the settle job ----------------------------------------------------------------

    def settle_due(self, now: DateTime) -> int:
        """Settle one batch of due commissions (at most the policy's ``settle_batch``) in
        one unit of work, where they are stored (``CommissionRepository.settle_due``: one
        statement on PostgreSQL); returns how many it settled. Safe to run anywhere, any
        number of times: the batch is locked where the database can (rows another run holds
        are skipped, so concurrent runs split the work) and posted once by id, so of two
        concurrent runs each commission is settled and posted by one."""
        with self._uow() as uow:
            settled = uow.commissions.settle_due(now, self._policy.settle_batch)
            uow.commit()
        return settled

    def run_settle_job(self, job: Job, now: DateTime) -> DateTime | None:
        """The ``settle_commissions`` job: settle a batch; come back at once while batches
        are full (each run is its own unit of work, so a crash loses at most one batch,
        which the next run settles)."""
        settled = self.settle_due(now)
        return now if settled >= self._policy.settle_batch else None


def _has_ordered(uow: UnitOfWork, member: Member) -> bool:
    if member.kind is not MemberKind.CUSTOMER:
        return False  # a technician's "first order" is not his to pay
    return uow.customers.standing(CustomerId(member.id)).has_paid_order


def _require_staff(actor: Actor) -> None:
    if actor.role is not Role.PLATFORM:
        raise PermissionDenied("Only platform staff list distributors.",
                               details={"role": actor.role.value})  # fmt: skip
