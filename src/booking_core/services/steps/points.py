"""The points step: what the order flow calls, inside its own unit of work, to earn, spend,
return and claw back an order's points (INVARIANTS I17, I18).

Every function takes the customer's points account with its lock (concurrent commands of
one customer are decided one after the other), is idempotent by a deterministic movement id
(a replayed completion, refund or webhook changes nothing) and journals each movement with
its lot effects. Refunds are cumulative: what a refund claws back and gives back is
computed from the order's refunded total so far, less what earlier refunds took or gave, so
a full refund takes back every earned point and returns every spent one — once each,
however the refund was split.

What the order services call (``bootstrap.build`` hands one instance to each):

==========================  ================================================================
order flow                  call
==========================  ================================================================
checkout with points        :meth:`OrderPoints.spend` (``spend:<order>``; raises
                            ``insufficient_points``)
unpaid order expires or is  :meth:`OrderPoints.release` (``release:<order>``)
cancelled
order completed             :meth:`OrderPoints.earn` (``earn:<order>``; on what was paid)
refund decided (planned)    :meth:`OrderPoints.claw_back` (``claw:<order>:<n>``): the earned
                            points it undoes; under the default debt policy the refund keeps
                            the cash value of what he no longer holds
                            and, first, :meth:`OrderPoints.refund` (``return:<order>:<n>``):
                            the spent points it undoes
==========================  ================================================================
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from pendulum import DateTime

from booking_core.customers import Customer
from booking_core.errors import NotFound
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty import (
    DebtPolicy,
    LoyaltyPolicy,
    MovementKind,
    PointsAccount,
    PointsChange,
    PointsLot,
    PointsMovement,
    PointsSource,
    award,
    claw_back,
    return_spent,
    settle_in_cash,
    spend,
)
from booking_core.money import Money
from booking_core.ports.storage import UnitOfWork

__all__ = ["ClawBack", "OrderPoints", "apply_points", "customer_zone"]


def customer_zone(uow: UnitOfWork, customer_id: CustomerId, policy: LoyaltyPolicy) -> str:
    """The zone of his "local day" and period ends: his own, else the platform's (an
    unregistered customer, or one who gave none)."""
    try:
        return uow.customers.get(customer_id).details.time_zone or policy.platform_zone
    except NotFound:
        return policy.platform_zone


def apply_points(
    uow: UnitOfWork,
    customer_id: CustomerId,
    movement_id: str,
    change: Callable[[PointsAccount], PointsChange],
    *,
    include: tuple[str, ...] = (),
) -> PointsMovement | None:
    """Lock his account and apply ``change`` unless movement ``movement_id`` is stored
    already (then return it: a replay). Returns the movement ``movement_id`` made (None:
    the change made none, e.g. a claw-back of an empty account)."""
    account = uow.points.account(customer_id, lock=True, include=include)
    stored = uow.points.movement(movement_id)
    if stored is not None:
        return stored
    made = change(account)
    if made.movements:
        uow.points.save(made, expected_sequence=account.sequence)
    return next((m for m in made.movements if m.id == movement_id), None)


@attrs.frozen
class ClawBack:
    """What deciding a refund did to the points an order earned.

    Attributes:
        clawed_back: The claw-back entry (None: nothing due, or nothing to take).
        settled: The ``settled_in_cash`` entry (None: no cash kept).
        kept: The cash the refund keeps for the points he no longer held (default policy).
        shortfall: Points due back that he did not hold and the refund could not cover
            (0 under ``points_debt``); a later refund of the order asks for them again.
    """

    clawed_back: PointsMovement | None
    settled: PointsMovement | None
    kept: Money
    shortfall: int


def _net(movements: list[PointsMovement], *kinds: MovementKind) -> int:
    return sum(abs(m.points) for m in movements if m.kind in kinds)


class OrderPoints:
    """An order's points, inside the order command's unit of work."""

    def __init__(self, policy: LoyaltyPolicy) -> None:
        self._policy = policy

    def spend(
        self, uow: UnitOfWork, customer_id: CustomerId, order_id: OrderId, points: int,
        at: DateTime,
    ) -> PointsMovement | None:  # fmt: skip
        """Take ``points`` for the order at checkout (soonest-expiring first).

        Raises:
            InsufficientPoints: he holds fewer usable points (a concurrent spend may have
                taken them).
        """
        movement_id = f"spend:{order_id}"
        return apply_points(uow, customer_id, movement_id, lambda a: spend(
            a, points, movement_id=movement_id, at=at, order_id=order_id))  # fmt: skip

    def earn(
        self, uow: UnitOfWork, customer_id: CustomerId, order_id: OrderId, paid: Money,
        at: DateTime,
    ) -> PointsMovement | None:  # fmt: skip
        """Credit what the order earned on ``paid`` (when it completes); None: nothing.

        The points multiplier is that of the tier stored on his customer record *at
        completion* (not at placement or payment): ``floor(paid × rate × multiplier)``,
        rounded down once (:meth:`~booking_core.loyalty.TierPrivilege.points_for`)."""
        try:
            customer: Customer | None = uow.customers.get(customer_id)
        except NotFound:
            customer = None
        privilege = self._policy.privileges.for_tier(customer.tier if customer else None)
        points = privilege.points_for(self._policy.earning, paid)
        if points < 1:
            return None
        zone = (customer.details.time_zone if customer else None) or self._policy.platform_zone
        lot = PointsLot(
            f"earn:{order_id}", customer_id, PointsSource.ORDER, points, points, at,
            self._policy.expiry.expires_at(at, zone), None, order_id,
        )  # fmt: skip
        return apply_points(uow, customer_id, lot.id, lambda a: award(a, lot))

    def release(
        self, uow: UnitOfWork, customer_id: CustomerId, order_id: OrderId, at: DateTime
    ) -> PointsMovement | None:
        """Give back every point the order spent (it expired unpaid or was cancelled)."""
        return self._return(uow, customer_id, order_id, f"release:{order_id}", None, at)

    def refund(
        self,
        uow: UnitOfWork,
        customer_id: CustomerId,
        order_id: OrderId,
        *,
        movement_id: str,
        refunded: Money,
        paid: Money,
        at: DateTime,
    ) -> PointsMovement | None:
        """Give back the points the order spent in proportion to ``refunded`` (the part of
        the price refunded so far, this refund included) of ``paid`` (the price):
        ``floor(spent × refunded / paid)`` less what earlier refunds gave back."""
        share = (refunded.amount, max(paid.amount, 1))
        return self._return(uow, customer_id, order_id, movement_id, share, at)

    def claw_back(
        self,
        uow: UnitOfWork,
        customer_id: CustomerId,
        order_id: OrderId,
        *,
        movement_id: str,
        earned_on: Money,
        left: Money,
        refund: Money,
        value_per_point: Money,
        at: DateTime,
    ) -> ClawBack:
        """Take back what the order earned, when a refund of ``refund`` is decided.

        The order earned its points on ``earned_on`` (what was paid for it at completion);
        after this refund ``left`` of that is still paid. The points due back in all are
        ``floor(earned × (earned_on − left) / earned_on)`` (rounded down: the customer
        keeps a part point), less what earlier refunds took, so a full refund takes every
        earned point and no refund takes one twice. What he no longer holds is settled by
        the debt policy: a points debt, or (default) cash kept from ``refund`` — whole
        points at ``value_per_point``, at most ``refund`` — and whatever neither covers is
        the ``shortfall`` (a later refund of the order asks for it again).
        """
        zero = Money.zero(refund.currency)
        stored = uow.points.movement(movement_id)
        if stored is not None:  # decided already: the same answer
            settled = uow.points.movement(f"{movement_id}:cash")
            kept = value_per_point.amount * (settled.points if settled else 0)
            return ClawBack(stored, settled, Money(kept, refund.currency), 0)
        journal = uow.points.for_order(customer_id, order_id)
        earned = _net(journal, MovementKind.EARNED)
        base = earned_on.amount
        if earned <= 0 or base <= 0:
            return ClawBack(None, None, zero, 0)
        undone = min(base, max(0, base - left.amount))
        due = earned * undone // base - _net(journal, MovementKind.CLAWED_BACK)
        if due <= 0:
            return ClawBack(None, None, zero, 0)
        account = uow.points.account(customer_id, lock=True)
        held = claw_back(account, due, movement_id=movement_id, at=at, order_id=order_id)
        debt = self._policy.debt is DebtPolicy.POINTS_DEBT
        price = value_per_point.amount
        paid_for = 0 if debt or price <= 0 else min(held.shortfall, refund.amount // price)
        if debt or paid_for:
            # Take the unheld points as a debt; under the default policy the cash kept
            # pays it off at once, so the balance never stays below zero.
            taking = due - held.shortfall + (held.shortfall if debt else paid_for)
            change = claw_back(account, taking, movement_id=movement_id, at=at,
                               order_id=order_id, debt=True)  # fmt: skip
            if paid_for:
                reason = f"{Money(paid_for * price, refund.currency)} kept from the refund"
                change = change.then(lambda a: settle_in_cash(
                    a, paid_for, movement_id=f"{movement_id}:cash", at=at,
                    order_id=order_id, reason=reason))  # fmt: skip
        else:
            change = held
        if change.movements:
            uow.points.save(change, expected_sequence=account.sequence)
        by_id = {m.id: m for m in change.movements}
        return ClawBack(
            by_id.get(movement_id),
            by_id.get(f"{movement_id}:cash"),
            Money(paid_for * price, refund.currency),
            0 if debt else held.shortfall - paid_for,
        )

    def _return(
        self, uow: UnitOfWork, customer_id: CustomerId, order_id: OrderId, movement_id: str,
        share: tuple[int, int] | None, at: DateTime,
    ) -> PointsMovement | None:  # fmt: skip
        journal = uow.points.for_order(customer_id, order_id)
        spends = [m for m in journal if m.kind is MovementKind.SPENT]
        spent = _net(spends, MovementKind.SPENT)
        target = spent if share is None else min(spent, spent * share[0] // share[1])
        due = target - _net(journal, MovementKind.RETURNED)
        if due <= 0:
            return uow.points.movement(movement_id)
        taken_from = [e for m in spends for e in m.effects]
        zone = customer_zone(uow, customer_id, self._policy)

        def replacement(points: int) -> PointsLot:
            return PointsLot(
                f"{movement_id}:lot", customer_id, PointsSource.ADJUSTMENT, points, points, at,
                self._policy.expiry.expires_at(at, zone), f"returned from {order_id}", order_id,
            )  # fmt: skip

        return apply_points(
            uow, customer_id, movement_id,
            lambda a: return_spent(a, due, taken_from=taken_from, movement_id=movement_id,
                                   at=at, order_id=order_id, replacement=replacement),
            include=tuple(dict.fromkeys(e.lot_id for e in taken_from)),
        )  # fmt: skip
