"""The rest of an order's life: rejection, no-show, cancellation with its quote, changes,
tracking, money, complaints and arbitration, and the payment provider's webhook
(FEATURES C7–C12, T5, T7, P6, M3).

Role checks are the services' (a customer acts on his own orders, a technician on those
assigned to him, the platform on all); this router adds only "who may call this at all"
checks, and answers 404 for orders the actor may not see (INVARIANTS I25).
"""

from __future__ import annotations

import pendulum
from fastapi import APIRouter, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from booking_core.errors import PermissionDenied
from booking_core.ids import CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Order, Role
from booking_core.orders.cancellation import CancellationQuote
from booking_core.orders.complaint import Complaint, Decision, Remedy
from booking_core.orders.payments import PaymentAttempt, RefundRecord
from booking_core.orders.tracking import TrackingView
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.aftersales import FileComplaint
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import NextCursor, Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas import Instant, MoneyIn, MoneyOut, OrderOut, TransitionOut

__all__ = ["router"]

router = APIRouter(tags=["lifecycle"], responses=problem_responses(401, 403, 404, 422))

_CONFLICT = problem_responses(409)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- schemas ------------------------------------------------------------------------------


class ActionIn(_In):
    """A reason for the timeline and, optionally, the order version the caller last saw
    (the command fails with 409 ``concurrent_update`` if the order changed since)."""

    reason: str = Field(default="", max_length=500)
    expected_version: int | None = Field(default=None, ge=0)


class CancellationQuoteOut(_Out):
    """What cancelling now keeps and returns, and the rule in words."""

    cause: str = Field(description="customer, no_show, technician, platform or unpaid.")
    notice_minutes: int
    paid: MoneyOut
    fee: MoneyOut
    refund: MoneyOut
    rule: str

    @classmethod
    def from_domain(cls, quote: CancellationQuote) -> CancellationQuoteOut:
        """From the domain quote."""
        return cls(
            cause=quote.cause.value,
            notice_minutes=quote.notice_minutes,
            paid=MoneyOut.from_domain(quote.paid),
            fee=MoneyOut.from_domain(quote.fee),
            refund=MoneyOut.from_domain(quote.refund),
            rule=quote.rule,
        )


class RefundOut(_Out):
    """One refund and where it stands (pending, unknown, succeeded, failed)."""

    key: str
    payment_key: str
    amount: MoneyOut
    status: str
    reason: str
    requested_at: AwareDatetime

    @classmethod
    def from_domain(cls, refund: RefundRecord) -> RefundOut:
        """From the domain refund record."""
        return cls(
            key=refund.key,
            payment_key=refund.payment_key,
            amount=MoneyOut.from_domain(refund.amount),
            status=refund.status.value,
            reason=refund.reason,
            requested_at=refund.requested_at,
        )


class CancellationOut(_Out):
    """The cancelled order, the quote it was cancelled under and the refunds sent."""

    order: OrderOut
    quote: CancellationQuoteOut
    refund_statuses: list[str]


class LifecycleOrderOut(_Out):
    """An order with the lifecycle facts the core view leaves out."""

    order: OrderOut
    number: str
    version: int
    payment_mode: str
    upfront: MoneyOut
    refunded: MoneyOut
    due_now: MoneyOut
    cancel_cause: str | None
    cancellation_fee: MoneyOut | None
    late_minutes: int | None

    @classmethod
    def from_domain(cls, order: Order) -> LifecycleOrderOut:
        """From the domain Order."""
        fee = order.cancellation_fee
        return cls(
            order=OrderOut.from_domain(order),
            number=order.number,
            version=order.version,
            payment_mode=order.payment_mode.value,
            upfront=MoneyOut.from_domain(order.upfront),
            refunded=MoneyOut.from_domain(order.refunded_amount),
            due_now=MoneyOut.from_domain(order.due_now()),
            cancel_cause=order.cancel_cause,
            cancellation_fee=MoneyOut.from_domain(fee) if fee is not None else None,
            late_minutes=order.late_minutes,
        )


