"""A customer's points: his lots and totals, and the pure functions that move them (I17).

Every function takes the account as loaded and returns a :class:`PointsChange`: the account
after, the journal entries made (each with its lot effects and balance after) and, for a
claw-back, the shortfall. Functions that use points at an instant first expire what is due
then (the expiry job only sweeps what nobody touched), so no expired point is ever spent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs
from pendulum import DateTime

from booking_core.errors import DuplicateEntity, InsufficientPoints, InvalidInput
from booking_core.ids import CustomerId, OrderId
from booking_core.loyalty.lot import PointsLot, PointsSource
from booking_core.loyalty.movement import LotEffect, MovementKind, PointsMovement

__all__ = [
    "PointsAccount",
    "PointsChange",
    "award",
    "claw_back",
    "expire",
    "return_spent",
    "settle_in_cash",
    "spend",
]


def _lots(value: Iterable[PointsLot]) -> tuple[PointsLot, ...]:
    return tuple(value)


@attrs.frozen
class PointsAccount:
    """A customer's points as loaded: his open lots and his running totals.

    The balance is defined by INVARIANTS I17 — earned − spent − expired − clawed back — and
    always equals what the lots hold minus the debt (:attr:`held`).

    Attributes:
        customer_id: Whose.
        lots: Every lot with points left (and any other lot a command asked to load).
        debt: Points owed after a claw-back larger than the balance (only under the
            ``points_debt`` policy); paid off by the next awards first.
        earned, spent, expired, clawed_back: Running totals (``spent`` net of returns).
        sequence: The number of his last journal entry (0: none yet); storage saves the
            account only if it still holds this number (compare-and-set).
    """

    customer_id: CustomerId
    lots: tuple[PointsLot, ...] = attrs.field(default=(), converter=_lots)
    debt: int = 0
    earned: int = 0
    spent: int = 0
    expired: int = 0
    clawed_back: int = 0
    sequence: int = 0

    @property
    def balance(self) -> int:
        """Earned − spent − expired − clawed back (negative only under a points debt)."""
        return self.earned - self.spent - self.expired - self.clawed_back

    @property
    def held(self) -> int:
        """What the lots hold minus the debt (always :attr:`balance`)."""
        return sum(lot.remaining for lot in self.lots) - self.debt

    def usable(self, at: DateTime) -> int:
        """Points he may spend at ``at`` (lots not yet expired then, less any debt)."""
        return max(0, sum(lot.remaining for lot in self.lots if not lot.expired_at(at)) - self.debt)

    def lot(self, lot_id: str) -> PointsLot | None:
        """The loaded lot ``lot_id`` (None: not loaded)."""
        return next((lot for lot in self.lots if lot.id == lot_id), None)


@attrs.frozen
class PointsChange:
    """What a points function did.

    Attributes:
        account: The account after.
        movements: The journal entries made, in order (none: nothing changed).
        shortfall: Points a claw-back could not take (the caller's debt policy settles them).
    """

    account: PointsAccount
    movements: tuple[PointsMovement, ...] = ()
    shortfall: int = 0

    @property
    def touched(self) -> tuple[PointsLot, ...]:
        """The lots the movements changed or created, as they are now (what storage writes)."""
        ids = dict.fromkeys(e.lot_id for m in self.movements for e in m.effects)
        by_id = {lot.id: lot for lot in self.account.lots}
        return tuple(by_id[lot_id] for lot_id in ids)

    def then(self, step: Callable[[PointsAccount], PointsChange]) -> PointsChange:
        """This change followed by ``step`` on its account."""
        after = step(self.account)
        return PointsChange(after.account, self.movements + after.movements, after.shortfall)


def _entry(
    account: PointsAccount,
    movement_id: str,
    kind: MovementKind,
    at: DateTime,
    effects: list[LotEffect],
    *,
    debt_change: int = 0,
    order_id: OrderId | None = None,
    reason: str | None = None,
    **totals: int,
) -> PointsChange:
    """Apply ``effects`` to the lots and ``totals`` to the account; journal it."""
    taken = {e.lot_id: e.points for e in effects}
    lots = [lot.taking(-taken.pop(lot.id)) if lot.id in taken else lot for lot in account.lots]
    after = attrs.evolve(
        account,
        lots=lots,
        debt=account.debt + debt_change,
        sequence=account.sequence + 1,
        **{name: getattr(account, name) + value for name, value in totals.items()},
    )
    points = sum(e.points for e in effects) - debt_change
    movement = PointsMovement(
        movement_id, account.customer_id, after.sequence, kind, points, after.balance, at,
        effects, debt_change, order_id, reason,
    )  # fmt: skip
    return PointsChange(after, (movement,))


def _take(lots: Iterable[PointsLot], points: int) -> list[LotEffect]:
    effects = []
    for lot in lots:
        if points <= 0:
            break
        part = min(lot.remaining, points)
        if part:
            effects.append(LotEffect(lot.id, -part))
            points -= part
    return effects


def _positive(points: object, what: str) -> int:
    if type(points) is not int or points < 1:
        raise InvalidInput(f"{what} is one point or more; got {points!r}.",
                           details={"field": "points"})  # fmt: skip
    return points


def award(account: PointsAccount, lot: PointsLot) -> PointsChange:
    """Credit ``lot`` (its id is also its movement's), after expiring what is due at its
    ``earned_at``; a points debt is paid off first, from the new lot."""
    if lot.customer_id != account.customer_id or lot.remaining != lot.points:
        raise InvalidInput("An award is a whole new lot of the account's customer.",
                           details={"lot": lot.id})  # fmt: skip
    if account.lot(lot.id) is not None:
        raise DuplicateEntity("points_lot", lot.id)

    def credit(a: PointsAccount) -> PointsChange:
        settle = min(a.debt, lot.points)
        opened = attrs.evolve(a, lots=(*a.lots, attrs.evolve(lot, remaining=0)))
        return _entry(
            opened, lot.id, MovementKind.EARNED, lot.earned_at,
            [LotEffect(lot.id, lot.points - settle)], debt_change=-settle,
            order_id=lot.order_id, reason=lot.reason or lot.source.value, earned=lot.points,
        )  # fmt: skip

    return expire(account, lot.earned_at).then(credit)


def expire(account: PointsAccount, at: DateTime) -> PointsChange:
    """Expire every lot past its expiry at ``at``: one ``expired`` entry per lot (id
    ``expire:<lot id>``). Idempotent: an expired lot holds nothing, so a second run (or
    the same run replayed) changes nothing."""
    change = PointsChange(account)
    for lot in sorted(account.lots, key=PointsLot.spend_order):
        if lot.remaining and lot.expired_at(at):
            change = change.then(_expiring(lot, at))
    return change


def _expiring(lot: PointsLot, at: DateTime) -> Callable[[PointsAccount], PointsChange]:
    def run(account: PointsAccount) -> PointsChange:
        effects = [LotEffect(lot.id, -lot.remaining)]
        return _entry(account, f"expire:{lot.id}", MovementKind.EXPIRED, at, effects,
                      reason=lot.source.value, expired=lot.remaining)  # fmt: skip

    return run


def spend(
    account: PointsAccount,
    points: int,
    *,
    movement_id: str,
    at: DateTime,
    order_id: OrderId | None = None,
    reason: str | None = None,
) -> PointsChange:
    """Spend ``points`` at ``at`` from the lots that expire first (ties: earned first, then
    by id), after expiring what is due.

    Raises:
        InvalidInput: ``points`` is not a whole number of one or more.
        InsufficientPoints: fewer usable points than that.
    """
    _positive(points, "A spend")

    def take(a: PointsAccount) -> PointsChange:
        usable = a.usable(at)
        if points > usable:
            raise InsufficientPoints(
                f"The customer holds {usable} usable points, not {points}.",
                details={"balance": usable, "asked": points},
            )
        lots = sorted((lot for lot in a.lots if not lot.expired_at(at)), key=PointsLot.spend_order)
        return _entry(a, movement_id, MovementKind.SPENT, at, _take(lots, points),
                      order_id=order_id, reason=reason, spent=points)  # fmt: skip

    return expire(account, at).then(take)


def claw_back(
    account: PointsAccount,
    points: int,
    *,
    movement_id: str,
    at: DateTime,
    order_id: OrderId,
    debt: bool = False,
) -> PointsChange:
    """Take back ``points`` an order earned (a refund): from that order's own lots first,
    then from the soonest-expiring, after expiring what is due.

    When he holds fewer, all he holds is taken and the rest is the change's ``shortfall``
    — unless ``debt`` (the ``points_debt`` policy): then the rest becomes a points debt
    (the balance goes below zero) and the shortfall is 0. The default policy deducts the
    shortfall's cash value from the refund instead (the caller's to do).
    """
    _positive(points, "A claw-back")

    def take(a: PointsAccount) -> PointsChange:
        live = sorted((lot for lot in a.lots if not lot.expired_at(at)), key=PointsLot.spend_order)
        own = [lot for lot in live if lot.source is PointsSource.ORDER and lot.order_id == order_id]
        others = [lot for lot in live if lot not in own]
        effects = _take([*own, *others], points)
        taken = -sum(e.points for e in effects)
        short = points - taken
        owed = short if debt else 0
        if not taken and not owed:
            return PointsChange(a, (), short)
        change = _entry(a, movement_id, MovementKind.CLAWED_BACK, at, effects,
                        debt_change=owed, order_id=order_id, clawed_back=taken + owed)  # fmt: skip
        return attrs.evolve(change, shortfall=short - owed)

    return expire(account, at).then(take)


def return_spent(
    account: PointsAccount,
    points: int,
    *,
    taken_from: Iterable[LotEffect],
    movement_id: str,
    at: DateTime,
    order_id: OrderId | None,
    replacement: Callable[[int], PointsLot],
) -> PointsChange:
    """Give back ``points`` an order spent (cancelled or refunded), or a cancelled reward
    redemption (``order_id`` None): into the lots they were taken from (``taken_from``: the
    spend's effects; those lots must be loaded), the latest-expiring first; the part of a
    lot that has expired by ``at`` goes into a new lot ``replacement(points)`` instead — a
    refund never revives an expired lot, nor costs the customer what he had not yet lost.
    """
    _positive(points, "A return")
    left = points
    effects: list[LotEffect] = []
    by_id = {lot.id: lot for lot in account.lots}
    sources = sorted(
        ((by_id[e.lot_id], -e.points) for e in taken_from if e.points < 0),
        key=lambda pair: pair[0].spend_order(),
        reverse=True,
    )
    for lot, part in sources:
        if left and not lot.expired_at(at):
            give = min(part, left, lot.points - lot.remaining)
            if give:
                effects.append(LotEffect(lot.id, give))
                left -= give
    lots = account.lots
    if left:
        fresh = replacement(left)
        lots = (*lots, attrs.evolve(fresh, remaining=0))
        effects.append(LotEffect(fresh.id, left))
    opened = attrs.evolve(account, lots=lots)
    return _entry(opened, movement_id, MovementKind.RETURNED, at, effects,
                  order_id=order_id, spent=-points)  # fmt: skip


def settle_in_cash(
    account: PointsAccount,
    points: int,
    *,
    movement_id: str,
    at: DateTime,
    order_id: OrderId,
    reason: str,
) -> PointsChange:
    """Pay off ``points`` of his debt with cash kept from a refund (the default debt
    policy): the claw-back took them as a debt, this entry settles it, so his balance is
    back where the lots leave it and the order counts them as clawed back.

    Raises:
        InvalidInput: ``points`` is not one or more, or more than he owes.
    """
    _positive(points, "A cash settlement")
    if points > account.debt:
        raise InvalidInput(f"He owes {account.debt} points, not {points}.",
                           details={"field": "points"})  # fmt: skip
    return _entry(account, movement_id, MovementKind.SETTLED_IN_CASH, at, [],
                  debt_change=-points, order_id=order_id, reason=reason,
                  clawed_back=-points)  # fmt: skip
