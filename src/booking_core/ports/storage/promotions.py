"""Storage of promotions: coupon templates with their issue counters, coupons in customers'
wallets, and campaigns with their budgets (INVARIANTS I16)."""

from __future__ import annotations

from typing import Protocol

from pendulum import DateTime

from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.promotions import (
    Campaign,
    CampaignId,
    Coupon,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    IssueChannel,
)

__all__ = [
    "CampaignRepository",
    "CouponRepository",
    "CouponTemplateRepository",
    "PromotionStore",
]


class CouponTemplateRepository(Protocol):
    """Coupon templates and their issue counters: the home of the stock and per-customer
    limits (INVARIANTS I16)."""

    def add(self, template: CouponTemplate) -> None:
        """Store a new template (nothing issued yet).

        Raises:
            DuplicateEntity: (code ``coupon_template_exists``) if the id exists.
        """
        ...

    def get(self, template_id: CouponTemplateId) -> CouponTemplate:
        """The template. Raises NotFound (code ``coupon_template_not_found``)."""
        ...

    def save(self, template: CouponTemplate) -> None:
        """Replace the stored template's definition (e.g. deactivate it); what was issued
        stays issued and keeps counting against the stock.

        Raises:
            NotFound: (code ``coupon_template_not_found``) if it was never added.
        """
        ...

    def list(self) -> list[CouponTemplate]:
        """All templates, ordered by id."""
        ...

    def issued_count(self, template_id: CouponTemplateId) -> int:
        """How many coupons of the template were issued, ever. Raises NotFound."""
        ...

    def issue(
        self,
        template_id: CouponTemplateId,
        *,
        coupon_id: CouponId,
        customer_id: CustomerId,
        channel: IssueChannel,
        at: DateTime,
    ) -> Coupon:
        """Issue one coupon of the template to ``customer_id`` and store it, atomically.

        The decision is :meth:`CouponTemplate.issue` over the counts read under the
        template's lock, so under any number of concurrent issues the stock and the
        per-customer limit hold (I16): the issue waits for, or is serialized after, every
        other issue of the same template.

        Raises:
            NotFound: (code ``coupon_template_not_found``) if there is no such template.
            CouponNotClaimable: the template is inactive, not issued by ``channel``, outside
                its issue window, or its coupons would already have expired.
            CouponOutOfStock: the stock is issued.
            CouponLimitReached: the customer holds the per-customer limit (not for ADMIN).
            DuplicateEntity: (code ``coupon_exists``) if ``coupon_id`` is taken.
        """
        ...


class CouponRepository(Protocol):
    """Coupons in customers' wallets; every change is a compare-and-set (I16)."""

    def get(self, coupon_id: CouponId) -> Coupon:
        """The coupon. Raises NotFound (code ``coupon_not_found``)."""
        ...

    def list_for_customer(self, customer_id: CustomerId) -> list[Coupon]:
        """The customer's coupons, whatever their status, ordered by issue time then id."""
        ...

    def for_order(self, order_id: OrderId) -> list[Coupon]:
        """The coupons reserved or used by ``order_id``, ordered by id."""
        ...

    def replace(self, before: Coupon, after: Coupon) -> None:
        """Store ``after`` (a lifecycle step of ``before``) if the stored coupon still has
        ``before``'s status and order — compare-and-set, so of concurrent reservations,
        consumptions or releases of one coupon exactly one succeeds.

        Raises:
            NotFound: (code ``coupon_not_found``) if there is no such coupon.
            ConcurrentUpdate: if the coupon's status or order changed since it was read.
            InvalidInput: if ``after`` is not the same coupon as ``before``.
        """
        ...


class CampaignRepository(Protocol):
    """Campaigns and their budgets; spending is atomic (a budget is never overspent)."""

    def add(self, campaign: Campaign) -> None:
        """Store a new campaign. Raises DuplicateEntity (code ``campaign_exists``)."""
        ...

    def get(self, campaign_id: CampaignId) -> Campaign:
        """The campaign with what it has spent. Raises NotFound (``campaign_not_found``)."""
        ...

    def save(self, campaign: Campaign) -> None:
        """Replace the campaign's definition; its stored ``spent`` is kept (only
        :meth:`spend` and :meth:`give_back` change it).

        Raises:
            NotFound: (code ``campaign_not_found``) if it was never added.
            CampaignBudgetExceeded: if the new budget is below what was spent.
        """
        ...

    def list(self) -> list[Campaign]:
        """All campaigns, ordered by start then id."""
        ...

    def spend(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        """Charge ``amount`` to the campaign's budget, atomically (concurrent spends are
        serialized on the campaign), and return the campaign as stored.

        Raises:
            NotFound: (code ``campaign_not_found``).
            CampaignBudgetExceeded: if less than ``amount`` is left.
            InvalidPromotion: if ``amount`` is negative.
        """
        ...

    def give_back(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        """Return ``amount`` to the budget, atomically; the campaign as stored.

        Raises:
            NotFound: (code ``campaign_not_found``).
            InvalidPromotion: if ``amount`` is negative or more than was spent.
        """
        ...


class PromotionStore(Protocol):
    """The promotions' part of a unit of work."""

    @property
    def coupon_templates(self) -> CouponTemplateRepository: ...
    @property
    def coupons(self) -> CouponRepository: ...
    @property
    def campaigns(self) -> CampaignRepository: ...
