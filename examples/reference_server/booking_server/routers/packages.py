"""Packages (套餐, FEATURES P4; docs/packages.md): the platform defines and deactivates
packages, anyone browses those on sale, the application records a purchase it was paid
for, and a customer's bought packages are read and their visits used order by order.

Who may do what is the core's (:class:`~booking_core.services.packages.PackageService`):
packages are catalog work (the ``catalog`` permission); a purchase, and using or giving
back a visit for a customer, is order work (``orders``); a customer reads his own holdings
and uses his own visits. The routes only map — except that a visit is used through its
holding's path, so the route first reads the holding as the caller: another customer's is
404 ``package_holding_not_found`` (as when reading it), not a 409 that would reveal it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from booking_core.catalog import HoldingId, Package, PackageHolding, PackageId
from booking_core.ids import CustomerId, OrderId, ServiceId
from booking_core.services.packages import RecordPurchase, RedeemVisit, RefundPackage
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas.common import ID_PATTERN
from booking_server.schemas.packages import (
    HoldingList,
    HoldingOut,
    PackageIn,
    PackageList,
    PackageOut,
    PackageRefundIn,
    PackageRefundOut,
    PurchaseIn,
    RedemptionIn,
    VisitUseOut,
)

__all__ = ["router"]

router = APIRouter(tags=["packages"], responses=problem_responses(422))

OrderIdPath = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="The order the visit is used for (one visit per order).",
        examples=["ord_0042"],
    ),
]


def _by_name(package: Package) -> SortKey:
    return (package.name, package.id)


def _by_purchase(holding: PackageHolding) -> SortKey:
    return (micros(holding.purchased_at), holding.id)


@router.post(
    "/packages",
    status_code=status.HTTP_201_CREATED,
    summary="Define a package (platform)",
    responses=problem_responses(401, 403, 404),
)
def create_package(body: PackageIn, app: Booking, actor: CurrentActor) -> PackageOut:
    """Staff with the ``catalog`` permission; audited. Each part's list price is its
    service's catalog price now; the price is allocated over the visits. 422
    ``invalid_package`` (``details.field``) for a service twice, a price of zero, above the
    parts' list total or in another currency; 404 ``service_not_found``."""
    return PackageOut.from_domain(app.packages.create_package(body.to_command(), actor))


@router.get("/packages", summary="List the packages on sale")
def list_packages(app: Booking, page: Page) -> PackageList:
    """Every package still sold, by name then id, a page at a time (public)."""
    shown, next_cursor = page.of(app.packages.list_packages(active_only=True), _by_name)
    return PackageList(items=[PackageOut.from_domain(p) for p in shown], next_cursor=next_cursor)


@router.get("/packages/{package_id}", summary="Get a package", responses=problem_responses(404))
def get_package(package_id: str, app: Booking) -> PackageOut:
    """One package, also one no longer sold (``active: false``): bought ones name it."""
    return PackageOut.from_domain(app.packages.get_package(PackageId(package_id)))


@router.post(
    "/packages/{package_id}/deactivate",
    summary="Stop selling a package (platform)",
    responses=problem_responses(401, 403, 404),
)
def deactivate_package(package_id: str, app: Booking, actor: CurrentActor) -> PackageOut:
    """Staff with the ``catalog`` permission; audited; idempotent. Holdings already bought
    are unaffected."""
    return PackageOut.from_domain(app.packages.deactivate_package(PackageId(package_id), actor))


@router.post(
    "/packages/{package_id}/purchases",
    status_code=status.HTTP_201_CREATED,
    summary="Record a purchase the application was paid for (platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def record_purchase(
    package_id: str, body: PurchaseIn, app: Booking, actor: CurrentActor
) -> HoldingOut:
    """Staff with the ``orders`` permission (the application's payment callback); audited.
    The core does not take the payment: ``paid`` is what the application's own checkout
    took (422 ``invalid_package`` unless it is the price, or for a package no longer sold).
    Recording the same ``payment_reference`` again answers the same holding; for another
    customer, package or amount it is 409 ``idempotency_conflict``."""
    command = RecordPurchase(
        PackageId(package_id),
        CustomerId(body.customer_id),
        body.payment_reference,
        body.paid.to_domain(),
    )
    holding = app.packages.record_purchase(command, actor)
    return HoldingOut.from_domain(holding, app.clock.now())


