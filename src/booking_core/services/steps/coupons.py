"""Coupon steps of an order, inside the caller's unit of work: reserved at checkout, used
on payment, returned on cancellation. Each is a compare-and-set in storage, so a coupon is
reserved, used and returned at most once (I16)."""

from __future__ import annotations

from pendulum import DateTime

from booking_core.errors import NotFound
from booking_core.ids import CustomerId, OrderId
from booking_core.ports.storage import UnitOfWork
from booking_core.promotions import Coupon, CouponId, CouponStatus

__all__ = ["consume_order_coupons", "release_order_coupons", "reserve_coupon"]


def reserve_coupon(
    uow: UnitOfWork,
    *,
    coupon_id: CouponId,
    customer_id: CustomerId,
    order_id: OrderId,
    at: DateTime,
) -> Coupon:
    """Reserve the customer's coupon for ``order_id`` in ``uow`` (a retry for the same order
    returns the coupon as it is).

    Raises:
        NotFound: (``coupon_not_found``) no such coupon, or it is someone else's.
        CouponUnavailable: it is used, expired, or reserved by another order.
        ConcurrentUpdate: it changed while this step ran (another checkout won).
    """
    coupon = uow.coupons.get(coupon_id)
    if coupon.customer_id != customer_id:
        raise NotFound("coupon", coupon_id)
    if coupon.status is CouponStatus.RESERVED and coupon.order_id == order_id:
        return coupon
    reserved = coupon.reserve(order_id, at)
    uow.coupons.replace(coupon, reserved)
    return reserved


def consume_order_coupons(uow: UnitOfWork, order_id: OrderId, at: DateTime) -> list[Coupon]:
    """Mark the coupons reserved by ``order_id`` used (none reserved: nothing happens, so a
    replayed payment changes nothing). Returns the coupons used now.

    Raises:
        ConcurrentUpdate: a coupon changed while this step ran.
    """
    used = []
    for coupon in uow.coupons.for_order(order_id):
        if coupon.status is CouponStatus.RESERVED:
            after = coupon.consume(order_id, at)
            uow.coupons.replace(coupon, after)
            used.append(after)
    return used


def release_order_coupons(uow: UnitOfWork, order_id: OrderId, at: DateTime) -> list[Coupon]:
    """Return the coupons ``order_id`` reserved or used (a coupon past its end comes back
    expired). A second call finds none and returns nothing: each is returned once.

    Raises:
        ConcurrentUpdate: a coupon changed while this step ran.
    """
    returned = []
    for coupon in uow.coupons.for_order(order_id):
        after = coupon.release(order_id, at)
        uow.coupons.replace(coupon, after)
        returned.append(after)
    return returned
