"""In-memory storage: a unit of work over dicts, serialized by one lock.

Each unit of work takes the store's lock for its whole life, so commands run one at a
time — the same guarantee SQLite gives by serializing writers — and works on a snapshot
that :meth:`InMemoryUnitOfWork.commit` swaps in atomically.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from types import TracebackType
from typing import Any, Self

import attrs
from pendulum import DateTime, Duration

from booking_core.catalog import Category, Service
from booking_core.errors import (
    CampaignBudgetExceeded,
    ConcurrentUpdate,
    DuplicateEntity,
    IdempotencyConflict,
    InvalidInput,
    NotFound,
    SlotTaken,
)
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.ledger import Account, Ledger, Transaction, TransactionId, net_balances
from booking_core.money import Money
from booking_core.orders import Order, Review
from booking_core.orders.complaint import Complaint
from booking_core.orders.hoarding import UnpaidCount
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.orders.order import ACTIVE_STATES
from booking_core.orders.payments import (
    MoneyMovement,
    PaymentAttempt,
    RefundRecord,
    open_attempt_exists,
)
from booking_core.orders.tracking import PositionReport
from booking_core.outbox import OutboxMessage
from booking_core.ports.jobs import Job, JobStatus
from booking_core.promotions import (
    Campaign,
    CampaignId,
    Coupon,
    CouponId,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    IssueChannel,
)
from booking_core.scheduling import Booking, Technician
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.timerange import TimeRange

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]

Tables = dict[str, dict[str, Any]]
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
    "complaints",
    "positions",
    "jobs",
    "counters",
    "coupon_templates",
    "coupons",
    "campaigns",
    "ledger",
    "idempotency_keys",
)


class InMemoryStore:
    """The data, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: Tables = {name: {} for name in _TABLES}

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new unit of work over this store (use as the services' factory)."""
        return InMemoryUnitOfWork(self)


def _copy_order(order: Order) -> Order:
    # Orders are mutable aggregates: hand out copies so an uncommitted change never leaks.
    return attrs.evolve(order, timeline=list(order.timeline))


class _Table:
    def __init__(self, uow: InMemoryUnitOfWork, name: str, entity: str) -> None:
        self._uow = uow
        self._name = name
        self._entity = entity

    @property
    def rows(self) -> dict[str, Any]:
        return self._uow.tables[self._name]

    def _insert(self, key: str, value: Any) -> None:
        if key in self.rows:
            raise DuplicateEntity(self._entity, key)
        self.rows[key] = value

    def _get(self, key: str) -> Any:
        try:
            return self.rows[key]
        except KeyError:
            raise NotFound(self._entity, key) from None


class _Categories(_Table):
    def add(self, category: Category) -> None:
        self._insert(category.id, category)

    def get(self, category_id: CategoryId) -> Category:
        result: Category = self._get(category_id)
        return result

    def list(self) -> list[Category]:
        return sorted(self.rows.values(), key=lambda c: (c.name, c.id))


class _Services(_Table):
    def add(self, service: Service) -> None:
        self._insert(service.id, service)

    def get(self, service_id: ServiceId) -> Service:
        result: Service = self._get(service_id)
        return result

    def list(self, category_id: CategoryId | None = None) -> list[Service]:
        found = [s for s in self.rows.values() if category_id in (None, s.category_id)]
        return sorted(found, key=lambda s: (s.name, s.id))


class _Technicians(_Table):
    def add(self, technician: Technician) -> None:
        self._insert(technician.id, technician)

    def get(self, technician_id: TechnicianId) -> Technician:
        result: Technician = self._get(technician_id)
        return result

    def list(self) -> list[Technician]:
        return sorted(self.rows.values(), key=lambda t: (t.name, t.id))

    def save(self, technician: Technician) -> None:
        self._get(technician.id)
        self.rows[technician.id] = technician


class _Bookings(_Table):
    def add(self, booking: Booking) -> None:
        if booking.active and self.list_active(booking.technician_id, booking.blocked):
            raise SlotTaken(
                "The technician already has a booking overlapping this time.",
                details={"technician_id": booking.technician_id},
            )
        self._insert(booking.id, booking)

    def get(self, booking_id: BookingId) -> Booking:
        result: Booking = self._get(booking_id)
        return result

    def release(self, booking_id: BookingId) -> None:
        self.rows[booking_id] = self.get(booking_id).release()

    def list_active(self, technician_id: TechnicianId, within: TimeRange) -> list[Booking]:
        found = [
            b
            for b in self.rows.values()
            if b.active and b.technician_id == technician_id and b.blocked.overlaps(within)
        ]
        return sorted(found, key=lambda b: (b.blocked.start, b.id))

    def list_active_many(
        self, technician_ids: Collection[TechnicianId], within: TimeRange
    ) -> list[Booking]:
        wanted = set(technician_ids)
        found = [
            b
            for b in self.rows.values()
            if b.active and b.technician_id in wanted and b.blocked.overlaps(within)
        ]
        return sorted(found, key=lambda b: (b.technician_id, b.blocked.start, b.id))

    def lock_technician(self, technician_id: TechnicianId) -> None:
        # Nothing to do: the unit of work holds the store's lock for its whole life, so no
        # other reservation (of any technician) can interleave with this one.
        return None


class _Schedules(_Table):
    def get(self, technician_id: TechnicianId) -> WorkSchedule:
        found: WorkSchedule | None = self.rows.get(technician_id)
        return found if found is not None else WorkSchedule.empty(technician_id)

    def get_many(
        self, technician_ids: Collection[TechnicianId]
    ) -> dict[TechnicianId, WorkSchedule]:
        return {tid: self.get(tid) for tid in technician_ids}

    def save(self, schedule: WorkSchedule) -> WorkSchedule:
        if self.get(schedule.technician_id).version != schedule.version:
            raise ConcurrentUpdate(
                f"The schedule of {schedule.technician_id} was changed by someone else; "
                "reload it and try again.",
                details={"technician_id": schedule.technician_id},
            )
        saved = attrs.evolve(schedule, version=schedule.version + 1)
        self.rows[schedule.technician_id] = saved
        return saved


class _Orders(_Table):
    def add(self, order: Order) -> None:
        self._insert(order.id, _copy_order(order))

    def get(self, order_id: OrderId) -> Order:
        return _copy_order(self._get(order_id))

    def lock(self, order_id: OrderId) -> None:
        # The unit of work holds the store's lock for its whole life: checking that the
        # order exists is all there is to do.
        self._get(order_id)

    def save(self, order: Order) -> None:
        stored: Order = self._get(order.id)
        if stored.version != order.version:
            raise ConcurrentUpdate(
                f"Order {order.id} was changed by someone else; reload it and try again.",
                details={"order_id": order.id},
            )
        order.version += 1
        self.rows[order.id] = _copy_order(order)

    def list_for_customer(self, customer_id: CustomerId) -> list[Order]:
        found = [o for o in self.rows.values() if o.customer_id == customer_id]
        return [
            _copy_order(o) for o in sorted(found, key=lambda o: (o.placed_at, o.id), reverse=True)
        ]


class _OrderNumbers(_Orders):
    def next_sequence(self) -> int:
        counters = self._uow.tables["counters"]
        counters["order_number"] = counters.get("order_number", 0) + 1
        value: int = counters["order_number"]
        return value

    def get_by_number(self, number: str) -> Order:
        found = next((o for o in self.rows.values() if o.number == number), None)
        if found is None:
            raise NotFound("order", number)
        return _copy_order(found)

    def lock_customer(self, customer_id: CustomerId) -> None:
        # Nothing to do: the unit of work holds the store's lock for its whole life.
        return None

    def count_unpaid(self, customer_id: CustomerId, technician_id: TechnicianId) -> UnpaidCount:
        unpaid = [
            o
            for o in self.rows.values()
            if o.customer_id == customer_id
            and o.state in ACTIVE_STATES
            and (o.paid is None or o.paid.amount == 0)
        ]
        mine = sum(1 for o in unpaid if o.technician_id == technician_id)
        return UnpaidCount(total=len(unpaid), with_technician=mine)


class _IdempotencyKeys(_Table):
    # Units of work are serialized, so a claim never meets one in flight.
    def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        held = self.get(record.actor_id, record.key, record.created_at)
        if held is not None:
            return held
        self.rows[f"{record.actor_id}\x00{record.key}"] = record
        return None

    def get(self, actor_id: str, key: str, at: DateTime) -> IdempotencyRecord | None:
        found: IdempotencyRecord | None = self.rows.get(f"{actor_id}\x00{key}")
        return found if found is not None and found.is_live(at) else None

    def purge_expired(self, at: DateTime) -> int:
        expired = [k for k, record in self.rows.items() if not record.is_live(at)]
        for key in expired:
            del self.rows[key]
        return len(expired)


class _Payments(_Table):
    def add(self, attempt: PaymentAttempt) -> None:
        # At most one open attempt per order, as the SQL adapter's partial unique index.
        fresh_and_open = attempt.key not in self.rows and attempt.is_open
        if fresh_and_open and any(
            a.is_open and a.order_id == attempt.order_id for a in self.rows.values()
        ):
            raise open_attempt_exists(attempt)
        self._insert(attempt.key, attempt)

    def get(self, key: str) -> PaymentAttempt:
        result: PaymentAttempt = self._get(key)
        return result

    def save(self, attempt: PaymentAttempt) -> None:
        self._get(attempt.key)
        self.rows[attempt.key] = attempt

    def for_order(self, order_id: OrderId) -> list[PaymentAttempt]:
        found = [a for a in self.rows.values() if a.order_id == order_id]
        return sorted(found, key=lambda a: (a.created_at, a.key))


class _Refunds(_Table):
    def add(self, refund: RefundRecord) -> None:
        self._insert(refund.key, refund)

    def get(self, key: str) -> RefundRecord:
        result: RefundRecord = self._get(key)
        return result

    def save(self, refund: RefundRecord) -> None:
        self._get(refund.key)
        self.rows[refund.key] = refund

    def for_order(self, order_id: OrderId) -> list[RefundRecord]:
        found = [r for r in self.rows.values() if r.order_id == order_id]
        return sorted(found, key=lambda r: (r.requested_at, r.key))


class _Movements(_Table):
    def append(self, movement: MoneyMovement) -> bool:
        known: tuple[int, MoneyMovement] | None = self.rows.get(movement.key)
        if known is None:
            # The position keeps "the order they were applied" without a clock.
            self.rows[movement.key] = (len(self.rows), movement)
            return True
        if known[1].same_fact(movement):
            return False
        raise IdempotencyConflict(
            f"Money movement {movement.key!r} was applied with another amount; not applied.",
            details={"key": movement.key},
        )

    def for_order(self, order_id: OrderId) -> list[MoneyMovement]:
        found = sorted(p for p in self.rows.values() if p[1].order_id == order_id)
        return [m for _, m in found]


class _Webhooks(_Table):
    def record(self, gateway: str, event_id: str, raw: str, received_at: DateTime) -> bool:
        key = f"{gateway}\x00{event_id}"
        if key in self.rows:
            return False
        self.rows[key] = (raw, received_at)
        return True


def _copy_complaint(complaint: Complaint) -> Complaint:
    return attrs.evolve(complaint, timeline=list(complaint.timeline))


class _Complaints(_Table):
    def add(self, complaint: Complaint) -> None:
        self._insert(complaint.id, _copy_complaint(complaint))

    def get(self, complaint_id: str) -> Complaint:
        return _copy_complaint(self._get(complaint_id))

    def save(self, complaint: Complaint) -> None:
        stored: Complaint = self._get(complaint.id)
        if stored.version != complaint.version:
            raise ConcurrentUpdate(
                f"Complaint {complaint.id} was changed by someone else; reload it and try again.",
                details={"complaint_id": complaint.id},
            )
        complaint.version += 1
        self.rows[complaint.id] = _copy_complaint(complaint)

    def for_order(self, order_id: OrderId) -> list[Complaint]:
        found = [c for c in self.rows.values() if c.order_id == order_id]
        return [_copy_complaint(c) for c in sorted(found, key=lambda c: (c.filed_at, c.id))]

    def list_pending(self) -> list[Complaint]:
        found = [c for c in self.rows.values() if c.is_pending]
        return [_copy_complaint(c) for c in sorted(found, key=lambda c: (c.filed_at, c.id))]


class _Positions(_Table):
    def add(self, report: PositionReport) -> None:
        self.rows[f"{report.order_id}\x00{len(self.rows):012d}"] = report

    def latest(self, order_id: OrderId) -> PositionReport | None:
        found = [(r.reported_at, n, r) for n, r in self.rows.items() if r.order_id == order_id]
        return max(found)[2] if found else None


class _Jobs(_Table):
    def schedule(self, job: Job) -> bool:
        if job.id in self.rows:
            return False
        self.rows[job.id] = job
        return True

    def get(self, job_id: str) -> Job:
        result: Job = self._get(job_id)
        return result

    def claim_due(self, now: DateTime, *, worker: str, limit: int, lease: Duration) -> list[Job]:
        due = [
            j
            for j in self.rows.values()
            if (j.status is JobStatus.PENDING and j.due_at <= now)
            or (
                j.status is JobStatus.RUNNING
                and j.locked_until is not None
                and j.locked_until <= now
            )
        ]
        claimed = []
        for found in sorted(due, key=lambda j: (j.due_at, j.id))[:limit]:
            job = attrs.evolve(
                found,
                status=JobStatus.RUNNING,
                attempts=found.attempts + 1,
                locked_by=worker,
                locked_until=now + lease,
            )
            self.rows[job.id] = job
            claimed.append(job)
        return claimed

    def _held(self, job_id: str, worker: str) -> Job:
        job = self.get(job_id)
        if job.status is not JobStatus.RUNNING or job.locked_by != worker:
            raise ConcurrentUpdate(
                f"Job {job_id} is no longer held by {worker}.", details={"job_id": job_id}
            )
        return job

    def finish(self, job_id: str, *, worker: str) -> None:
        job = self._held(job_id, worker)
        self.rows[job_id] = attrs.evolve(
            job, status=JobStatus.DONE, locked_by=None, locked_until=None
        )

    def retry(self, job_id: str, *, worker: str, due_at: DateTime, error: str | None) -> None:
        job = self._held(job_id, worker)
        self.rows[job_id] = attrs.evolve(
            job,
            status=JobStatus.PENDING,
            due_at=due_at,
            locked_by=None,
            locked_until=None,
            last_error=error,
        )

    def bury(self, job_id: str, *, worker: str, error: str) -> None:
        job = self._held(job_id, worker)
        self.rows[job_id] = attrs.evolve(
            job, status=JobStatus.DEAD, locked_by=None, locked_until=None, last_error=error
        )

    def list_for_subject(self, subject: str) -> list[Job]:
        found = [j for j in self.rows.values() if j.subject == subject]
        return sorted(found, key=lambda j: (j.due_at, j.id))


class _Reviews(_Table):
    def add(self, review: Review) -> None:
        if any(r.order_id == review.order_id for r in self.rows.values()):
            raise DuplicateEntity("review", review.order_id)
        self._insert(review.id, review)

    def for_order(self, order_id: OrderId) -> Review | None:
        return next((r for r in self.rows.values() if r.order_id == order_id), None)

    def list_for_technician(self, technician_id: TechnicianId) -> list[Review]:
        found = [r for r in self.rows.values() if r.technician_id == technician_id]
        return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)


