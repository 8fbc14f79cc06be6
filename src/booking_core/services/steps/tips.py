"""Tips (打赏) inside the payment flow: who may tip when, and what a captured tip does.

:class:`~booking_core.services.payments.PaymentService` charges a tip like any payment —
an attempt stored as ``unknown`` with its reconciliation job before the gateway is called,
the same webhook and reconciliation paths, one effect per key (I15) — and calls this step
in its units of work: :meth:`Tips.check` before storing the attempt, :meth:`Tips.captured`
when the capture is applied for the first time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from pendulum import DateTime

from booking_core.errors import TipNotAllowed
from booking_core.money import Money
from booking_core.orders import Order, OrderState
from booking_core.orders.events import TipReceived
from booking_core.orders.payments import PaymentAttempt, PaymentPurpose
from booking_core.payouts import TipPolicy, tip_received
from booking_core.ports.storage import UnitOfWork

__all__ = ["TIPPABLE_STATES", "Tips"]

#: Where an order takes tips: once its service started, until it is cancelled or refunded.
TIPPABLE_STATES: Final = frozenset({OrderState.IN_SERVICE, OrderState.COMPLETED})

_CLOSED: Final = frozenset(
    {
        OrderState.CANCELLED,
        OrderState.REFUNDING,
        OrderState.PARTIALLY_REFUNDED,
        OrderState.REFUNDED,
    }
)


class Tips:
    """The tipping rules and a captured tip's books.

    Args:
        policy: How much one tip may be.
    """

    def __init__(self, policy: TipPolicy) -> None:
        self.policy = policy

    def check(
        self, order: Order, amount: Money, attempts: Sequence[PaymentAttempt], number: int
    ) -> None:
        """Refuse the ``number``-th tip of ``amount`` on ``order`` unless the rules allow it
        (``attempts``: the order's payment attempts so far).

        Raises:
            TipNotAllowed: see :class:`~booking_core.errors.TipNotAllowed` for the reasons.
        """
        if order.state in _CLOSED:
            raise _refused(f"Order {order.id} is {order.state.replace('_', ' ')}.", "order_closed")
        if order.state not in TIPPABLE_STATES:
            raise _refused(
                f"Order {order.id} is {order.state.replace('_', ' ')}; tips are taken once the "
                "service has started.",
                "not_started",
            )
        if order.technician_id is None:
            raise _refused(f"Order {order.id} has no technician to tip.", "no_technician")
        if amount.currency != order.price.currency:
            raise _refused(
                f"Order {order.id} is paid in {order.price.currency}; got {amount}.", "currency"
            )
        self.policy.check(amount)
        tips = [a for a in attempts if a.purpose is PaymentPurpose.TIP]
        if any(a.is_open for a in tips):
            raise _refused(
                f"A tip of order {order.id} is still on its way; wait for it.", "tip_in_progress"
            )
        if not 1 <= number <= len(tips) + 1:
            raise _refused(
                f"Order {order.id} has {len(tips)} tips; the next one is number {len(tips) + 1}.",
                "number_skipped",
            )

    @staticmethod
    def captured(uow: UnitOfWork, order: Order, attempt: PaymentAttempt, at: DateTime) -> None:
        """A tip was captured (applied for the first time): all of it to the order's
        technician's payable (``tip:<key>``), and ``TipReceived`` raised. The order's price,
        what was paid for it and its refunds are untouched."""
        technician_id = order.technician_id
        if technician_id is None:  # checked when it was asked for; a technician stays
            raise _refused(f"Order {order.id} has no technician to tip.", "no_technician")
        uow.ledger.record(
            tip_received(
                payment_key=attempt.key, technician_id=technician_id, amount=attempt.amount, at=at
            )
        )
        order.raise_event(
            TipReceived(
                occurred_at=at,
                order_id=order.id,
                technician_id=technician_id,
                payment_key=attempt.key,
                amount=attempt.amount,
            )
        )


def _refused(message: str, reason: str) -> TipNotAllowed:
    return TipNotAllowed(message, details={"reason": reason})
