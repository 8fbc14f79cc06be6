"""The storage port: a unit of work holding one repository per aggregate.

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
* :meth:`OrderRepository.lock_customer` serializes one customer's placements, so a limit
  counted with :meth:`OrderRepository.count_unpaid` holds under concurrency.

Checkout holds are active bookings (``Booking.hold_expires_at`` set), so the no-overlap
guarantee covers them; an expired hold keeps blocking in storage until a command releases it
(the services release the expired holds in their way before adding a booking).
"""

from __future__ import annotations

from collections.abc import Collection
from types import TracebackType
from typing import Protocol, Self

from pendulum import DateTime

from booking_core.catalog import Category, Service
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.ledger import Account, Transaction, TransactionId
from booking_core.money import Money
from booking_core.orders.complaint import Complaint
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.orders.order import Order
from booking_core.orders.payments import MoneyMovement, PaymentAttempt, RefundRecord
from booking_core.orders.review import Review
from booking_core.orders.tracking import PositionReport
from booking_core.outbox import OutboxMessage
from booking_core.ports.jobs import JobRepository
from booking_core.promotions import (
    Campaign,
    CampaignId,
    Coupon,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    IssueChannel,
)
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.timerange import TimeRange

__all__ = [
    "BookingRepository",
    "CampaignRepository",
    "CategoryRepository",
    "ComplaintRepository",
    "CouponRepository",
    "CouponTemplateRepository",
    "IdempotencyKeyRepository",
    "LedgerRepository",
    "MoneyMovementRepository",
    "OrderRepository",
    "OutboxRepository",
    "PaymentRepository",
    "PositionRepository",
    "RefundRepository",
    "ReviewRepository",
    "ScheduleRepository",
    "ServiceRepository",
    "TechnicianRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "WebhookInbox",
]


class CategoryRepository(Protocol):
    """Service categories."""

    def add(self, category: Category) -> None:
        """Store a new category. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, category_id: CategoryId) -> Category:
        """The category. Raises NotFound (code ``category_not_found``)."""
        ...

    def list(self) -> list[Category]:
        """All categories, ordered by name then id."""
        ...


class ServiceRepository(Protocol):
    """Catalog services."""

    def add(self, service: Service) -> None:
        """Store a new service. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, service_id: ServiceId) -> Service:
        """The service. Raises NotFound (code ``service_not_found``)."""
        ...

    def list(self, category_id: CategoryId | None = None) -> list[Service]:
        """Services (of one category if given), ordered by name then id."""
        ...


class TechnicianRepository(Protocol):
    """Technicians."""

    def add(self, technician: Technician) -> None:
        """Store a new technician. Raises DuplicateEntity if the id exists."""
        ...

    def get(self, technician_id: TechnicianId) -> Technician:
        """The technician. Raises NotFound (code ``technician_not_found``)."""
        ...

    def list(self) -> list[Technician]:
        """All technicians, ordered by name then id."""
        ...

    def save(self, technician: Technician) -> None:
        """Replace the stored technician with the same id (name, zone, hours, services,
        profile); last writer wins.

        Raises:
            NotFound: (code ``technician_not_found``) if no technician has the id.
        """
        ...


class BookingRepository(Protocol):
    """Bookings of technicians' time; the home of the no-overlap guarantee (I1)."""

    def add(self, booking: Booking) -> None:
        """Store a new active booking.

        Raises:
            SlotTaken: if an active booking of the same technician has a blocked range
                overlapping ``booking.blocked`` (half-open: touching is fine) — also when the
                other booking is being added concurrently in another unit of work.
        """
        ...

    def get(self, booking_id: BookingId) -> Booking:
        """The booking. Raises NotFound (code ``booking_not_found``)."""
        ...

    def release(self, booking_id: BookingId) -> None:
        """Make the booking inactive so its time is free again. Raises NotFound."""
        ...

    def list_active(self, technician_id: TechnicianId, within: TimeRange) -> list[Booking]:
        """Active bookings whose blocked range overlaps ``within``, by blocked start."""
        ...

    def list_active_many(
        self, technician_ids: Collection[TechnicianId], within: TimeRange
    ) -> list[Booking]:
        """Active bookings of any of ``technician_ids`` whose blocked range overlaps
        ``within``, ordered by technician id then blocked start (one query for a search)."""
        ...

    def lock_technician(self, technician_id: TechnicianId) -> None:
        """Serialize reservations of one technician until the unit of work ends.

        Call it before reading what a reservation is checked against (his bookings, his
        schedule): a second unit of work locking the same technician waits until the first
        commits or rolls back, then reads what it stored. Rules spanning more than one
        booking (the daily cap, travel to the next job) hold under concurrency only so; the
        services also take it before rewriting his record (profile, hours, rating), so no
        update is lost. A no-op where writers are already serialized for the whole unit of
        work. Does not check that the technician exists; raises nothing of its own.
        """
        ...