class PaymentAttemptOut(_Out):
    """One payment attempt."""

    key: str
    purpose: str
    amount: MoneyOut
    status: str

    @classmethod
    def from_domain(cls, attempt: PaymentAttempt) -> PaymentAttemptOut:
        """From the domain attempt."""
        return cls(
            key=attempt.key,
            purpose=attempt.purpose.value,
            amount=MoneyOut.from_domain(attempt.amount),
            status=attempt.status.value,
        )


class MoneyViewOut(_Out):
    """An order's payments and refunds (the refund's progress)."""

    payments: list[PaymentAttemptOut]
    refunds: list[RefundOut]


class TimeChangeIn(_In):
    """A new start, one of the offered slots."""

    start: Instant


class ServiceChangeIn(_In):
    """Another service at the same start."""

    service_id: str = Field(min_length=1, max_length=128)


class TechnicianChangeIn(_In):
    """Another technician at the same start."""

    technician_id: str = Field(min_length=1, max_length=128)


class ModificationOut(_Out):
    """The changed order and the money that moved because of the change."""

    order: LifecycleOrderOut
    payment_status: str | None
    refunds: list[MoneyOut]


class PositionIn(_In):
    """The technician's position (WGS 84 decimal degrees)."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PositionOut(_Out):
    """A reported position."""

    lat: float
    lon: float
    reported_at: AwareDatetime


class TrackingOut(_Out):
    """The last known position and the estimated arrival."""

    order_id: str
    state: str
    position: PositionOut | None
    distance_km: float | None
    eta: AwareDatetime | None

    @classmethod
    def from_domain(cls, view: TrackingView) -> TrackingOut:
        """From the domain view."""
        report = view.position
        return cls(
            order_id=view.order_id,
            state=view.state,
            position=PositionOut(
                lat=report.point.lat, lon=report.point.lon, reported_at=report.reported_at
            )
            if report is not None
            else None,
            distance_km=view.distance_km,
            eta=view.eta,
        )


class ComplaintIn(_In):
    """A complaint: what went wrong, photo URLs, and the remedy asked for."""

    reason: str = Field(min_length=1, max_length=2000)
    requested_remedy: Remedy
    photos: list[str] = Field(default_factory=list, max_length=9)
    requested_refund: MoneyIn | None = None


class ResolutionIn(_In):
    """The platform's decision."""

    decision: Decision
    note: str = Field(default="", max_length=2000)
    refund: MoneyIn | None = None


class NoteIn(_In):
    """A note kept on the complaint's timeline."""

    note: str = Field(default="", max_length=2000)


class ComplaintOut(_Out):
    """A complaint, its state, timeline and resolution."""

    id: str
    order_id: str
    customer_id: str
    state: str
    reason: str
    photos: list[str]
    requested_remedy: str
    requested_refund: MoneyOut | None
    decision: str | None
    refund: MoneyOut | None
    timeline: list[TransitionOut]

    @classmethod
    def from_domain(cls, complaint: Complaint, time_zone: str = "UTC") -> ComplaintOut:
        """From the domain complaint."""
        resolution = complaint.resolution
        asked = complaint.requested_refund
        return cls(
            id=complaint.id,
            order_id=complaint.order_id,
            customer_id=complaint.customer_id,
            state=complaint.state,
            reason=complaint.reason,
            photos=list(complaint.photos),
            requested_remedy=complaint.requested_remedy.value,
            requested_refund=MoneyOut.from_domain(asked) if asked is not None else None,
            decision=resolution.decision.value if resolution is not None else None,
            refund=MoneyOut.from_domain(resolution.refund) if resolution is not None else None,
            timeline=[TransitionOut.from_domain(r, time_zone) for r in complaint.timeline],
        )


class ComplaintList(_Out):
    """Complaints, oldest first (then by id), one page."""

    items: list[ComplaintOut]
    next_cursor: NextCursor = None


