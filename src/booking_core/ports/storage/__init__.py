"""The storage port: a unit of work holding one repository per aggregate, split by area.

One module per area, each with its repositories and a ``*Store`` protocol grouping them
(what a unit of work offers of that area), so a service or an adapter can depend on just
the areas it uses:

========================  ==================================================================
module                    holds
========================  ==================================================================
``catalog``               categories, services, technicians — :class:`CatalogStore`
``customers``             customers and their standing at checkout — :class:`CustomerStore`
``scheduling``            bookings, schedules, agendas, locks — :class:`SchedulingStore`
``orders``                orders, idempotency keys, reviews, positions, complaints —
                          :class:`OrderStore`
``payments``              payment attempts, refunds, money movements, the webhook inbox,
                          statement checks — :class:`PaymentStore`
``promotions``            coupon templates, coupons, campaigns — :class:`PromotionStore`
``ledger``                the journal — :class:`LedgerStore`
``onboarding``            technicians' applications — :class:`OnboardingStore`
``stores``                stores and their announcements — :class:`StoreStore`
``audit``                 the audit log of platform actions — :class:`AuditStore`
``messaging``             the outbox and the jobs — :class:`MessagingStore`
``accounts``              accounts, login sessions, one-time codes — :class:`AccountStore`
``notifications``         the inbox, deliveries, preferences, grants —
                          :class:`NotificationStore`
``dispatch``              dispatch counts per technician — :class:`DispatchStore`
``referrals``             invite codes, the referral graph, distributors, commissions —
                          :class:`ReferralStore`
``payouts``               withdrawals of technicians and stores — :class:`PayoutStore`
``loyalty``               points accounts, lots, journal, check-ins, tiers —
                          :class:`LoyaltyStore`
``rewards``               the gift catalog and its stock, coupon exchanges, redemptions —
                          :class:`RewardStore`
``calendars``             technicians' busy blocks and calendar feeds — :class:`CalendarStore`
``packages``              packages (套餐) and the packages customers bought —
                          :class:`PackageStore`
``unit_of_work``          :class:`UnitOfWork` (every store plus the transaction) and its factory
========================  ==================================================================

Import every name from here (``booking_core.ports.storage``); the area modules are where
they are defined.

The executable contract is ``booking_core.testing.contracts.StorageContract``; every storage
adapter runs it. Guarantees it proves under concurrency:

* no two active bookings of one technician have overlapping blocked ranges
  (:meth:`BookingRepository.add` raises :class:`~booking_core.errors.SlotTaken`);
* :meth:`OrderRepository.save` is compare-and-set on ``version`` (one winner per version);
* :meth:`ScheduleRepository.save` likewise;
* :meth:`CouponTemplateRepository.issue` never issues beyond a template's stock nor beyond
  its per-customer limit, :meth:`CouponRepository.replace` is compare-and-set on a coupon's
  status and order (a coupon is reserved, used and returned at most once per order), and
  :meth:`CampaignRepository.spend` never takes a budget below zero (INVARIANTS I16);
* :meth:`LedgerRepository.record` stores a transaction once per id, a reversal once per
  reversed transaction, and one entry per order position (INVARIANTS I8, I13, I15);
* :meth:`IdempotencyKeyRepository.claim` lets one unit of work at a time hold an (actor,
  key) pair: of concurrent claims one stores its record, the others find it (committed) or
  are refused as in flight — never two records, so never two orders for one key;
* :meth:`PointsRepository.account` with ``lock`` serializes a customer's points commands
  and :meth:`PointsRepository.save` is compare-and-set on his journal's sequence, so a
  points balance never goes below zero; a movement id is stored once and a check-in once per
  customer and local day (INVARIANTS I17, I19);
* :meth:`HoldingRepository.save` is compare-and-set on ``version`` (of concurrent uses of
  a bought package's last visit exactly one wins) and a payment reference is stored once;
* :meth:`RewardRepository.take_stock` never takes a gift's stock below zero: of concurrent
  redemptions of its last unit exactly one wins;
* :meth:`Locks.take` with a customer's key serializes his placements, so a limit counted
  with :meth:`CustomerRepository.standing` holds under concurrency; with a technician's key
  it serializes reservations of his time, so the rules over several bookings (daily cap,
  travel to the next job) hold too; with a payee's key it serializes his withdrawals, so
  no two requests spend the same balance (INVARIANTS I24).

Checkout holds are active bookings (``Booking.hold_expires_at`` set), so the no-overlap
guarantee covers them; an expired hold keeps blocking in storage until a command releases it
(the services release the expired holds in their way before adding a booking).
"""

