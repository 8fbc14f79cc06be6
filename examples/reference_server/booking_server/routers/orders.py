"""Orders: place, read, pay, and move through the lifecycle (FEATURES C6–C9, T5, T7).

An order is visible only to its customer, its technician and the platform; anyone else gets
404 (not 403), so ids of other people's orders leak nothing (INVARIANTS I25).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Final

import attrs
import pendulum
from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from pydantic import BaseModel

from booking_core.errors import InvalidInput
from booking_core.ids import CustomerId, OrderId, ServiceId, StoreId, TechnicianId
from booking_core.orders import OrderState
from booking_core.ports.storage import OrderCursor, OrderQuery, OrderSort
from booking_core.promotions import CouponId
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.ordering import PlaceOrder, PlaceParty, TechnicianView
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import InvalidCursor, Page, PageRequest, micros
from booking_server.problems import problem_responses
from booking_server.ratelimit import RATE_LIMITED_RESPONSES, enforce
from booking_server.schemas import (
    OrderList,
    OrderOut,
    PartyPlacementOut,
    PayIn,
    PaymentOut,
    PlaceOrderIn,
    PlacePartyIn,
    TransitionIn,
)
from booking_server.schemas.common import ID_PATTERN, Instant

__all__ = ["ACTIONS", "REPLAYED_HEADER", "order_cursor", "router"]

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
        **RATE_LIMITED_RESPONSES,
    },
)
def place_order(
    request: Request,
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
    with this technician; ``details.limit`` says which), 422 ``outside_service_area`` when
    ``address`` lies outside the technician's service area. ``payment_mode`` ``on_arrival``
    needs nothing up front: the order waits for the technician at once.

    Without ``technician_id`` dispatch finds the technician near the address (``address`` or
    ``address_id``, then required: 422 ``invalid_input`` without one): the time is held on
    the best free candidate at once and the order sold at the catalog price; 409
    ``no_technician_available`` when nobody near is free then. Its ``dispatch`` says where
    that stands (docs: server/dispatch.md).

    With an ``Idempotency-Key`` header the request can be retried without booking twice:
    200 with the first request's order for the same body, 422 ``idempotency_key_reused`` for
    another body, 409 ``idempotency_key_in_flight`` while the first is still running, 422
    ``invalid_idempotency_key`` for a malformed key.

    429 ``rate_limited`` when the customer has placed too many orders lately (each request
    counts, a retry too); ``Retry-After`` says when to try again.

    With ``holding_id`` a visit of the customer's bought package pays the order at once
    (docs: packages.md).
    """
    enforce(request, "orders", actor.id)
    placement = app.ordering.place(
        PlaceOrder(
            customer_id=CustomerId(actor.id),
            technician_id=None if body.technician_id is None else TechnicianId(body.technician_id),
            service_id=ServiceId(body.service_id),
            start=body.start_instant(),
            location=None if body.address is None else GeoPoint(body.address.lat, body.address.lon),
            payment_mode=body.payment_mode,
            address_id=body.address_id,
            coupon_id=None if body.coupon_id is None else CouponId(body.coupon_id),
            idempotency_key=_unquoted(idempotency_key),
            holding_id=body.holding_id,
        ),
        actor,
    )
    return _placed(OrderOut.from_domain(placement.order, actor), replayed=placement.replayed)