def _money(value: MoneyIn | None) -> Money | None:
    return None if value is None else Money(value.amount, value.currency)


def _require(actor: Actor, role: Role, what: str) -> None:
    if actor.role is not role:
        raise PermissionDenied(
            f"Only a {role.value} {what}; you act as a {actor.role.value}.",
            details={"role": actor.role.value, "required_role": role.value},
        )


# --- orders -------------------------------------------------------------------------------


@router.get("/orders/by-number/{number}", summary="Find an order by its number")
def find_by_number(number: str, app: Booking, actor: CurrentActor) -> LifecycleOrderOut:
    """The order with this human-friendly number (``260302-000127-4``, dashes optional).

    422 ``invalid_input`` when it is not an order number (a typo fails the check digit).
    """
    return LifecycleOrderOut.from_domain(app.ordering.find_by_number(number, actor))


@router.get("/orders/{order_id}/lifecycle", summary="An order with its lifecycle facts")
def get_lifecycle(order_id: str, app: Booking, actor: CurrentActor) -> LifecycleOrderOut:
    """Number, version, payment mode, amounts due and refunded, cancellation facts."""
    return LifecycleOrderOut.from_domain(app.ordering.get_order(OrderId(order_id), actor))


@router.post(
    "/orders/{order_id}/reject", summary="Reject an order (technician)", responses=_CONFLICT
)
def reject(order_id: str, body: ActionIn, app: Booking, actor: CurrentActor) -> LifecycleOrderOut:
    """The technician turns the order down; it waits for another technician, his time is
    freed, the refusal and its reason stay on the timeline."""
    order = app.ordering.transition(
        OrderId(order_id),
        "reject",
        actor,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return LifecycleOrderOut.from_domain(order)


@router.post(
    "/orders/{order_id}/transitions/{event}",
    summary="Fire a lifecycle event with an expected version",
    responses=_CONFLICT,
)
def fire(
    order_id: str, event: str, body: ActionIn, app: Booking, actor: CurrentActor
) -> LifecycleOrderOut:
    """Any lifecycle event (``accept``, ``depart``, ``arrive``, ``start_service``,
    ``complete``, ``reject``, ``cancel``, ``no_show``), refused with 409
    ``concurrent_update`` when ``expected_version`` is stale — so of a cancel and an accept
    sent from the same view exactly one wins."""
    order = app.ordering.transition(
        OrderId(order_id),
        event,
        actor,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return LifecycleOrderOut.from_domain(order)


@router.get(
    "/orders/{order_id}/cancellation", summary="Preview a cancellation", responses=_CONFLICT
)
def preview_cancellation(order_id: str, app: Booking, actor: CurrentActor) -> CancellationQuoteOut:
    """The rule and the amounts if the actor cancelled now; nothing changes."""
    return CancellationQuoteOut.from_domain(app.cancellation.preview(OrderId(order_id), actor))


@router.post("/orders/{order_id}/cancellation", summary="Cancel", responses=_CONFLICT)
def cancel(order_id: str, body: ActionIn, app: Booking, actor: CurrentActor) -> CancellationOut:
    """Cancel under the policy, free the technician's time and refund what the quote says."""
    result = app.cancellation.cancel(
        OrderId(order_id), actor, reason=body.reason, expected_version=body.expected_version
    )
    return CancellationOut(
        order=OrderOut.from_domain(result.order),
        quote=CancellationQuoteOut.from_domain(result.quote),
        refund_statuses=[r.status.value for r in result.refunds],
    )


@router.post(
    "/orders/{order_id}/no-show",
    summary="Record a customer no-show (technician)",
    responses=_CONFLICT,
)
def no_show(order_id: str, body: ActionIn, app: Booking, actor: CurrentActor) -> CancellationOut:
    """After waiting the policy's minutes past the start, the technician records that the
    customer was not there; charged as a cancellation at the start."""
    result = app.cancellation.record_no_show(
        OrderId(order_id), actor, reason=body.reason, expected_version=body.expected_version
    )
    return CancellationOut(
        order=OrderOut.from_domain(result.order),
        quote=CancellationQuoteOut.from_domain(result.quote),
        refund_statuses=[r.status.value for r in result.refunds],
    )


@router.get("/orders/{order_id}/money", summary="Payments and refunds of an order")
def money(order_id: str, app: Booking, actor: CurrentActor) -> MoneyViewOut:
    """Every payment attempt and every refund, with where each stands."""
    attempts, refunds = app.payments.money_of(OrderId(order_id), actor)
    return MoneyViewOut(
        payments=[PaymentAttemptOut.from_domain(a) for a in attempts],
        refunds=[RefundOut.from_domain(r) for r in refunds],
    )


# --- changes ------------------------------------------------------------------------------


@router.post("/orders/{order_id}/time", summary="Change the time", responses=_CONFLICT)
def change_time(
    order_id: str, body: TimeChangeIn, app: Booking, actor: CurrentActor
) -> LifecycleOrderOut:
    """Move to another offered start; the old time is freed in the same transaction."""
    start = pendulum.instance(body.start)
    order = app.modification.change_time(OrderId(order_id), actor, start)
    return LifecycleOrderOut.from_domain(order)


@router.post("/orders/{order_id}/service", summary="Change the service", responses=_CONFLICT)
def change_service(
    order_id: str, body: ServiceChangeIn, app: Booking, actor: CurrentActor
) -> ModificationOut:
    """Another service at the same start; the price difference is charged or refunded."""
    result = app.modification.change_service(OrderId(order_id), actor, ServiceId(body.service_id))
    return ModificationOut(
        order=LifecycleOrderOut.from_domain(result.order),
        payment_status=result.payment.status.value if result.payment is not None else None,
        refunds=[MoneyOut.from_domain(r.amount) for r in result.refunds],
    )


@router.post("/orders/{order_id}/technician", summary="Change the technician", responses=_CONFLICT)
def change_technician(
    order_id: str, body: TechnicianChangeIn, app: Booking, actor: CurrentActor
) -> ModificationOut:
    """Another technician at the same start (also how the platform reassigns a rejected
    order); the new technician must accept."""
    result = app.modification.change_technician(
        OrderId(order_id), actor, TechnicianId(body.technician_id)
    )
    return ModificationOut(
        order=LifecycleOrderOut.from_domain(result.order),
        payment_status=result.payment.status.value if result.payment is not None else None,
        refunds=[MoneyOut.from_domain(r.amount) for r in result.refunds],
    )


# --- tracking -----------------------------------------------------------------------------


@router.post(
    "/orders/{order_id}/positions",
    status_code=status.HTTP_201_CREATED,
    summary="Report a position (technician on the way)",
    responses=_CONFLICT,
)
def report_position(
    order_id: str, body: PositionIn, app: Booking, actor: CurrentActor
) -> PositionOut:
    """Store the technician's position; only while the order is ``departed``."""
    report = app.tracking.report_position(OrderId(order_id), actor, GeoPoint(body.lat, body.lon))
    return PositionOut(lat=report.point.lat, lon=report.point.lon, reported_at=report.reported_at)


@router.get("/orders/{order_id}/tracking", summary="Where is my technician", responses=_CONFLICT)
def track(order_id: str, app: Booking, actor: CurrentActor) -> TrackingOut:
    """The last known position and the estimated arrival."""
    return TrackingOut.from_domain(app.tracking.track(OrderId(order_id), actor))


# --- after-sales --------------------------------------------------------------------------


@router.post(
    "/orders/{order_id}/complaints",
    status_code=status.HTTP_201_CREATED,
    summary="Complain about an order (customer)",
    responses=_CONFLICT,
)
def file_complaint(
    order_id: str, body: ComplaintIn, app: Booking, actor: CurrentActor
) -> ComplaintOut:
    """Open a complaint on an order that has ended (409 ``complaint_not_allowed`` otherwise)."""
    _require(actor, Role.CUSTOMER, "files complaints")
    complaint = app.aftersales.file(
        FileComplaint(
            OrderId(order_id),
            CustomerId(actor.id),
            body.reason,
            body.requested_remedy,
            photos=tuple(body.photos),
            requested_refund=_money(body.requested_refund),
        )
    )
    return ComplaintOut.from_domain(complaint)


@router.get("/complaints", summary="The arbitration queue (platform)")
def pending_complaints(app: Booking, actor: CurrentActor, page: Page) -> ComplaintList:
    """Open and arbitrating complaints, oldest first, a page at a time."""
    shown, next_cursor = page.of(app.aftersales.pending(actor), _oldest_first)
    return ComplaintList(
        items=[ComplaintOut.from_domain(c) for c in shown], next_cursor=next_cursor
    )


def _oldest_first(complaint: Complaint) -> SortKey:
    return (micros(complaint.filed_at), complaint.id)


@router.get("/complaints/{complaint_id}", summary="A complaint")
def get_complaint(complaint_id: str, app: Booking, actor: CurrentActor) -> ComplaintOut:
    """The complaint, for its customer, the technician concerned and the platform."""
    return ComplaintOut.from_domain(app.aftersales.get(complaint_id, actor))


@router.post("/complaints/{complaint_id}/take-up", summary="Start arbitrating", responses=_CONFLICT)
def take_up(complaint_id: str, body: NoteIn, app: Booking, actor: CurrentActor) -> ComplaintOut:
    """The platform starts arbitrating (403 for anyone else)."""
    return ComplaintOut.from_domain(app.aftersales.take_up(complaint_id, actor, note=body.note))


@router.post("/complaints/{complaint_id}/resolve", summary="Resolve", responses=_CONFLICT)
def resolve(
    complaint_id: str, body: ResolutionIn, app: Booking, actor: CurrentActor
) -> ComplaintOut:
    """Decide a full, partial (with ``refund``) or no refund; the refund is sent at once."""
    result = app.aftersales.resolve(
        complaint_id, actor, decision=body.decision, note=body.note, refund=_money(body.refund)
    )
    return ComplaintOut.from_domain(result.complaint)


@router.post("/complaints/{complaint_id}/reject", summary="Reject", responses=_CONFLICT)
def reject_complaint(
    complaint_id: str, body: NoteIn, app: Booking, actor: CurrentActor
) -> ComplaintOut:
    """Reject the complaint; the note says why."""
    return ComplaintOut.from_domain(app.aftersales.reject(complaint_id, actor, note=body.note))


@router.post("/complaints/{complaint_id}/withdraw", summary="Withdraw", responses=_CONFLICT)
def withdraw(complaint_id: str, body: NoteIn, app: Booking, actor: CurrentActor) -> ComplaintOut:
    """The customer withdraws his complaint."""
    return ComplaintOut.from_domain(app.aftersales.withdraw(complaint_id, actor, note=body.note))


# --- the payment provider -----------------------------------------------------------------


@router.post(
    "/payments/webhook",
    summary="Payment provider notifications",
    responses={**problem_responses(422)},
)
async def payment_webhook(request: Request, app: Booking) -> Response:
    """Verify, store and apply a provider notification; answer exactly what the provider
    expects. A forged or tampered one is 422 ``invalid_webhook`` and changes nothing. The
    event is stored and applied in one transaction: if applying fails nothing is stored and
    the answer is a 5xx problem, so the provider retries and the retry applies it. No actor
    headers: the signature is the authentication."""
    body = await request.body()
    headers = dict(request.headers)
    ack = await run_in_threadpool(app.payments.handle_webhook, headers, body)
    return Response(content=ack.body, status_code=ack.status_code, media_type=ack.content_type)
