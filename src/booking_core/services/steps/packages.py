"""The package step: using a visit of a bought package (套餐) inside the caller's unit of
work, and giving it back.

What the order flow calls (the lead wires them; nothing calls them from the order services
yet):

=====================================  ============================================================
order flow                             call
=====================================  ============================================================
an order is paid with a package visit  :func:`redeem_visit` (idempotent by order id; raises
                                       ``package_not_redeemable``)
that order is cancelled                :func:`release_visit` (idempotent: a second release
                                       changes nothing)
=====================================  ============================================================

Both take the holder's lock (``LockKey.customer``) before reading the holding and save it
compare-and-set on its version, so of concurrent uses of a last visit exactly one wins and
the others read the used holding and are refused ``none_left``.
"""

from __future__ import annotations

from pendulum import DateTime

from booking_core.catalog import HoldingId, PackageHolding, VisitUse
from booking_core.ids import CustomerId, OrderId, ServiceId
from booking_core.ports.storage import LockKey, UnitOfWork

__all__ = ["redeem_visit", "release_visit"]


def redeem_visit(
    uow: UnitOfWork,
    holding_id: HoldingId,
    *,
    customer_id: CustomerId,
    service_id: ServiceId,
    order_id: OrderId,
    at: DateTime,
) -> VisitUse:
    """Use one visit of ``service_id`` of the holding for ``order_id`` (the order's
    customer is ``customer_id``); the use — the one stored already if ``order_id`` used a
    visit before. Its ``value`` is what the order's commissions are computed on.

    Raises:
        NotFound: (``package_holding_not_found``) no such holding.
        PackageNotRedeemable: ``not_holder``, ``wrong_service``, ``expired``, ``none_left``.
    """
    uow.locks.take(LockKey.customer(customer_id))
    holding = uow.holdings.get(holding_id)
    after, use = holding.redeem(service_id, order_id, at, customer_id=customer_id)
    if after is not holding:
        uow.holdings.save(after)
    return use


def release_visit(uow: UnitOfWork, holding_id: HoldingId, order_id: OrderId) -> PackageHolding:
    """Give back the visit ``order_id`` used of the holding; the holding as stored after
    (unchanged if the order used none of it).

    Raises:
        NotFound: (``package_holding_not_found``) no such holding.
    """
    customer_id = uow.holdings.get(holding_id).customer_id
    uow.locks.take(LockKey.customer(customer_id))
    holding = uow.holdings.get(holding_id)  # read again under the lock
    if holding.use_of(order_id) is None:
        return holding
    return uow.holdings.save(holding.release(order_id))
