"""Orders: place, read, pay, and move through the lifecycle (FEATURES C6–C9, T5, T7).

An order is visible only to its customer, its technician and the platform; anyone else gets
404 (not 403), so ids of other people's orders leak nothing (INVARIANTS I25).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Final

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel

from booking_core.ids import CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.orders import Order
from booking_core.promotions import CouponId
from booking_core.services.ordering import PlaceOrder
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas import OrderList, OrderOut, PaymentOut, PlaceOrderIn, TransitionIn

__all__ = ["ACTIONS", "REPLAYED_HEADER", "router"]

router = APIRouter(tags=["orders"], responses=problem_responses(401, 403, 404, 422))


#: Response header set on the answer to a retry (the order was placed by the first request).
REPLAYED_HEADER: Final = "Idempotent-Replayed"

_IDEMPOTENCY_KEY_DOC = (
    "Optional. A key you make up (a UUID; 1–255 visible ASCII characters, an RFC 8941 "
    "string in quotes is accepted too) to send the same request again safely — after a "
    "timeout, a crash. Within 24 hours the same key with the same body returns the same "
    "order (200, header `Idempotent-Replayed: true`); with another body it is 422 "
    "`idempotency_key_reused`; while the first request still runs, 409 "
    "`idempotency_key_in_flight` (retry shortly). Keys are per customer."
)


def _unquoted(key: str | None) -> str | None:
    # The IETF draft sends the key as a structured-field string: "abc" means abc.
    if key is not None and len(key) >= 2 and key[0] == key[-1] == '"':
        return key[1:-1]
    return key


@router.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    summary="Place an order (customer)",
    responses={
        status.HTTP_200_OK: {
            "model": OrderOut,
            "description": "A retry with the same `Idempotency-Key` and body: the order the "
            "first request placed, as it is now (nothing new is booked).",
        },
        **problem_responses(409),
    },
)
def place_order(
    body: PlaceOrderIn,
    app: Booking,
    actor: CurrentActor,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description=_IDEMPOTENCY_KEY_DOC)
    ] = None,
) -> Response:
    """Reserve an offered slot and create an order awaiting payment, in one transaction,
    priced as ``POST /quotes`` prices it (with ``coupon_id``, that coupon is reserved for the
    order in the same transaction).

    409 ``slot_taken`` when someone else holds the time, 409 ``slot_unavailable`` when the
    start is not an offered slot (hours, notice, window, alignment), 422
    ``service_not_offered`` when the technician does not perform the service, 422
    ``coupon_not_applicable`` when the coupon does not apply (nothing is stored), 404
    ``coupon_not_found`` when it is not the customer's, 409 ``too_many_unpaid_orders`` when
    the customer already holds as many open unpaid orders as the platform allows (in all, or
    with this technician; ``details.limit`` says which).

    With an ``Idempotency-Key`` header the request can be retried without booking twice:
    200 with the first request's order for the same body, 422 ``idempotency_key_reused`` for
    another body, 409 ``idempotency_key_in_flight`` while the first is still running, 422
    ``invalid_idempotency_key`` for a malformed key.
    """
    placement = app.ordering.place(
        PlaceOrder(
            customer_id=CustomerId(actor.id),
            technician_id=TechnicianId(body.technician_id),
            service_id=ServiceId(body.service_id),
            start=body.start_instant(),
            coupon_id=None if body.coupon_id is None else CouponId(body.coupon_id),
            idempotency_key=_unquoted(idempotency_key),
        ),
        actor,
    )
    return _json(
        OrderOut.from_domain(placement.order),
        status.HTTP_200_OK if placement.replayed else status.HTTP_201_CREATED,
        {REPLAYED_HEADER: "true"} if placement.replayed else None,
    )


def _json(model: BaseModel, status_code: int, headers: dict[str, str] | None = None) -> Response:
    # The answer serialized here, in the worker thread: a model returned to FastAPI is
    # validated again against the response model in a second thread-pool round trip.
    return Response(model.model_dump_json(), status_code, headers, media_type="application/json")


@router.get("/orders", summary="My orders (customer)")
def list_orders(app: Booking, actor: CurrentActor, page: Page) -> OrderList:
    """The acting customer's own orders, newest first, a page at a time."""
    shown, next_cursor = page.of(app.ordering.list_orders(actor), _newest_first, descending=True)
    return OrderList(items=[OrderOut.from_domain(o) for o in shown], next_cursor=next_cursor)


def _newest_first(order: Order) -> SortKey:
    return (micros(order.placed_at), order.id)


@router.get("/orders/{order_id}", summary="Get an order")
def get_order(order_id: str, app: Booking, actor: CurrentActor) -> OrderOut:
    """One order, with its timeline, if the actor may see it."""
    return OrderOut.from_domain(app.ordering.get_order(OrderId(order_id), actor))


@router.post(
    "/orders/{order_id}/payments",
    summary="Pay an order in full (customer)",
    responses=problem_responses(402, 409),
)
def pay_order(order_id: str, app: Booking, actor: CurrentActor) -> PaymentOut:
    """Charge the whole price through the payment gateway.

    A declined payment is an answer (200, ``status: declined``), not an error; a captured one
    moves the order to ``pending_acceptance``. Paying twice is 409 ``nothing_to_pay``.
    """
    result = app.ordering.pay_in_full(OrderId(order_id), actor)
    return PaymentOut.from_domain(result, app.ordering.get_order(OrderId(order_id), actor))


#: URL slug → (lifecycle event, summary, description).
ACTIONS: Final[dict[str, tuple[str, str, str]]] = {
    "accept": ("accept", "Accept an order (technician)", "The technician takes a paid order."),
    "depart": ("depart", "Set off (technician)", "The technician is on the way."),
    "arrive": ("arrive", "Arrive (technician)", "The technician is at the address."),
    "start-service": ("start_service", "Start the service (technician)", "Service begins."),
    "complete": ("complete", "Complete (technician)", "The service is done."),
    "cancel": (
        "cancel",
        "Cancel an order (customer)",
        "Cancel before the service starts; the technician's time is released at once.",
    ),
}


def _action(event: str) -> Callable[..., OrderOut]:
    def fire(
        order_id: str, app: Booking, actor: CurrentActor, body: TransitionIn | None = None
    ) -> OrderOut:
        reason = body.reason if body is not None else ""
        order = app.ordering.transition(OrderId(order_id), event, actor, reason=reason)
        return OrderOut.from_domain(order)

    fire.__name__ = f"{event}_order"
    return fire


for _slug, (_event, _summary, _description) in ACTIONS.items():
    router.add_api_route(
        f"/orders/{{order_id}}/{_slug}",
        _action(_event),
        methods=["POST"],
        response_model=OrderOut,
        summary=_summary,
        description=f"{_description} Body (optional): a reason kept on the timeline. "
        "409 `transition_not_allowed` when the order's state does not allow it; 403 "
        "`permission_denied` when the actor's role may not do it.",
        responses=problem_responses(409),
    )
