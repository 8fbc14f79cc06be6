"""Domain objects to column values and back: one small ``*_to_row`` / ``*_to_domain`` pair each.

Rows come from Core ``select`` statements; values go to Core ``insert``/``update`` statements.
Instants come back from :class:`~booking_core_sqlalchemy.tables.UtcDateTime` in UTC; an order's
instants are shown in the order's own IANA zone (the zone is stored, not just an offset).
"""

from __future__ import annotations

import functools
import json
from types import SimpleNamespace
from typing import Any

import attrs
import pendulum
from pendulum import DateTime
from sqlalchemy import Row

from booking_core.accounts import Account as LoginAccount
from booking_core.accounts import AccountId, LoginSession, OneTimeCode, SessionId
from booking_core.catalog import BookingRules, Category, Service
from booking_core.customers import Customer
from booking_core.dispatch.metrics import DispatchMetrics
from booking_core.ids import (
    BookingId,
    CategoryId,
    CustomerId,
    OrderId,
    ServiceId,
    StoreId,
    TechnicianId,
)
from booking_core.ledger import Account, AccountKind, Posting, Transaction, TransactionKind
from booking_core.ledger import TransactionId as LedgerTransactionId
from booking_core.money import Money
from booking_core.orders import Actor, Order, OrderContact, Party, Review
from booking_core.orders.actor import Role
from booking_core.orders.complaint import Complaint
from booking_core.orders.dispatching import DispatchState
from booking_core.orders.idempotency import IdempotencyRecord
from booking_core.orders.order import TransitionRecord
from booking_core.orders.payments import (
    MoneyMovement,
    MovementKind,
    PaymentAttempt,
    PaymentPurpose,
    PaymentStatus,
    RefundRecord,
    RefundStatus,
)
from booking_core.orders.policy import PaymentMode
from booking_core.orders.statements import Difference, StatementCheck
from booking_core.orders.tracking import PositionReport
from booking_core.outbox import OutboxMessage, OutboxState
from booking_core.ports.jobs import Job, JobStatus
from booking_core.pricing import Quote
from booking_core.promotions import Campaign, Coupon, CouponTemplate
from booking_core.scheduling import Booking, Technician, WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.scheduling.schedule import WorkSchedule
from booking_core.serialization import make_converter
from booking_core.staff import StaffRole
from booking_core.stores import Announcement, Audience, Store
from booking_core.timerange import TimeRange, zone
from booking_core_sqlalchemy.tables import UtcDateTime, bookings, utc_instant

__all__ = [
    "ReadCache",
    "account_to_domain",
    "announcement_to_domain",
    "announcement_to_row",
    "booking_from_raw",
    "booking_to_domain",
    "booking_to_row",
    "campaign_to_domain",
    "campaign_to_row",
    "category_to_domain",
    "category_to_row",
    "complaint_to_domain",
    "complaint_to_row",
    "coupon_template_to_domain",
    "coupon_template_to_row",
    "coupon_to_domain",
    "coupon_to_row",
    "customer_to_domain",
    "customer_to_row",
    "dispatch_metrics_to_domain",
    "idempotency_record_to_domain",
    "job_to_domain",
    "job_to_row",
    "ledger_transaction_to_domain",
    "ledger_transaction_to_rows",
    "login_account_to_domain",
    "login_account_to_row",
    "login_session_to_domain",
    "login_session_to_row",
    "movement_to_domain",
    "movement_to_row",
    "one_time_code_to_domain",
    "one_time_code_to_row",
    "order_to_domain",
    "order_to_row",
    "outbox_to_domain",
    "outbox_to_row",
    "payment_to_domain",
    "payment_to_row",
    "position_to_domain",
    "position_to_row",
    "refund_to_domain",
    "refund_to_row",
    "review_to_domain",
    "review_to_row",
    "schedule_from_text",
    "schedule_to_domain",
    "schedule_to_row",
    "service_to_domain",
    "service_to_row",
    "store_to_domain",
    "store_to_row",
    "technician_from_text",
    "technician_to_domain",
    "technician_to_row",
    "transition_to_domain",
    "transition_to_row",
]

Values = dict[str, Any]
#: A result row, or any object with the same columns as attributes (the agenda's joined row
#: is sliced into one of these per table).
RowLike = Any

_converter = make_converter()