class _Outbox(_Table):
    def add(self, message: OutboxMessage) -> None:
        self._insert(message.id, message)

    def pending(self, limit: int) -> list[OutboxMessage]:
        waiting = [m for m in self.rows.values() if m.delivered_at is None]
        return sorted(waiting, key=lambda m: (m.created_at, m.id))[:limit]

    def mark_delivered(self, message: OutboxMessage) -> None:
        self._get(message.id)
        self.rows[message.id] = message

    def mark_failed(self, message: OutboxMessage) -> None:
        self._get(message.id)
        self.rows[message.id] = message


class _CouponTemplates(_Table):
    # Rows are (template, issued count); the store's lock serializes issues (I16).
    def add(self, template: CouponTemplate) -> None:
        self._insert(template.id, (template, 0))

    def get(self, template_id: CouponTemplateId) -> CouponTemplate:
        template: CouponTemplate = self._get(template_id)[0]
        return template

    def save(self, template: CouponTemplate) -> None:
        _, issued = self._get(template.id)
        self.rows[template.id] = (template, issued)

    def list(self) -> list[CouponTemplate]:
        return [self.rows[key][0] for key in sorted(self.rows)]

    def issued_count(self, template_id: CouponTemplateId) -> int:
        issued: int = self._get(template_id)[1]
        return issued

    def issue(
        self,
        template_id: CouponTemplateId,
        *,
        coupon_id: CouponId,
        customer_id: CustomerId,
        channel: IssueChannel,
        at: DateTime,
    ) -> Coupon:
        template, issued = self._get(template_id)
        coupons = self._uow.tables["coupons"]
        held = sum(
            1
            for c in coupons.values()
            if c.template_id == template_id and c.customer_id == customer_id
        )
        coupon: Coupon = template.issue(
            coupon_id=coupon_id,
            customer_id=customer_id,
            channel=channel,
            at=at,
            issued_so_far=issued,
            held_by_customer=held,
        )
        if coupon_id in coupons:
            raise DuplicateEntity("coupon", coupon_id)
        coupons[coupon_id] = coupon
        self.rows[template_id] = (template, issued + 1)
        return coupon


