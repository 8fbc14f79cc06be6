"""The unit of work: one transaction over every area's repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from booking_core.ports.storage.accounts import AccountStore
from booking_core.ports.storage.audit import AuditStore
from booking_core.ports.storage.calendars import CalendarStore
from booking_core.ports.storage.catalog import CatalogStore
from booking_core.ports.storage.customers import CustomerStore
from booking_core.ports.storage.dispatch import DispatchStore
from booking_core.ports.storage.ledger import LedgerStore
from booking_core.ports.storage.loyalty import LoyaltyStore
from booking_core.ports.storage.messaging import MessagingStore
from booking_core.ports.storage.notifications import NotificationStore
from booking_core.ports.storage.onboarding import OnboardingStore
from booking_core.ports.storage.orders import OrderStore
from booking_core.ports.storage.packages import PackageStore
from booking_core.ports.storage.payments import PaymentStore
from booking_core.ports.storage.payouts import PayoutStore
from booking_core.ports.storage.promotions import PromotionStore
from booking_core.ports.storage.referrals import ReferralStore
from booking_core.ports.storage.rewards import RewardStore
from booking_core.ports.storage.scheduling import SchedulingStore
from booking_core.ports.storage.stores import StoreStore

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]


class UnitOfWork(
    CatalogStore,
    CustomerStore,
    SchedulingStore,
    OrderStore,
    PaymentStore,
    PromotionStore,
    LedgerStore,
    MessagingStore,
    OnboardingStore,
    StoreStore,
    AccountStore,
    AuditStore,
    NotificationStore,
    DispatchStore,
    PayoutStore,
    ReferralStore,
    LoyaltyStore,
    RewardStore,
    CalendarStore,
    PackageStore,
    Protocol,
):
    """One transaction: ``with uow: ...; uow.commit()``. Leaving without commit rolls back.

    It holds every area's repositories (the ``*Store`` protocols it extends); code that
    needs only some areas can ask for just those.
    """

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End it; anything not committed is rolled back."""
        ...

    def commit(self) -> None:
        """Make every change of this unit of work durable, atomically."""
        ...

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per command."""

    def __call__(self) -> UnitOfWork: ...