_zone = functools.lru_cache(maxsize=256)(zone)


def _local(instant: DateTime, zone_name: str) -> DateTime:
    return instant.in_timezone(_zone(zone_name))


def category_to_row(category: Category) -> Values:
    """Column values of ``category``."""
    return {"id": category.id, "name": category.name, "parent_id": category.parent_id}


def category_to_domain(row: Row[Any]) -> Category:
    """The category in ``row``."""
    parent = row.parent_id
    return Category(CategoryId(row.id), row.name, None if parent is None else CategoryId(parent))


def service_to_row(service: Service) -> Values:
    """Column values of ``service``."""
    return {
        "id": service.id,
        "category_id": service.category_id,
        "name": service.name,
        "description": service.description,
        "duration_minutes": service.duration_minutes,
        "buffer_before_minutes": service.buffer_before_minutes,
        "buffer_after_minutes": service.buffer_after_minutes,
        "price_amount": service.price.amount,
        "price_currency": service.price.currency,
        **_rules_columns(service.rules),
        "technicians_needed": service.technicians_needed,
    }


def _rules_columns(rules: BookingRules | None) -> Values:
    rules = rules or BookingRules()
    kind = rules.window_kind
    return {
        "rules_step_minutes": rules.slot_step_minutes,
        "rules_notice_minutes": rules.notice_minutes,
        "rules_window_days": rules.window_days,
        "rules_window_kind": None if kind is None else kind.value,
    }


def _rules(row: RowLike) -> BookingRules | None:
    rules = BookingRules(
        row.rules_step_minutes, row.rules_notice_minutes, row.rules_window_days,
        row.rules_window_kind,
    )  # fmt: skip
    return None if rules.is_empty else rules


def service_to_domain(row: RowLike) -> Service:
    """The service in ``row``."""
    return Service(
        id=ServiceId(row.id),
        category_id=CategoryId(row.category_id),
        name=row.name,
        duration_minutes=row.duration_minutes,
        price=Money(row.price_amount, row.price_currency),
        description=row.description,
        buffer_before_minutes=row.buffer_before_minutes,
        buffer_after_minutes=row.buffer_after_minutes,
        rules=_rules(row),
        technicians_needed=row.technicians_needed,
    )


def technician_to_row(technician: Technician) -> Values:
    """Column values of ``technician`` (weekly hours in the converter's wire form)."""
    return {
        "id": technician.id,
        "name": technician.name,
        "time_zone": technician.time_zone,
        "weekly_hours": _converter.unstructure(technician.weekly_hours, WeeklyHours),
        "service_ids": sorted(technician.service_ids),
        "profile": _converter.unstructure(technician.profile, TechnicianProfile),
    }


def technician_to_domain(row: RowLike) -> Technician:
    """The technician in ``row``."""
    return Technician(
        id=TechnicianId(row.id),
        name=row.name,
        time_zone=row.time_zone,
        weekly_hours=_converter.structure(row.weekly_hours, WeeklyHours),
        service_ids=frozenset(ServiceId(s) for s in row.service_ids),
        profile=_converter.structure(row.profile, TechnicianProfile),
    )


class ReadCache:
    """Values parsed from stored rows, remembered by the row's raw text: the agenda read
    (once per reservation) would otherwise parse the same technician's weekly hours and
    schedule, and the same bookings, again every time.

    Owned by one :class:`~booking_core_sqlalchemy.SqlAlchemyStorage` and shared by its units
    of work. Bounded (least recently used go first) and safe across threads
    (``functools.lru_cache``). It holds immutable values only, keyed by every column they
    are built from, so handing one out twice is the same as building it twice; a changed
    row (a booking released, a schedule saved) is another key. A remembered booking takes
    about 2 KB with its key: 4 MB at the default bound; a technician about 4 KB: up to
    64 MB at its bound of 16,384.
    """

    def __init__(
        self,
        *,
        max_documents: int = 256,
        max_bookings: int = 2048,
        max_technicians: int = 16_384,
    ) -> None:
        self.weekly_hours = functools.lru_cache(maxsize=max_documents)(_weekly_hours_from_text)
        self.schedule = functools.lru_cache(maxsize=max_documents)(_schedule_from_text)
        self.empty_schedule = functools.lru_cache(maxsize=max_documents)(WorkSchedule.empty)
        self.booking = functools.lru_cache(maxsize=max_bookings)(booking_from_raw)
        # Every technician of an "any technician" search is listed on every search.
        self.technician = functools.lru_cache(maxsize=max_technicians)(_technician_from_texts)