class _Coupons(_Table):
    def get(self, coupon_id: CouponId) -> Coupon:
        result: Coupon = self._get(coupon_id)
        return result

    def list_for_customer(self, customer_id: CustomerId) -> list[Coupon]:
        found = [c for c in self.rows.values() if c.customer_id == customer_id]
        return sorted(found, key=lambda c: (c.issued_at, c.id))

    def for_order(self, order_id: OrderId) -> list[Coupon]:
        found = [
            c
            for c in self.rows.values()
            if c.order_id == order_id and c.status in (CouponStatus.RESERVED, CouponStatus.USED)
        ]
        return sorted(found, key=lambda c: c.id)

    def replace(self, before: Coupon, after: Coupon) -> None:
        if after.id != before.id:
            raise InvalidInput(f"Coupon {before.id} cannot be replaced by coupon {after.id}.")
        stored = self.get(before.id)
        if (stored.status, stored.order_id) != (before.status, before.order_id):
            raise ConcurrentUpdate(
                f"Coupon {before.id} was changed by someone else; reload it and try again.",
                details={"coupon_id": before.id},
            )
        self.rows[after.id] = after


class _Campaigns(_Table):
    def add(self, campaign: Campaign) -> None:
        self._insert(campaign.id, campaign)

    def get(self, campaign_id: CampaignId) -> Campaign:
        result: Campaign = self._get(campaign_id)
        return result

    def save(self, campaign: Campaign) -> None:
        stored = self.get(campaign.id)
        updated = attrs.evolve(campaign, spent=stored.spent)
        remaining = updated.remaining
        if remaining is not None and remaining.is_negative:
            raise CampaignBudgetExceeded(
                f"Campaign {campaign.name!r} has spent {stored.spent}; its budget cannot be "
                f"{campaign.budget}.",
                details={"campaign_id": campaign.id, "remaining": remaining.amount},
            )
        self.rows[campaign.id] = updated

    def list(self) -> list[Campaign]:
        return sorted(self.rows.values(), key=lambda c: (c.starts_at, c.id))

    def spend(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        campaign = self.get(campaign_id).spend(amount)
        self.rows[campaign_id] = campaign
        return campaign

    def give_back(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        campaign = self.get(campaign_id).give_back(amount)
        self.rows[campaign_id] = campaign
        return campaign


class _Journal(_Table):
    # Rows are (position, transaction); the position keeps the recording order.
    def _all(self) -> list[Transaction]:
        return [t for _, t in sorted(self.rows.values(), key=lambda row: row[0])]

    def record(self, transaction: Transaction, *, after: int | None = None) -> bool:
        known: tuple[int, Transaction] | None = self.rows.get(transaction.id)
        if known is not None:
            if known[1] == transaction:
                return False
            raise IdempotencyConflict(
                f"Transaction {transaction.id!r} was recorded with other content; not recorded.",
                details={"transaction_id": transaction.id},
            )
        journal = self._all()
        order_id = transaction.order_id
        if after is not None and order_id is not None:
            count = sum(1 for t in journal if t.order_id == order_id)
            if count != after:
                raise ConcurrentUpdate(
                    f"Order {order_id} has {count} journal entries, not {after}; another entry "
                    "was recorded meanwhile. Rebuild the entry from the books and try again.",
                    details={"order_id": order_id},
                )
        # The reference ledger checks reversals (recorded, mirrored, reversed once).
        Ledger(tuple(journal)).record(transaction)
        self.rows[transaction.id] = (len(self.rows), transaction)
        return True

    def get(self, transaction_id: TransactionId) -> Transaction:
        found: tuple[int, Transaction] = self._get(transaction_id)
        return found[1]

    def for_order(self, order_id: OrderId) -> list[Transaction]:
        return [t for t in self._all() if t.order_id == order_id]

    def balances(self, currency: str | None = None) -> dict[tuple[Account, str], Money]:
        totals = net_balances(self._all())
        return {
            key: Money(value, key[1])
            for key, value in sorted(
                totals.items(), key=lambda item: (item[0][1], item[0][0].sort_key)
            )
            if currency is None or key[1] == currency
        }


class InMemoryUnitOfWork:
    """A unit of work over an :class:`InMemoryStore`."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.tables: Tables = {}
        self.categories = _Categories(self, "categories", "category")
        self.services = _Services(self, "services", "service")
        self.technicians = _Technicians(self, "technicians", "technician")
        self.bookings = _Bookings(self, "bookings", "booking")
        self.orders = _OrderNumbers(self, "orders", "order")
        self.payments = _Payments(self, "payments", "payment")
        self.refunds = _Refunds(self, "refunds", "refund")
        self.movements = _Movements(self, "movements", "money_movement")
        self.webhooks = _Webhooks(self, "webhooks", "webhook")
        self.complaints = _Complaints(self, "complaints", "complaint")
        self.positions = _Positions(self, "positions", "position")
        self.jobs = _Jobs(self, "jobs", "job")
        self.reviews = _Reviews(self, "reviews", "review")
        self.outbox = _Outbox(self, "outbox", "outbox_message")
        self.schedules = _Schedules(self, "schedules", "schedule")
        self.coupon_templates = _CouponTemplates(self, "coupon_templates", "coupon_template")
        self.coupons = _Coupons(self, "coupons", "coupon")
        self.campaigns = _Campaigns(self, "campaigns", "campaign")
        self.ledger = _Journal(self, "ledger", "transaction")
        self.idempotency_keys = _IdempotencyKeys(self, "idempotency_keys", "idempotency_key")

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
