"""The points step: what the order flow calls, inside its own unit of work, to earn, spend,
return and claw back an order's points (INVARIANTS I17, I18).

Every function takes the customer's points account with its lock (concurrent commands of
one customer are decided one after the other), is idempotent by a deterministic movement id
(a replayed completion, refund or webhook changes nothing) and journals each movement with
its lot effects. Refunds are cumulative: given the order's refunded total so far, the step
claws back ``floor(earned × refunded / paid)`` and returns ``floor(spent × refunded /
paid)`` minus what earlier refunds took or gave, so a full refund takes back every earned
point and returns every spent one — once each, however the refund was split.

What the order services call (``bootstrap.build`` hands one instance to each):

==========================  ================================================================
order flow                  call
==========================  ================================================================
checkout with points        :meth:`OrderPoints.spend` (``spend:<order>``; raises
                            ``insufficient_points``)
unpaid order expires or is  :meth:`OrderPoints.release` (``release:<order>``)
cancelled
order completed             :meth:`OrderPoints.earn` (``earn:<order>``; on what was paid)
refund succeeded            :meth:`OrderPoints.refund` (``claw:<refund key>`` and
                            ``return:<refund key>``); its ``shortfall_value`` is what the
                            refund should keep under the default debt policy (reported
                            as ``OrderNeedsAttention``, not deducted: docs/loyalty.md)
==========================  ================================================================
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from pendulum import DateTime

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
    spend,
)
from booking_core.money import Money
from booking_core.ports.storage import UnitOfWork

__all__ = ["OrderPoints", "RefundPoints", "apply_points", "customer_zone"]


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
class RefundPoints:
    """What a refund did to an order's points.

    Attributes:
        clawed_back: The claw-back entry (None: nothing taken now).
        returned: The return entry (None: nothing given back now).
        shortfall: Points the claw-back could not take (0 under ``points_debt``).
        shortfall_value: Their cash value (what the refund keeps under the default policy).
    """

    clawed_back: PointsMovement | None
    returned: PointsMovement | None
    shortfall: int
    shortfall_value: Money


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
        """Credit what the order earned on ``paid`` (when it completes); None: nothing."""
        points = self._policy.earning.points_for(paid)
        if points < 1:
            return None
        zone = customer_zone(uow, customer_id, self._policy)
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
        refund_key: str,
        refunded: Money,
        paid: Money,
        value_per_point: Money,
        at: DateTime,
    ) -> RefundPoints:
        """Claw back and give back the order's points in proportion to ``refunded`` (its
        refunded total so far, this refund included) of ``paid``."""
        share = (refunded.amount, max(paid.amount, 1))
        returned = self._return(uow, customer_id, order_id, f"return:{refund_key}", share, at)
        journal = uow.points.for_order(customer_id, order_id)
        earned = _net(journal, MovementKind.EARNED)
        due = min(earned, earned * share[0] // share[1]) - _net(journal, MovementKind.CLAWED_BACK)
        debt = self._policy.debt is DebtPolicy.POINTS_DEBT
        movement_id = f"claw:{refund_key}"
        shortfall = 0
        taken: PointsMovement | None = None
        if due > 0 and uow.points.movement(movement_id) is None:
            account = uow.points.account(customer_id, lock=True)
            change = claw_back(account, due, movement_id=movement_id, at=at,
                               order_id=order_id, debt=debt)  # fmt: skip
            if change.movements:
                uow.points.save(change, expected_sequence=account.sequence)
            taken = next((m for m in change.movements if m.id == movement_id), None)
            shortfall = change.shortfall
        else:
            taken = uow.points.movement(movement_id)
        value = value_per_point.amount * shortfall
        return RefundPoints(taken, returned, shortfall, Money(value, value_per_point.currency))

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