class ScheduleRepository(Protocol):
    """Each technician's work schedule: date overrides, time off, rota shifts, cap, status."""

    def get(self, technician_id: TechnicianId) -> WorkSchedule:
        """The technician's schedule, or ``WorkSchedule.empty(technician_id)`` (version 0)
        if none was saved. Does not check that the technician exists."""
        ...

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, WorkSchedule]:
        """The schedules of ``technician_ids`` (an empty one for each without)."""
        ...

    def save(self, schedule: WorkSchedule) -> WorkSchedule:
        """Store ``schedule`` if the stored version (0 when none) equals
        ``schedule.version``; return it with the version incremented.

        Raises:
            ConcurrentUpdate: if someone saved the technician's schedule since it was read.
        """
        ...


class OrderRepository(Protocol):
    """Orders, saved with optimistic concurrency."""

    def add(self, order: Order) -> None:
        """Store a new order (its version must be 0). Raises DuplicateEntity."""
        ...

    def get(self, order_id: OrderId) -> Order:
        """The order with its timeline. Raises NotFound (code ``order_not_found``)."""
        ...

    def lock(self, order_id: OrderId) -> None:
        """Serialize the money commands of one order until the unit of work ends.

        Call it before reading the order, its payment attempts or its refunds: a second unit
        of work locking the same order waits until the first commits or rolls back, then
        reads what it stored (so two pays never both see the order unpaid, two cancellations
        never both see it open). PostgreSQL: ``SELECT ... FOR UPDATE`` on the order's row; a
        no-op where writers are already serialized for the whole unit of work (SQLite with
        ``BEGIN IMMEDIATE``, the in-memory store).

        Raises:
            NotFound: (code ``order_not_found``) if the order does not exist.
        """
        ...

    def save(self, order: Order) -> None:
        """Store the changed order if its stored version still equals ``order.version``,
        then increment ``order.version``; new timeline records are appended, old ones are
        never rewritten.

        Raises:
            ConcurrentUpdate: if someone saved the order since it was loaded.
        """
        ...

    def list_for_customer(self, customer_id: CustomerId) -> list[Order]:
        """The customer's orders, newest first."""
        ...

    def next_sequence(self) -> int:
        """A positive number never handed out before, for an order number; numbers grow,
        gaps are allowed (a rolled-back transaction may lose one)."""
        ...

    def get_by_number(self, number: str) -> Order:
        """The order with this human-friendly number (canonical form).

        Raises:
            NotFound: (code ``order_not_found``) if no order has it.
        """
        ...

    def lock_customer(self, customer_id: CustomerId) -> None:
        """Serialize order placements of one customer until the unit of work ends.

        Call it before :meth:`count_unpaid`: a second unit of work locking the same customer
        waits until the first commits or rolls back, then counts what it stored, so a limit
        on the count holds under concurrent placements. A no-op where writers are already
        serialized for the whole unit of work. Raises nothing of its own.
        """
        ...

    def count_unpaid(self, customer_id: CustomerId, technician_id: TechnicianId) -> UnpaidCount:
        """How many of the customer's open orders (``ACTIVE_STATES``: from awaiting payment
        to in service) have nothing captured yet (``paid`` none or zero), in all and with
        ``technician_id`` — one query."""
        ...


