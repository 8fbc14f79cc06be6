"""Reconciliation with a provider's statement (对账): the provider's list of the money it
moved on a day (WeChat Pay's trade bill, Alipay's bill, Stripe's balance transactions),
matched against the captures and refunds we applied.

Every difference is reported, none is fixed here: money the provider moved that we never
applied (``missing_ours``), money we applied that the provider's statement lacks
(``missing_theirs``), and one key with two amounts (``amount_mismatch``). Finance reads
them (:class:`StatementCheck`) and decides.

The day is the provider's (its statement's zone). A capture we applied close to the end of
the day may be on the provider's statement of the next day: ours are taken from
``[start - tolerance, end - tolerance)``, so such a one is checked once, on the next day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

import attrs
from pendulum import Date, DateTime

from booking_core.ids import OrderId
from booking_core.money import Money
from booking_core.orders.payments import MoneyMovement, MovementKind

__all__ = [
    "Applied",
    "Difference",
    "DifferenceKind",
    "EntryKind",
    "StatementCheck",
    "StatementEntry",
    "compare_statement",
]


class EntryKind(StrEnum):
    """What a statement line moved."""

    PAYMENT = "payment"  # money taken from the customer
    REFUND = "refund"  # money given back


@attrs.frozen
class StatementEntry:
    """One line of a provider's statement, in our terms.

    Attributes:
        kind: A payment or a refund.
        key: Our idempotency key of it (the adapter maps the provider's own number back).
        amount: What the provider moved.
        at: When the provider moved it.
        reference: The provider's own number (a transaction id), for people.
    """

    kind: EntryKind
    key: str
    amount: Money
    at: DateTime
    reference: str | None = None


class DifferenceKind(StrEnum):
    """How our records and the provider's statement disagree."""

    MISSING_OURS = "missing_ours"  # the provider moved money we never applied
    MISSING_THEIRS = "missing_theirs"  # we applied money the statement does not list
    AMOUNT_MISMATCH = "amount_mismatch"  # both have the key, with other amounts


@attrs.frozen
class Difference:
    """One disagreement, with both sides as far as they exist.

    Attributes:
        kind: Missing on our side, missing on theirs, or another amount.
        entry: Payment or refund.
        key: Our idempotency key.
        ours: What we applied (None: nothing).
        theirs: What the provider lists (None: nothing).
        order_id: The order, where our records name one.
        reference: The provider's own number, where its statement gives one.
    """

    kind: DifferenceKind
    entry: EntryKind
    key: str
    ours: Money | None
    theirs: Money | None
    order_id: OrderId | None = None
    reference: str | None = None


@attrs.frozen
class Applied:
    """A capture or refund we applied (a money movement), in the statement's terms."""

    kind: EntryKind
    key: str
    amount: Money
    order_id: OrderId
    at: DateTime

    @classmethod
    def of(cls, movement: MoneyMovement) -> Applied:
        """The capture or refund ``movement`` applied."""
        kind = EntryKind.PAYMENT if movement.kind is MovementKind.CAPTURED else EntryKind.REFUND
        return cls(kind, movement.subject, movement.amount, movement.order_id, movement.at)


@attrs.frozen
class StatementCheck:
    """The outcome of matching one provider's statement of one day.

    Attributes:
        provider: The provider's name.
        day: The statement's day, in the provider's zone.
        checked_at: When it was matched (a later check of the same day replaces it).
        entries: How many lines the statement had.
        differences: Every disagreement, by key.
    """

    provider: str
    day: Date
    checked_at: DateTime
    entries: int
    differences: tuple[Difference, ...] = ()

    @property
    def balanced(self) -> bool:
        """Nothing to look into."""
        return not self.differences


def compare_statement(
    theirs: Iterable[StatementEntry],
    ours: Sequence[Applied],
    *,
    in_window: Iterable[str],
) -> tuple[Difference, ...]:
    """Match the statement against what we applied.

    ``ours`` holds every capture and refund of ours that the statement's keys name, and
    those we applied in the day's window; ``in_window`` is the keys of the latter, which
    the statement should list. Differences come sorted by key.
    """
    by_key = {a.key: a for a in ours}
    listed: dict[str, StatementEntry] = {}
    found: list[Difference] = []
    for entry in theirs:
        known = listed.setdefault(entry.key, entry)
        if known is not entry:  # one key twice on the statement: counted together
            listed[entry.key] = attrs.evolve(known, amount=known.amount + entry.amount)
    for key, entry in listed.items():
        applied = by_key.get(key)
        if applied is None:
            found.append(Difference(DifferenceKind.MISSING_OURS, entry.kind, key, None,
                                    entry.amount, reference=entry.reference))  # fmt: skip
        elif applied.amount != entry.amount:
            found.append(Difference(DifferenceKind.AMOUNT_MISMATCH, entry.kind, key,
                                    applied.amount, entry.amount, applied.order_id,
                                    entry.reference))  # fmt: skip
    for key in set(in_window) - listed.keys():
        applied = by_key[key]
        found.append(Difference(DifferenceKind.MISSING_THEIRS, applied.kind, key,
                                applied.amount, None, applied.order_id))  # fmt: skip
    return tuple(sorted(found, key=lambda d: (d.key, d.kind)))
