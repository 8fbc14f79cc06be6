"""Cancellation under the policy: its quote and its outcome (FEATURES C7, T7)."""

from __future__ import annotations

from pydantic import Field

from booking_core.orders.cancellation import CancellationQuote
from booking_server.schemas.common import MoneyOut, OutModel
from booking_server.schemas.orders import OrderOut

__all__ = [
    "CancellationOut",
    "CancellationQuoteOut",
]


class CancellationQuoteOut(OutModel):
    """What cancelling now keeps and returns, and the rule in words."""

    cause: str = Field(description="customer, no_show, technician, platform or unpaid.")
    notice_minutes: int
    paid: MoneyOut
    fee: MoneyOut
    refund: MoneyOut
    rule: str

    @classmethod
    def from_domain(cls, quote: CancellationQuote) -> CancellationQuoteOut:
        """From the domain quote."""
        return cls(
            cause=quote.cause.value,
            notice_minutes=quote.notice_minutes,
            paid=MoneyOut.from_domain(quote.paid),
            fee=MoneyOut.from_domain(quote.fee),
            refund=MoneyOut.from_domain(quote.refund),
            rule=quote.rule,
        )


class CancellationOut(OutModel):
    """The cancelled order, the quote it was cancelled under and the refunds sent."""

    order: OrderOut
    quote: CancellationQuoteOut
    refund_statuses: list[str]
