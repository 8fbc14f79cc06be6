"""The repositories of :class:`~booking_core_sqlalchemy.SqlAlchemyUnitOfWork`, on SQLAlchemy Core.

One module per area: :mod:`.catalog` (categories, services, technicians),
:mod:`.customers` (customers and their standing), :mod:`.scheduling` (bookings, schedules,
agendas, locks), :mod:`.orders` (orders, idempotency keys, reviews, positions, complaints),
:mod:`.payments` (payment attempts, refunds, money movements, the webhook inbox),
:mod:`.promotions` (coupon templates, coupons, campaigns), :mod:`.ledger`,
:mod:`.onboarding` (technicians' applications), :mod:`.stores` (stores, announcements),
:mod:`.audit` (the audit log), :mod:`.accounts` (sign-in accounts, sessions, one-time
codes), :mod:`.notifications` (the inbox, deliveries, preferences, subscription grants),
:mod:`.dispatch` (dispatch counts per technician), :mod:`.packages` (packages and
bought packages), :mod:`.payouts` (withdrawals), :mod:`.loyalty`
(points and tiers), :mod:`.referrals` (invite codes, bindings, distributors, commissions) and
:mod:`.jobs` (jobs and the outbox);
:mod:`._base` holds what they share. Every public name is re-exported here.

**Statements are built once.** Each statement is an immutable module constant built at
import, its values bound at execution (``bindparam``); where the databases need different
SQL (``INSERT ... ON CONFLICT``, range overlap, ``nextval``) the constant is a
:class:`~booking_core_sqlalchemy.repositories._base.PerDialect` pair and a repository picks
its half. So nothing is constructed per call or per unit of work, and SQLAlchemy's compiled
cache finds each statement by the same cache key every time. The exceptions, off the booking
path: the ``UPDATE``s replacing a payment attempt or a refund, and lock statements for more
than two keys.

**Repositories are cheap and lazy.** A repository holds its unit of work and a dialect flag
and nothing else; the unit of work builds one on first use of its attribute.

Every method is one or two statements on the unit of work's connection. Duplicate ids are
detected with ``INSERT ... ON CONFLICT DO NOTHING`` (no failed statement, so the transaction
stays usable on PostgreSQL). The no-overlap guarantee of bookings is the database's on
PostgreSQL (an exclusion constraint) and the serialized writer's on SQLite (see
:mod:`.scheduling`).
"""

from booking_core_sqlalchemy.repositories._base import ConnectionSource
from booking_core_sqlalchemy.repositories.accounts import SqlAlchemyAccountRepository
from booking_core_sqlalchemy.repositories.audit import SqlAlchemyAuditLog
from booking_core_sqlalchemy.repositories.calendars import (
    SqlAlchemyBusyBlockRepository,
    SqlAlchemyCalendarFeedRepository,
    SqlAlchemyFeedSecretRepository,
)
from booking_core_sqlalchemy.repositories.catalog import (
    SqlAlchemyCategoryRepository,
    SqlAlchemyServiceRepository,
    SqlAlchemyTechnicianRepository,
)
from booking_core_sqlalchemy.repositories.customers import SqlAlchemyCustomerRepository
from booking_core_sqlalchemy.repositories.dispatch import SqlAlchemyDispatchMetricsRepository
from booking_core_sqlalchemy.repositories.jobs import (
    SqlAlchemyJobRepository,
    SqlAlchemyOutboxRepository,
)
from booking_core_sqlalchemy.repositories.ledger import SqlAlchemyLedgerRepository
from booking_core_sqlalchemy.repositories.loyalty import (
    SqlAlchemyPointsRepository,
    SqlAlchemyTierRepository,
)
from booking_core_sqlalchemy.repositories.notifications import SqlAlchemyNotificationRepository
from booking_core_sqlalchemy.repositories.onboarding import SqlAlchemyApplicationRepository
from booking_core_sqlalchemy.repositories.orders import (
    SqlAlchemyComplaintRepository,
    SqlAlchemyIdempotencyKeyRepository,
    SqlAlchemyOrderRepository,
    SqlAlchemyPositionRepository,
    SqlAlchemyReviewRepository,
)
from booking_core_sqlalchemy.repositories.packages import (
    SqlAlchemyHoldingRepository,
    SqlAlchemyPackageRepository,
)
from booking_core_sqlalchemy.repositories.payments import (
    SqlAlchemyMoneyMovementRepository,
    SqlAlchemyPaymentRepository,
    SqlAlchemyRefundRepository,
    SqlAlchemyStatementCheckRepository,
    SqlAlchemyWebhookInbox,
)
from booking_core_sqlalchemy.repositories.payouts import SqlAlchemyWithdrawalRepository
from booking_core_sqlalchemy.repositories.promotions import (
    SqlAlchemyCampaignRepository,
    SqlAlchemyCouponRepository,
    SqlAlchemyCouponTemplateRepository,
)
from booking_core_sqlalchemy.repositories.referrals import (
    SqlAlchemyCommissionRepository,
    SqlAlchemyReferralRepository,
)
from booking_core_sqlalchemy.repositories.rewards import SqlAlchemyRewardRepository
from booking_core_sqlalchemy.repositories.scheduling import (
    SqlAlchemyAgendaRepository,
    SqlAlchemyBookingRepository,
    SqlAlchemyLocks,
    SqlAlchemyScheduleRepository,
)
from booking_core_sqlalchemy.repositories.stores import (
    SqlAlchemyAnnouncementRepository,
    SqlAlchemyStoreRepository,
)

__all__ = [
    "ConnectionSource",
    "SqlAlchemyAccountRepository",
    "SqlAlchemyAgendaRepository",
    "SqlAlchemyAnnouncementRepository",
    "SqlAlchemyApplicationRepository",
    "SqlAlchemyAuditLog",
    "SqlAlchemyBookingRepository",
    "SqlAlchemyBusyBlockRepository",
    "SqlAlchemyCalendarFeedRepository",
    "SqlAlchemyCampaignRepository",
    "SqlAlchemyCategoryRepository",
    "SqlAlchemyCommissionRepository",
    "SqlAlchemyComplaintRepository",
    "SqlAlchemyCouponRepository",
    "SqlAlchemyCouponTemplateRepository",
    "SqlAlchemyCustomerRepository",
    "SqlAlchemyDispatchMetricsRepository",
    "SqlAlchemyFeedSecretRepository",
    "SqlAlchemyHoldingRepository",
    "SqlAlchemyIdempotencyKeyRepository",
    "SqlAlchemyJobRepository",
    "SqlAlchemyLedgerRepository",
    "SqlAlchemyLocks",
    "SqlAlchemyMoneyMovementRepository",
    "SqlAlchemyNotificationRepository",
    "SqlAlchemyOrderRepository",
    "SqlAlchemyOutboxRepository",
    "SqlAlchemyPackageRepository",
    "SqlAlchemyPaymentRepository",
    "SqlAlchemyPointsRepository",
    "SqlAlchemyPositionRepository",
    "SqlAlchemyReferralRepository",
    "SqlAlchemyRefundRepository",
    "SqlAlchemyReviewRepository",
    "SqlAlchemyRewardRepository",
    "SqlAlchemyScheduleRepository",
    "SqlAlchemyServiceRepository",
    "SqlAlchemyStatementCheckRepository",
    "SqlAlchemyStoreRepository",
    "SqlAlchemyTechnicianRepository",
    "SqlAlchemyTierRepository",
    "SqlAlchemyWebhookInbox",
    "SqlAlchemyWithdrawalRepository",
]