@router.post(
    "/parties",
    status_code=status.HTTP_201_CREATED,
    response_model=PartyPlacementOut,
    summary="Book a service for several technicians at once (customer)",
    responses={
        status.HTTP_200_OK: {
            "model": PartyPlacementOut,
            "description": "A retry with the same `Idempotency-Key` and body: the orders "
            "the first request placed, as they are now.",
        },
        **problem_responses(409),
        **RATE_LIMITED_RESPONSES,
    },
)
def place_party(
    request: Request,
    body: PlacePartyIn,
    app: Booking,
    actor: CurrentActor,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description=_IDEMPOTENCY_KEY_DOC)
    ] = None,
) -> Response:
    """Book a service that several technicians serve together (a couple's massage) with
    each of ``technician_ids`` at one start, in one transaction: one order per technician
    (each at his own price, each travelling from his own previous job, each paid alone
    with ``POST /orders/{id}/payments``), or nothing at all.

    409 ``slot_taken`` / ``slot_unavailable`` when any of them cannot take the start
    (nothing is stored); 422 ``invalid_party`` when the service needs another number of
    technicians at once (or a technician is named twice); otherwise as ``POST /orders``,
    the ``Idempotency-Key`` header included.
    """
    enforce(request, "orders", actor.id)
    placement = app.ordering.place_party(
        PlaceParty(
            customer_id=CustomerId(actor.id),
            service_id=ServiceId(body.service_id),
            technician_ids=tuple(TechnicianId(t) for t in body.technician_ids),
            start=body.start_instant(),
            location=None if body.address is None else GeoPoint(body.address.lat, body.address.lon),
            payment_mode=body.payment_mode,
            address_id=body.address_id,
            idempotency_key=_unquoted(idempotency_key),
        ),
        actor,
    )
    out = PartyPlacementOut(
        party_id=placement.party_id,
        orders=[OrderOut.from_domain(o, actor) for o in placement.orders],
    )
    return _placed(out, replayed=placement.replayed)


@router.get(
    "/parties/{party_id}",
    response_model=PartyPlacementOut,
    summary="Get a party's orders (its customer, its technicians, the platform)",
)
def get_party(
    party_id: Annotated[str, Path(pattern=ID_PATTERN)], app: Booking, actor: CurrentActor
) -> PartyPlacementOut:
    """The orders of a party by seat, those the caller may see: its customer all of them,
    a technician his own seat, the platform every one. 404 when he may see none."""
    orders = app.ordering.party(party_id, actor)
    return PartyPlacementOut(
        party_id=party_id, orders=[OrderOut.from_domain(o, actor) for o in orders]
    )


def _placed(model: BaseModel, *, replayed: bool) -> Response:
    # 201 for what this request placed; 200 and the header for what a retry finds placed.
    if replayed:
        return _json(model, status.HTTP_200_OK, {REPLAYED_HEADER: "true"})
    return _json(model, status.HTTP_201_CREATED)


def _json(model: BaseModel, status_code: int, headers: dict[str, str] | None = None) -> Response:
    # The answer serialized here, in the worker thread: a model returned to FastAPI is
    # validated again against the response model in a second thread-pool round trip.
    return Response(model.model_dump_json(), status_code, headers, media_type="application/json")


_ID_FILTER = {"pattern": ID_PATTERN, "max_length": 128}
_VIEW_DOC = (
    "A technician's view of his own orders: `new` (waiting for him to accept, soonest "
    "first), `today` (starting on his local day, soonest first), `upcoming` (accepted and "
    "not finished, soonest first), `history` (finished, latest first). A view has its own "
    "filters and order: leave the others out."
)


