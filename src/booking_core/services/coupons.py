"""Coupon use cases (FEATURES C17, P8): templates, claiming and issuing, the wallet, and the
coupon's part in an order — reserved at checkout, used on payment, returned on cancellation.

:meth:`CouponService.reserve_for_order`, :meth:`~CouponService.consume_for_order` and
:meth:`~CouponService.release_for_order` run the steps of
:mod:`booking_core.services.steps.coupons` (which the order flow runs inside its own unit
of work) in a unit of work of their own. Every step is a compare-and-set in storage, so a
coupon is reserved, used and returned at most once (I16).
"""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import (
    CouponLimitReached,
    CouponNotClaimable,
    CouponOutOfStock,
    NotFound,
)
from booking_core.ids import CustomerId, OrderId
from booking_core.orders.actor import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.pricing import coupon_usable
from booking_core.promotions import (
    Coupon,
    CouponId,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    IssueChannel,
)
from booking_core.services._access import require_permission, require_role
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.coupons import (
    consume_order_coupons,
    release_order_coupons,
    reserve_coupon,
)
from booking_core.staff import Permission

__all__ = [
    "CouponCheck",
    "CouponService",
    "TemplateStock",
    "WalletCoupon",
]


@attrs.frozen
class TemplateStock:
    """A template and how many of its coupons were issued."""

    template: CouponTemplate
    issued: int

    @property
    def left(self) -> int | None:
        """Coupons still to issue (None: unlimited stock)."""
        stock = self.template.stock
        return None if stock is None else max(stock - self.issued, 0)


@attrs.frozen
class WalletCoupon:
    """A coupon as its holder sees it: ``status`` is EXPIRED for an available coupon past
    its end even before a job marks it so."""

    coupon: Coupon
    status: CouponStatus


@attrs.frozen
class CouponCheck:
    """The answer to "may this customer claim / use this coupon now?".

    Attributes:
        allowed: Yes or no.
        reason: Why not, a stable code (None when allowed). Claiming:
            ``out_of_stock``, ``limit_reached``, or why the template is not claimable
            (``inactive``, ``channel``, ``not_started``, ``ended``, ``expired``). Using:
            a :class:`~booking_core.pricing.RejectionReason` value (``not_available``,
            ``not_started``, ``expired``, ``new_customers_only``, ``tier_required``).
        message: A sentence a customer can act on (None when allowed).
    """

    allowed: bool
    reason: str | None = None
    message: str | None = None


def _shown_status(coupon: Coupon, now: DateTime) -> CouponStatus:
    if coupon.status is CouponStatus.AVAILABLE and now > coupon.valid_until:
        return CouponStatus.EXPIRED
    return coupon.status


