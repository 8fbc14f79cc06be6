"""Ledger use cases (FEATURES M2, M3, T9): post an order's money to the journal, and show
balances to the platform.

The order flow posts through the steps of :mod:`booking_core.services.steps.ledger`, inside
the unit of work that applies the movement; :class:`LedgerService` offers the same postings
in a unit of work of their own, for money that moves outside the order flow and for tools.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from booking_core.errors import ConcurrentUpdate
from booking_core.ids import OrderId
from booking_core.ledger import (
    Account,
    OrderParties,
    RateTable,
    SplitRates,
    Transaction,
)
from booking_core.money import Money
from booking_core.orders.actor import Actor
from booking_core.ports.clock import Clock
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.pricing import Quote
from booking_core.services._access import require_permission
from booking_core.services.steps.ledger import (
    post_order_completed,
    post_payment_captured,
    post_refund,
)
from booking_core.staff import Permission

__all__ = ["DEFAULT_RATES", "LedgerService"]

#: The split used when :func:`booking_core.bootstrap.build` gets no ``rates``: 70 % of a
#: line to the technician, the rest to the platform. Configure your own.
DEFAULT_RATES = RateTable(SplitRates(Decimal("0.7")))

_ATTEMPTS = 3


class LedgerService:
    """Posts captures, completions and refunds; shows balances and an order's position."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, rates: RateTable) -> None:
        self._uow = uow
        self._clock = clock
        self._rates = rates

    # -- posting ------------------------------------------------------------------------

    def record_payment_captured(self, order_id: OrderId, amount: Money, *, key: str) -> Transaction:
        """Post a captured payment (Dr payments clearing, Cr customer funds).

        Args:
            order_id: The order paid for.
            amount: What was captured.
            key: The payment's idempotency key; the transaction id is ``pay:<key>``.

        Raises:
            IdempotencyConflict: ``key`` was posted with another amount.
            InvalidLedgerEntry: ``amount`` is not above zero.
        """
        return self._retrying(
            order_id,
            lambda uow: post_payment_captured(uow, order_id, amount, key=key, at=self._clock.now())[
                0
            ],
        )

    def record_refund(self, order_id: OrderId, amount: Money, *, key: str) -> Transaction:
        """Post a refund, reversing every account of the order in proportion (I13).

        Args:
            order_id: The order refunded.
            amount: What went back to the customer.
            key: The refund's idempotency key; the transaction id is ``refund:<key>``.

        Raises:
            RefundExceedsCaptured: more than was captured and not refunded.
            IdempotencyConflict: ``key`` was posted with another amount.
        """
        return self._retrying(
            order_id,
            lambda uow: post_refund(uow, order_id, amount, key=key, at=self._clock.now())[0],
        )

    def record_order_completed(
        self,
        order_id: OrderId,
        parties: OrderParties,
        quote: Quote,
        *,
        technician_level: str | None = None,
    ) -> Transaction:
        """Settle a completed order priced by ``quote``: what the books hold for it (the
        payment less refunds before completion, shared over the lines in proportion to what
        each paid) plus the platform-funded discounts, split by the configured rates.

        Settling is once per order: called again, it returns the settlement recorded.

        Raises:
            InvalidLedgerEntry: nothing was captured for a paid quote, the order was fully
                refunded before completion (``details["reason"] == "fully_refunded"``), or
                the rates give a store share to an order without a store.
        """
        return self._retrying(
            order_id,
            lambda uow: post_order_completed(
                uow,
                order_id,
                parties,
                quote,
                rates=self._rates,
                at=self._clock.now(),
                technician_level=technician_level,
            ),
        )

    def _retrying(
        self, order_id: OrderId, post: Callable[[UnitOfWork], Transaction]
    ) -> Transaction:
        for _ in range(_ATTEMPTS):
            with self._uow() as uow:
                try:
                    entry = post(uow)
                except ConcurrentUpdate:
                    continue  # another entry of the order landed first: rebuild from it
                uow.commit()
                return entry
        raise ConcurrentUpdate(
            f"The books of order {order_id} kept changing; try again.",
            details={"order_id": order_id},
        )

    # -- reading (platform) -------------------------------------------------------------

    def balances(
        self, actor: Actor, currency: str | None = None
    ) -> dict[tuple[Account, str], Money]:
        """Every non-zero balance, debit positive (the values of a currency sum to zero).

        Raises:
            PermissionDenied: the actor is not platform staff with the books permission.
        """
        require_permission(actor, Permission.BOOKS, "sees the books")
        with self._uow() as uow:
            return uow.ledger.balances(currency)

    def order_position(self, actor: Actor, order_id: OrderId) -> list[Transaction]:
        """The order's journal entries in recording order (its position is their sum).

        Raises:
            PermissionDenied: the actor is not platform staff with the books permission.
        """
        require_permission(actor, Permission.BOOKS, "sees the books")
        with self._uow() as uow:
            return uow.ledger.for_order(order_id)
