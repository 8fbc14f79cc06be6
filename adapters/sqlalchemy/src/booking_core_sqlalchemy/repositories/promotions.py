"""Promotions: coupon templates, coupons and campaigns — stock, per-customer limit, single
use and budgets (I16)."""

from __future__ import annotations

from typing import Any, Final

import attrs
from pendulum import DateTime
from sqlalchemy import BindParameter, bindparam, func, select, update

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
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing, rowcount
from booking_core_sqlalchemy.tables import campaigns, coupon_templates, coupons

__all__ = [
    "SqlAlchemyCampaignRepository",
    "SqlAlchemyCouponRepository",
    "SqlAlchemyCouponTemplateRepository",
]

_ID: BindParameter[str] = bindparam("by_id")

_INSERT_TEMPLATE: Final = insert_or_nothing(coupon_templates)
_INSERT_COUPON: Final = insert_or_nothing(coupons)
_TEMPLATE: Final = select(coupon_templates).where(coupon_templates.c.id == _ID)
_TEMPLATE_LOCKED: Final = _TEMPLATE.with_for_update()
_TEMPLATES: Final = select(coupon_templates).order_by(coupon_templates.c.id)
_SAVE_TEMPLATE: Final = (
    update(coupon_templates)
    .where(coupon_templates.c.id == _ID)
    .values(document=bindparam("new_document", type_=coupon_templates.c.document.type))
)
_COUNT_ISSUE: Final = (
    update(coupon_templates)
    .where(coupon_templates.c.id == _ID)
    .values(issued=coupon_templates.c.issued + 1)
)
_HELD_BY_CUSTOMER: Final = (
    select(func.count())
    .select_from(coupons)
    .where(
        coupons.c.template_id == bindparam("template_id"),
        coupons.c.customer_id == bindparam("customer_id"),
    )
)


class SqlAlchemyCouponTemplateRepository(Repository):
    """Coupon templates in ``coupon_templates``; coupons are issued into ``coupons``.

    :meth:`issue` reads the template with ``SELECT ... FOR UPDATE`` (PostgreSQL), so issues of
    one template queue on its row and each decides over the counts its predecessor committed;
    on SQLite the unit of work's write lock (``BEGIN IMMEDIATE``) serializes them already.
    """

    entity = "coupon_template"

    def add(self, template: CouponTemplate) -> None:
        """Store a new template. Raises DuplicateEntity (``coupon_template_exists``)."""
        self._insert_new(_INSERT_TEMPLATE, mapping.coupon_template_to_row(template), template.id)

    def _row(self, template_id: CouponTemplateId, *, lock: bool = False) -> Any:
        query = _TEMPLATE_LOCKED if lock else _TEMPLATE
        return self._one(query, {"by_id": template_id}, template_id)

    def get(self, template_id: CouponTemplateId) -> CouponTemplate:
        """The template. Raises NotFound (code ``coupon_template_not_found``)."""
        return mapping.coupon_template_to_domain(self._row(template_id))

    def save(self, template: CouponTemplate) -> None:
        """Replace the template's definition (the issue count stays). Raises NotFound."""
        document = mapping.coupon_template_to_row(template)["document"]
        params = {"by_id": template.id, "new_document": document}
        self._update_one(_SAVE_TEMPLATE, params, template.id)

    def list(self) -> list[CouponTemplate]:
        """All templates, ordered by id."""
        rows = self._conn.execute(_TEMPLATES)
        return [mapping.coupon_template_to_domain(row) for row in rows]

    def issued_count(self, template_id: CouponTemplateId) -> int:
        """How many coupons of the template were issued, ever. Raises NotFound."""
        return int(self._row(template_id).issued)

    def issue(
        self,
        template_id: CouponTemplateId,
        *,
        coupon_id: CouponId,
        customer_id: CustomerId,
        channel: IssueChannel,
        at: DateTime,
    ) -> Coupon:
        """Lock the template, count, decide with :meth:`CouponTemplate.issue`, store the coupon
        and raise the issue count — all in the unit of work's transaction.

        Raises:
            NotFound, CouponNotClaimable, CouponOutOfStock, CouponLimitReached: as the port.
            DuplicateEntity: (``coupon_exists``) if ``coupon_id`` is taken.
        """
        conn = self._conn
        row = self._row(template_id, lock=True)
        held_params = {"template_id": template_id, "customer_id": customer_id}
        held = conn.execute(_HELD_BY_CUSTOMER, held_params).scalar_one()
        coupon = mapping.coupon_template_to_domain(row).issue(
            coupon_id=coupon_id,
            customer_id=customer_id,
            channel=channel,
            at=at,
            issued_so_far=int(row.issued),
            held_by_customer=int(held),
        )
        values = mapping.coupon_to_row(coupon)
        if not rowcount(conn.execute(_INSERT_COUPON.on(self._postgres), values)):
            raise DuplicateEntity("coupon", coupon_id)
        conn.execute(_COUNT_ISSUE, {"by_id": template_id})
        return coupon


_COUPON: Final = select(coupons).where(coupons.c.id == _ID)
_CUSTOMER_COUPONS: Final = (
    select(coupons)
    .where(coupons.c.customer_id == bindparam("customer_id"))
    .order_by(coupons.c.issued_at, coupons.c.id)
)
_ORDER_COUPONS: Final = (
    select(coupons)
    .where(
        coupons.c.order_id == bindparam("order_id"),
        coupons.c.status.in_([CouponStatus.RESERVED.value, CouponStatus.USED.value]),
    )
    .order_by(coupons.c.id)
)
_COUPON_CAS: Final = (
    update(coupons)
    .where(
        coupons.c.id == bindparam("cas_id"),
        coupons.c.status == bindparam("cas_status"),
        coupons.c.order_id.is_not_distinct_from(
            bindparam("cas_order_id", type_=coupons.c.order_id.type)
        ),
    )
    .values(
        status=bindparam("new_status"),
        order_id=bindparam("new_order_id", type_=coupons.c.order_id.type),
        document=bindparam("new_document", type_=coupons.c.document.type),
    )
)