class CouponService:
    """Coupon templates (platform), claims (customers), issues (platform), wallets, and the
    coupon steps of an order."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdSource, *, audit: AuditTrail
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._audit = audit

    # -- templates (platform) ----------------------------------------------------------

    def create_template(self, actor: Actor, template: CouponTemplate) -> CouponTemplate:
        """Store a new template.

        Raises:
            PermissionDenied: the actor is not platform staff with the promotions permission.
            DuplicateEntity: (``coupon_template_exists``) the id is taken.
        """
        require_permission(actor, Permission.PROMOTIONS, "creates coupon templates")
        with self._uow() as uow:
            uow.coupon_templates.add(template)
            self._audit.record(
                uow, actor, "coupon_template.create", ("coupon_template", template.id),
                after=template,
            )  # fmt: skip
            uow.commit()
        return template

    def set_template_active(
        self, actor: Actor, template_id: CouponTemplateId, *, active: bool
    ) -> CouponTemplate:
        """Start or stop issuing a template (coupons already held stay valid).

        Raises:
            PermissionDenied: the actor is not platform staff with the promotions permission.
            NotFound: (``coupon_template_not_found``).
        """
        require_permission(actor, Permission.PROMOTIONS, "starts and stops coupon templates")
        with self._uow() as uow:
            before = uow.coupon_templates.get(template_id)
            template = attrs.evolve(before, active=active)
            uow.coupon_templates.save(template)
            self._audit.record(
                uow, actor, "coupon_template.set_active", ("coupon_template", template_id),
                before=before, after=template,
            )  # fmt: skip
            uow.commit()
        return template

    def templates(self) -> list[TemplateStock]:
        """Every template with what it issued, ordered by id."""
        with self._uow() as uow:
            return [
                TemplateStock(t, uow.coupon_templates.issued_count(t.id))
                for t in uow.coupon_templates.list()
            ]

    # -- issuing -----------------------------------------------------------------------

    def claim(self, actor: Actor, template_id: CouponTemplateId) -> Coupon:
        """The customer claims a coupon of the template (领券).

        Raises:
            PermissionDenied: the actor is not a customer.
            NotFound: (``coupon_template_not_found``).
            CouponNotClaimable, CouponOutOfStock, CouponLimitReached: as
                :meth:`CouponTemplate.check_issue`; under concurrency too (I16).
        """
        require_role(actor, Role.CUSTOMER, "claims coupons")
        return self._issue(template_id, CustomerId(actor.id), IssueChannel.CLAIM, actor)

    def issue(self, actor: Actor, template_id: CouponTemplateId, customer_id: CustomerId) -> Coupon:
        """The platform issues a coupon to ``customer_id`` (定向发放; no per-customer limit).

        Raises:
            PermissionDenied: the actor is not platform staff with the promotions permission.
            NotFound, CouponNotClaimable, CouponOutOfStock: as :meth:`claim`.
        """
        require_permission(actor, Permission.PROMOTIONS, "issues coupons to customers")
        return self._issue(template_id, customer_id, IssueChannel.ADMIN, actor)

    def _issue(
        self,
        template_id: CouponTemplateId,
        customer_id: CustomerId,
        channel: IssueChannel,
        actor: Actor,
    ) -> Coupon:
        now = self._clock.now()
        with self._uow() as uow:
            coupon = uow.coupon_templates.issue(
                template_id,
                coupon_id=CouponId(self._ids.new_id("cpn")),
                customer_id=customer_id,
                channel=channel,
                at=now,
            )
            self._audit.record(uow, actor, "coupon.issue", ("coupon", coupon.id), after=coupon)
            uow.commit()
        return coupon

    def can_claim(self, actor: Actor, template_id: CouponTemplateId) -> CouponCheck:
        """Whether the acting customer may claim a coupon of the template now: the checks
        of :meth:`CouponTemplate.check_issue` over the counts stored now; nothing is
        written (a claim made next may still meet a stock another customer just took).

        Raises:
            PermissionDenied: the actor is not a customer.
            NotFound: (``coupon_template_not_found``).
        """
        require_role(actor, Role.CUSTOMER, "claims coupons")
        customer_id = CustomerId(actor.id)
        now = self._clock.now()
        with self._uow() as uow:
            template = uow.coupon_templates.get(template_id)
            issued = uow.coupon_templates.issued_count(template_id)
            held = sum(
                1
                for c in uow.coupons.list_for_customer(customer_id)
                if c.template_id == template_id
            )
        try:
            template.check_issue(
                channel=IssueChannel.CLAIM, at=now, issued_so_far=issued, held_by_customer=held
            )
        except CouponNotClaimable as refused:
            return CouponCheck(False, str(refused.details["reason"]), refused.message)
        except CouponOutOfStock as refused:
            return CouponCheck(False, "out_of_stock", refused.message)
        except CouponLimitReached as refused:
            return CouponCheck(False, "limit_reached", refused.message)
        return CouponCheck(True)

    def can_use(self, actor: Actor, coupon_id: CouponId) -> CouponCheck:
        """Whether the acting customer may use his coupon now, whatever the cart: it is
        available and within validity, and he is eligible (new customer, tier) as stored
        (:func:`~booking_core.pricing.coupon_usable`); nothing is written. Whether it
        applies to a cart is what a quote says (``PricedCart.coupons``).

        Raises:
            PermissionDenied: the actor is not a customer.
            NotFound: (``coupon_not_found``) no such coupon, or someone else's.
        """
        require_role(actor, Role.CUSTOMER, "uses coupons")
        customer_id = CustomerId(actor.id)
        with self._uow() as uow:
            coupon = next(
                (c for c in uow.coupons.list_for_customer(customer_id) if c.id == coupon_id), None
            )
            if coupon is None:
                raise NotFound("coupon", coupon_id)
            standing = uow.customers.standing(customer_id)
        rejection = coupon_usable(coupon, standing.pricing_profile(), self._clock.now())
        if rejection is None:
            return CouponCheck(True)
        return CouponCheck(False, rejection.reason.value, rejection.message)

    def wallet(self, actor: Actor) -> list[WalletCoupon]:
        """The acting customer's coupons with their status now, in issue order.

        Raises:
            PermissionDenied: the actor is not a customer.
        """
        require_role(actor, Role.CUSTOMER, "has a coupon wallet")
        customer_id = CustomerId(actor.id)
        now = self._clock.now()
        with self._uow() as uow:
            coupons = uow.coupons.list_for_customer(customer_id)
        return [WalletCoupon(c, _shown_status(c, now)) for c in coupons]

    # -- the order flow ----------------------------------------------------------------

    def reserve_for_order(
        self, *, order_id: OrderId, customer_id: CustomerId, coupon_id: CouponId
    ) -> Coupon:
        """At checkout: hold the customer's coupon for the order (see :func:`reserve_coupon`)."""
        with self._uow() as uow:
            coupon = reserve_coupon(
                uow,
                coupon_id=coupon_id,
                customer_id=customer_id,
                order_id=order_id,
                at=self._clock.now(),
            )
            uow.commit()
        return coupon

    def consume_for_order(self, order_id: OrderId) -> list[Coupon]:
        """On payment: use the order's reserved coupons (see :func:`consume_order_coupons`)."""
        with self._uow() as uow:
            used = consume_order_coupons(uow, order_id, self._clock.now())
            uow.commit()
        return used

    def release_for_order(self, order_id: OrderId) -> list[Coupon]:
        """On cancellation: return the order's coupons once (see :func:`release_order_coupons`)."""
        with self._uow() as uow:
            returned = release_order_coupons(uow, order_id, self._clock.now())
            uow.commit()
        return returned
