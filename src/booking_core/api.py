"""The public API index: one place to import the app, its services and their commands from.

``from booking_core.api import build, PlaceOrder`` is all an embedding application needs
to reach the use cases; the modules these names are defined in
(``booking_core.services.ordering``, ``booking_core.bootstrap``, ...) keep working, but
this index is the documented, stable path (see ``docs/reference.md``).

* **The app** — :func:`build` wires the ports into a :class:`BookingApp`, which holds one
  instance of every service below.
* **Who is calling** — :class:`Actor` and :class:`Role`, passed to every call that checks
  permissions.
* **Services** — ``*Service``: each public method is one use case in a unit of work of its
  own. :class:`JobRunner` runs the scheduled order work; :class:`StaticPricingRules` is the
  default source of pricing rules for :func:`build`.
* **Commands** — the frozen values the services take: :class:`CreateCategory`,
  :class:`CreateService`, :class:`RegisterTechnician`, :class:`ApplyAsTechnician`,
  :class:`SlotSearch`, :class:`HoldSlot`, :class:`PlaceOrder`, :class:`PlaceParty`,
  :class:`RescheduleBooking`,
  :class:`CartRequest`, :class:`SubmitReview`, :class:`FileComplaint`.
* **Results** — what the services return besides domain values: :class:`Placement`,
  :class:`PartyPlacement`,
  :class:`OfferedSlot`, :class:`CancellationResult`, :class:`CalendarDay`,
  :class:`PoolEntry`, ...

Domain values (``Money``, ``WeeklyHours``, ``Order``, ``Cart``, ``CouponTemplate``, ...)
are imported from their area packages (``booking_core``, ``booking_core.scheduling``,
``booking_core.orders``, ``booking_core.pricing``, ``booking_core.promotions``,
``booking_core.ledger``, ``booking_core.catalog``) and errors from ``booking_core.errors``.
Functions that run inside a caller's unit of work (``reserve``, ``post_refund``, ...) are
not part of this index.
"""

from booking_core.bootstrap import BookingApp, build
from booking_core.orders.actor import Actor, Role
from booking_core.services._access import require_permission
from booking_core.services.addresses import AccountAddressBook
from booking_core.services.aftersales import AfterSalesService, ArbitrationResult, FileComplaint
from booking_core.services.audit import AuditService
from booking_core.services.availability import (
    AvailabilityService,
    OfferedSlot,
    SlotSearch,
    TechnicianOffer,
)
from booking_core.services.backoff import Backoff
from booking_core.services.bulk_import import (
    BulkImportService,
    ImportedBooking,
    ImportedBusyBlock,
    ImportReport,
    ImportRow,
    RowStatus,
)
from booking_core.services.calendar import (
    CalendarDay,
    CalendarEntry,
    CalendarService,
    EntryKind,
    Presence,
    ScheduleService,
    TechnicianStatus,
)
from booking_core.services.campaigns import CampaignService
from booking_core.services.cancellation import CancellationResult, CancellationService
from booking_core.services.catalog import CatalogService, CreateCategory, CreateService
from booking_core.services.contacts import ContactService
from booking_core.services.coupons import (
    CouponCheck,
    CouponService,
    TemplateStock,
    WalletCoupon,
)
from booking_core.services.customers import CustomerService, NewAddress
from booking_core.services.dead_letters import DeadLetterService
from booking_core.services.dispatch import BoardCandidate, DispatchService, PoolEntry
from booking_core.services.holds import HoldService, HoldSlot
from booking_core.services.jobs import JobKind, JobRun, JobRunner
from booking_core.services.ledger import LedgerService
from booking_core.services.loyalty import CheckInResult, LoyaltyService, MemberTier
from booking_core.services.modification import ModificationResult, ModificationService
from booking_core.services.notifications import NotificationService
from booking_core.services.onboarding import ApplyAsTechnician, OnboardingService
from booking_core.services.ordering import (
    OrderingService,
    PartyPlacement,
    Placement,
    PlaceOrder,
    PlaceParty,
    TechnicianView,
)
from booking_core.services.outside_calendars import OutsideCalendarService, RefreshOutcome
from booking_core.services.packages import (
    CreatePackage,
    PackageService,
    RecordPurchase,
    RedeemVisit,
    RefundPackage,
)
from booking_core.services.payments import PaymentService, ReconcileReport
from booking_core.services.payouts import PayoutService
from booking_core.services.pricing import PricedCart, QuoteService, StaticPricingRules
from booking_core.services.referrals import (
    CommissionStatement,
    ReferralService,
    ReferralSummary,
    TeamLevel,
)
from booking_core.services.relay import OutboxRelay, RelayRun
from booking_core.services.rescheduling import RescheduleBooking, ReschedulingService
from booking_core.services.reviews import (
    AppealReview,
    DecideAppeal,
    FollowUpReview,
    HideReview,
    ReplyToReview,
    ReviewService,
    SubmitReview,
)
from booking_core.services.rewards import RewardsService
from booking_core.services.statements import StatementPolicy, StatementService
from booking_core.services.steps.carts import CartItem, CartRequest
from booking_core.services.stores import StoreService
from booking_core.services.technicians import RegisterTechnician, TechnicianService
from booking_core.services.tracking import TrackingService
from booking_core.services.worker import Worker, WorkerRound

