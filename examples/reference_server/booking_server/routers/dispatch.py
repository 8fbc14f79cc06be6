"""Dispatch (issue 12): orders placed without a technician find one (FEATURES P5, T5, T6,
S4; docs/dispatch.md).

* Technicians: the pool of orders they may grab (抢单) and grabbing one; answering an offer
  (派单); their own dispatch counts.
* Dispatchers — platform staff with the ``orders`` permission, or a store account: the
  board of waiting orders, an order's candidates ranked with their scores explained, and
  assigning one by hand.

Every rule is the core's (:class:`~booking_core.services.dispatch.DispatchService`): who
may call what, who wins a grab (the order's lock), what a technician's agenda refuses. The
board is paged by storage like ``GET /orders``: one query for ``limit + 1`` orders after
the cursor's key.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Response, status

from booking_core.ids import OrderId, TechnicianId
from booking_core.ports.storage import OrderCursor, OrderSort
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, micros
from booking_server.problems import problem_responses
from booking_server.routers.orders import order_cursor
from booking_server.schemas import LifecycleOrderOut
from booking_server.schemas.dispatch import (
    AssignIn,
    BoardEntryOut,
    BoardList,
    CandidateList,
    CandidateOut,
    DispatchMetricsOut,
    OfferEntryOut,
    OfferList,
    PoolEntryOut,
    PoolList,
    RefuseIn,
)

__all__ = ["router"]

router = APIRouter(tags=["dispatch"], responses=problem_responses(401, 403, 422))

_CHANGES: Final = problem_responses(404, 409)
#: The most pool entries one answer holds (the nearest).
MAX_POOL: Final = 100


@router.get("/dispatch/pool", summary="Orders I may grab (technician)")
def dispatch_pool(
    app: Booking,
    actor: CurrentActor,
    limit: Annotated[
        int, Query(ge=1, le=MAX_POOL, description=f"At most this many (1–{MAX_POOL}).")
    ] = 50,
) -> PoolList:
    """The orders open for grabbing that the acting technician may take now, nearest
    first: within their radius of him, every dispatch rule passed and his agenda free.
    Each shows what, when, how far and the district — never the customer's phone or
    street address. 403 ``permission_denied`` for anyone but a technician."""
    entries = app.dispatch.pool(actor, limit=limit)
    return PoolList(items=[PoolEntryOut.from_domain(e) for e in entries])


@router.get("/dispatch/offers", summary="Offers standing for me (technician)")
def dispatch_offers(app: Booking, actor: CurrentActor) -> OfferList:
    """The orders offered to the acting technician that he has not answered yet, soonest
    deadline first: what the pool shows of each, and until when the offer stands (accept or
    refuse it before). 403 ``permission_denied`` for anyone but a technician."""
    entries = app.dispatch.offers(actor)
    return OfferList(items=[OfferEntryOut.of(e) for e in entries])


@router.post("/orders/{order_id}/grab", summary="Grab an order (technician)", responses=_CHANGES)
def grab_order(order_id: str, app: Booking, actor: CurrentActor) -> LifecycleOrderOut:
    """Take an order open for grabbing: the first valid grab wins, the order is his and
    accepted at once. 409 ``order_already_taken`` when another technician has it; 409
    ``transition_not_allowed`` when he may not take it (``details.reason``: not skilled,
    not online, no grabs, daily maximum, refused it before, too far); 409 ``slot_taken``
    when his agenda refuses the time; 404 when the order is not open for grabbing."""
    return LifecycleOrderOut.from_domain(app.dispatch.grab(OrderId(order_id), actor), actor)


@router.post(
    "/orders/{order_id}/offer/accept",
    summary="Accept an offer (technician)",
    responses=_CHANGES,
)
def accept_offer(order_id: str, app: Booking, actor: CurrentActor) -> LifecycleOrderOut:
    """The technician the order is offered to takes it: assigned and accepted at once.
    409 ``offer_not_open`` when no offer of the order stands for him (it timed out, was
    answered, or went to someone else)."""
    order = app.dispatch.accept_offer(OrderId(order_id), actor)
    return LifecycleOrderOut.from_domain(order, actor)


@router.post(
    "/orders/{order_id}/offer/refuse",
    summary="Refuse an offer (technician)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_CHANGES,
)
def refuse_offer(
    order_id: str, app: Booking, actor: CurrentActor, body: RefuseIn | None = None
) -> Response:
    """The technician turns the offer down (an optional ``reason``): he is not asked again
    for this order, and dispatch offers it to the next candidate at once. 204, nothing in
    the answer: the order is not his. 409 ``offer_not_open`` when no offer of the order
    stands for him."""
    app.dispatch.refuse_offer(
        OrderId(order_id), actor, reason=body.reason if body is not None else ""
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/technicians/{technician_id}/dispatch-metrics",
    summary="A technician's dispatch counts (himself, platform)",
    responses=problem_responses(404),
)
def dispatch_metrics(technician_id: str, app: Booking, actor: CurrentActor) -> DispatchMetricsOut:
    """Offers made to him and how they ended, grabs won, orders assigned and completed,
    his acceptance rate: what dispatch ranks him by. The technician sees his own (another
    technician's answers 404), the platform anyone's; everyone else 403."""
    metrics = app.dispatch.metrics(TechnicianId(technician_id), actor)
    return DispatchMetricsOut.from_domain(metrics)


@router.get("/dispatch/board", summary="Orders waiting for a technician (dispatcher)")
def dispatch_board(app: Booking, actor: CurrentActor, page: Page) -> BoardList:
    """Orders waiting for a technician — escalated ones among them — soonest start first,
    a page at a time, each with its whole dispatch state: what a dispatcher assigns from.
    Platform staff with the ``orders`` permission and store accounts; 403
    ``permission_denied`` for everyone else."""
    sort = OrderSort.SOONEST_SLOT
    found = app.dispatch.board(actor, after=order_cursor(page, sort), limit=page.limit + 1)
    shown = found[: page.limit]
    next_cursor = None
    if len(found) > page.limit:
        last = OrderCursor.after(shown[-1], sort)
        next_cursor = page.cursor_after((sort.value, micros(last.at), last.order_id))
    return BoardList(
        items=[BoardEntryOut.from_domain(o, actor) for o in shown], next_cursor=next_cursor
    )


@router.get(
    "/dispatch/board/{order_id}/candidates",
    summary="Who could take an order, ranked (dispatcher)",
    responses=problem_responses(404),
)
def dispatch_candidates(order_id: str, app: Booking, actor: CurrentActor) -> CandidateList:
    """Everyone within the order's dispatch radius: first the candidates, best first, each
    with his score and its explanation (every factor's raw fact, normalized value, weight
    and points), then those excluded with the first rule they fail. A store sees its own
    technicians. 404 when the order was placed with a chosen technician."""
    rows = app.dispatch.candidates(OrderId(order_id), actor)
    return CandidateList(items=[CandidateOut.from_domain(r) for r in rows])


@router.post(
    "/orders/{order_id}/assign",
    summary="Assign a waiting order (dispatcher)",
    responses=_CHANGES,
)
def assign_order(
    order_id: str, body: AssignIn, app: Booking, actor: CurrentActor
) -> LifecycleOrderOut:
    """Give a waiting order to a technician (a store: to one of its own); his time is
    taken through the same rules as a booking, and he then accepts or rejects as usual.
    Recorded in the audit log. 409 ``order_already_taken`` when it has a technician; 409
    ``concurrent_update`` when ``expected_version`` is stale; 409 ``slot_taken`` and the
    agenda's other refusals; 409 ``transition_not_allowed`` for an order placed with a
    chosen technician."""
    order = app.dispatch.assign(
        OrderId(order_id),
        TechnicianId(body.technician_id),
        actor,
        expected_version=body.expected_version,
    )
    return LifecycleOrderOut.from_domain(order, actor)