def _weekly_hours_from_text(text: str) -> WeeklyHours:
    return _converter.structure(json.loads(text), WeeklyHours)


def _schedule_from_text(text: str, version: int) -> WorkSchedule:
    return _converter.structure({**json.loads(text), "version": version}, WorkSchedule)


def technician_from_text(row: RowLike, cache: ReadCache) -> Technician:
    """The technician in ``row`` whose JSON columns are still text (the agenda read, the
    technician list), through ``cache``; equal to :func:`technician_to_domain` of the
    decoded row."""
    return cache.technician(
        row.id, row.name, row.time_zone, row.weekly_hours, row.service_ids, row.profile
    )


def _technician_from_texts(
    technician_id: str, name: str, time_zone: str, hours: str, service_ids: str, profile: str
) -> Technician:
    return Technician(
        id=TechnicianId(technician_id),
        name=name,
        time_zone=time_zone,
        weekly_hours=_converter.structure(json.loads(hours), WeeklyHours),
        service_ids=frozenset(ServiceId(s) for s in json.loads(service_ids)),
        profile=_converter.structure(json.loads(profile), TechnicianProfile),
    )


def schedule_from_text(document: str, version: int, cache: ReadCache) -> WorkSchedule:
    """The schedule of a document still in JSON text, through ``cache``; equal to
    :func:`schedule_to_domain` of the decoded row."""
    return cache.schedule(document, version)


_BOOKING_COLUMNS = tuple(bookings.c.keys())
_BOOKING_INSTANTS = frozenset(c.key for c in bookings.c if isinstance(c.type, UtcDateTime))


def booking_from_raw(raw: tuple[Any, ...]) -> Booking:
    """The booking in ``raw``: a ``bookings`` row's values in column order as the driver
    returns them (instants not yet read by UtcDateTime); equal to
    :func:`booking_to_domain` of the row read through the table's types."""
    return booking_to_domain(
        SimpleNamespace(
            **{
                name: utc_instant(value) if name in _BOOKING_INSTANTS else value
                for name, value in zip(_BOOKING_COLUMNS, raw, strict=True)
            }
        )
    )


def booking_to_row(booking: Booking) -> Values:
    """Column values of ``booking``."""
    return {
        "id": booking.id,
        "technician_id": booking.technician_id,
        "order_id": booking.order_id,
        "slot_start": booking.slot.start,
        "slot_end": booking.slot.end,
        "blocked_start": booking.blocked.start,
        "blocked_end": booking.blocked.end,
        "active": booking.active,
        "service_id": booking.service_id,
        "holder": booking.holder,
        "hold_expires_at": booking.hold_expires_at,
        "location_lat": None if booking.location is None else booking.location.lat,
        "location_lon": None if booking.location is None else booking.location.lon,
        "travel_minutes": booking.travel_minutes,
    }


def booking_to_domain(row: RowLike) -> Booking:
    """The booking in ``row`` (instants in UTC)."""
    order, service, holder, lat = row.order_id, row.service_id, row.holder, row.location_lat
    return Booking(
        id=BookingId(row.id),
        technician_id=TechnicianId(row.technician_id),
        order_id=None if order is None else OrderId(order),
        # Instants come back as aware pendulum DateTimes: the converters have nothing to do.
        slot=TimeRange.of_aware(row.slot_start, row.slot_end),
        blocked=TimeRange.of_aware(row.blocked_start, row.blocked_end),
        active=bool(row.active),
        service_id=None if service is None else ServiceId(service),
        holder=None if holder is None else CustomerId(holder),
        hold_expires_at=row.hold_expires_at,
        location=None if lat is None else GeoPoint(lat, row.location_lon),
        travel_minutes=row.travel_minutes,
    )


def schedule_to_row(schedule: WorkSchedule) -> Values:
    """Column values of ``schedule`` (the document leaves the version to its column)."""
    document = _converter.unstructure(schedule, WorkSchedule)
    del document["version"]
    return {
        "technician_id": schedule.technician_id,
        "document": document,
        "version": schedule.version,
    }