class IdempotencyKeyRepository(Protocol):
    """Idempotency keys of order placement: one live record per (actor, key)."""

    def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Hold ``record``'s (actor, key) for this unit of work by storing ``record``.

        A record that expired by ``record.created_at`` is replaced; committing the unit of
        work keeps the new record, rolling back frees the key again.

        Returns:
            None if ``record`` was stored; otherwise the live record already stored for the
            pair (committed by an earlier unit of work) — its fingerprint tells a retry of
            the same request from a reuse of the key.

        Raises:
            IdempotencyKeyInFlight: another unit of work holds the pair and has not ended
                yet (never raised where whole units of work are serialized: there the claim
                waits for the other to end).
        """
        ...

    def get(self, actor_id: str, key: str, at: DateTime) -> IdempotencyRecord | None:
        """The record of (actor, key) if one is stored and live at ``at``."""
        ...

    def purge_expired(self, at: DateTime) -> int:
        """Delete the records expired by ``at``; how many were deleted."""
        ...


class PaymentRepository(Protocol):
    """Payment attempts, one per idempotency key."""

    def add(self, attempt: PaymentAttempt) -> None:
        """Store a new attempt.

        Raises:
            DuplicateEntity: (``payment_exists``) for a known key.
            ConcurrentUpdate: if ``attempt`` is open and another attempt of its order is
                open too: at most one is, per order (the database states it where it can).
        """
        ...

    def get(self, key: str) -> PaymentAttempt:
        """The attempt. Raises NotFound (code ``payment_not_found``)."""
        ...

    def save(self, attempt: PaymentAttempt) -> None:
        """Replace the stored attempt with the same key. Raises NotFound."""
        ...

    def for_order(self, order_id: OrderId) -> list[PaymentAttempt]:
        """The order's attempts, oldest first (then by key)."""
        ...


class RefundRepository(Protocol):
    """Refunds asked of the gateway, one per idempotency key."""

    def add(self, refund: RefundRecord) -> None:
        """Store a new refund. Raises DuplicateEntity (``refund_exists``) for a known key."""
        ...

    def get(self, key: str) -> RefundRecord:
        """The refund. Raises NotFound (code ``refund_not_found``)."""
        ...

    def save(self, refund: RefundRecord) -> None:
        """Replace the stored refund with the same key. Raises NotFound."""
        ...

    def for_order(self, order_id: OrderId) -> list[RefundRecord]:
        """The order's refunds, oldest first (then by key)."""
        ...


class MoneyMovementRepository(Protocol):
    """The append-only list of money applied to orders; one entry per key (I15)."""

    def append(self, movement: MoneyMovement) -> bool:
        """Store ``movement`` unless its key is known.

        Returns:
            True if stored; False if the same fact (key, kind, amount) was stored already —
            also when another unit of work stores it concurrently.

        Raises:
            IdempotencyConflict: if the key is stored with another kind or amount.
        """
        ...

    def for_order(self, order_id: OrderId) -> list[MoneyMovement]:
        """The order's movements, in the order they were applied."""
        ...


class WebhookInbox(Protocol):
    """Raw payment notifications, deduplicated by (gateway, event id)."""

    def record(self, gateway: str, event_id: str, raw: str, received_at: DateTime) -> bool:
        """Store a notification; True if new, False if (gateway, event id) was seen before
        (also when stored concurrently by another unit of work)."""
        ...


class ComplaintRepository(Protocol):
    """Complaints, saved with optimistic concurrency like orders."""

    def add(self, complaint: Complaint) -> None:
        """Store a new complaint. Raises DuplicateEntity (``complaint_exists``)."""
        ...

    def get(self, complaint_id: str) -> Complaint:
        """The complaint with its timeline. Raises NotFound (``complaint_not_found``)."""
        ...

    def save(self, complaint: Complaint) -> None:
        """Compare-and-set on ``version`` as :meth:`OrderRepository.save`.

        Raises:
            ConcurrentUpdate: if someone saved the complaint since it was loaded.
        """
        ...

    def for_order(self, order_id: OrderId) -> list[Complaint]:
        """The order's complaints, oldest first."""
        ...

    def list_pending(self) -> list[Complaint]:
        """Open and arbitrating complaints, oldest first (the platform's queue)."""
        ...