@router.get("/orders", summary="List orders (every role)")
def list_orders(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    view: Annotated[TechnicianView | None, Query(description=_VIEW_DOC)] = None,
    state: Annotated[
        list[OrderState] | None,
        Query(max_length=len(OrderState), description="Only orders in these states (repeat)."),
    ] = None,
    customer_id: Annotated[str | None, Query(**_ID_FILTER)] = None,
    technician_id: Annotated[str | None, Query(**_ID_FILTER)] = None,
    store_id: Annotated[
        str | None, Query(**_ID_FILTER, description="Orders of the store's technicians.")
    ] = None,
    placed_from: Annotated[Instant | None, Query(description="Placed at or after.")] = None,
    placed_until: Annotated[Instant | None, Query(description="Placed before.")] = None,
    slot_from: Annotated[Instant | None, Query(description="Starting at or after.")] = None,
    slot_until: Annotated[Instant | None, Query(description="Starting before.")] = None,
    sort: Annotated[
        OrderSort | None,
        Query(description="`newest_placed` (default), `soonest_slot` or `latest_slot`."),
    ] = None,
) -> OrderList:
    """The orders the actor may list, filtered, a page at a time: a customer his own, a
    technician those assigned to him (or one of his views), a store those of its
    technicians, the platform every order.

    403 ``permission_denied`` when a filter names another customer, technician or store
    than the actor, or a view is asked by someone who is not a technician; 422
    ``invalid_input`` for a view with other filters.
    """
    query = OrderQuery(
        customer_id=None if customer_id is None else CustomerId(customer_id),
        technician_id=None if technician_id is None else TechnicianId(technician_id),
        store_id=None if store_id is None else StoreId(store_id),
        states=None if state is None else frozenset(state),
        placed_from=placed_from,
        placed_until=placed_until,
        slot_from=slot_from,
        slot_until=slot_until,
        sort=sort or OrderSort.NEWEST_PLACED,
        limit=page.limit + 1,
    )
    if view is None:
        found = app.ordering.find_orders(
            attrs.evolve(query, after=order_cursor(page, query.sort)), actor
        )
        order = query.sort
    else:
        given = [name for name, value in _filters(query).items() if value is not None]
        if sort is not None:
            given.append("sort")
        if given:
            raise InvalidInput(
                f"The {view.value} view has its own filters and order; leave out "
                f"{', '.join(given)}.",
                details={"view": view.value, "filters": given},
            )
        order = view.sort
        after = order_cursor(page, order)
        found = app.ordering.technician_orders(view, actor, after=after, limit=page.limit + 1)
    shown = found[: page.limit]
    next_cursor = None
    if len(found) > page.limit:
        last = OrderCursor.after(shown[-1], order)
        next_cursor = page.cursor_after((order.value, micros(last.at), last.order_id))
    return OrderList(items=[OrderOut.from_domain(o, actor) for o in shown], next_cursor=next_cursor)


def _filters(query: OrderQuery) -> dict[str, object]:
    return {name: getattr(query, name) for name in _FILTER_NAMES}


_FILTER_NAMES: Final = (
    "customer_id", "technician_id", "store_id", "states",
    "placed_from", "placed_until", "slot_from", "slot_until",
)  # fmt: skip
_EPOCH: Final = pendulum.datetime(1970, 1, 1, tz="UTC")


def order_cursor(page: PageRequest, sort: OrderSort) -> OrderCursor | None:
    """The storage cursor a page's ``cursor`` holds: ``(sort, microseconds, order id)``."""
    key = page.after()
    if key is None:
        return None
    match key:
        case (str() as named, int() as at, str() as order_id) if named == sort.value:
            try:
                return OrderCursor(_EPOCH + dt.timedelta(microseconds=at), OrderId(order_id))
            except OverflowError as exc:
                raise InvalidCursor(_OTHER_ORDER) from exc
    raise InvalidCursor(_OTHER_ORDER)


_OTHER_ORDER: Final = (
    "The cursor belongs to another view or order of this list; start again without it."
)


@router.get("/orders/{order_id}", summary="Get an order")
def get_order(order_id: str, app: Booking, actor: CurrentActor) -> OrderOut:
    """One order, with its timeline, if the actor may see it."""
    return OrderOut.from_domain(app.ordering.get_order(OrderId(order_id), actor), actor)


@router.post(
    "/orders/{order_id}/payments",
    summary="Pay an order in full (customer)",
    responses=problem_responses(402, 409),
)
def pay_order(
    order_id: str, app: Booking, actor: CurrentActor, body: PayIn | None = None
) -> PaymentOut:
    """Charge what the order owes now through the payment provider of ``channel``.

    A declined payment is an answer (200, ``status: declined``), not an error; a captured one
    moves the order to ``pending_acceptance``; ``requires_action`` carries what the customer
    must do (``next_action``: the mini-program's signed ``requestPayment`` parameters, a QR
    code, a redirect). Paying twice is 409 ``nothing_to_pay``; the mini-program channel for
    a customer without a WeChat sign-in is 422 ``payer_unknown``.
    """
    channel = body.channel if body is not None else None
    result = app.payments.pay(OrderId(order_id), actor, channel=channel)
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
        return OrderOut.from_domain(order, actor)

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