from booking_core.ports.storage.accounts import AccountRepository, AccountStore
from booking_core.ports.storage.audit import AuditLog, AuditStore
from booking_core.ports.storage.calendars import (
    BusyBlockRepository,
    CalendarFeedRepository,
    CalendarStore,
    FeedSecretRepository,
)
from booking_core.ports.storage.catalog import (
    CatalogStore,
    CategoryRepository,
    ServiceRepository,
    TechnicianRepository,
)
from booking_core.ports.storage.customers import CustomerRepository, CustomerStore
from booking_core.ports.storage.dispatch import DispatchMetricsRepository, DispatchStore
from booking_core.ports.storage.ledger import LedgerRepository, LedgerStore
from booking_core.ports.storage.loyalty import LoyaltyStore, PointsRepository, TierRepository
from booking_core.ports.storage.messaging import MessagingStore, OutboxRepository
from booking_core.ports.storage.notifications import NotificationRepository, NotificationStore
from booking_core.ports.storage.onboarding import ApplicationRepository, OnboardingStore
from booking_core.ports.storage.orders import (
    ComplaintRepository,
    IdempotencyKeyRepository,
    OrderCursor,
    OrderQuery,
    OrderRepository,
    OrderSort,
    OrderStore,
    PositionRepository,
    ReviewRepository,
)
from booking_core.ports.storage.packages import (
    HoldingRepository,
    PackageRepository,
    PackageStore,
)
from booking_core.ports.storage.payments import (
    MoneyMovementRepository,
    PaymentRepository,
    PaymentStore,
    RefundRepository,
    StatementCheckRepository,
    WebhookInbox,
)
from booking_core.ports.storage.payouts import (
    PayoutStore,
    WithdrawalCursor,
    WithdrawalRepository,
)
from booking_core.ports.storage.promotions import (
    CampaignRepository,
    CouponRepository,
    CouponTemplateRepository,
    PromotionStore,
)
from booking_core.ports.storage.referrals import (
    CommissionRepository,
    ReferralRepository,
    ReferralStore,
)
from booking_core.ports.storage.rewards import RewardRepository, RewardStore
from booking_core.ports.storage.scheduling import (
    AgendaRepository,
    BookingRepository,
    LockKey,
    LockKind,
    Locks,
    ScheduleRepository,
    SchedulingStore,
    StoredAgenda,
)
from booking_core.ports.storage.stores import (
    AnnouncementRepository,
    StoreRepository,
    StoreStore,
)
from booking_core.ports.storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AccountRepository",
    "AccountStore",
    "AgendaRepository",
    "AnnouncementRepository",
    "ApplicationRepository",
    "AuditLog",
    "AuditStore",
    "BookingRepository",
    "BusyBlockRepository",
    "CalendarFeedRepository",
    "CalendarStore",
    "CampaignRepository",
    "CatalogStore",
    "CategoryRepository",
    "CommissionRepository",
    "ComplaintRepository",
    "CouponRepository",
    "CouponTemplateRepository",
    "CustomerRepository",
    "CustomerStore",
    "DispatchMetricsRepository",
    "DispatchStore",
    "FeedSecretRepository",
    "HoldingRepository",
    "IdempotencyKeyRepository",
    "LedgerRepository",
    "LedgerStore",
    "LockKey",
    "LockKind",
    "Locks",
    "LoyaltyStore",
    "MessagingStore",
    "MoneyMovementRepository",
    "NotificationRepository",
    "NotificationStore",
    "OnboardingStore",
    "OrderCursor",
    "OrderQuery",
    "OrderRepository",
    "OrderSort",
    "OrderStore",
    "OutboxRepository",
    "PackageRepository",
    "PackageStore",
    "PaymentRepository",
    "PaymentStore",
    "PayoutStore",
    "PointsRepository",
    "PositionRepository",
    "PromotionStore",
    "ReferralRepository",
    "ReferralStore",
    "RefundRepository",
    "ReviewRepository",
    "RewardRepository",
    "RewardStore",
    "ScheduleRepository",
    "SchedulingStore",
    "ServiceRepository",
    "StatementCheckRepository",
    "StoreRepository",
    "StoreStore",
    "StoredAgenda",
    "TechnicianRepository",
    "TierRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "WebhookInbox",
    "WithdrawalCursor",
    "WithdrawalRepository",
]