def schedule_to_domain(row: RowLike) -> WorkSchedule:
    """The schedule in ``row``."""
    return _converter.structure({**row.document, "version": row.version}, WorkSchedule)


def _money_columns(name: str, money: Money | None) -> Values:
    if money is None:
        return {f"{name}_amount": None, f"{name}_currency": None}
    return {f"{name}_amount": money.amount, f"{name}_currency": money.currency}


def _money(amount: int | None, currency: str | None) -> Money | None:
    return None if amount is None or currency is None else Money(amount, currency)


def order_to_row(order: Order) -> Values:
    """Column values of ``order`` itself (its timeline goes to ``order_transitions``)."""
    destination = order.destination
    return {
        "id": order.id,
        "number": order.number,
        "customer_id": order.customer_id,
        "technician_id": order.technician_id,
        "service_id": order.service_id,
        "booking_id": order.booking_id,
        "slot_start": order.slot.start,
        "slot_end": order.slot.end,
        "time_zone": order.time_zone,
        "placed_at": order.placed_at,
        "state": order.state,
        "payment_mode": PaymentMode(order.payment_mode).value,
        **_money_columns("price", order.price),
        **_money_columns("upfront", order.upfront),
        **_money_columns("paid", order.paid),
        **_money_columns("refunded", order.refunded),
        **_money_columns("cancellation_fee", order.cancellation_fee),
        **_money_columns("held", order.held),
        "destination_lat": None if destination is None else destination.lat,
        "destination_lon": None if destination is None else destination.lon,
        "late_minutes": order.late_minutes,
        "cancel_cause": order.cancel_cause,
        "review_closed": order.review_closed,
        "version": order.version,
        "quote": None if order.quote is None else _converter.unstructure(order.quote, Quote),
        "contact": None
        if order.contact is None
        else _converter.unstructure(order.contact, OrderContact),
        "dispatch": None
        if order.dispatch is None
        else _converter.unstructure(order.dispatch, DispatchState),
        **_party_columns(order.party),
        "holding_id": order.holding_id,
    }


def _party_columns(party: Party | None) -> Values:
    if party is None:
        return {"party_id": None, "party_size": None, "party_seat": None}
    return {"party_id": party.id, "party_size": party.size, "party_seat": party.seat}


def transition_to_row(order_id: OrderId, record: TransitionRecord) -> Values:
    """Column values of one timeline record of order ``order_id``."""
    return {
        "order_id": order_id,
        "sequence": record.sequence,
        "event": record.event,
        "from_state": record.from_state,
        "to_state": record.to_state,
        "actor_id": record.actor.id,
        "actor_role": record.actor.role.value,
        "at": record.at,
        "reason": record.reason,
    }


def transition_to_domain(row: Row[Any], time_zone: str) -> TransitionRecord:
    """The timeline record in ``row``, its instant shown in ``time_zone``."""
    return TransitionRecord(
        sequence=row.sequence,
        event=row.event,
        from_state=row.from_state,
        to_state=row.to_state,
        actor=Actor(row.actor_id, Role(row.actor_role)),
        at=_local(row.at, time_zone),
        reason=row.reason,
    )


def order_to_domain(row: Row[Any], timeline: list[Row[Any]]) -> Order:
    """The order in ``row`` with its ``timeline`` rows (by sequence), in the order's zone."""
    tz = row.time_zone
    technician, lat = row.technician_id, row.destination_lat
    return Order(
        id=OrderId(row.id),
        customer_id=CustomerId(row.customer_id),
        technician_id=None if technician is None else TechnicianId(technician),
        service_id=ServiceId(row.service_id),
        booking_id=BookingId(row.booking_id),
        slot=TimeRange(_local(row.slot_start, tz), _local(row.slot_end, tz)),
        time_zone=tz,
        price=Money(row.price_amount, row.price_currency),
        placed_at=_local(row.placed_at, tz),
        state=row.state,
        paid=_money(row.paid_amount, row.paid_currency),
        version=row.version,
        timeline=[transition_to_domain(t, tz) for t in timeline],
        number=row.number,
        payment_mode=PaymentMode(row.payment_mode),
        upfront=Money(row.upfront_amount, row.upfront_currency),
        refunded=_money(row.refunded_amount, row.refunded_currency),
        destination=None if lat is None else GeoPoint(lat, row.destination_lon),
        late_minutes=row.late_minutes,
        cancel_cause=row.cancel_cause,
        cancellation_fee=_money(row.cancellation_fee_amount, row.cancellation_fee_currency),
        held=_money(row.held_amount, row.held_currency),
        review_closed=bool(row.review_closed),
        quote=None if row.quote is None else _converter.structure(row.quote, Quote),
        contact=None if row.contact is None else _converter.structure(row.contact, OrderContact),
        dispatch=None if row.dispatch is None else _dispatch_to_domain(row.dispatch, tz),
        party=None if row.party_id is None else Party(row.party_id, row.party_size, row.party_seat),
        holding_id=row.holding_id,
    )