@router.get(
    "/customers/{customer_id}/package-holdings",
    summary="A customer's bought packages (himself, platform)",
    responses=problem_responses(401, 403),
)
def holdings(customer_id: str, app: Booking, actor: CurrentActor, page: Page) -> HoldingList:
    """By purchase time then id, a page at a time, each with its visits left and its
    ``refund_value``: the customer himself, or staff with the ``orders`` permission."""
    bought = app.packages.holdings(CustomerId(customer_id), actor)
    shown, next_cursor = page.of(bought, _by_purchase)
    now = app.clock.now()
    return HoldingList(
        customer_id=customer_id,
        items=[HoldingOut.from_domain(h, now) for h in shown],
        next_cursor=next_cursor,
    )


@router.get(
    "/package-holdings/{holding_id}",
    summary="A bought package (its customer, platform)",
    responses=problem_responses(401, 403, 404),
)
def get_holding(holding_id: str, app: Booking, actor: CurrentActor) -> HoldingOut:
    """Its customer, or staff with the ``orders`` permission; 404
    ``package_holding_not_found`` also for another customer's."""
    holding = app.packages.get_holding(HoldingId(holding_id), actor)
    return HoldingOut.from_domain(holding, app.clock.now())


@router.put(
    "/package-holdings/{holding_id}/redemptions/{order_id}",
    summary="Use a visit for an order (its customer, platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def redeem_visit(
    holding_id: str,
    order_id: OrderIdPath,
    body: RedemptionIn,
    app: Booking,
    actor: CurrentActor,
) -> VisitUseOut:
    """One visit of ``service_id`` (the unused one with the lowest number) for the order:
    its customer, or staff with the ``orders`` permission for him. Idempotent by order: the
    same order again answers the same use. 409 ``package_not_redeemable`` with
    ``details.reason`` ``wrong_service``, ``expired`` or ``none_left``; 404 for another
    customer's holding."""
    # Reading it as the caller first: another customer's is hidden (404), as on GET.
    holding = app.packages.get_holding(HoldingId(holding_id), actor)
    command = RedeemVisit(holding.id, ServiceId(body.service_id), OrderId(order_id))
    return VisitUseOut.from_domain(holding.id, app.packages.redeem(command, actor))


@router.delete(
    "/package-holdings/{holding_id}/redemptions/{order_id}",
    summary="Give an order's visit back (platform)",
    responses=problem_responses(401, 403, 404),
)
def release_visit(
    holding_id: str, order_id: OrderIdPath, app: Booking, actor: CurrentActor
) -> HoldingOut:
    """The order was cancelled: its visit is free again. Staff with the ``orders``
    permission; idempotent (an order that used no visit changes nothing)."""
    holding = app.packages.release(HoldingId(holding_id), OrderId(order_id), actor)
    return HoldingOut.from_domain(holding, app.clock.now())


@router.post(
    "/package-holdings/{holding_id}/refunds",
    status_code=status.HTTP_201_CREATED,
    summary="Refund the rest of a bought package (platform)",
    responses=problem_responses(401, 403, 404),
)
def refund_package(
    holding_id: str, body: PackageRefundIn, app: Booking, actor: CurrentActor
) -> PackageRefundOut:
    """Every visit neither used nor refunded, at its value; the package is closed to new
    orders. Record it first, then pay ``amount`` back under ``refund_reference``: the
    amount is fixed here. Staff with the ``orders`` permission; the same reference again
    answers the same refund. 422 ``invalid_package`` with ``details.reason``
    ``nothing_to_refund`` when no visit is left."""
    command = RefundPackage(HoldingId(holding_id), body.refund_reference)
    return PackageRefundOut.from_domain(holding_id, app.packages.record_refund(command, actor))
