"""A points movement: one line of the points journal, with what it did to each lot."""

from __future__ import annotations

from enum import StrEnum

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, OrderId
from booking_core.timerange import ensure_aware

__all__ = ["LotEffect", "MovementKind", "PointsMovement"]


class MovementKind(StrEnum):
    """What a movement did (its sign: + for ``earned``, ``returned`` and
    ``settled_in_cash``, − for the rest)."""

    EARNED = "earned"  # an award: a new lot (or, with a debt, partly paying it off)
    SPENT = "spent"  # taken from lots, soonest-expiring first
    RETURNED = "returned"  # spent points given back (an order cancelled or refunded)
    EXPIRED = "expired"  # a lot's remaining points past its expiry
    CLAWED_BACK = "clawed_back"  # an order's earned points taken back on a refund
    #: Clawed-back points he no longer held, paid for by cash kept from the refund (the
    #: default debt policy): it pays off the debt the claw-back left, never a lot.
    SETTLED_IN_CASH = "settled_in_cash"


_POSITIVE = frozenset({MovementKind.EARNED, MovementKind.RETURNED, MovementKind.SETTLED_IN_CASH})


@attrs.frozen
class LotEffect:
    """What one movement did to one lot: ``points`` added (negative: taken)."""

    lot_id: str
    points: int


def _effects(value: object) -> tuple[LotEffect, ...]:
    return tuple(value)  # type: ignore[arg-type]


@attrs.frozen
class PointsMovement:
    """One entry of a customer's points journal (his statement is the list of these).

    The journal balances in points: ``points`` is the sum of the lot effects minus the debt
    change, and ``balance_after`` is the previous entry's plus ``points``.

    Attributes:
        id: Deterministic and unique (``earn:ord_1``, ``check_in:cus_1:2026-03-02``,
            ``expire:<lot>``): applying a movement twice is a no-op.
        customer_id: Whose points.
        sequence: Its number in his journal (1, 2, …; the statement's order).
        kind: See :class:`MovementKind`.
        points: The signed change of his balance.
        balance_after: His balance after it (below zero only under a points debt).
        at: When it happened.
        effects: What it did to each lot.
        debt_change: How much his points debt grew (negative: paid off).
        order_id: The order it concerns, if any.
        reason: Why (an adjustment's reason, the source of an award).
    """

    id: str
    customer_id: CustomerId
    sequence: int
    kind: MovementKind
    points: int
    balance_after: int
    at: DateTime
    effects: tuple[LotEffect, ...] = attrs.field(default=(), converter=_effects)
    debt_change: int = 0
    order_id: OrderId | None = None
    reason: str | None = None

    def __attrs_post_init__(self) -> None:
        ensure_aware(self.at, "at")
        if sum(e.points for e in self.effects) - self.debt_change != self.points:
            raise InvalidInput(
                "A points movement's lot effects and debt change must add up to its points.",
                details={"movement": self.id},
            )
        if self.points == 0 or (self.points > 0) != (self.kind in _POSITIVE):
            raise InvalidInput(
                f"A {self.kind.value} movement moves points the other way or none: {self.points}.",
                details={"movement": self.id},
            )