class SqlAlchemyCouponRepository(Repository):
    """Coupons in ``coupons``; :meth:`replace` is ``UPDATE ... WHERE status = :s AND order_id
    IS NOT DISTINCT FROM :o`` — of concurrent changes of one coupon exactly one matches."""

    entity = "coupon"

    def get(self, coupon_id: CouponId) -> Coupon:
        """The coupon. Raises NotFound (code ``coupon_not_found``)."""
        return mapping.coupon_to_domain(self._one(_COUPON, {"by_id": coupon_id}, coupon_id))

    def list_for_customer(self, customer_id: CustomerId) -> list[Coupon]:
        """The customer's coupons, ordered by issue time then id."""
        rows = self._conn.execute(_CUSTOMER_COUPONS, {"customer_id": customer_id})
        return [mapping.coupon_to_domain(row) for row in rows]

    def for_order(self, order_id: OrderId) -> list[Coupon]:
        """The coupons reserved or used by ``order_id``, ordered by id."""
        rows = self._conn.execute(_ORDER_COUPONS, {"order_id": order_id})
        return [mapping.coupon_to_domain(row) for row in rows]

    def replace(self, before: Coupon, after: Coupon) -> None:
        """Compare-and-set on ``before``'s status and order.

        Raises:
            NotFound: no such coupon. ConcurrentUpdate: it changed since it was read.
            InvalidInput: ``after`` is another coupon.
        """
        if after.id != before.id:
            raise InvalidInput(f"Coupon {before.id} cannot be replaced by coupon {after.id}.")
        values = mapping.coupon_to_row(after)
        params = {
            "cas_id": before.id,
            "cas_status": before.status.value,
            "cas_order_id": before.order_id,
            "new_status": values["status"],
            "new_order_id": values["order_id"],
            "new_document": values["document"],
        }
        if not rowcount(self._conn.execute(_COUPON_CAS, params)):
            self.get(before.id)
            raise ConcurrentUpdate(
                f"Coupon {before.id} was changed by someone else; reload it and try again.",
                details={"coupon_id": before.id},
            )


_INSERT_CAMPAIGN: Final = insert_or_nothing(campaigns)
_CAMPAIGN: Final = select(campaigns).where(campaigns.c.id == _ID)
_CAMPAIGN_LOCKED: Final = _CAMPAIGN.with_for_update()
_CAMPAIGNS: Final = select(campaigns).order_by(campaigns.c.starts_at, campaigns.c.id)
_STORE_CAMPAIGN: Final = (
    update(campaigns)
    .where(campaigns.c.id == _ID)
    .values(
        starts_at=bindparam("new_starts_at", type_=campaigns.c.starts_at.type),
        document=bindparam("new_document", type_=campaigns.c.document.type),
    )
)


class SqlAlchemyCampaignRepository(Repository):
    """Campaigns in ``campaigns``; spending locks the campaign's row (``FOR UPDATE`` on
    PostgreSQL, the write lock on SQLite) and decides with :meth:`Campaign.spend`."""

    entity = "campaign"

    def add(self, campaign: Campaign) -> None:
        """Store a new campaign. Raises DuplicateEntity (``campaign_exists``)."""
        self._insert_new(_INSERT_CAMPAIGN, mapping.campaign_to_row(campaign), campaign.id)

    def _load(self, campaign_id: CampaignId, *, lock: bool = False) -> Campaign:
        query = _CAMPAIGN_LOCKED if lock else _CAMPAIGN
        return mapping.campaign_to_domain(self._one(query, {"by_id": campaign_id}, campaign_id))

    def _store(self, campaign: Campaign) -> Campaign:
        values = mapping.campaign_to_row(campaign)
        params = {"by_id": campaign.id, "new_starts_at": values["starts_at"],
                  "new_document": values["document"]}  # fmt: skip
        self._conn.execute(_STORE_CAMPAIGN, params)
        return campaign

    def get(self, campaign_id: CampaignId) -> Campaign:
        """The campaign. Raises NotFound (code ``campaign_not_found``)."""
        return self._load(campaign_id)

    def save(self, campaign: Campaign) -> None:
        """Replace the definition, keeping what was spent.

        Raises:
            NotFound: never added. CampaignBudgetExceeded: the budget is below the spend.
        """
        stored = self._load(campaign.id, lock=True)
        updated = attrs.evolve(campaign, spent=stored.spent)
        remaining = updated.remaining
        if remaining is not None and remaining.is_negative:
            raise CampaignBudgetExceeded(
                f"Campaign {campaign.name!r} has spent {stored.spent}; its budget cannot be "
                f"{campaign.budget}.",
                details={"campaign_id": campaign.id, "remaining": remaining.amount},
            )
        self._store(updated)

    def list(self) -> list[Campaign]:
        """All campaigns, ordered by start then id."""
        return [mapping.campaign_to_domain(row) for row in self._conn.execute(_CAMPAIGNS)]

    def spend(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        """Charge ``amount`` under the campaign's lock. Raises CampaignBudgetExceeded."""
        return self._store(self._load(campaign_id, lock=True).spend(amount))

    def give_back(self, campaign_id: CampaignId, amount: Money) -> Campaign:
        """Return ``amount`` under the campaign's lock. Raises InvalidPromotion."""
        return self._store(self._load(campaign_id, lock=True).give_back(amount))
