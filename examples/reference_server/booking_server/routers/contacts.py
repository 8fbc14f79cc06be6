"""An order's contact: whom to call and where to go, full or masked (P11, I25).

The rule is the core's (:class:`~booking_core.services.contacts.ContactService`): the
customer sees his own; the assigned technician sees it in full from his acceptance until
the window after completion closes; staff see it masked, or in full with a recorded reason.
"""

from __future__ import annotations

from fastapi import APIRouter

from booking_core.ids import OrderId
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.problems import problem_responses
from booking_server.schemas.contacts import ContactOut, RevealIn

__all__ = ["router"]

router = APIRouter(tags=["orders"], responses=problem_responses(401, 404, 422))


@router.get("/orders/{order_id}/contact", summary="An order's phone and address")
def order_contact(order_id: str, app: Booking, actor: CurrentActor) -> ContactOut:
    """The order's phone and address as the caller may see them now. 404
    ``order_not_found`` when the order is not the caller's to see, 404 ``contact_not_found``
    when it was placed without an address-book entry (``address_id``)."""
    return ContactOut.from_domain(app.contacts.view(OrderId(order_id), actor))


@router.post(
    "/orders/{order_id}/contact/reveal",
    summary="Reveal an order's phone and address (platform, with a reason)",
    responses=problem_responses(403),
)
def reveal_contact(order_id: str, body: RevealIn, app: Booking, actor: CurrentActor) -> ContactOut:
    """The full phone and address for a staff member with the ``contact`` permission
    (customer service, super admin), who says why: the reason goes to the audit log in the
    same transaction. 403 ``permission_denied`` for other staff. For anyone else it answers
    as ``GET`` does (nothing is recorded)."""
    return ContactOut.from_domain(app.contacts.view(OrderId(order_id), actor, reason=body.reason))
