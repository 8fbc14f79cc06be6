"""The commission step of the order flow (FEATURES C18, T9, P9; INVARIANTS I22, I23).

The order services call :class:`Commissions` inside the unit of work of their own command,
so a commission moves in the same transaction as the order's money:

==========================  ===============================================================
order event                 what the step does in its unit of work
==========================  ===============================================================
payment captured            :meth:`~Commissions.on_captured`: one commission per (line,
                            beneficiary, level) for the buyer's active distributors and
                            the serving technician's (the technician plan), each stored once
                            and frozen once (``com:…:frozen``) — a replay stores nothing
completed                   :meth:`~Commissions.on_completed`: each frozen commission may
                            settle after the cooling-off; the settle job is scheduled; the
                            buyer's completed spend counts towards automatic admission
refund succeeded            :meth:`~Commissions.on_refunded`: every commission of the order
                            reduced in proportion from the bucket holding it (``cancel:<n>``)
cancelled                   :meth:`~Commissions.on_cancelled`: what is still frozen is
                            cancelled (an order that never completes earns nothing)
==========================  ===============================================================

Each call is made once per event by the flow that applies it (replays of the same event
are absorbed before: a capture by the commissions' unique key, the others by the order's
state machine).
"""

from __future__ import annotations

from pendulum import DateTime

from booking_core.errors import NotFound
from booking_core.ids import CategoryId, ServiceId, StoreId
from booking_core.ledger import RateTable, split_by_rates
from booking_core.money import Money
from booking_core.orders import Order
from booking_core.ports.jobs import Job
from booking_core.ports.storage import LockKey, UnitOfWork
from booking_core.pricing import Quote
from booking_core.referrals import (
    Commission,
    CommissionLine,
    CommissionPlan,
    CommissionShare,
    CommissionSource,
    CommissionState,
    Member,
    ReferralPolicy,
    cancel_entry,
    commissions_for,
    frozen_entry,
    refund_reductions,
    settled_entry,
)
from booking_core.services.jobs import JobKind
from booking_core.services.steps.books import list_price_quote

__all__ = ["Commissions", "settle_job_id"]


def settle_job_id(order: Order) -> str:
    """The id of the settle job an order's completion schedules."""
    return f"{JobKind.SETTLE_COMMISSIONS.value}:{order.id}"