__all__ = [
    "AccountAddressBook",
    "Actor",
    "AfterSalesService",
    "AppealReview",
    "ApplyAsTechnician",
    "ArbitrationResult",
    "AuditService",
    "AvailabilityService",
    "Backoff",
    "BoardCandidate",
    "BookingApp",
    "BulkImportService",
    "CalendarDay",
    "CalendarEntry",
    "CalendarService",
    "CampaignService",
    "CancellationResult",
    "CancellationService",
    "CartItem",
    "CartRequest",
    "CatalogService",
    "CheckInResult",
    "CommissionStatement",
    "ContactService",
    "CouponCheck",
    "CouponService",
    "CreateCategory",
    "CreatePackage",
    "CreateService",
    "CustomerService",
    "DeadLetterService",
    "DecideAppeal",
    "DispatchService",
    "EntryKind",
    "FileComplaint",
    "FollowUpReview",
    "HideReview",
    "HoldService",
    "HoldSlot",
    "ImportReport",
    "ImportRow",
    "ImportedBooking",
    "ImportedBusyBlock",
    "JobKind",
    "JobRun",
    "JobRunner",
    "LedgerService",
    "LoyaltyService",
    "MemberTier",
    "ModificationResult",
    "ModificationService",
    "NewAddress",
    "NotificationService",
    "OfferedSlot",
    "OnboardingService",
    "OrderingService",
    "OutboxRelay",
    "OutsideCalendarService",
    "PackageService",
    "PartyPlacement",
    "PaymentService",
    "PayoutService",
    "PlaceOrder",
    "PlaceParty",
    "Placement",
    "PoolEntry",
    "Presence",
    "PricedCart",
    "QuoteService",
    "ReconcileReport",
    "RecordPurchase",
    "RedeemVisit",
    "ReferralService",
    "ReferralSummary",
    "RefreshOutcome",
    "RefundPackage",
    "RegisterTechnician",
    "RelayRun",
    "ReplyToReview",
    "RescheduleBooking",
    "ReschedulingService",
    "ReviewService",
    "RewardsService",
    "Role",
    "RowStatus",
    "ScheduleService",
    "SlotSearch",
    "StatementPolicy",
    "StatementService",
    "StaticPricingRules",
    "StoreService",
    "SubmitReview",
    "TeamLevel",
    "TechnicianOffer",
    "TechnicianService",
    "TechnicianStatus",
    "TechnicianView",
    "TemplateStock",
    "TrackingService",
    "WalletCoupon",
    "Worker",
    "WorkerRound",
    "build",
    "require_permission",
]
