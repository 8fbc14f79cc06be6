"""In-memory coupon templates, coupons and campaigns (INVARIANTS I16: the store's lock
serializes every issue, reservation and spend)."""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import (
    CampaignBudgetExceeded,
    ConcurrentUpdate,
    DuplicateEntity,
    InvalidInput,
)
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.promotions import (
    Campaign,
    CampaignId,
    Coupon,
    CouponId,
    CouponStatus,
    CouponTemplate,
    CouponTemplateId,
    IssueChannel,
)
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryCampaigns", "InMemoryCouponTemplates", "InMemoryCoupons"]


class InMemoryCouponTemplates(Table):
    """:class:`~booking_core.ports.storage.CouponTemplateRepository` over a snapshot.

    Rows are (template, issued count); issuing writes the coupons' table too.
    """

    def add(self, template: CouponTemplate) -> None:
        self._insert(template.id, (template, 0))

    def get(self, template_id: CouponTemplateId) -> CouponTemplate:
        template: CouponTemplate = self._get(template_id)[0]
        return template

    def save(self, template: CouponTemplate) -> None:
        _, issued = self._get(template.id)
        self.rows[template.id] = (template, issued)

    def list(self) -> list[CouponTemplate]:
        return [self.rows[key][0] for key in sorted(self.rows)]

    def issued_count(self, template_id: CouponTemplateId) -> int:
        issued: int = self._get(template_id)[1]
        return issued

    def issue(
        self,
        template_id: CouponTemplateId,
        *,
        coupon_id: CouponId,
        customer_id: CustomerId,
        channel: IssueChannel,
        at: DateTime,
    ) -> Coupon:
        template, issued = self._get(template_id)
        coupons = self.table("coupons")
        held = sum(
            1
            for c in coupons.values()
            if c.template_id == template_id and c.customer_id == customer_id
        )
        coupon: Coupon = template.issue(
            coupon_id=coupon_id,
            customer_id=customer_id,
            channel=channel,
            at=at,
            issued_so_far=issued,
            held_by_customer=held,
        )
        if coupon_id in coupons:
            raise DuplicateEntity("coupon", coupon_id)
        coupons[coupon_id] = coupon
        self.rows[template_id] = (template, issued + 1)
        return coupon


class InMemoryCoupons(Table):
    """:class:`~booking_core.ports.storage.CouponRepository` over a snapshot."""

    def get(self, coupon_id: CouponId) -> Coupon:
        result: Coupon = self._get(coupon_id)
        return result

    def list_for_customer(self, customer_id: CustomerId) -> list[Coupon]:
        found = [c for c in self.rows.values() if c.customer_id == customer_id]
        return sorted(found, key=lambda c: (c.issued_at, c.id))

    def for_order(self, order_id: OrderId) -> list[Coupon]:
        found = [
            c
            for c in self.rows.values()
            if c.order_id == order_id and c.status in (CouponStatus.RESERVED, CouponStatus.USED)
        ]
        return sorted(found, key=lambda c: c.id)

    def replace(self, before: Coupon, after: Coupon) -> None:
        if after.id != before.id:
            raise InvalidInput(f"Coupon {before.id} cannot be replaced by coupon {after.id}.")
        stored = self.get(before.id)
        if (stored.status, stored.order_id) != (before.status, before.order_id):
            raise ConcurrentUpdate(
                f"Coupon {before.id} was changed by someone else; reload it and try again.",
                details={"coupon_id": before.id},
            )
        self.rows[after.id] = after


class InMemoryCampaigns(Table):
    """:class:`~booking_core.ports.storage.CampaignRepository` over a snapshot."""

    def add(self, campaign: Campaign) -> None:
        self._insert(campaign.id, campaign)

    def get(self, campaign_id: CampaignId) -> Campaign:
        result: Campaign = self._get(campaign_id)
        return result

    def save(self, campaign: Campaign) -> None:
        stored = self.get(campaign.id)
        updated = attrs.evolve(campaign, spent=stored.spent)
        remaining = updated.remaining
        if remaining is not None and remaining.is_negative:
            raise CampaignBudgetExceeded(
                f"Campaign {campaign.name!r} has spent {stored.spent}; its budget cannot be "
                f"{campaign.budget}.",
                details={"campaign_id": campaign.id, "remaining": remaining.amount},
            )
        self.rows[campaign.id] = updated

    def list(self) -> list[Campaign]:
        return sorted(self.rows.values(), key=lambda c: (c.starts_at, c.id))

    def spend(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        campaign = self.get(campaign_id).spend(amount)
        self.rows[campaign_id] = campaign
        return campaign

    def give_back(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        campaign = self.get(campaign_id).give_back(amount)
        self.rows[campaign_id] = campaign
        return campaign
