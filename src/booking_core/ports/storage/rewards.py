"""Rewards' storage: the gift catalog with its stock, coupon exchanges and redemptions."""

from __future__ import annotations

from typing import Protocol

from pendulum import DateTime

from booking_core.ids import CustomerId
from booking_core.loyalty import (
    CouponExchange,
    CouponExchangeId,
    Gift,
    GiftId,
    Redemption,
    RedemptionId,
    RedemptionStatus,
)

__all__ = ["RewardRepository", "RewardStore"]


class RewardRepository(Protocol):
    """Gifts, coupon exchanges and redemptions.

    Guarantees (proved on every adapter under concurrency): :meth:`take_stock` never takes a
    gift's stock below zero — of concurrent redemptions of the last unit exactly one wins —
    and a customer's redemption key is stored once.
    """

    def add_gift(self, gift: Gift) -> Gift:
        """Store a new gift; it at version 1. Raises DuplicateEntity (``gift_exists``)."""
        ...

    def gift(self, gift_id: GiftId) -> Gift:
        """The gift. Raises NotFound (``gift_not_found``)."""
        ...

    def save_gift(self, gift: Gift) -> Gift:
        """Compare-and-set on ``version`` (stock too: staff restocking); it at the next
        version. Raises NotFound, ConcurrentUpdate (a redemption took stock meanwhile)."""
        ...

    def gifts(
        self, *, active_only: bool = True, after: GiftId | None = None, limit: int = 50
    ) -> list[Gift]:
        """Gifts by id (only the active ones with ``active_only``), after ``after``, at most
        ``limit``."""
        ...

    def take_stock(self, gift_id: GiftId) -> bool:
        """Take one unit of an active gift, atomically (``UPDATE … SET stock = stock - 1
        WHERE stock >= 1``; an unlimited stock stays unlimited): False when none is left
        or it is inactive — also when a concurrent redemption took the last one."""
        ...

    def restore_stock(self, gift_id: GiftId) -> None:
        """Put one unit back (a cancelled redemption; unlimited stays unlimited)."""
        ...

    def add_exchange(self, exchange: CouponExchange) -> CouponExchange:
        """Store a new exchange; it at version 1. Raises DuplicateEntity
        (``coupon_exchange_exists``)."""
        ...

    def exchange(self, exchange_id: CouponExchangeId) -> CouponExchange:
        """The exchange. Raises NotFound (``coupon_exchange_not_found``)."""
        ...

    def save_exchange(self, exchange: CouponExchange) -> CouponExchange:
        """Compare-and-set on ``version``; it at the next version."""
        ...

    def exchanges(
        self, *, active_only: bool = True, after: CouponExchangeId | None = None, limit: int = 50
    ) -> list[CouponExchange]:
        """Exchanges by id, as :meth:`gifts`."""
        ...

    def add_redemption(self, redemption: Redemption) -> Redemption:
        """Store a new redemption; it at version 1. Raises DuplicateEntity
        (``redemption_exists``): its id, or its customer's key, is taken."""
        ...

    def redemption(self, redemption_id: RedemptionId) -> Redemption:
        """The redemption. Raises NotFound (``redemption_not_found``)."""
        ...

    def find_redemption(self, customer_id: CustomerId, key: str) -> Redemption | None:
        """His redemption made under ``key`` (None: none)."""
        ...

    def save_redemption(self, redemption: Redemption) -> Redemption:
        """Compare-and-set on ``version``; it at the next version. Raises NotFound,
        ConcurrentUpdate."""
        ...

    def redemptions(
        self,
        *,
        customer_id: CustomerId | None = None,
        status: RedemptionStatus | None = None,
        after: RedemptionId | None = None,
        limit: int = 50,
    ) -> list[Redemption]:
        """Redemptions by id (his only, of ``status`` only), after ``after``, at most
        ``limit``."""
        ...

    def held(self, customer_id: CustomerId, gift_id: GiftId) -> int:
        """How many redemptions of the gift he has that are not cancelled."""
        ...

    def tiers_held(self, customer_id: CustomerId, at: DateTime) -> list[Redemption]:
        """His tier purchases still holding at ``at`` (``until > at``), by id."""
        ...


class RewardStore(Protocol):
    """The rewards part of a unit of work."""

    @property
    def rewards(self) -> RewardRepository: ...
