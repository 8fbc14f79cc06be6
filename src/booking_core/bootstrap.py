"""The composition root: wires ports into services."""

from __future__ import annotations

import attrs
import cattrs

from booking_core.ledger import RateTable
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.payments import PaymentGateway
from booking_core.ports.pricing import PricingRulesSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.ports.travel import TravelTime
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import StraightLineTravel
from booking_core.serialization import make_converter
from booking_core.services.aftersales import AfterSalesService
from booking_core.services.availability import AvailabilityService
from booking_core.services.calendar import CalendarService, ScheduleService
from booking_core.services.campaigns import CampaignService
from booking_core.services.cancellation import CancellationService
from booking_core.services.catalog import CatalogService
from booking_core.services.coupons import CouponService
from booking_core.services.holds import HoldService
from booking_core.services.jobs import JobHandler, JobKind, JobRunner
from booking_core.services.ledger import DEFAULT_RATES, LedgerService
from booking_core.services.modification import ModificationService
from booking_core.services.ordering import OrderingService
from booking_core.services.payments import PaymentService
from booking_core.services.pricing import QuoteService, StaticPricingRules
from booking_core.services.rescheduling import ReschedulingService
from booking_core.services.reviews import ReviewService
from booking_core.services.technicians import TechnicianService
from booking_core.services.tracking import TrackingService
from booking_core.system import SystemClock, UuidIds

__all__ = ["BookingApp", "build"]


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

    def worker(self, name: str) -> JobRunner:
        """A job runner for worker ``name`` with every order job's handler; run as many as
        you like (threads, processes, machines) over one storage."""
        return JobRunner(self.uow, self.clock, self.job_handlers, worker=name)


def build(
    *,
    uow: UnitOfWorkFactory,
    payments: PaymentGateway,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    policy: BookingPolicy | None = None,
    converter: cattrs.Converter | None = None,
    travel: TravelTime | None = None,
    order_policy: OrderPolicy | None = None,
    pricing_rules: PricingRulesSource | None = None,
    rates: RateTable | None = None,
) -> BookingApp:
    """Build the services over the given ports (system clock, UUID ids and straight-line
    travel times by default; pricing without tier discounts, 满减 or points unless
    ``pricing_rules`` gives them; settlement by ``rates``, default
    :data:`~booking_core.services.ledger.DEFAULT_RATES`).

    Checkout (``ordering``) and quotes (``quotes``) price with the same rules, so an order
    costs what its quote showed; the order flow posts to the journal ``ledger`` reads."""
    clock = clock or SystemClock()
    ids = ids or UuidIds()
    policy = policy or BookingPolicy()
    converter = converter or make_converter()
    travel = travel or StraightLineTravel()
    order_policy = order_policy or OrderPolicy()
    pricing_rules = pricing_rules or StaticPricingRules()
    rates = rates or DEFAULT_RATES
    ordering = OrderingService(
        uow,
        clock,
        ids,
        payments,
        policy,
        converter,
        travel,
        order_policy=order_policy,
        pricing_rules=pricing_rules,
        rates=rates,
    )
    return BookingApp(
        catalog=CatalogService(uow, ids),
        technicians=TechnicianService(uow, ids),
        availability=AvailabilityService(uow, clock, policy, travel),
        ordering=ordering,
        reviews=ReviewService(uow, clock, ids, converter),
        converter=converter,
        holds=HoldService(uow, clock, ids, policy, travel),
        rescheduling=ReschedulingService(uow, clock, ids, policy, travel, converter=converter),
        schedules=ScheduleService(uow),
        calendar=CalendarService(uow, clock),
        payments=ordering.payments,
        cancellation=ordering.cancellation,
        modification=ModificationService(
            uow, clock, ids, ordering.payments, converter, policy, order_policy, travel
        ),
        aftersales=AfterSalesService(uow, clock, ids, ordering.payments, converter, order_policy),
        tracking=TrackingService(uow, clock, travel),
        job_handlers={
            JobKind.EXPIRE_UNPAID.value: ordering.cancellation.run_expire_job,
            JobKind.AUTO_COMPLETE.value: ordering.auto_complete,
            JobKind.CLOSE_REVIEW_WINDOW.value: ordering.close_review_window,
            JobKind.RECONCILE_PAYMENTS.value: ordering.payments.run_reconcile_job,
        },
        uow=uow,
        clock=clock,
        quotes=QuoteService(uow, clock, pricing_rules),
        coupons=CouponService(uow, clock, ids),
        campaigns=CampaignService(uow),
        ledger=LedgerService(uow, clock, rates),
    )