class PositionRepository(Protocol):
    """Technician positions reported while on the way to an order."""

    def add(self, report: PositionReport) -> None:
        """Store a report."""
        ...

    def latest(self, order_id: OrderId) -> PositionReport | None:
        """The most recently reported position for the order (latest ``reported_at``)."""
        ...


class ReviewRepository(Protocol):
    """Reviews of completed orders."""

    def add(self, review: Review) -> None:
        """Store a review. Raises DuplicateEntity (``review_exists``) if the order has one."""
        ...

    def for_order(self, order_id: OrderId) -> Review | None:
        """The order's review, if any."""
        ...

    def list_for_technician(self, technician_id: TechnicianId) -> list[Review]:
        """The technician's reviews, newest first."""
        ...


class OutboxRepository(Protocol):
    """Messages written in a command's transaction, delivered after commit."""

    def add(self, message: OutboxMessage) -> None:
        """Store a message to deliver."""
        ...

    def pending(self, limit: int) -> list[OutboxMessage]:
        """Undelivered messages, oldest first (at most ``limit``)."""
        ...

    def mark_delivered(self, message: OutboxMessage) -> None:
        """Record a successful delivery (``message`` carries the delivery time)."""
        ...

    def mark_failed(self, message: OutboxMessage) -> None:
        """Record a failed attempt (``message`` carries the attempt count and error)."""
        ...


class CouponTemplateRepository(Protocol):
    """Coupon templates and their issue counters: the home of the stock and per-customer
    limits (INVARIANTS I16)."""

    def add(self, template: CouponTemplate) -> None:
        """Store a new template (nothing issued yet).

        Raises:
            DuplicateEntity: (code ``coupon_template_exists``) if the id exists.
        """
        ...

    def get(self, template_id: CouponTemplateId) -> CouponTemplate:
        """The template. Raises NotFound (code ``coupon_template_not_found``)."""
        ...

    def save(self, template: CouponTemplate) -> None:
        """Replace the stored template's definition (e.g. deactivate it); what was issued
        stays issued and keeps counting against the stock.

        Raises:
            NotFound: (code ``coupon_template_not_found``) if it was never added.
        """
        ...

    def list(self) -> list[CouponTemplate]:
        """All templates, ordered by id."""
        ...

    def issued_count(self, template_id: CouponTemplateId) -> int:
        """How many coupons of the template were issued, ever. Raises NotFound."""
        ...

    def issue(
        self,
        template_id: CouponTemplateId,
        *,
        coupon_id: CouponId,
        customer_id: CustomerId,
        channel: IssueChannel,
        at: DateTime,
    ) -> Coupon:
        """Issue one coupon of the template to ``customer_id`` and store it, atomically.

        The decision is :meth:`CouponTemplate.issue` over the counts read under the
        template's lock, so under any number of concurrent issues the stock and the
        per-customer limit hold (I16): the issue waits for, or is serialized after, every
        other issue of the same template.

        Raises:
            NotFound: (code ``coupon_template_not_found``) if there is no such template.
            CouponNotClaimable: the template is inactive, not issued by ``channel``, outside
                its issue window, or its coupons would already have expired.
            CouponOutOfStock: the stock is issued.
            CouponLimitReached: the customer holds the per-customer limit (not for ADMIN).
            DuplicateEntity: (code ``coupon_exists``) if ``coupon_id`` is taken.
        """
        ...


class CouponRepository(Protocol):
    """Coupons in customers' wallets; every change is a compare-and-set (I16)."""

    def get(self, coupon_id: CouponId) -> Coupon:
        """The coupon. Raises NotFound (code ``coupon_not_found``)."""
        ...

    def list_for_customer(self, customer_id: CustomerId) -> list[Coupon]:
        """The customer's coupons, whatever their status, ordered by issue time then id."""
        ...

    def for_order(self, order_id: OrderId) -> list[Coupon]:
        """The coupons reserved or used by ``order_id``, ordered by id."""
        ...

    def replace(self, before: Coupon, after: Coupon) -> None:
        """Store ``after`` (a lifecycle step of ``before``) if the stored coupon still has
        ``before``'s status and order — compare-and-set, so of concurrent reservations,
        consumptions or releases of one coupon exactly one succeeds.

        Raises:
            NotFound: (code ``coupon_not_found``) if there is no such coupon.
            ConcurrentUpdate: if the coupon's status or order changed since it was read.
            InvalidInput: if ``after`` is not the same coupon as ``before``.
        """
        ...


