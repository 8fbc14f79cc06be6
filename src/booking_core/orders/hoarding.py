"""Anti-hoarding: a customer may hold only so many open orders with nothing paid.

Without a limit one customer could place orders over a technician's whole booking window
and pay for none (pay-on-arrival orders need nothing up front, and an unpaid order holds its
slot until it expires). The limits are :class:`~booking_core.orders.policy.OrderPolicy`
fields; orders with money captured do not count, so paying lifts the limit.
"""

from __future__ import annotations

import attrs

from booking_core.errors import TooManyUnpaidOrders
from booking_core.orders.policy import OrderPolicy

__all__ = ["UnpaidCount", "check_unpaid_limits"]


@attrs.frozen
class UnpaidCount:
    """A customer's open orders with nothing captured yet.

    Attributes:
        total: All of them.
        with_technician: Those with the technician of the order being placed.
    """

    total: int
    with_technician: int


def check_unpaid_limits(policy: OrderPolicy, count: UnpaidCount) -> None:
    """Refuse one more unpaid order if the customer holds a limit's worth already.

    Raises:
        TooManyUnpaidOrders: naming the limit reached (``details["limit"]``), its value
            (``details["max"]``) and the count (``details["open_unpaid"]``); the
            per-technician limit is named first when both are reached.
    """
    checks = (
        (
            "max_unpaid_orders_per_customer_technician",
            policy.max_unpaid_orders_per_customer_technician,
            count.with_technician,
            "with this technician",
        ),
        ("max_unpaid_orders_per_customer", policy.max_unpaid_orders_per_customer, count.total, ""),
    )
    for name, limit, counted, scope in checks:
        if limit is not None and counted >= limit:
            where = f" {scope}" if scope else ""
            raise TooManyUnpaidOrders(
                f"You already have {counted} open orders{where} with nothing paid yet (the "
                f"limit is {limit}). Pay for one of them or cancel one, then book again.",
                details={"limit": name, "max": limit, "open_unpaid": counted},
            )
