"""Campaign use cases (FEATURES P8): the platform runs time-limited campaigns with a budget;
a paid order charges its campaign discounts to the budgets, a cancelled one gives them back."""

from __future__ import annotations

from collections import defaultdict

from booking_core.ids import OrderId
from booking_core.money import Money
from booking_core.orders.actor import Actor
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.pricing import Quote
from booking_core.promotions import Campaign, CampaignId
from booking_core.services._access import require_permission
from booking_core.services.steps.audit import AuditTrail
from booking_core.staff import Permission

__all__ = ["CampaignService", "campaign_spend"]


def campaign_spend(quote: Quote) -> dict[CampaignId, Money]:
    """What each campaign took off ``quote``'s lines, by campaign id (zero ones left out)."""
    totals: dict[CampaignId, int] = defaultdict(int)
    for line in quote.lines:
        if line.campaign_id is not None and line.campaign.amount:
            totals[line.campaign_id] += line.campaign.amount
    return {cid: Money(amount, quote.currency) for cid, amount in sorted(totals.items())}


class CampaignService:
    """Creates, changes and lists campaigns; charges and refunds their budgets."""

    def __init__(self, uow: UnitOfWorkFactory, *, audit: AuditTrail) -> None:
        self._uow = uow
        self._audit = audit

    def create(self, actor: Actor, campaign: Campaign) -> Campaign:
        """Store a new campaign.

        Raises:
            PermissionDenied: the actor is not platform staff with the promotions permission.
            DuplicateEntity: (``campaign_exists``) the id is taken.
        """
        require_permission(actor, Permission.PROMOTIONS, "runs campaigns")
        with self._uow() as uow:
            uow.campaigns.add(campaign)
            self._audit.record(
                uow, actor, "campaign.create", ("campaign", campaign.id), after=campaign
            )
            uow.commit()
        return campaign

    def update(self, actor: Actor, campaign: Campaign) -> Campaign:
        """Change a campaign's definition; what it spent is kept. Returns it as stored.

        Raises:
            PermissionDenied: the actor is not platform staff with the promotions permission.
            NotFound: (``campaign_not_found``).
            CampaignBudgetExceeded: the new budget is below what was spent.
        """
        require_permission(actor, Permission.PROMOTIONS, "runs campaigns")
        with self._uow() as uow:
            before = uow.campaigns.get(campaign.id)
            uow.campaigns.save(campaign)
            stored = uow.campaigns.get(campaign.id)
            self._audit.record(
                uow, actor, "campaign.update", ("campaign", campaign.id),
                before=before, after=stored,
            )  # fmt: skip
            uow.commit()
        return stored

    def get(self, campaign_id: CampaignId) -> Campaign:
        """The campaign. Raises NotFound (``campaign_not_found``)."""
        with self._uow() as uow:
            return uow.campaigns.get(campaign_id)

    def all(self) -> list[Campaign]:
        """Every campaign, by start then id."""
        with self._uow() as uow:
            return uow.campaigns.list()

    def charge_order(self, order_id: OrderId, quote: Quote) -> list[Campaign]:
        """Charge the campaign discounts of a paid order's ``quote`` to the budgets, all or
        nothing, in one unit of work. Call it once per order (e.g. on the transition to
        paid, which the order's compare-and-set makes happen once).

        Raises:
            CampaignBudgetExceeded: a budget has less left; nothing is charged.
            NotFound: (``campaign_not_found``) a campaign of the quote was deleted.
        """
        with self._uow() as uow:
            charged = [uow.campaigns.spend(cid, m) for cid, m in campaign_spend(quote).items()]
            uow.commit()
        return charged

    def refund_order(self, order_id: OrderId, quote: Quote) -> list[Campaign]:
        """Give a cancelled order's campaign discounts back to the budgets (once per order,
        like :meth:`charge_order`).

        Raises:
            InvalidPromotion: a campaign spent less than the quote says.
        """
        with self._uow() as uow:
            back = [uow.campaigns.give_back(cid, m) for cid, m in campaign_spend(quote).items()]
            uow.commit()
        return back