class CampaignRepository(Protocol):
    """Campaigns and their budgets; spending is atomic (a budget is never overspent)."""

    def add(self, campaign: Campaign) -> None:
        """Store a new campaign. Raises DuplicateEntity (code ``campaign_exists``)."""
        ...

    def get(self, campaign_id: CampaignId) -> Campaign:
        """The campaign with what it has spent. Raises NotFound (``campaign_not_found``)."""
        ...

    def save(self, campaign: Campaign) -> None:
        """Replace the campaign's definition; its stored ``spent`` is kept (only
        :meth:`spend` and :meth:`give_back` change it).

        Raises:
            NotFound: (code ``campaign_not_found``) if it was never added.
            CampaignBudgetExceeded: if the new budget is below what was spent.
        """
        ...

    def list(self) -> list[Campaign]:
        """All campaigns, ordered by start then id."""
        ...

    def spend(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        """Charge ``amount`` to the campaign's budget, atomically (concurrent spends are
        serialized on the campaign), and return the campaign as stored.

        Raises:
            NotFound: (code ``campaign_not_found``).
            CampaignBudgetExceeded: if less than ``amount`` is left.
            InvalidPromotion: if ``amount`` is negative.
        """
        ...

    def give_back(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        """Return ``amount`` to the budget, atomically; the campaign as stored.

        Raises:
            NotFound: (code ``campaign_not_found``).
            InvalidPromotion: if ``amount`` is negative or more than was spent.
        """
        ...


class LedgerRepository(Protocol):
    """The journal: immutable balanced transactions; balances are sums over postings."""

    def record(self, transaction: Transaction, *, after: int | None = None) -> bool:
        """Append ``transaction`` to the journal.

        Idempotent by id: recording the same transaction again is a no-op (False), also
        when another unit of work records it concurrently.

        Args:
            transaction: The balanced entry.
            after: For an order's entry built from its history, how many of the order's
                transactions that history had; if the journal holds another number now
                (a concurrent entry for the same order), nothing is stored. None: no check.

        Returns:
            True if stored; False if this very transaction was stored before.

        Raises:
            IdempotencyConflict: the id is stored with other content.
            ConcurrentUpdate: ``after`` is not the order's current number of transactions,
                or another entry of the same order was recorded concurrently.
            InvalidLedgerEntry: a reversal names a transaction not recorded, or does not
                mirror it.
            TransactionAlreadyReversed: a reversal names a transaction reversed before
                (also concurrently).
        """
        ...

    def get(self, transaction_id: TransactionId) -> Transaction:
        """The transaction. Raises NotFound (code ``transaction_not_found``)."""
        ...

    def for_order(self, order_id: OrderId) -> list[Transaction]:
        """The order's transactions, in recording order."""
        ...

    def balances(self, currency: str | None = None) -> dict[tuple[Account, str], Money]:
        """Debit-minus-credit of every (account, currency) with a non-zero balance (of one
        currency if given), summed over postings; the values of a currency sum to zero."""
        ...


class UnitOfWork(Protocol):
    """One transaction: ``with uow: ...; uow.commit()``. Leaving without commit rolls back."""

    @property
    def categories(self) -> CategoryRepository: ...
    @property
    def services(self) -> ServiceRepository: ...
    @property
    def technicians(self) -> TechnicianRepository: ...
    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def schedules(self) -> ScheduleRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def reviews(self) -> ReviewRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def refunds(self) -> RefundRepository: ...
    @property
    def movements(self) -> MoneyMovementRepository: ...
    @property
    def webhooks(self) -> WebhookInbox: ...
    @property
    def complaints(self) -> ComplaintRepository: ...
    @property
    def positions(self) -> PositionRepository: ...
    @property
    def jobs(self) -> JobRepository: ...
    @property
    def coupon_templates(self) -> CouponTemplateRepository: ...
    @property
    def coupons(self) -> CouponRepository: ...
    @property
    def campaigns(self) -> CampaignRepository: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def idempotency_keys(self) -> IdempotencyKeyRepository: ...

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