class Commissions:
    """Freezes, schedules, reduces and settles commissions inside the caller's unit of work.

    Args:
        policy: The plans, the cooling-off and the admission rule.
        rates: How a line is split (the technician plan shares the platform's part).
    """

    def __init__(self, policy: ReferralPolicy, rates: RateTable) -> None:
        self._policy = policy
        self._rates = rates

    # -- payment captured ------------------------------------------------------------------

    def on_captured(self, uow: UnitOfWork, order: Order, at: DateTime) -> list[Commission]:
        """The order's payment was captured: freeze its commissions. Returns those stored
        now (none on a replay: each (line, beneficiary, level) is stored and posted once).

        Raises:
            ConcurrentUpdate: as the ledger's record (retry the unit of work).
        """
        priced = order.quote if order.quote is not None else list_price_quote(order)
        categories = _categories(uow, priced)
        buyer = Member.customer(order.customer_id)
        shares = [
            (CommissionSource.BUYER, buyer, share)
            for share in self._shares(uow, buyer, self._paid_lines(priced, categories),
                                      self._policy.customer_plan)
        ]  # fmt: skip
        plan = self._policy.technician_plan
        if plan is not None and order.technician_id is not None:
            technician = Member.technician(order.technician_id)
            store_id = uow.technicians.get(order.technician_id).profile.store_id
            lines = self._platform_lines(priced, categories, store_id)
            shares += [
                (CommissionSource.TECHNICIAN, technician, share)
                for share in self._shares(uow, technician, lines, plan)
            ]
        stored: list[Commission] = []
        seen: set[str] = set()
        for source, referee, share in shares:
            key = Commission.key(order.id, share.line, share.beneficiary, share.level)
            if key in seen:
                continue  # one per (line, beneficiary, level): the buyer's chain comes first
            seen.add(key)
            commission = Commission(
                id=key,
                order_id=order.id,
                line=share.line,
                beneficiary=share.beneficiary,
                level=share.level,
                source=source,
                referee=referee,
                service_id=share.service_id,
                base=share.base,
                rate=share.rate,
                amount=share.amount,
                frozen_at=at,
                order_paid=priced.payable,
            )
            if uow.commissions.add(commission):
                uow.ledger.record(frozen_entry(commission))
                stored.append(commission)
        return stored

    def _shares(
        self, uow: UnitOfWork, referee: Member, lines: list[CommissionLine], plan: CommissionPlan
    ) -> list[CommissionShare]:
        upline = uow.referrals.upline(referee, plan.levels)
        if not upline:
            return []
        records = uow.referrals.distributors(upline)
        earning = [member if records[member].earns else None for member in upline]
        return commissions_for(lines, earning, plan)

    @staticmethod
    def _paid_lines(priced: Quote, categories: dict[ServiceId, CategoryId]) -> list[CommissionLine]:
        return [
            CommissionLine(q.index, q.service_id, q.payable, categories.get(q.service_id))
            for q in priced.lines
        ]

    def _platform_lines(
        self, priced: Quote, categories: dict[ServiceId, CategoryId], store_id: StoreId | None
    ) -> list[CommissionLine]:
        """Each line's platform take: its share of what the line settles on, less what the
        platform funds of the line's discounts (never below zero)."""
        lines = []
        for q in priced.lines:
            rates = self._rates.rates_for(service_id=q.service_id, store_id=store_id)
            share = split_by_rates(q.payable + q.platform_funded, rates).platform
            take = (share - q.platform_funded).max(Money.zero(priced.currency))
            lines.append(CommissionLine(q.index, q.service_id, take, categories.get(q.service_id)))
        return lines

    # -- completed -----------------------------------------------------------------------

    def on_completed(self, uow: UnitOfWork, order: Order, at: DateTime) -> list[Commission]:
        """The order completed: its frozen commissions may settle once the cooling-off has
        passed (the settle job is scheduled for then), and the buyer's completed spend
        counts towards automatic admission. Returns the commissions scheduled."""
        unfreeze_at = at + self._policy.cooling_off
        scheduled = [
            uow.commissions.save(c.scheduled(unfreeze_at))
            for c in uow.commissions.for_order(order.id)
            if c.state is CommissionState.FROZEN and c.unfreeze_at != unfreeze_at
        ]
        if scheduled:
            uow.jobs.schedule(
                Job(settle_job_id(order), JobKind.SETTLE_COMMISSIONS.value, order.id, unfreeze_at)
            )
        # His orders complete concurrently (workers, his technicians): the counts are a
        # read-modify-write of one record, so his completions queue behind each other.
        uow.locks.take(LockKey.customer(order.customer_id))
        record = uow.referrals.distributor(Member.customer(order.customer_id))
        record.count_completed(order.refundable, self._policy.admission, at)
        uow.referrals.save_distributor(record)
        return scheduled

    # -- refunded and cancelled ----------------------------------------------------------

    def on_refunded(
        self,
        uow: UnitOfWork,
        order: Order,
        refund: Money,
        at: DateTime,
        *,
        held_before: Money | None = None,
    ) -> list[Commission]:
        """A refund of ``refund`` succeeded: take the same share of what the order's
        commissions still hold back from them, from whichever bucket holds each (I23; see
        :func:`~booking_core.referrals.refund_reductions`). Returns the commissions changed.

        With ``held_before`` (what the order held before this refund: captured less earlier
        refunds) only the part of the refund that takes the order's money below what the
        commissions were frozen on counts: money paid twice, or paid beyond a price that
        was lowered, goes back without touching them.

        Raises:
            ConcurrentUpdate: a commission changed meanwhile (the settle job): retry.
        """
        open_ = [
            c
            for c in uow.commissions.for_order(order.id)
            if c.state is not CommissionState.CANCELLED
        ]
        if not open_ or refund.currency != open_[0].order_paid.currency:
            return []
        refunded_before = max(c.order_refunded for c in open_)
        left_before = open_[0].order_paid - refunded_before
        taken = refund.min(left_before)
        if held_before is not None:
            # The part of the refund below the commissions' base: min(base, held) falls by it.
            held_after = (held_before - refund).max(Money.zero(refund.currency))
            taken = (left_before.min(held_before) - left_before.min(held_after)).max(
                Money.zero(refund.currency)
            )
            if not taken.amount:
                return []
        parts = refund_reductions([c.remaining.amount for c in open_], taken.amount,
                                  left_before.amount)  # fmt: skip
        changed = []
        for commission, part in zip(open_, parts, strict=True):
            amount = Money(part, commission.amount.currency)
            after = commission.reduced(amount, order_refunded=refunded_before + taken, at=at)
            changed.append(uow.commissions.save(after))
            if part:
                uow.ledger.record(cancel_entry(commission, amount, at))
        return changed

    def on_cancelled(self, uow: UnitOfWork, order: Order, at: DateTime) -> list[Commission]:
        """The order was cancelled: cancel what is still frozen of its commissions (an order
        that never completes earns nothing). Returns the commissions cancelled."""
        cancelled = []
        for commission in uow.commissions.for_order(order.id):
            if commission.state is not CommissionState.FROZEN:
                continue
            left = commission.remaining
            after = commission.reduced(left, order_refunded=commission.order_refunded, at=at)
            cancelled.append(uow.commissions.save(after))
            uow.ledger.record(cancel_entry(commission, left, at))
        return cancelled

    # -- settling ------------------------------------------------------------------------

    @staticmethod
    def settle(uow: UnitOfWork, commission: Commission, at: DateTime) -> Commission:
        """Settle ``commission`` (frozen and due): compare-and-set, then post ``settled``.

        Raises:
            CommissionNotAllowed: not frozen, or not due at ``at``.
            ConcurrentUpdate: it changed since it was read.
        """
        saved = uow.commissions.save(commission.settled(at))
        uow.ledger.record(settled_entry(saved))
        return saved


def _categories(uow: UnitOfWork, priced: Quote) -> dict[ServiceId, CategoryId]:
    """The category of each service the quote sells (for category override rates)."""
    found: dict[ServiceId, CategoryId] = {}
    for service_id in {q.service_id for q in priced.lines}:
        try:
            found[service_id] = uow.services.get(service_id).category_id
        except NotFound:
            continue  # a service removed since: its line earns by the plan's own rates
    return found
