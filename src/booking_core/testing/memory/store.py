"""The in-memory store and its unit of work: a snapshot of every table, swapped in on commit."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

from booking_core.ports.jobs import JobRepository
from booking_core.ports.storage import (
    AccountRepository,
    AgendaRepository,
    AnnouncementRepository,
    ApplicationRepository,
    AuditLog,
    BookingRepository,
    BusyBlockRepository,
    CalendarFeedRepository,
    CampaignRepository,
    CategoryRepository,
    CommissionRepository,
    ComplaintRepository,
    CouponRepository,
    CouponTemplateRepository,
    CustomerRepository,
    DispatchMetricsRepository,
    FeedSecretRepository,
    HoldingRepository,
    IdempotencyKeyRepository,
    LedgerRepository,
    Locks,
    MoneyMovementRepository,
    NotificationRepository,
    OrderRepository,
    OutboxRepository,
    PackageRepository,
    PaymentRepository,
    PointsRepository,
    PositionRepository,
    ReferralRepository,
    RefundRepository,
    ReviewRepository,
    RewardRepository,
    ScheduleRepository,
    ServiceRepository,
    StatementCheckRepository,
    StoreRepository,
    TechnicianRepository,
    TierRepository,
    WebhookInbox,
    WithdrawalRepository,
)
from booking_core.testing.memory.accounts import InMemoryAccounts
from booking_core.testing.memory.audit import InMemoryAuditLog
from booking_core.testing.memory.calendars import (
    InMemoryBusyBlocks,
    InMemoryCalendarFeeds,
    InMemoryFeedSecrets,
)
from booking_core.testing.memory.catalog import (
    InMemoryCategories,
    InMemoryServices,
    InMemoryTechnicians,
)
from booking_core.testing.memory.customers import InMemoryCustomers
from booking_core.testing.memory.dispatch import InMemoryDispatchMetrics
from booking_core.testing.memory.ledger import InMemoryJournal
from booking_core.testing.memory.loyalty import InMemoryPoints, InMemoryTiers
from booking_core.testing.memory.messaging import InMemoryJobs, InMemoryOutbox
from booking_core.testing.memory.notifications import InMemoryNotifications
from booking_core.testing.memory.onboarding import InMemoryApplications
from booking_core.testing.memory.orders import (
    InMemoryComplaints,
    InMemoryIdempotencyKeys,
    InMemoryOrders,
    InMemoryPositions,
    InMemoryReviews,
)
from booking_core.testing.memory.packages import InMemoryHoldings, InMemoryPackages
from booking_core.testing.memory.payments import (
    InMemoryMovements,
    InMemoryPayments,
    InMemoryRefunds,
    InMemoryStatementChecks,
    InMemoryWebhookInbox,
)
from booking_core.testing.memory.payouts import InMemoryWithdrawals
from booking_core.testing.memory.promotions import (
    InMemoryCampaigns,
    InMemoryCoupons,
    InMemoryCouponTemplates,
)
from booking_core.testing.memory.referrals import InMemoryCommissions, InMemoryReferrals
from booking_core.testing.memory.rewards import InMemoryRewards
from booking_core.testing.memory.scheduling import (
    InMemoryAgendas,
    InMemoryBookings,
    InMemoryLocks,
    InMemorySchedules,
)
from booking_core.testing.memory.stores import InMemoryAnnouncements, InMemoryStores
from booking_core.testing.memory.table import Tables

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]

_TABLES = (
    "categories",
    "services",
    "technicians",
    "bookings",
    "orders",
    "reviews",
    "outbox",
    "schedules",
    "payments",
    "refunds",
    "movements",
    "webhooks",
    "statement_checks",
    "complaints",
    "positions",
    "jobs",
    "counters",
    "coupon_templates",
    "coupons",
    "campaigns",
    "ledger",
    "idempotency_keys",
    "agenda_versions",
    "applications",
    "customers",
    "stores",
    "announcements",
    "audit_entries",
    "accounts",
    "login_sessions",
    "one_time_codes",
    "notifications",
    "notification_deliveries",
    "notification_preferences",
    "subscription_grants",
    "dispatch_metrics",
    "withdrawals",
    "referral_codes",
    "referral_bindings",
    "distributors",
    "commissions",
    "points_accounts",
    "points_lots",
    "points_movements",
    "points_check_ins",
    "tier_statuses",
    "tier_changes",
    "reward_gifts",
    "reward_exchanges",
    "reward_redemptions",
    "busy_blocks",
    "calendar_feeds",
    "feed_secrets",
    "packages",
    "package_holdings",
)


class InMemoryStore:
    """The data, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: Tables = {name: {} for name in _TABLES}

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new unit of work over this store (use as the services' factory)."""
        return InMemoryUnitOfWork(self)


class InMemoryUnitOfWork:
    """A unit of work over an :class:`InMemoryStore`.

    It holds the store's lock from ``__enter__`` to ``__exit__``: units of work run one at
    a time, so every lock (:attr:`locks`, :meth:`~InMemoryOrders.lock`) is held already.
    The repositories are typed as the ports, so a test may swap one for a double
    (``booking_core.testing.faults``).
    """

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.tables: Tables = {}
        self.categories: CategoryRepository = InMemoryCategories(self, "categories", "category")
        self.services: ServiceRepository = InMemoryServices(self, "services", "service")
        self.technicians: TechnicianRepository = InMemoryTechnicians(
            self, "technicians", "technician"
        )
        self.bookings: BookingRepository = InMemoryBookings(self, "bookings", "booking")
        self.schedules: ScheduleRepository = InMemorySchedules(self, "schedules", "schedule")
        self.agendas: AgendaRepository = InMemoryAgendas(
            self, self.technicians, self.services, self.schedules, self.bookings
        )
        self.locks: Locks = InMemoryLocks(self)
        self.customers: CustomerRepository = InMemoryCustomers(self, "customers", "customer")
        self.orders: OrderRepository = InMemoryOrders(self, "orders", "order")
        self.idempotency_keys: IdempotencyKeyRepository = InMemoryIdempotencyKeys(
            self, "idempotency_keys", "idempotency_key"
        )
        self.reviews: ReviewRepository = InMemoryReviews(self, "reviews", "review")
        self.positions: PositionRepository = InMemoryPositions(self, "positions", "position")
        self.complaints: ComplaintRepository = InMemoryComplaints(self, "complaints", "complaint")
        self.payments: PaymentRepository = InMemoryPayments(self, "payments", "payment")
        self.refunds: RefundRepository = InMemoryRefunds(self, "refunds", "refund")
        self.movements: MoneyMovementRepository = InMemoryMovements(
            self, "movements", "money_movement"
        )
        self.webhooks: WebhookInbox = InMemoryWebhookInbox(self, "webhooks", "webhook")
        self.statements: StatementCheckRepository = InMemoryStatementChecks(
            self, "statement_checks", "statement_check"
        )
        self.coupon_templates: CouponTemplateRepository = InMemoryCouponTemplates(
            self, "coupon_templates", "coupon_template"
        )
        self.coupons: CouponRepository = InMemoryCoupons(self, "coupons", "coupon")
        self.campaigns: CampaignRepository = InMemoryCampaigns(self, "campaigns", "campaign")
        self.ledger: LedgerRepository = InMemoryJournal(self, "ledger", "transaction")
        self.outbox: OutboxRepository = InMemoryOutbox(self, "outbox", "outbox_message")
        self.jobs: JobRepository = InMemoryJobs(self, "jobs", "job")
        self.applications: ApplicationRepository = InMemoryApplications(
            self, "applications", "application"
        )
        self.stores: StoreRepository = InMemoryStores(self, "stores", "store")
        self.announcements: AnnouncementRepository = InMemoryAnnouncements(
            self, "announcements", "announcement"
        )
        self.audit: AuditLog = InMemoryAuditLog(self, "audit_entries", "audit_entry")
        self.accounts: AccountRepository = InMemoryAccounts(self, "accounts", "account")
        self.notifications: NotificationRepository = InMemoryNotifications(
            self, "notifications", "notification"
        )
        self.dispatch_metrics: DispatchMetricsRepository = InMemoryDispatchMetrics(
            self, "dispatch_metrics", "dispatch_metrics"
        )
        self.referrals: ReferralRepository = InMemoryReferrals(
            self, "referral_codes", "referral_code"
        )
        self.commissions: CommissionRepository = InMemoryCommissions(
            self, "commissions", "commission"
        )
        self.withdrawals: WithdrawalRepository = InMemoryWithdrawals(
            self, "withdrawals", "withdrawal"
        )
        self.points: PointsRepository = InMemoryPoints(self, "points_movements", "points_movement")
        self.tiers: TierRepository = InMemoryTiers(self, "tier_statuses", "tier_status")
        self.rewards: RewardRepository = InMemoryRewards(self, "reward_gifts", "gift")
        self.busy_blocks: BusyBlockRepository = InMemoryBusyBlocks(
            self, "busy_blocks", "busy_block"
        )
        self.calendar_feeds: CalendarFeedRepository = InMemoryCalendarFeeds(
            self, "calendar_feeds", "calendar_feed"
        )
        self.feed_secrets: FeedSecretRepository = InMemoryFeedSecrets(
            self, "feed_secrets", "feed_secret"
        )
        self.packages: PackageRepository = InMemoryPackages(self, "packages", "package")
        self.holdings: HoldingRepository = InMemoryHoldings(
            self, "package_holdings", "package_holding"
        )

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.tables = {}
        self._store.lock.release()

    def _snapshot(self) -> None:
        self.tables = {name: dict(rows) for name, rows in self._store.tables.items()}

    def commit(self) -> None:
        """Swap the snapshot in as the store's data."""
        self._store.tables = self.tables
        self._snapshot()

    def rollback(self) -> None:
        """Drop every change since the last commit."""
        self._snapshot()