def _dispatch_to_domain(document: dict[str, Any], zone_name: str) -> DispatchState:
    # The document keeps offsets only: show its instants in the order's zone, as the
    # order's other instants are.
    state = _converter.structure(document, DispatchState)
    offer = state.offer
    return attrs.evolve(
        state,
        opened_at=None if state.opened_at is None else _local(state.opened_at, zone_name),
        escalated_at=None if state.escalated_at is None else _local(state.escalated_at, zone_name),
        offer=None
        if offer is None
        else attrs.evolve(
            offer,
            made_at=_local(offer.made_at, zone_name),
            expires_at=_local(offer.expires_at, zone_name),
        ),
    )


def dispatch_metrics_to_domain(row: Row[Any]) -> DispatchMetrics:
    """The dispatch counts in ``row`` (``last_assigned_at`` in UTC)."""
    return DispatchMetrics(
        TechnicianId(row.technician_id),
        offered=row.offered,
        accepted=row.accepted,
        refused=row.refused,
        timed_out=row.timed_out,
        grabbed=row.grabbed,
        assigned=row.assigned,
        completed=row.completed,
        last_assigned_at=row.last_assigned_at,
    )


#: The review's key columns; the rest of it travels in ``document`` (revision 0024).
_REVIEW_COLUMNS = ("id", "order_id", "customer_id", "technician_id", "stars", "text",
                   "created_at", "version")  # fmt: skip


def review_to_row(review: Review) -> Values:
    """Column values of ``review``: key columns, the moderation state, and the converter
    document of everything else (ratings, tags, photos, anonymity, reply, follow-up,
    moderation)."""
    plain = _converter.unstructure(review, Review)
    return {
        "id": review.id,
        "order_id": review.order_id,
        "customer_id": review.customer_id,
        "technician_id": review.technician_id,
        "stars": review.stars,
        "text": review.text,
        "created_at": review.created_at,
        "version": review.version,
        "moderation_state": None if review.moderation is None else review.moderation.state.value,
        "document": {k: v for k, v in plain.items() if k not in _REVIEW_COLUMNS},
    }


def review_to_domain(row: Row[Any]) -> Review:
    """The review in ``row``."""
    return _converter.structure(
        {
            **row.document,
            "id": row.id,
            "order_id": row.order_id,
            "customer_id": row.customer_id,
            "technician_id": row.technician_id,
            "stars": row.stars,
            "text": row.text,
            "created_at": _converter.unstructure(row.created_at),
            "version": row.version,
        },
        Review,
    )


def job_to_row(job: Job) -> Values:
    """Column values of ``job``."""
    return {
        "id": job.id,
        "kind": job.kind,
        "subject": job.subject,
        "due_at": job.due_at,
        "status": JobStatus(job.status).value,
        "attempts": job.attempts,
        "locked_by": job.locked_by,
        "locked_until": job.locked_until,
        "last_error": job.last_error,
    }


