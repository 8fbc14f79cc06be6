"""The composition root: wires ports into services."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs
import cattrs
from pendulum import Duration

from booking_core.dispatch import GridIndex
from booking_core.dispatch.plan import DispatchPolicy
from booking_core.ledger import RateTable
from booking_core.loyalty import LoyaltyPolicy
from booking_core.notifications.channel import Channel
from booking_core.notifications.reminders import ReminderPolicy
from booking_core.notifications.rules import DEFAULT_RULES, Rule
from booking_core.onboarding import VerificationPolicy
from booking_core.orders.policy import OrderPolicy
from booking_core.orders.privacy import PrivacyPolicy
from booking_core.payouts import TipPolicy, WithdrawalRules
from booking_core.ports.calendars import CalendarSource
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.notifier import AddressBook
from booking_core.ports.payments import PaymentGateway
from booking_core.ports.payouts import PayoutGateway
from booking_core.ports.pricing import PricingRulesSource
from booking_core.ports.spatial import SpatialIndex
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.ports.travel import TravelTime
from booking_core.referrals import ReferralPolicy
from booking_core.reviews import ReviewPolicy
from booking_core.routing import PaymentRouting
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import StraightLineTravel
from booking_core.scheduling.offer_memo import OfferMemo
from booking_core.serialization import make_converter
from booking_core.services.addresses import AccountAddressBook
from booking_core.services.aftersales import AfterSalesService
from booking_core.services.audit import AuditService
from booking_core.services.availability import AvailabilityService
from booking_core.services.backoff import Backoff
from booking_core.services.bulk_import import BulkImportService
from booking_core.services.calendar import CalendarService, ScheduleService
from booking_core.services.campaigns import CampaignService
from booking_core.services.cancellation import CancellationService
from booking_core.services.catalog import CatalogService
from booking_core.services.contacts import ContactService
from booking_core.services.coupons import CouponService
from booking_core.services.customers import CustomerService
from booking_core.services.dead_letters import DeadLetterService
from booking_core.services.deliveries import DeliveryService
from booking_core.services.dispatch import DispatchService
from booking_core.services.holds import HoldService
from booking_core.services.jobs import JobHandler, JobKind, JobRunner
from booking_core.services.ledger import DEFAULT_RATES, LedgerService
from booking_core.services.loyalty import LoyaltyService
from booking_core.services.modification import ModificationService
from booking_core.services.notifications import NotificationService
from booking_core.services.onboarding import OnboardingService
from booking_core.services.ordering import OrderingService
from booking_core.services.outside_calendars import OutsideCalendarService
from booking_core.services.packages import PackageService
from booking_core.services.payments import PaymentService
from booking_core.services.payouts import DEFAULT_WITHDRAWAL_RULES, PayoutService
from booking_core.services.pricing import QuoteService, StaticPricingRules
from booking_core.services.referrals import ReferralService
from booking_core.services.relay import OutboxRelay
from booking_core.services.reminders import Reminders
from booking_core.services.rescheduling import ReschedulingService
from booking_core.services.reviews import ReviewService
from booking_core.services.rewards import RewardsService
from booking_core.services.statements import StatementPolicy, StatementService
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.books import OrderBooks
from booking_core.services.steps.commissions import Commissions
from booking_core.services.steps.dispatching import Dispatching
from booking_core.services.steps.locator import TechnicianLocator
from booking_core.services.steps.notices import Notices
from booking_core.services.steps.points import OrderPoints
from booking_core.services.steps.refunds import Refunds
from booking_core.services.steps.reminder_plans import ReminderPlans
from booking_core.services.steps.reservations import Reservations
from booking_core.services.stores import StoreService
from booking_core.services.technicians import TechnicianService
from booking_core.services.tracking import TrackingService
from booking_core.services.unit_of_work import EventCollectingUnits
from booking_core.services.worker import Worker
from booking_core.system import OrderedIds, SystemClock, UuidIds

__all__ = ["BookingApp", "build"]

#: How many times a job or an outbox message is tried before it is left dead.
MAX_ATTEMPTS = 5


@attrs.frozen
class BookingApp:
    """Every application service, wired to one set of ports."""

    catalog: CatalogService
    technicians: TechnicianService
    availability: AvailabilityService
    ordering: OrderingService
    reviews: ReviewService
    converter: cattrs.Converter
    holds: HoldService
    rescheduling: ReschedulingService
    schedules: ScheduleService
    calendar: CalendarService
    payments: PaymentService
    cancellation: CancellationService
    modification: ModificationService
    aftersales: AfterSalesService
    tracking: TrackingService
    job_handlers: dict[str, JobHandler]
    uow: UnitOfWorkFactory
    clock: Clock
    quotes: QuoteService
    coupons: CouponService
    campaigns: CampaignService
    ledger: LedgerService
    customers: CustomerService
    onboarding: OnboardingService
    stores: StoreService
    audit: AuditService
    contacts: ContactService
    notifications: NotificationService
    dead_letters: DeadLetterService
    relay: OutboxRelay
    backoff: Backoff
    dispatch: DispatchService
    referrals: ReferralService
    payouts: PayoutService
    loyalty: LoyaltyService
    rewards: RewardsService
    statements: StatementService
    outside_calendars: OutsideCalendarService
    imports: BulkImportService
    packages: PackageService

    def worker(self, name: str, *, lease: Duration | None = None) -> JobRunner:
        """A job runner for worker ``name`` with every job's handler, holding each claimed
        job for ``lease`` (default 5 minutes: longer than any handler takes); run as many
        as you like (threads, processes, machines) over one storage."""
        return JobRunner(
            self.uow,
            self.clock,
            self.job_handlers,
            worker=name,
            lease=lease,
            max_attempts=MAX_ATTEMPTS,
            backoff=self.backoff,
        )

    def background_worker(
        self, name: str, *, batch: int = 20, lease: Duration | None = None
    ) -> Worker:
        """The whole worker ``name``: relays the outbox, then runs due jobs (``batch`` at a
        time), round after round (:meth:`Worker.run`) — what a worker process runs.

        Making one also starts the platform's periodic jobs (points expiry, tier reviews,
        providers' statement checks): they are named by their period's tick, so every worker
        starting names the same ones."""
        self.loyalty.start_jobs()
        self.statements.start_jobs()
        return Worker(self.relay, self.worker(name, lease=lease), batch=batch)


def build(
    *,
    uow: UnitOfWorkFactory,
    payments: PaymentGateway | PaymentRouting,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    policy: BookingPolicy | None = None,
    converter: cattrs.Converter | None = None,
    travel: TravelTime | None = None,
    order_policy: OrderPolicy | None = None,
    pricing_rules: PricingRulesSource | None = None,
    rates: RateTable | None = None,
    offer_memo: OfferMemo | None = None,
    verification_policy: VerificationPolicy | None = None,
    privacy_policy: PrivacyPolicy | None = None,
    audit_ids: IdSource | None = None,
    channels: Sequence[Channel] = (),
    address_book: AddressBook | None = None,
    notification_rules: Mapping[str, Rule] | None = None,
    reminder_policy: ReminderPolicy | None = None,
    backoff: Backoff | None = None,
    dispatch_policy: DispatchPolicy | None = None,
    spatial_index: Callable[[], SpatialIndex] | None = None,
    referral_policy: ReferralPolicy | None = None,
    withdrawal_rules: WithdrawalRules | None = None,
    payouts: PayoutGateway | None = None,
    loyalty_policy: LoyaltyPolicy | None = None,
    tip_policy: TipPolicy | None = None,
    statement_policy: StatementPolicy | None = None,
    calendar_source: CalendarSource | None = None,
    review_policy: ReviewPolicy | None = None,
) -> BookingApp:
    """Build the services over the given ports (``payments`` one provider, or several
    routed by channel: :class:`~booking_core.routing.PaymentRouting`; system clock, UUID ids
    and straight-line travel times by default; pricing without tier discounts, 满减 or points unless
    ``pricing_rules`` gives them; settlement by ``rates``, default
    :data:`~booking_core.services.ledger.DEFAULT_RATES`; "any technician" answers
    remembered in a new :class:`~booking_core.scheduling.offer_memo.OfferMemo` unless
    ``offer_memo`` is given — ``OfferMemo(max_entries=0)`` remembers nothing; technicians'
    applications checked by ``verification_policy``, default
    :class:`~booking_core.onboarding.VerificationPolicy`: all three documents, a reminder
    30 days before one expires; an order's contact shown by ``privacy_policy``, default
    :class:`~booking_core.orders.PrivacyPolicy`: in full to the technician for 24 hours
    after completion; audit entries numbered by ``audit_ids``, default
    :class:`~booking_core.system.OrderedIds` — a source of their own, so recording platform
    actions leaves the ids of everything else as ``ids`` would mint them; notifications by
    ``notification_rules``, default :data:`~booking_core.notifications.rules.DEFAULT_RULES`,
    kept in each inbox and copied to ``channels`` (none by default: the inbox only) at the
    addresses ``address_book`` gives, default the accounts'; reminders by
    ``reminder_policy``, default 30 minutes before and at 20:00 the day before; failed work
    retried after ``backoff``, default :class:`~booking_core.services.backoff.Backoff`;
    orders placed without a technician dispatched by ``dispatch_policy``, default
    :class:`~booking_core.dispatch.DispatchPolicy`: auto-assign within 5 km, over the
    online technicians kept in indexes ``spatial_index`` makes, default
    :class:`~booking_core.dispatch.GridIndex`); referrals, distributors and commissions by
    ``referral_policy``, default :class:`~booking_core.referrals.ReferralPolicy`: bound until
    the first order, open admission, 5 % and 2 % over two levels, settled 7 days after
    completion; withdrawals of technicians and stores under ``withdrawal_rules``, default
    :data:`~booking_core.services.payouts.DEFAULT_WITHDRAWAL_RULES`, paid out through
    ``payouts`` — none by default: withdrawals are requested and decided, and their pay jobs
    wait, dead, until a gateway is configured and they are retried); points, check-ins and
    tiers by ``loyalty_policy``, default :class:`~booking_core.loyalty.LoyaltyPolicy`: 1
    point per yuan paid, points valid 365 days, tiers set by hand only); customers' tips by
    ``tip_policy``, default :class:`~booking_core.payouts.TipPolicy`: 1 fen to 500.00 CNY;
    providers' statements checked by ``statement_policy``, default
    :class:`~booking_core.services.statements.StatementPolicy`: at 10:00 the next day, 15
    minutes' tolerance; reviews by ``review_policy``, default
    :class:`~booking_core.reviews.ReviewPolicy`: skill, punctuality and attitude rated
    beside the stars, the star level the mean of all reviews); technicians' calendar feeds
    read by ``calendar_source`` (none by default: feeds are kept, never read — pass
    ``booking_core_ical.IcalCalendarSource()``).

    This is the one composition root: every service is built here, once, and handed the
    services and steps it uses; no service builds another, and every default is set here.
    Checkout (``ordering``) and quotes (``quotes``) build the same cart with the same rules,
    so an order costs what its quote showed; the order flow posts to the journal
    ``ledger`` reads. The services run in units of work that write the events of the orders
    and complaints they change to the outbox (``uow`` is that factory; the storage's own
    is ``uow.storage``)."""
    clock = clock or SystemClock()
    ids = ids or UuidIds()
    policy = policy or BookingPolicy()
    converter = converter or make_converter()
    travel = travel or StraightLineTravel()
    order_policy = order_policy or OrderPolicy()
    pricing_rules = pricing_rules or StaticPricingRules()
    rates = rates or DEFAULT_RATES
    verification_policy = verification_policy or VerificationPolicy()
    # Every service runs in units of work that write their aggregates' events to the outbox.
    units = EventCollectingUnits(uow, converter, ids)
    loyalty_policy = loyalty_policy or LoyaltyPolicy()
    reservations = Reservations(policy, travel, privileges=loyalty_policy.privileges)
    locator = TechnicianLocator(clock, index=spatial_index or GridIndex)
    dispatching = Dispatching(dispatch_policy or DispatchPolicy(), locator, reservations)
    books = OrderBooks(pricing_rules, rates)
    # Every platform action is recorded through this one trail, in the change's unit of work.
    trail = AuditTrail(clock, audit_ids or OrderedIds(), converter)
    # Commissions and points move with the order's money, in the order commands' units of
    # work: one instance of each step, shared by every service of the order flow.
    referral_policy = referral_policy or ReferralPolicy()
    loyalty_policy = loyalty_policy or LoyaltyPolicy()
    commissions = Commissions(referral_policy, rates)
    order_points = OrderPoints(loyalty_policy)
    refunds = Refunds(
        ids, order_policy, points=order_points, rules=pricing_rules, commissions=commissions
    )
    loyalty = LoyaltyService(units, clock, loyalty_policy, audit=trail)
    payments_service = PaymentService(
        units, clock, payments, order_policy, books=books, refunds=refunds, audit=trail,
        tips=tip_policy or TipPolicy(),
        commissions=commissions, dispatching=dispatching,
    )  # fmt: skip
    statements = StatementService(units, clock, payments, statement_policy)
    cancellation = CancellationService(
        units, clock, payments_service, refunds, order_policy, audit=trail,
        commissions=commissions, points=order_points,
    )  # fmt: skip
    ordering = OrderingService(
        units,
        clock,
        ids,
        converter,
        reservations=reservations,
        books=books,
        payments=payments_service,
        cancellation=cancellation,
        order_policy=order_policy,
        audit=trail,
        dispatching=dispatching,
        points=order_points,
        commissions=commissions,
        tiers=loyalty if loyalty_policy.tiers is not None else None,
    )
    dispatch = DispatchService(
        units,
        clock,
        ids,
        dispatching=dispatching,
        reservations=reservations,
        order_policy=order_policy,
        audit=trail,
    )
    modification = ModificationService(
        units,
        clock,
        ids,
        payments=payments_service,
        refunds=refunds,
        reservations=reservations,
        order_policy=order_policy,
        audit=trail,
    )
    onboarding = OnboardingService(units, clock, ids, verification_policy, audit=trail)
    backoff = backoff or Backoff()
    outside_calendars = OutsideCalendarService(units, clock, ids, source=calendar_source)
    notices = Notices(channels)
    reminders = Reminders(units, notices)
    relay = OutboxRelay(
        units,
        clock,
        notices,
        DEFAULT_RULES if notification_rules is None else notification_rules,
        ReminderPlans(reminder_policy or ReminderPolicy()),
        backoff=backoff,
        max_attempts=MAX_ATTEMPTS,
    )
    referrals = ReferralService(
        units,
        clock,
        ids,
        referral_policy,
        audit=trail,
    )
    deliveries = DeliveryService(
        units,
        clock,
        notices,
        address_book or AccountAddressBook(units),
        max_attempts=MAX_ATTEMPTS,
    )
    payouts_service = PayoutService(
        units,
        clock,
        ids,
        withdrawal_rules or DEFAULT_WITHDRAWAL_RULES,
        payouts,
        audit=trail,
        converter=converter,
    )
    return BookingApp(
        catalog=CatalogService(units, ids, audit=trail, booking_policy=policy),
        technicians=TechnicianService(units, ids, audit=trail, locator=locator),
        availability=AvailabilityService(
            units,
            clock,
            policy,
            travel,
            reservations,
            OfferMemo() if offer_memo is None else offer_memo,
        ),
        ordering=ordering,
        reviews=ReviewService(units, clock, ids, review_policy, audit=trail),
        converter=converter,
        holds=HoldService(units, clock, ids, reservations),
        rescheduling=ReschedulingService(
            units, clock, ids, reservations=reservations, modification=modification, audit=trail
        ),
        schedules=ScheduleService(units, audit=trail, locator=locator),
        calendar=CalendarService(units, clock),
        payments=payments_service,
        cancellation=cancellation,
        modification=modification,
        aftersales=AfterSalesService(
            units, clock, ids, payments_service, refunds, order_policy, audit=trail
        ),
        tracking=TrackingService(units, clock, travel, locator=locator),
        job_handlers={
            JobKind.EXPIRE_UNPAID.value: cancellation.run_expire_job,
            JobKind.AUTO_COMPLETE.value: ordering.auto_complete,
            JobKind.CLOSE_REVIEW_WINDOW.value: ordering.close_review_window,
            JobKind.RECONCILE_PAYMENTS.value: payments_service.run_reconcile_job,
            JobKind.DOCUMENT_EXPIRING.value: onboarding.run_reminder_job,
            JobKind.DELIVER_NOTIFICATION.value: deliveries.run_job,
            JobKind.REMIND.value: reminders.run_job,
            JobKind.DISPATCH.value: dispatch.run_round,
            JobKind.OFFER_TIMEOUT.value: dispatch.offer_timeout,
            JobKind.ESCALATE_DISPATCH.value: dispatch.escalate_job,
            JobKind.PAY_WITHDRAWAL.value: payouts_service.run_pay_job,
            JobKind.SETTLE_COMMISSIONS.value: referrals.run_settle_job,
            JobKind.EXPIRE_POINTS.value: loyalty.run_expiry_job,
            JobKind.EVALUATE_TIERS.value: loyalty.run_tier_job,
            JobKind.BIRTHDAY_GIFTS.value: loyalty.run_birthday_job,
            JobKind.CHECK_STATEMENT.value: statements.run_statement_job,
            JobKind.REFRESH_CALENDAR.value: outside_calendars.run_refresh_job,
        },
        uow=units,
        clock=clock,
        quotes=QuoteService(units, clock, pricing_rules, loyalty=loyalty_policy),
        customers=CustomerService(units, clock, ids, audit=trail),
        coupons=CouponService(units, clock, ids, audit=trail),
        campaigns=CampaignService(units, audit=trail),
        ledger=LedgerService(units, clock, rates),
        onboarding=onboarding,
        stores=StoreService(units, clock, ids, audit=trail),
        audit=AuditService(units),
        contacts=ContactService(units, clock, privacy_policy or PrivacyPolicy(), trail),
        notifications=NotificationService(units, clock),
        dead_letters=DeadLetterService(units, clock, trail),
        relay=relay,
        backoff=backoff,
        dispatch=dispatch,
        referrals=referrals,
        payouts=payouts_service,
        loyalty=loyalty,
        rewards=RewardsService(units, clock, ids, loyalty_policy, audit=trail),
        statements=statements,
        outside_calendars=outside_calendars,
        imports=BulkImportService(units, clock),
        packages=PackageService(units, clock, ids, audit=trail),
    )
