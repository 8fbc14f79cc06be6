"""A coupon held by one customer, and its small lifecycle.

::

    available ──reserve──▶ reserved ──consume──▶ used
        ▲                     │                   │
        └──────release────────┴───────release─────┘   (→ expired instead, once past its end)
    available ──expire (past its end)──▶ expired

Every step is a pure method returning a new value, so a repository can apply it under a
row lock (or a compare-and-set on ``status``) and prove the coupon limits under concurrency.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.errors import CouponUnavailable
from booking_core.ids import CustomerId, OrderId
from booking_core.promotions.terms import CouponTerms

__all__ = ["Coupon", "CouponId", "CouponStatus", "CouponTemplateId", "IssueChannel"]

CouponId = NewType("CouponId", str)
CouponTemplateId = NewType("CouponTemplateId", str)


class CouponStatus(StrEnum):
    """The states of a coupon instance (stored as these strings)."""

    AVAILABLE = "available"
    RESERVED = "reserved"
    USED = "used"
    EXPIRED = "expired"


class IssueChannel(StrEnum):
    """How a coupon reached its holder."""

    CLAIM = "claim"
    """The customer claimed it (领券)."""
    ADMIN = "admin"
    """An admin issued it to the customer (定向发放)."""
    REGISTRATION = "registration"
    """Issued automatically when the customer registered (注册礼)."""
    POINTS = "points"
    """The customer bought it with points (积分兑换; a ``CouponExchange`` names its price)."""


@attrs.frozen
class Coupon:
    """One coupon in one customer's wallet.

    Attributes:
        id: The coupon's id.
        template_id: The template it was issued from.
        customer_id: Its holder; nobody else can use it.
        terms: The template's terms as they were at issue.
        valid_from: First instant it can be used (inclusive).
        valid_until: Last instant it can be used (inclusive).
        issued_at: When it was issued.
        channel: How it was issued.
        status: Where it is in its lifecycle.
        order_id: The order holding it while reserved or used.
        changed_at: When its status last changed.
    """

    id: CouponId
    template_id: CouponTemplateId
    customer_id: CustomerId
    terms: CouponTerms
    valid_from: DateTime
    valid_until: DateTime
    issued_at: DateTime
    channel: IssueChannel = IssueChannel.CLAIM
    status: CouponStatus = CouponStatus.AVAILABLE
    order_id: OrderId | None = None
    changed_at: DateTime | None = None

    def is_within_validity(self, at: DateTime) -> bool:
        """Whether ``at`` lies in the inclusive validity window."""
        return self.valid_from <= at <= self.valid_until

    def is_usable_by(self, order_id: OrderId | None, at: DateTime) -> bool:
        """Whether the coupon can price an order at ``at``.

        Usable means available and within validity, or already held (reserved or used) by
        ``order_id`` itself, so that re-pricing an order, e.g. when it is modified, keeps
        its coupon whatever the date.
        """
        if self.status in (CouponStatus.RESERVED, CouponStatus.USED):
            return order_id is not None and self.order_id == order_id
        return self.status is CouponStatus.AVAILABLE and self.is_within_validity(at)

    def reserve(self, order_id: OrderId, at: DateTime) -> Coupon:
        """Hold the coupon for ``order_id`` at checkout.

        Raises:
            CouponUnavailable: unless the coupon is available and within validity at ``at``.
        """
        if self.status is not CouponStatus.AVAILABLE:
            raise self._refused("reserve", f"it is {self.status.value}")
        if not self.is_within_validity(at):
            raise self._refused("reserve", f"it is valid only {self._window()}")
        return attrs.evolve(self, status=CouponStatus.RESERVED, order_id=order_id, changed_at=at)

    def consume(self, order_id: OrderId, at: DateTime) -> Coupon:
        """Mark the coupon used when ``order_id`` is paid.

        A coupon reserved in time is consumed even if payment lands after its end.

        Raises:
            CouponUnavailable: unless the coupon is reserved by ``order_id``.
        """
        self._held_by(order_id, "consume", CouponStatus.RESERVED)
        return attrs.evolve(self, status=CouponStatus.USED, changed_at=at)

    def release(self, order_id: OrderId, at: DateTime) -> Coupon:
        """Give the coupon back when ``order_id`` is cancelled (reserved or used by it).

        A coupon returned after its end becomes expired, not available again.

        Raises:
            CouponUnavailable: unless the coupon is reserved or used by ``order_id`` (so a
                second release of the same coupon is refused: it is returned once).
        """
        self._held_by(order_id, "release", CouponStatus.RESERVED, CouponStatus.USED)
        status = CouponStatus.EXPIRED if at > self.valid_until else CouponStatus.AVAILABLE
        return attrs.evolve(self, status=status, order_id=None, changed_at=at)

    def expire(self, at: DateTime) -> Coupon:
        """Mark an available coupon expired once ``at`` is past its end.

        Raises:
            CouponUnavailable: if the coupon is not available or not yet past its end.
        """
        if self.status is not CouponStatus.AVAILABLE:
            raise self._refused("expire", f"it is {self.status.value}")
        if at <= self.valid_until:
            raise self._refused("expire", f"it is valid until {self.valid_until}")
        return attrs.evolve(self, status=CouponStatus.EXPIRED, changed_at=at)

    def _held_by(self, order_id: OrderId, action: str, *states: CouponStatus) -> None:
        if self.status not in states or self.order_id != order_id:
            held = f" by order {self.order_id}" if self.order_id else ""
            raise self._refused(action, f"it is {self.status.value}{held}, not by {order_id}")

    def _window(self) -> str:
        return f"from {self.valid_from} to {self.valid_until}"

    def _refused(self, action: str, why: str) -> CouponUnavailable:
        return CouponUnavailable(
            f"Cannot {action} coupon {self.id}: {why}.",
            details={
                "coupon_id": self.id,
                "action": action,
                "status": self.status.value,
                "order_id": self.order_id,
            },
        )