def idempotency_record_to_domain(row: Row[Any]) -> IdempotencyRecord:
    """The idempotency record in ``row``."""
    return IdempotencyRecord(
        actor_id=row.actor_id,
        key=row.key,
        fingerprint=row.fingerprint,
        order_id=OrderId(row.order_id),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def job_to_domain(row: Row[Any]) -> Job:
    """The job in ``row``."""
    return Job(
        id=row.id,
        kind=row.kind,
        subject=row.subject,
        due_at=row.due_at,
        status=JobStatus(row.status),
        attempts=row.attempts,
        locked_by=row.locked_by,
        locked_until=row.locked_until,
        last_error=row.last_error,
    )


def outbox_to_row(message: OutboxMessage) -> Values:
    """Column values of ``message``."""
    return {
        "id": message.id,
        "name": message.name,
        "payload": message.payload,
        "created_at": message.created_at,
        "attempts": message.attempts,
        "delivered_at": message.delivered_at,
        "last_error": message.last_error,
        "state": message.state.value,
        "due_at": message.due_at,
    }


def outbox_to_domain(row: Row[Any]) -> OutboxMessage:
    """The outbox message in ``row``."""
    return OutboxMessage(
        id=row.id,
        name=row.name,
        payload=row.payload,
        created_at=row.created_at,
        attempts=row.attempts,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
        state=OutboxState(row.state),
        due_at=row.due_at,
    )


def payment_to_row(attempt: PaymentAttempt) -> Values:
    """Column values of a payment attempt."""
    return {
        "key": attempt.key,
        "order_id": attempt.order_id,
        "purpose": PaymentPurpose(attempt.purpose).value,
        "amount": attempt.amount.amount,
        "currency": attempt.amount.currency,
        "status": PaymentStatus(attempt.status).value,
        "created_at": attempt.created_at,
        "updated_at": attempt.updated_at,
        "gateway_reference": attempt.gateway_reference,
        "failure_code": attempt.failure_code,
        "gateway": attempt.gateway,
        "captured_amount": None if attempt.captured is None else attempt.captured.amount,
    }


def payment_to_domain(row: Row[Any]) -> PaymentAttempt:
    """The payment attempt in ``row``."""
    return PaymentAttempt(
        key=row.key,
        order_id=OrderId(row.order_id),
        purpose=PaymentPurpose(row.purpose),
        amount=Money(row.amount, row.currency),
        status=PaymentStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        gateway_reference=row.gateway_reference,
        failure_code=row.failure_code,
        gateway=row.gateway,
        captured=None if row.captured_amount is None else Money(row.captured_amount, row.currency),
    )


def refund_to_row(refund: RefundRecord) -> Values:
    """Column values of a refund."""
    return {
        "key": refund.key,
        "order_id": refund.order_id,
        "payment_key": refund.payment_key,
        "amount": refund.amount.amount,
        "currency": refund.amount.currency,
        "status": RefundStatus(refund.status).value,
        "reason": refund.reason,
        "requested_at": refund.requested_at,
        "updated_at": refund.updated_at,
        "gateway": refund.gateway,
    }


def refund_to_domain(row: Row[Any]) -> RefundRecord:
    """The refund in ``row``."""
    return RefundRecord(
        key=row.key,
        order_id=OrderId(row.order_id),
        payment_key=row.payment_key,
        amount=Money(row.amount, row.currency),
        status=RefundStatus(row.status),
        reason=row.reason,
        requested_at=row.requested_at,
        updated_at=row.updated_at,
        gateway=row.gateway,
    )


def movement_to_row(movement: MoneyMovement) -> Values:
    """Column values of a money movement (``position`` is assigned by the database)."""
    return {
        "key": movement.key,
        "order_id": movement.order_id,
        "kind": MovementKind(movement.kind).value,
        "amount": movement.amount.amount,
        "currency": movement.amount.currency,
        "at": movement.at,
        "source": movement.source,
        "gateway": movement.gateway,
    }


def movement_to_domain(row: Row[Any]) -> MoneyMovement:
    """The money movement in ``row``."""
    return MoneyMovement(
        key=row.key,
        order_id=OrderId(row.order_id),
        kind=MovementKind(row.kind),
        amount=Money(row.amount, row.currency),
        at=row.at,
        source=row.source,
        gateway=row.gateway,
    )


def statement_check_to_row(check: StatementCheck) -> Values:
    """Column values of a statement check (differences in the converter's wire form)."""
    return {
        "provider": check.provider,
        "day": check.day.isoformat(),
        "checked_at": check.checked_at,
        "entries": check.entries,
        "differences": _converter.unstructure(check.differences, tuple[Difference, ...]),
    }


def statement_check_to_domain(row: Row[Any]) -> StatementCheck:
    """The statement check in ``row``."""
    differences = row.differences
    if isinstance(differences, str):  # JSON text where the driver does not decode it
        differences = json.loads(differences)
    return StatementCheck(
        provider=row.provider,
        day=pendulum.Date.fromisoformat(row.day),
        checked_at=row.checked_at,
        entries=row.entries,
        differences=_converter.structure(differences, tuple[Difference, ...]),
    )


def customer_to_row(customer: Customer) -> Values:
    """Column values of a customer: key columns and the converter document."""
    document = _converter.unstructure(customer, Customer)
    for column in ("id", "tier", "registered_at", "version"):
        del document[column]
    return {
        "id": customer.id,
        "tier": customer.tier,
        "registered_at": customer.registered_at,
        "version": customer.version,
        "document": document,
    }


def customer_to_domain(row: RowLike) -> Customer:
    """The customer in ``row``."""
    return _converter.structure(
        {
            **row.document,
            "id": row.id,
            "tier": row.tier,
            "registered_at": _converter.unstructure(row.registered_at),
            "version": row.version,
        },
        Customer,
    )


def login_account_to_row(account: LoginAccount) -> Values:
    """Column values of a sign-in account (one column per field)."""
    return {
        "id": account.id,
        "role": account.role.value,
        "actor_id": account.actor_id,
        "staff": None if account.staff is None else account.staff.value,
        "login": account.login,
        "phone": account.phone,
        "password_hash": account.password_hash,
        "wechat_openid": account.wechat_openid,
        "email": account.email,
        "disabled": account.disabled,
        "created_at": account.created_at,
        "version": account.version,
    }


def login_account_to_domain(row: RowLike) -> LoginAccount:
    """The sign-in account in ``row``."""
    return LoginAccount(
        AccountId(row.id),
        Role(row.role),
        row.actor_id,
        staff=None if row.staff is None else StaffRole(row.staff),
        login=row.login,
        phone=row.phone,
        password_hash=row.password_hash,
        wechat_openid=row.wechat_openid,
        email=row.email,
        disabled=bool(row.disabled),
        created_at=row.created_at,
        version=row.version,
    )


def login_session_to_row(session: LoginSession) -> Values:
    """Column values of a login session."""
    return {
        "id": session.id,
        "account_id": session.account_id,
        "refresh_hash": session.refresh_hash,
        "generation": session.generation,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
        "revoked_at": session.revoked_at,
        "revoked_reason": (
            None if session.revoked_reason is None else session.revoked_reason.value
        ),
        "version": session.version,
    }


def login_session_to_domain(row: RowLike) -> LoginSession:
    """The login session in ``row``."""
    return LoginSession(
        SessionId(row.id),
        AccountId(row.account_id),
        row.refresh_hash,
        row.generation,
        row.created_at,
        row.expires_at,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
        version=row.version,
    )


def one_time_code_to_row(code: OneTimeCode) -> Values:
    """Column values of a one-time code."""
    return {
        "phone": code.phone,
        "purpose": code.purpose,
        "code_hash": code.code_hash,
        "sent_at": code.sent_at,
        "expires_at": code.expires_at,
        "attempts": code.attempts,
        "version": code.version,
    }


def one_time_code_to_domain(row: RowLike) -> OneTimeCode:
    """The one-time code in ``row``."""
    return OneTimeCode(
        row.phone,
        row.purpose,
        row.code_hash,
        row.sent_at,
        row.expires_at,
        attempts=row.attempts,
        version=row.version,
    )


def store_to_row(store: Store) -> Values:
    """Column values of a store: key columns and the converter document."""
    document = _converter.unstructure(store, Store)
    for column in ("id", "version"):
        del document[column]
    return {
        "id": store.id,
        "name": store.details.name,
        "version": store.version,
        "document": document,
    }


def store_to_domain(row: RowLike) -> Store:
    """The store in ``row``."""
    return _converter.structure({**row.document, "id": row.id, "version": row.version}, Store)


def announcement_to_row(announcement: Announcement) -> Values:
    """Column values of an announcement."""
    return {
        "id": announcement.id,
        "store_id": announcement.store_id,
        "audience": announcement.audience.value,
        "published_at": announcement.published_at,
        "title": announcement.title,
        "body": announcement.body,
    }


def announcement_to_domain(row: RowLike) -> Announcement:
    """The announcement in ``row``."""
    return Announcement(
        id=row.id,
        store_id=StoreId(row.store_id),
        audience=Audience(row.audience),
        title=row.title,
        body=row.body,
        published_at=row.published_at,
    )


def complaint_to_row(complaint: Complaint) -> Values:
    """Column values of a complaint: key columns and the converter document."""
    document = _converter.unstructure(complaint, Complaint)
    del document["version"]
    return {
        "id": complaint.id,
        "order_id": complaint.order_id,
        "state": complaint.state,
        "filed_at": complaint.filed_at,
        "version": complaint.version,
        "document": document,
    }


def complaint_to_domain(row: Row[Any]) -> Complaint:
    """The complaint in ``row``."""
    return _converter.structure({**row.document, "version": row.version}, Complaint)


def position_to_row(report: PositionReport) -> Values:
    """Column values of a position report."""
    return {
        "order_id": report.order_id,
        "technician_id": report.technician_id,
        "lat": report.point.lat,
        "lon": report.point.lon,
        "reported_at": report.reported_at,
    }


def position_to_domain(row: Row[Any]) -> PositionReport:
    """The position report in ``row``."""
    return PositionReport(
        order_id=OrderId(row.order_id),
        technician_id=TechnicianId(row.technician_id),
        point=GeoPoint(row.lat, row.lon),
        reported_at=row.reported_at,
    )


def coupon_template_to_row(template: CouponTemplate, issued: int = 0) -> Values:
    """Column values of a coupon template and how many coupons it issued."""
    document = _converter.unstructure(template, CouponTemplate)
    return {"id": template.id, "issued": issued, "document": document}


def coupon_template_to_domain(row: Row[Any]) -> CouponTemplate:
    """The coupon template in ``row``."""
    return _converter.structure(row.document, CouponTemplate)


def coupon_to_row(coupon: Coupon) -> Values:
    """Column values of a coupon: key columns and the converter document."""
    return {
        "id": coupon.id,
        "template_id": coupon.template_id,
        "customer_id": coupon.customer_id,
        "status": coupon.status.value,
        "order_id": coupon.order_id,
        "issued_at": coupon.issued_at,
        "document": _converter.unstructure(coupon, Coupon),
    }


def coupon_to_domain(row: Row[Any]) -> Coupon:
    """The coupon in ``row`` (instants keep the offsets they were issued with)."""
    return _converter.structure(row.document, Coupon)


def campaign_to_row(campaign: Campaign) -> Values:
    """Column values of a campaign (what it spent is in the document)."""
    return {
        "id": campaign.id,
        "starts_at": campaign.starts_at,
        "document": _converter.unstructure(campaign, Campaign),
    }


def campaign_to_domain(row: Row[Any]) -> Campaign:
    """The campaign in ``row``."""
    return _converter.structure(row.document, Campaign)


def ledger_transaction_to_rows(
    transaction: Transaction, order_sequence: int | None
) -> tuple[Values, list[Values]]:
    """The ``ledger_transactions`` row of a transaction and its ``ledger_postings`` rows."""
    head = {
        "id": transaction.id,
        "kind": transaction.kind.value,
        "at": transaction.at,
        "order_id": transaction.order_id,
        "order_sequence": order_sequence,
        "reverses": transaction.reverses,
        "memo": transaction.memo,
    }
    lines = [
        {
            "transaction_id": transaction.id,
            "line": line,
            "account_kind": posting.account.kind.value,
            "account_owner": posting.account.owner,
            "amount": posting.amount.amount,
            "currency": posting.amount.currency,
        }
        for line, posting in enumerate(transaction.postings)
    ]
    return head, lines


def account_to_domain(kind: str, owner: str) -> Account:
    """The account of a posting row."""
    return Account(AccountKind(kind), owner)


def ledger_transaction_to_domain(row: Row[Any], postings: list[Row[Any]]) -> Transaction:
    """The transaction in ``row`` with its posting rows (in line order); its time in UTC."""
    return Transaction(
        id=LedgerTransactionId(row.id),
        kind=TransactionKind(row.kind),
        at=row.at,
        postings=tuple(
            Posting(account_to_domain(p.account_kind, p.account_owner), Money(p.amount, p.currency))
            for p in postings
        ),
        order_id=None if row.order_id is None else OrderId(row.order_id),
        reverses=None if row.reverses is None else LedgerTransactionId(row.reverses),
        memo=row.memo,
    )
