"""Loyalty use cases: balance and statement, the daily check-in, sharing rewards, staff
awards, the expiry job, membership tiers and their privileges (docs/loyalty.md; FEATURES
C13, C15, C16; INVARIANTS I17–I20).

Tier privileges are looked up in one place, ``policy.privileges.for_tier(<stored tier>)``:
the points multiplier by :class:`~booking_core.services.steps.points.OrderPoints` at
completion, the window days by the reservation step and availability, the exclusive coupons
here when a member reaches a tier, the birthday gift by the hourly birthday job here.

A customer reads his own points; platform staff with the customers permission read anyone's.
Staff award campaign points (promotions permission) and manual adjustments (customers
permission), each recorded in the audit log. An order's points (earn, spend, return, claw
back) are :class:`~booking_core.services.steps.points.OrderPoints`'s, called by the order
flow in its own unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pendulum
from pendulum import DateTime, Duration

from booking_core.customers import Customer
from booking_core.errors import (
    CouponNotClaimable,
    CouponOutOfStock,
    DuplicateEntity,
    InvalidInput,
    NotFound,
)
from booking_core.ids import CustomerId
from booking_core.loyalty import (
    CheckIn,
    LoyaltyPolicy,
    PointsLot,
    PointsMovement,
    PointsSource,
    TierChange,
    TierMetric,
    TierPrivilege,
    TierStatus,
    award,
    celebrates_on,
    expire,
)
from booking_core.orders import Actor, Role
from booking_core.orders.order import Order, OrderState
from booking_core.ports.clock import Clock
from booking_core.ports.jobs import Job
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.promotions import CouponId, CouponTemplateId, IssueChannel
from booking_core.services._access import require_customer, require_permission
from booking_core.services.jobs import JobKind
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.points import apply_points, customer_zone
from booking_core.services.steps.tier_floor import held_tier
from booking_core.staff import Permission

__all__ = ["CheckInResult", "LoyaltyService", "MemberTier"]

#: How many customers one run of a loyalty job handles per unit of work.
BATCH = 100

#: How often the birthday job runs: hourly, so that each customer is gifted within the
#: first hour of his birthday in his own zone (zones start their days at every hour).
BIRTHDAYS_EVERY = pendulum.duration(hours=1)


@attrs.frozen
class MemberTier:
    """A customer's tier as he sees it (``GET /me/tier``).

    Attributes:
        status: His tier as last evaluated (``tier`` is the stored one, what applies).
        privilege: What his tier gives now (the neutral privilege for none).
        next_tier: The next tier up the ladder (None: top tier, or no ladder).
        next_threshold: Its threshold, in the ladder's metric (None with no next tier).
    """

    status: TierStatus
    privilege: TierPrivilege
    next_tier: str | None
    next_threshold: int | None


def _birthdays_around(at: DateTime) -> list[tuple[int, int]]:
    """The (month, day) of every birthday celebrated somewhere on earth at ``at``: local
    dates lie within a day of the UTC date."""
    utc = at.in_timezone("UTC").date()
    found: set[tuple[int, int]] = set()
    for day in (utc.subtract(days=1), utc, utc.add(days=1)):
        found.add((day.month, day.day))
        if celebrates_on(pendulum.date(2000, 2, 29), day):
            found.add((2, 29))
    return sorted(found)


def _gift_coupon(
    uow: UnitOfWork, template_id: CouponTemplateId, coupon_id: str, customer_id: CustomerId,
    at: DateTime,
) -> bool:  # fmt: skip
    """Issue a coupon of ``template_id`` to him under the deterministic id ``coupon_id``
    through the issuing path (the template's lock, stock and validity: admin channel, 定向发放).
    False when it was issued already (a replay) or cannot be issued now (inactive, out of
    stock, no such template): a gift never fails the job."""
    try:
        uow.coupon_templates.issue(
            template_id, coupon_id=CouponId(coupon_id), customer_id=customer_id,
            channel=IssueChannel.ADMIN, at=at,
        )  # fmt: skip
    except (DuplicateEntity, CouponNotClaimable, CouponOutOfStock, NotFound):
        return False
    return True


@attrs.frozen
class CheckInResult:
    """A check-in: the day's record, and whether this call made it (False: he had checked
    in that day already — a second tap awards nothing)."""

    check_in: CheckIn
    new: bool


def _may_read(actor: Actor, customer_id: CustomerId) -> None:
    if actor.role is Role.PLATFORM:
        require_permission(actor, Permission.CUSTOMERS, "reads a customer's points")
        return
    require_customer(actor, customer_id, "reads his points")


def _completed(orders: Iterable[Order]) -> list[tuple[DateTime, int]]:
    """(completion instant, amount paid less refunded) of each order that completed."""
    done = []
    for order in orders:
        at = next((r.at for r in order.timeline if r.to_state == OrderState.COMPLETED), None)
        if at is not None:
            paid = order.paid.amount if order.paid is not None else 0
            refunded = order.refunded.amount if order.refunded is not None else 0
            done.append((at, max(0, paid - refunded)))
    return done


class LoyaltyService:
    """Points balances and statements, check-ins, sharing and staff awards, expiry, tiers."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, policy: LoyaltyPolicy, *, audit: AuditTrail
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy
        self._audit = audit

    # -- reading -------------------------------------------------------------------------

    def balance(self, customer_id: CustomerId, actor: Actor) -> int:
        """Points he may spend now (lots past their expiry do not count)."""
        _may_read(actor, customer_id)
        with self._uow() as uow:
            return uow.points.account(customer_id).usable(self._clock.now())

    def statement(
        self,
        customer_id: CustomerId,
        actor: Actor,
        *,
        start: DateTime | None = None,
        end: DateTime | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[PointsMovement]:
        """His movements with ``start ≤ at < end``, each with his balance after, in journal
        order; page with ``after`` = the last sequence seen (``limit`` 1 to 200)."""
        _may_read(actor, customer_id)
        if not 1 <= limit <= 200:
            raise InvalidInput("A page holds 1 to 200 entries.", details={"field": "limit"})
        with self._uow() as uow:
            return uow.points.statement(customer_id, start=start, end=end, after=after,
                                        limit=limit)  # fmt: skip

    # -- earning -------------------------------------------------------------------------

    def check_in(self, customer_id: CustomerId, actor: Actor) -> CheckInResult:
        """Check in for today (his local day): once a day, with the streak's bonus.
        Concurrent taps award once."""
        require_customer(actor, customer_id, "checks in")
        now = self._clock.now()
        with self._uow() as uow:
            zone = customer_zone(uow, customer_id, self._policy)
            today = now.in_timezone(zone).date()
            # The account's lock first: taps of one customer are decided one at a time.
            account = uow.points.account(customer_id, lock=True)
            done = uow.points.check_in(customer_id, today)
            if done is not None:
                return CheckInResult(done, new=False)
            table = self._policy.check_in
            streak = table.next_streak(uow.points.last_check_in(customer_id), today)
            points = table.points_for(streak)
            lot = self._lot(customer_id, f"check_in:{customer_id}:{today.isoformat()}",
                            PointsSource.CHECK_IN, points, now, zone, f"day {streak}")  # fmt: skip
            record = CheckIn(customer_id, today, streak, points, now, lot.id)
            if not uow.points.add_check_in(record):  # the unique key is the last word
                stored = uow.points.check_in(customer_id, today)
                assert stored is not None
                return CheckInResult(stored, new=False)
            uow.points.save(award(account, lot), expected_sequence=account.sequence)
            uow.commit()
        return CheckInResult(record, new=True)

    def reward_share(
        self, customer_id: CustomerId, share_id: str, actor: Actor
    ) -> PointsMovement | None:
        """Award a share (``share_id``: the app's id of it; the same id twice awards once).
        None when today's cap is reached."""
        require_customer(actor, customer_id, "is rewarded for sharing")
        now = self._clock.now()
        rule = self._policy.sharing
        movement_id = f"share:{customer_id}:{share_id}"
        with self._uow() as uow:
            zone = customer_zone(uow, customer_id, self._policy)
            day = now.in_timezone(zone).start_of("day")
            uow.points.account(customer_id, lock=True)  # serializes his shares' count
            stored = uow.points.movement(movement_id)
            if stored is not None:
                return stored
            shared = uow.points.count_awards(
                customer_id, PointsSource.SHARING, day, day.add(days=1)
            )
            if shared >= rule.max_per_day:
                return None
            lot = self._lot(customer_id, movement_id, PointsSource.SHARING, rule.points, now,
                            zone, None)  # fmt: skip
            movement = apply_points(uow, customer_id, lot.id, lambda a: award(a, lot))
            uow.commit()
        return movement

    def award(
        self,
        customer_id: CustomerId,
        points: int,
        actor: Actor,
        *,
        key: str,
        reason: str,
        source: PointsSource = PointsSource.ADJUSTMENT,
    ) -> PointsMovement:
        """Award ``points`` by hand (``adjustment``: customers permission) or for a campaign
        (``campaign``: promotions permission); audited. ``key`` makes it idempotent.

        Raises:
            PermissionDenied: not platform staff with that permission.
            InvalidInput: another source, no reason, or fewer than one point.
        """
        if source not in (PointsSource.ADJUSTMENT, PointsSource.CAMPAIGN):
            raise InvalidInput("Staff award campaign points or adjustments.",
                               details={"field": "source"})  # fmt: skip
        needed = (
            Permission.CUSTOMERS if source is PointsSource.ADJUSTMENT else Permission.PROMOTIONS
        )
        require_permission(actor, needed, "awards points")
        if not reason.strip():
            raise InvalidInput("An award says why.", details={"field": "reason"})
        now = self._clock.now()
        movement_id = f"{source.value}:{customer_id}:{key}"
        with self._uow() as uow:
            zone = customer_zone(uow, customer_id, self._policy)
            lot = self._lot(customer_id, movement_id, source, points, now, zone, reason)
            uow.points.account(customer_id, lock=True)  # a replay racing this one waits here
            replay = uow.points.movement(lot.id) is not None
            movement = apply_points(uow, customer_id, lot.id, lambda a: award(a, lot))
            assert movement is not None
            if not replay:  # the award is audited once, as it is made once
                self._audit.record(
                    uow, actor, "points.award", ("customer", customer_id),
                    after={"points": points, "source": source.value, "movement": movement.id},
                    reason=reason,
                )  # fmt: skip
            uow.commit()
        return movement

    def _lot(
        self, customer_id: CustomerId, lot_id: str, source: PointsSource, points: int,
        at: DateTime, zone: str, reason: str | None,
    ) -> PointsLot:  # fmt: skip
        expires = self._policy.expiry.expires_at(at, zone)
        return PointsLot(lot_id, customer_id, source, points, points, at, expires, reason)

    # -- expiry --------------------------------------------------------------------------

    def expire_due(self, at: DateTime | None = None) -> int:
        """Expire every lot past its expiry (``at``: now); the number of entries made.
        Idempotent: a second run finds nothing due."""
        at = at or self._clock.now()
        made = 0
        while True:
            with self._uow() as uow:
                due = uow.points.due(at, limit=BATCH)
                for customer_id in due:
                    account = uow.points.account(customer_id, lock=True)
                    change = expire(account, at)
                    if change.movements:
                        uow.points.save(change, expected_sequence=account.sequence)
                        made += len(change.movements)
                uow.commit()
            if len(due) < BATCH:
                return made

    def run_expiry_job(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler (``expire_points``): expire what is due, and schedule the next run
        ``policy.expiry_every`` after this one's due time (an id of its own, so running
        this job twice schedules it once)."""
        self.expire_due(now)
        self._schedule(JobKind.EXPIRE_POINTS, job.due_at, self._policy.expiry_every, after=True)
        return None

    def start_jobs(self, at: DateTime | None = None) -> None:
        """Schedule the expiry, tier and birthday jobs at the first tick of their period at or after
        ``at`` (now); each run schedules the next tick. Ticks are whole periods since the
        Unix epoch, so every call — every worker starting, every restart — names the same
        jobs: the chain is one, however often it is started."""
        at = at or self._clock.now()
        self._schedule(JobKind.EXPIRE_POINTS, at, self._policy.expiry_every, after=False)
        if self._policy.tiers is not None:
            self._schedule(JobKind.EVALUATE_TIERS, at, self._policy.tiers_every, after=False)
        if self._policy.privileges.gives_birthday_gifts:
            self._schedule(JobKind.BIRTHDAY_GIFTS, at, BIRTHDAYS_EVERY, after=False)

    def _schedule(self, kind: JobKind, at: DateTime, every: Duration, *, after: bool) -> None:
        """Schedule ``kind`` at the tick of ``every`` at (or, with ``after``, after) ``at``."""
        period = max(1, int(every.total_seconds()))
        ticks, rest = divmod(at.int_timestamp, period)
        if after or rest or at.microsecond:
            ticks += 1
        due = pendulum.from_timestamp(ticks * period, tz="UTC")
        with self._uow() as uow:
            uow.jobs.schedule(Job(f"{kind.value}:{due.isoformat()}", kind.value, "loyalty", due))
            uow.commit()

    # -- tiers ---------------------------------------------------------------------------

    def evaluate_tier(self, customer_id: CustomerId, at: DateTime | None = None) -> TierStatus:
        """Evaluate his tier now (the order flow calls it when his metric changes): an
        upgrade at once, a downgrade after the ladder's grace; a change is recorded in his
        history and stored on his customer record (the tier pricing reads)."""
        at = at or self._clock.now()
        with self._uow() as uow:
            status = self._evaluate(uow, customer_id, at)
            uow.commit()
        return status

    def tier_status(self, customer_id: CustomerId, actor: Actor) -> MemberTier:
        """His tier, the metric last seen, the next tier and its threshold, and the
        privileges in force (those of the tier stored on his customer record)."""
        _may_read(actor, customer_id)
        with self._uow() as uow:
            try:
                stored_tier: str | None = uow.customers.get(customer_id).tier
            except NotFound:
                stored_tier = None
            status = uow.tiers.get(customer_id) or TierStatus(customer_id, stored_tier)
        status = attrs.evolve(status, tier=stored_tier)
        ladder = self._policy.tiers
        following = None
        if ladder is not None:
            rank = ladder.rank(stored_tier)
            following = ladder.tiers[rank] if rank < len(ladder.tiers) else None
        return MemberTier(
            status,
            self._policy.privileges.for_tier(stored_tier),
            following.name if following else None,
            following.threshold if following else None,
        )

    def tier_history(self, customer_id: CustomerId, actor: Actor) -> list[TierChange]:
        """His tier changes, oldest first."""
        _may_read(actor, customer_id)
        with self._uow() as uow:
            return uow.tiers.history(customer_id)

    def run_tier_job(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler (``evaluate_tiers``): re-evaluate every customer evaluated before
        (rolling metrics fall, graces end), and schedule the next run
        ``policy.tiers_every`` after this one's due time."""
        if self._policy.tiers is None:
            return None
        after: CustomerId | None = None
        while True:
            with self._uow() as uow:
                members = uow.tiers.members(after=after, limit=BATCH)
                for status in members:
                    self._evaluate(uow, status.customer_id, now)
                uow.commit()
            if len(members) < BATCH:
                break
            after = members[-1].customer_id
        self._schedule(JobKind.EVALUATE_TIERS, job.due_at, self._policy.tiers_every, after=True)
        return None

    def _evaluate(self, uow: UnitOfWork, customer_id: CustomerId, at: DateTime) -> TierStatus:
        ladder = self._policy.tiers
        if ladder is None:
            raise InvalidInput("No tier ladder is configured.", details={"field": "tiers"})
        try:
            customer = uow.customers.get(customer_id)
        except NotFound:
            customer = None
        status = uow.tiers.get(customer_id) or TierStatus(
            customer_id, customer.tier if customer else None
        )
        # A tier bought with points is a floor until its purchase lapses (services/rewards).
        floor = held_tier(uow, self._policy, customer_id, at)
        after, change = ladder.evaluate(status, self._metric(uow, customer_id, at), at, floor=floor)
        uow.tiers.save(after)
        if change is not None:
            uow.tiers.record(change)
            if customer is not None and customer.tier != after.tier:
                uow.customers.save(attrs.evolve(customer, tier=after.tier))
            if ladder.rank(change.to_tier) > ladder.rank(change.from_tier):
                self._give_exclusive_coupons(uow, customer_id, change.to_tier, at)
        return after

    def _give_exclusive_coupons(
        self, uow: UnitOfWork, customer_id: CustomerId, tier: str | None, at: DateTime
    ) -> None:
        """Issue tier ``tier``'s exclusive templates to a member who just reached it: once
        per (customer, tier, template) — the coupon id ``tier:<customer>:<tier>:<template>``
        is taken by the first issue, so a re-evaluation or a second reach gives nothing."""
        if tier is None:
            return
        for template_id in self._policy.privileges.for_tier(tier).coupons:
            _gift_coupon(uow, template_id, f"tier:{customer_id}:{tier}:{template_id}",
                         customer_id, at)  # fmt: skip

    # -- birthday gifts ------------------------------------------------------------------

    def give_birthday_gifts(self, at: DateTime | None = None) -> int:
        """Give each customer celebrating his birthday today — in his own zone, else the
        platform's — the birthday gift of his stored tier: points as a ``birthday`` lot
        and/or a coupon, each under the id ``birthday:<customer>:<year>`` (his local year),
        so the gift is given once a year however often, and by however many workers, this
        runs. Returns how many customers were given something now."""
        at = at or self._clock.now()
        if not self._policy.privileges.gives_birthday_gifts:
            return 0
        days = _birthdays_around(at)
        given = 0
        after: CustomerId | None = None
        while True:
            with self._uow() as uow:
                batch = uow.customers.born_on(days, after=after, limit=BATCH)
            for customer in batch:
                given += self._birthday_gift(customer, at)
            if len(batch) < BATCH:
                return given
            after = batch[-1].id

    def _birthday_gift(self, customer: Customer, at: DateTime) -> bool:
        zone = customer.details.time_zone or self._policy.platform_zone
        today = at.in_timezone(zone).date()
        birthday = customer.details.birthday
        if birthday is None or not celebrates_on(birthday, today):
            return False
        privilege = self._policy.privileges.for_tier(customer.tier)
        if not privilege.birthday_gift:
            return False
        key = f"birthday:{customer.id}:{today.year}"
        gave = False
        with self._uow() as uow:
            # His account's lock first: concurrent runs for him are decided one at a time.
            account = uow.points.account(customer.id, lock=True)
            if privilege.birthday_points and uow.points.movement(key) is None:
                lot = self._lot(customer.id, key, PointsSource.BIRTHDAY, privilege.birthday_points,
                                at, zone, f"birthday {today.year}")  # fmt: skip
                uow.points.save(award(account, lot), expected_sequence=account.sequence)
                gave = True
            if privilege.birthday_coupon is not None:
                gave = _gift_coupon(uow, privilege.birthday_coupon, key, customer.id, at) or gave
            uow.commit()
        return gave

    def run_birthday_job(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler (``birthday_gifts``): give the gifts due, and schedule the next run
        an hour after this one's due time."""
        self.give_birthday_gifts(now)
        self._schedule(JobKind.BIRTHDAY_GIFTS, job.due_at, BIRTHDAYS_EVERY, after=True)
        return None

    def _metric(self, uow: UnitOfWork, customer_id: CustomerId, at: DateTime) -> int:
        assert self._policy.tiers is not None
        metric = self._policy.tiers.metric
        if metric is TierMetric.POINTS_EARNED:
            return uow.points.account(customer_id).earned
        done = [(t, amount) for t, amount in _completed(uow.orders.list_for_customer(customer_id))
                if t <= at]  # fmt: skip
        if metric is TierMetric.ORDER_COUNT:
            return len(done)
        if metric is TierMetric.ROLLING_SPEND:
            since = at.subtract(months=12)
            return sum(amount for t, amount in done if t > since)
        return sum(amount for _, amount in done)
