"""Money: quotes with their breakdown and coupon explanations, coupons, campaigns and the
ledger (FEATURES C6, C15–C17, P8, M2).

Customers price carts, claim coupons and read their wallet; the platform manages coupon
templates and campaigns, issues coupons to customers and reads the books.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from booking_core.api import CartItem, CartRequest
from booking_core.errors import InvalidCart
from booking_core.ids import CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.ledger import Account
from booking_core.money import Money
from booking_core.promotions import Campaign, CampaignId, CouponId, CouponTemplateId
from booking_core.services.coupons import TemplateStock, WalletCoupon
from booking_server.actors import CurrentActor
from booking_server.dependencies import Booking
from booking_server.paging import Page, SortKey, micros
from booking_server.problems import problem_responses
from booking_server.schemas import (
    BalanceOut,
    BalancesOut,
    CampaignIn,
    CampaignList,
    CampaignOut,
    CouponCheckOut,
    CouponList,
    CouponOut,
    CouponTemplateIn,
    CouponTemplateList,
    CouponTemplateOut,
    IssueCouponIn,
    JournalOut,
    QuoteIn,
    QuoteOut,
    TemplateActiveIn,
    TransactionOut,
)

__all__ = ["router"]

router = APIRouter(tags=["money"], responses=problem_responses(422))


# --- quotes ------------------------------------------------------------------------------


@router.post(
    "/quotes",
    summary="Price a cart (customer)",
    responses=problem_responses(401, 403, 404, 422),
)
def price_cart(body: QuoteIn, app: Booking, actor: CurrentActor) -> QuoteOut:
    """The cart priced now with the rules in force, built as checkout builds it (with
    ``technician_id``, his own prices and his store) for the customer as stored (his tier;
    new until an order of his is paid): per line the tier or campaign price,
    满减, the chosen coupon, and what the customer pays; plus, for every coupon in the
    customer's wallet, what it would take off or why it does not apply. Booking the same
    service with the same technician and coupon then charges ``payable``. The travel fee is
    its own line (``travel``, with its waiver and discounts); ``promotions`` says why each
    满减 offer, campaign and the fee waiver applied or not; each line echoes its
    ``line_id``.

    422 ``coupon_not_applicable`` when the chosen coupon does not apply (``reason`` says why);
    422 ``service_not_offered`` when the technician does not perform a service; 422
    ``invalid_cart`` when two lines share a ``line_id``.
    """
    line_ids = [line.line_id for line in body.lines]
    given = [i for i in line_ids if i is not None]
    if len(given) != len(set(given)):
        raise InvalidCart("Line ids are unique within a cart.", details={"field": "line_id"})
    request = CartRequest(
        tuple(CartItem(ServiceId(line.service_id), line.quantity) for line in body.lines),
        technician_id=None if body.technician_id is None else TechnicianId(body.technician_id),
        travel_fee=None if body.travel_fee is None else body.travel_fee.to_domain(),
    )
    coupon_id = None if body.coupon_id is None else CouponId(body.coupon_id)
    priced = app.quotes.price(request, CustomerId(actor.id), actor=actor, coupon_id=coupon_id)
    return QuoteOut.from_domain(priced, line_ids)


# --- coupons -----------------------------------------------------------------------------


@router.get("/coupon-templates", summary="List coupon templates")
def list_coupon_templates(app: Booking, page: Page) -> CouponTemplateList:
    """Every template with what it issued and has left, by id, a page at a time (public:
    the 领券中心)."""
    shown, next_cursor = page.of(app.coupons.templates(), _by_template_id)
    return CouponTemplateList(
        items=[CouponTemplateOut.from_domain(s) for s in shown], next_cursor=next_cursor
    )


def _by_template_id(stock: TemplateStock) -> SortKey:
    return (stock.template.id,)


@router.post(
    "/coupon-templates",
    status_code=status.HTTP_201_CREATED,
    summary="Create a coupon template (platform)",
    responses=problem_responses(401, 403, 409),
)
def create_coupon_template(
    body: CouponTemplateIn, app: Booking, actor: CurrentActor
) -> CouponTemplateOut:
    """A template with its benefit, scope, eligibility, validity, stock and limit.

    409 ``coupon_template_exists`` when the id is taken.
    """
    template = app.coupons.create_template(actor, body.to_domain())
    return CouponTemplateOut.from_domain(TemplateStock(template, 0))


@router.patch(
    "/coupon-templates/{template_id}",
    summary="Start or stop issuing a coupon template (platform)",
    responses=problem_responses(401, 403, 404),
)
def set_coupon_template_active(
    template_id: str, body: TemplateActiveIn, app: Booking, actor: CurrentActor
) -> CouponTemplateOut:
    """Coupons already held stay valid when a template stops."""
    app.coupons.set_template_active(actor, CouponTemplateId(template_id), active=body.active)
    found = next(s for s in app.coupons.templates() if s.template.id == template_id)
    return CouponTemplateOut.from_domain(found)


@router.post(
    "/coupon-templates/{template_id}/claims",
    status_code=status.HTTP_201_CREATED,
    summary="Claim a coupon (customer)",
    responses=problem_responses(401, 403, 404, 409),
)
def claim_coupon(template_id: str, app: Booking, actor: CurrentActor) -> CouponOut:
    """One coupon of the template into the customer's wallet (领券).

    409 ``coupon_out_of_stock``, ``coupon_limit_reached`` or ``coupon_not_claimable``.
    """
    return CouponOut.from_domain(app.coupons.claim(actor, CouponTemplateId(template_id)))


@router.post(
    "/coupon-templates/{template_id}/issues",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a coupon to a customer (platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def issue_coupon(
    template_id: str, body: IssueCouponIn, app: Booking, actor: CurrentActor
) -> CouponOut:
    """A coupon for ``customer_id`` (定向发放): the stock holds, the per-customer limit does
    not apply."""
    coupon = app.coupons.issue(actor, CouponTemplateId(template_id), CustomerId(body.customer_id))
    return CouponOut.from_domain(coupon)


@router.get(
    "/coupon-templates/{template_id}/can-claim",
    summary="May I claim a coupon of this template now? (customer)",
    responses=problem_responses(401, 403, 404),
)
def can_claim_coupon(template_id: str, app: Booking, actor: CurrentActor) -> CouponCheckOut:
    """Yes, or why not (``out_of_stock``, ``limit_reached``, ``inactive``, ``channel``,
    ``not_started``, ``ended``, ``expired``); nothing is claimed or written."""
    return CouponCheckOut.from_domain(app.coupons.can_claim(actor, CouponTemplateId(template_id)))


@router.get(
    "/me/coupons/{coupon_id}/can-use",
    summary="May I use this coupon now? (customer)",
    responses=problem_responses(401, 403, 404),
)
def can_use_coupon(coupon_id: str, app: Booking, actor: CurrentActor) -> CouponCheckOut:
    """Yes, or why not, whatever the cart (``not_available``, ``not_started``, ``expired``,
    ``new_customers_only``, ``tier_required``); 404 ``coupon_not_found`` for someone else's.
    Whether it applies to a cart is what ``POST /quotes`` says."""
    return CouponCheckOut.from_domain(app.coupons.can_use(actor, CouponId(coupon_id)))


@router.get("/me/coupons", summary="My coupons (customer)", responses=problem_responses(401, 403))
def my_coupons(app: Booking, actor: CurrentActor, page: Page) -> CouponList:
    """The customer's coupons with their status now (available, reserved, used, expired),
    in issue order, a page at a time."""
    shown, next_cursor = page.of(app.coupons.wallet(actor), _in_issue_order)
    return CouponList(items=[CouponOut.from_wallet(w) for w in shown], next_cursor=next_cursor)


def _in_issue_order(entry: WalletCoupon) -> SortKey:
    return (micros(entry.coupon.issued_at), entry.coupon.id)


# --- campaigns ---------------------------------------------------------------------------


@router.get("/campaigns", summary="List campaigns")
def list_campaigns(app: Booking, page: Page) -> CampaignList:
    """Every campaign with its budget, what it spent and what is left, by start then id,
    a page at a time (public)."""
    shown, next_cursor = page.of(app.campaigns.all(), _by_start)
    return CampaignList(items=[CampaignOut.from_domain(c) for c in shown], next_cursor=next_cursor)


def _by_start(campaign: Campaign) -> SortKey:
    return (micros(campaign.starts_at), campaign.id)


@router.post(
    "/campaigns",
    status_code=status.HTTP_201_CREATED,
    summary="Create a campaign (platform)",
    responses=problem_responses(401, 403, 409),
)
def create_campaign(body: CampaignIn, app: Booking, actor: CurrentActor) -> CampaignOut:
    """A time-limited campaign price on the services in its scope, paid from a budget.

    409 ``campaign_exists`` when the id is taken.
    """
    return CampaignOut.from_domain(app.campaigns.create(actor, body.to_domain()))


@router.put(
    "/campaigns/{campaign_id}",
    summary="Change a campaign (platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def update_campaign(
    campaign_id: str, body: CampaignIn, app: Booking, actor: CurrentActor
) -> CampaignOut:
    """Replace the campaign's definition; what it spent is kept.

    409 ``campaign_budget_exceeded`` when the new budget is below what was spent.
    """
    campaign = app.campaigns.update(actor, body.to_domain(CampaignId(campaign_id)))
    return CampaignOut.from_domain(campaign)


# --- the ledger --------------------------------------------------------------------------


@router.get(
    "/ledger/balances",
    summary="Account balances (platform)",
    responses=problem_responses(401, 403),
)
def ledger_balances(
    app: Booking,
    actor: CurrentActor,
    page: Page,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
) -> BalancesOut:
    """Every non-zero balance, derived from the postings, by currency then account, a page
    at a time; the ``net`` values of a currency sum to zero over all pages."""
    balances = app.ledger.balances(actor, currency)
    shown, next_cursor = page.of(balances.items(), _by_account)
    return BalancesOut(
        items=[BalanceOut.from_domain(a, m) for (a, _), m in shown], next_cursor=next_cursor
    )


def _by_account(entry: tuple[tuple[Account, str], Money]) -> SortKey:
    (account, currency), _ = entry
    return (currency, *account.sort_key)


@router.get(
    "/ledger/orders/{order_id}",
    summary="An order's journal entries (platform)",
    responses=problem_responses(401, 403),
)
def ledger_for_order(order_id: str, app: Booking, actor: CurrentActor) -> JournalOut:
    """The order's captures, settlement, refunds and reversals, in recording order."""
    entries = app.ledger.order_position(actor, OrderId(order_id))
    return JournalOut(order_id=order_id, items=[TransactionOut.from_domain(t) for t in entries])
