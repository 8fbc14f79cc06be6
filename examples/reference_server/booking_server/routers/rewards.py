"""Spending points (issue 13; FEATURES C16; docs/loyalty.md, "Spending points"): the gift
catalog with its stock, coupons for points, tier purchases and redemptions.

* A customer lists the catalog, redeems a gift or a coupon and buys a tier for himself,
  each with a key (body ``key`` or the ``Idempotency-Key`` header): the same key twice
  redeems once. He reads his own redemptions.
* Platform staff with the ``promotions`` permission keep the catalog (audited), read every
  redemption and hand gifts over (``fulfil``) or cancel them (the points go back once).

Every rule is the core's (:class:`~booking_core.services.rewards.RewardsService`). Lists are
paged by storage on the id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Final, Protocol, TypeVar

from fastapi import APIRouter, Header, Query, status

from booking_core.errors import PermissionDenied
from booking_core.loyalty import CouponExchangeId, GiftId, RedemptionId, RedemptionStatus
from booking_core.orders import Role
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import InvalidCursor, Page
from booking_server.problems import problem_responses
from booking_server.schemas.rewards import (
    CancelRedemptionIn,
    CouponExchangeIn,
    CouponExchangeList,
    CouponExchangeOut,
    GiftIn,
    GiftList,
    GiftOut,
    GiftPatch,
    RedeemIn,
    RedemptionList,
    RedemptionOut,
    TierPurchaseIn,
)

__all__ = ["router"]

router = APIRouter(tags=["rewards"], responses=problem_responses(401, 403, 422))

#: The most items the core reads in one call.
_CHUNK: Final = 200
_NOT_OURS: Final = "The cursor is not one this server gave; start again without it."
_KEY_DOC = (
    "Optional (or ``key`` in the body). A key you make up (1–200 characters): the same key "
    "redeems once, however often the request is sent; another reward under it is 422 "
    "``idempotency_key_reused``. Without one, every request is a new redemption."
)
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=200, description=_KEY_DOC)
]


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def _paged(
    page: Page, fetch: Callable[[str | None, int], Sequence[T]]
) -> tuple[list[T], str | None]:
    """One page of a list the core pages by id (at most 200 a call), and the next cursor."""
    after = _after(page)
    found: list[T] = []
    while len(found) <= page.limit:
        want = min(_CHUNK, page.limit + 1 - len(found))
        chunk = fetch(after, want)
        found += chunk
        if len(chunk) < want:
            break
        after = chunk[-1].id
    shown = found[: page.limit]
    more = len(found) > page.limit
    return shown, page.cursor_after((shown[-1].id,)) if more else None


def _after(page: Page) -> str | None:
    key = page.after()
    if key is None:
        return None
    match key:
        case (str() as last,):
            return last
    raise InvalidCursor(_NOT_OURS)


def _key(body: RedeemIn | TierPurchaseIn | None, header: str | None) -> str:
    return (body.key if body is not None else None) or header or uuid.uuid4().hex


# -- the gift catalog -----------------------------------------------------------------------


@router.get("/rewards/gifts", summary="The gift catalog")
def list_gifts(app: Booking, actor: CurrentActor, page: Page) -> GiftList:
    """The gifts on offer, by id, a page at a time, with their price in points and the stock
    left (null: unlimited). Staff with the ``promotions`` permission see the inactive ones
    too."""
    shown, more = _paged(
        page,
        lambda after, n: app.rewards.gifts(
            actor, after=None if after is None else GiftId(after), limit=n
        ),
    )
    return GiftList(items=[GiftOut.from_domain(g) for g in shown], next_cursor=more)


@router.post(
    "/rewards/gifts",
    status_code=status.HTTP_201_CREATED,
    summary="Add a gift to the catalog (platform)",
    responses=problem_responses(409),
)
def create_gift(body: GiftIn, app: Booking, actor: CurrentActor) -> GiftOut:
    """A gift with its price in points, stock and per-customer limit; audited as
    ``gift.create``. Staff with the ``promotions`` permission. 409 ``gift_exists`` when the
    id is taken."""
    return GiftOut.from_domain(app.rewards.create_gift(actor, body.to_domain()))


@router.patch(
    "/rewards/gifts/{gift_id}",
    summary="Change, restock or deactivate a gift (platform)",
    responses=problem_responses(404, 409),
)
def update_gift(gift_id: str, body: GiftPatch, app: Booking, actor: CurrentActor) -> GiftOut:
    """Change what is given (``active`` false takes it off the catalog); audited as
    ``gift.update``. Redemptions already made keep their price. 409 ``concurrent_update``
    when a redemption took stock meanwhile (read it and send again). Staff with the
    ``promotions`` permission."""
    gift = app.rewards.update_gift(
        actor,
        GiftId(gift_id),
        name=body.name,
        points=body.points,
        stock=body.stock,
        unlimited=body.unlimited,
        active=body.active,
        per_customer=body.per_customer,
        no_limit=body.no_limit,
    )
    return GiftOut.from_domain(gift)


@router.post(
    "/rewards/gifts/{gift_id}/redeem",
    status_code=status.HTTP_201_CREATED,
    summary="Redeem a gift for points (customer)",
    responses=problem_responses(404, 409),
)
def redeem_gift(
    gift_id: str,
    app: Booking,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
    body: RedeemIn | None = None,
) -> RedemptionOut:
    """Spend the gift's points (soonest-expiring first) and take one unit: the redemption is
    ``requested`` until staff hand it over. 409 ``gift_out_of_stock`` (also when others
    took the last unit at the same time: his points are untouched), ``gift_limit_reached``,
    ``reward_not_available`` (inactive), ``insufficient_points``. Customers only."""
    redemption = app.rewards.redeem_gift(actor, GiftId(gift_id), key=_key(body, idempotency_key))
    return RedemptionOut.from_domain(redemption)


# -- coupons for points -----------------------------------------------------------------------


@router.get("/rewards/coupons", summary="Coupons for points")
def list_exchanges(app: Booking, actor: CurrentActor, page: Page) -> CouponExchangeList:
    """The coupon templates on sale for points and their price, by id, a page at a time
    (the template itself: ``GET /coupon-templates``). Staff with the ``promotions``
    permission see the inactive ones too."""
    shown, more = _paged(
        page,
        lambda after, n: app.rewards.exchanges(
            actor, after=None if after is None else CouponExchangeId(after), limit=n
        ),
    )
    return CouponExchangeList(
        items=[CouponExchangeOut.from_domain(e) for e in shown], next_cursor=more
    )


@router.post(
    "/rewards/coupons",
    status_code=status.HTTP_201_CREATED,
    summary="Sell a coupon template for points (platform)",
    responses=problem_responses(404, 409),
)
def create_exchange(body: CouponExchangeIn, app: Booking, actor: CurrentActor) -> CouponExchangeOut:
    """Put a coupon template on sale for ``points``; audited. The template must list the
    ``points`` channel (409 ``reward_not_available`` otherwise); 404 for no such template.
    Staff with the ``promotions`` permission."""
    return CouponExchangeOut.from_domain(app.rewards.create_exchange(actor, body.to_domain()))


@router.post(
    "/rewards/coupons/{exchange_id}/redeem",
    status_code=status.HTTP_201_CREATED,
    summary="Buy a coupon with points (customer)",
    responses=problem_responses(404, 409),
)
def redeem_coupon(
    exchange_id: str,
    app: Booking,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
    body: RedeemIn | None = None,
) -> RedemptionOut:
    """Spend the exchange's points and issue one coupon of its template to him (its stock,
    per-customer limit and window apply: when it refuses — 409 ``coupon_out_of_stock``,
    ``coupon_limit_reached``, ``coupon_not_claimable`` — nothing is spent). Customers
    only."""
    redemption = app.rewards.redeem_coupon(
        actor, CouponExchangeId(exchange_id), key=_key(body, idempotency_key)
    )
    return RedemptionOut.from_domain(redemption)


# -- tiers --------------------------------------------------------------------------------------


@router.post(
    "/me/tier/purchase",
    status_code=status.HTTP_201_CREATED,
    summary="Buy a membership tier with points (customer)",
    responses=problem_responses(409),
)
def buy_tier(
    body: TierPurchaseIn,
    app: Booking,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey = None,
) -> RedemptionOut:
    """Buy a tier the platform sells for points: he holds it at once and keeps it through
    every evaluation until ``until``; then the ladder's grace rules apply. 409
    ``reward_not_available`` when the tier is not for sale or below his own
    (``details.reason``), ``insufficient_points``. Customers only."""
    redemption = app.rewards.buy_tier(actor, body.tier, key=_key(body, idempotency_key))
    return RedemptionOut.from_domain(redemption)


# -- redemptions --------------------------------------------------------------------------------


@router.get("/me/redemptions", summary="My redemptions (customer)")
def my_redemptions(app: Booking, actor: CurrentActor, page: Page) -> RedemptionList:
    """Everything he spent points on — gifts, coupons, tiers — by id, a page at a time.
    Customers only (staff: ``GET /rewards/redemptions``)."""
    if actor.role is not Role.CUSTOMER:
        raise PermissionDenied("Only a customer has redemptions of his own.")
    shown, more = _paged(
        page,
        lambda after, n: app.rewards.redemptions(
            actor, after=None if after is None else RedemptionId(after), limit=n
        ),
    )
    return RedemptionList(items=[RedemptionOut.from_domain(r) for r in shown], next_cursor=more)


@router.get("/rewards/redemptions", summary="Every redemption (platform)")
def all_redemptions(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    state: Annotated[
        RedemptionStatus | None, Query(alias="status", description="Only in this status.")
    ] = None,
) -> RedemptionList:
    """Every customer's redemptions by id, a page at a time — ``status=requested``: the gifts
    to hand over. Staff with the ``promotions`` permission."""
    if actor.role is Role.CUSTOMER:
        raise PermissionDenied("Only platform staff read every redemption.")
    shown, more = _paged(
        page,
        lambda after, n: app.rewards.redemptions(
            actor, status=state, after=None if after is None else RedemptionId(after), limit=n
        ),
    )
    return RedemptionList(items=[RedemptionOut.from_domain(r) for r in shown], next_cursor=more)


@router.post(
    "/rewards/redemptions/{redemption_id}/fulfil",
    summary="Hand a gift over (platform)",
    responses=problem_responses(404, 409),
)
def fulfil_redemption(redemption_id: str, app: Booking, actor: CurrentActor) -> RedemptionOut:
    """The gift was handed over; audited. 409 ``redemption_not_allowed`` unless a requested
    gift. Staff with the ``promotions`` permission."""
    return RedemptionOut.from_domain(app.rewards.fulfil(actor, RedemptionId(redemption_id)))


@router.post(
    "/rewards/redemptions/{redemption_id}/cancel",
    summary="Cancel a gift's redemption (platform)",
    responses=problem_responses(404, 409),
)
def cancel_redemption(
    redemption_id: str, body: CancelRedemptionIn, app: Booking, actor: CurrentActor
) -> RedemptionOut:
    """The gift will not be handed over: its points go back to him once and its unit to
    stock; audited with the reason. 409 ``redemption_not_allowed`` unless a requested gift
    (a second cancel included). Staff with the ``promotions`` permission."""
    redemption = app.rewards.cancel(actor, RedemptionId(redemption_id), reason=body.reason)
    return RedemptionOut.from_domain(redemption)
