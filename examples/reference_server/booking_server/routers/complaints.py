"""Complaints and the platform's arbitration (FEATURES C12, P6).

Who may file, see, take up, decide or withdraw a complaint is the core's
(:class:`~booking_core.services.aftersales.AfterSalesService`); this router says who is
calling.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from booking_core.ids import CustomerId, OrderId
from booking_core.orders.complaint import Complaint
from booking_core.services.aftersales import FileComplaint
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas import ComplaintIn, ComplaintList, ComplaintOut, NoteIn, ResolutionIn

__all__ = ["router"]

router = APIRouter(tags=["lifecycle"], responses=problem_responses(401, 403, 404, 422))

_CONFLICT = problem_responses(409)


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
    asked = body.requested_refund
    complaint = app.aftersales.file(
        FileComplaint(
            OrderId(order_id),
            CustomerId(actor.id),
            body.reason,
            body.requested_remedy,
            photos=tuple(body.photos),
            requested_refund=asked.to_domain() if asked is not None else None,
        ),
        actor,
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
    refund = body.refund.to_domain() if body.refund is not None else None
    result = app.aftersales.resolve(
        complaint_id, actor, decision=body.decision, note=body.note, refund=refund
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
