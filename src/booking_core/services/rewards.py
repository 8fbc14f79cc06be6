"""Spending points on rewards (FEATURES C16; INVARIANTS I17): the gift catalog with its
stock, coupons for points and tier purchases (docs/loyalty.md, "Spending points").

Platform staff with the promotions permission keep the catalog (audited) and fulfil or
cancel gift redemptions; a customer redeems for himself. Every redemption is one unit of
work that first locks his points account (his redemptions, spends and awards are decided one
after the other), finds a redemption already made under his key (the same key twice redeems
once), spends from the soonest-expiring lots (a ``spent`` movement whose reason names the
reward), and then takes what it buys: a unit of the gift's stock (a conditional update: of
concurrent redemptions of the last unit one wins, the others get ``gift_out_of_stock`` with
their points untouched), a coupon through the template's own issuing (its stock and limits;
when it refuses nothing is spent), or the tier. Cancelling a gift returns its points once
(into the lots they came from, or a new lot for the part that expired meanwhile) and
restores its unit.

Points stay out of the money ledger (docs/loyalty.md): a gift is handed over outside the
SDK, a coupon is booked when an order uses it, a tier only changes prices.
"""

from __future__ import annotations

import attrs
from pendulum import DateTime

from booking_core.errors import (
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    InvalidInput,
    NotFound,
    RewardNotAvailable,
)
from booking_core.ids import CustomerId
from booking_core.loyalty import (
    CouponExchange,
    CouponExchangeId,
    Gift,
    GiftId,
    LoyaltyPolicy,
    PointsAccount,
    PointsLot,
    PointsSource,
    Redemption,
    RedemptionId,
    RedemptionStatus,
    RewardKind,
    TierChange,
    TierStatus,
    return_spent,
    spend,
)
from booking_core.loyalty.rewards import out_of_stock
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import UnitOfWork, UnitOfWorkFactory
from booking_core.promotions import CouponId, IssueChannel
from booking_core.services._access import require_permission, require_role
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.points import customer_zone
from booking_core.staff import Permission

__all__ = ["RewardsService"]


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not 0 < len(key) <= 200 or not key.isascii():
        raise InvalidIdempotencyKey("A redemption key is 1 to 200 ASCII characters.")
    return key


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= 200:
        raise InvalidInput("A page holds 1 to 200 entries.", details={"field": "limit"})


class RewardsService:
    """The gift catalog and coupon exchanges (staff), redemptions (customers), their
    fulfilment (staff), and tier purchases."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        policy: LoyaltyPolicy,
        *,
        audit: AuditTrail,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._audit = audit

    # -- the catalog (staff) ---------------------------------------------------------------

    def create_gift(self, actor: Actor, gift: Gift) -> Gift:
        """Add a gift to the catalog (promotions permission; audited).

        Raises:
            PermissionDenied, DuplicateEntity (``gift_exists``).
        """
        require_permission(actor, Permission.PROMOTIONS, "keeps the gift catalog")
        with self._uow() as uow:
            stored = uow.rewards.add_gift(gift)
            self._audit.record(uow, actor, "gift.create", ("gift", gift.id), after=stored)
            uow.commit()
        return stored

    def update_gift(
        self,
        actor: Actor,
        gift_id: GiftId,
        *,
        name: str | None = None,
        points: int | None = None,
        stock: int | None = None,
        unlimited: bool = False,
        active: bool | None = None,
        per_customer: int | None = None,
        no_limit: bool = False,
    ) -> Gift:
        """Change a gift (only what is given; ``unlimited`` / ``no_limit`` clear the stock
        or the per-customer limit); deactivate it with ``active=False``. Audited.
        Redemptions already made keep their price.

        Raises:
            PermissionDenied, NotFound (``gift_not_found``), InvalidReward,
            ConcurrentUpdate: a redemption took stock meanwhile (read it again).
        """
        require_permission(actor, Permission.PROMOTIONS, "keeps the gift catalog")
        with self._uow() as uow:
            before = uow.rewards.gift(gift_id)
            changed = Gift(
                before.id,
                before.name if name is None else name,
                before.points if points is None else points,
                None if unlimited else before.stock if stock is None else stock,
                before.active if active is None else active,
                None if no_limit else before.per_customer if per_customer is None else per_customer,
                before.version,
            )
            after = uow.rewards.save_gift(changed)
            self._audit.record(
                uow, actor, "gift.update", ("gift", gift_id), before=before, after=after
            )
            uow.commit()
        return after

    def gifts(self, actor: Actor, *, after: GiftId | None = None, limit: int = 50) -> list[Gift]:
        """The catalog by id: the active gifts (staff with the promotions permission see the
        inactive ones too)."""
        _check_limit(limit)
        staff = actor.role is Role.PLATFORM and actor.may(Permission.PROMOTIONS)
        with self._uow() as uow:
            return uow.rewards.gifts(active_only=not staff, after=after, limit=limit)

    def create_exchange(self, actor: Actor, exchange: CouponExchange) -> CouponExchange:
        """Put a coupon template on sale for points (promotions permission; audited). The
        template must exist and list the ``points`` issue channel.

        Raises:
            PermissionDenied, NotFound (``coupon_template_not_found``), DuplicateEntity,
            RewardNotAvailable: the template is not issued for points.
        """
        require_permission(actor, Permission.PROMOTIONS, "keeps the gift catalog")
        with self._uow() as uow:
            template = uow.coupon_templates.get(exchange.template_id)
            if IssueChannel.POINTS not in template.channels:
                raise RewardNotAvailable(
                    f"Template {template.id} is not issued for points.",
                    details={"reason": "channel", "template_id": template.id},
                )
            stored = uow.rewards.add_exchange(exchange)
            self._audit.record(
                uow, actor, "coupon_exchange.create", ("coupon_exchange", exchange.id), after=stored
            )
            uow.commit()
        return stored

    def set_exchange_active(
        self, actor: Actor, exchange_id: CouponExchangeId, *, active: bool
    ) -> CouponExchange:
        """Start or stop selling an exchange's coupons (audited)."""
        require_permission(actor, Permission.PROMOTIONS, "keeps the gift catalog")
        with self._uow() as uow:
            before = uow.rewards.exchange(exchange_id)
            after = uow.rewards.save_exchange(attrs.evolve(before, active=active))
            self._audit.record(
                uow,
                actor,
                "coupon_exchange.set_active",
                ("coupon_exchange", exchange_id),
                before=before,
                after=after,
            )
            uow.commit()
        return after

    def exchanges(
        self, actor: Actor, *, after: CouponExchangeId | None = None, limit: int = 50
    ) -> list[CouponExchange]:
        """Coupon exchanges by id, as :meth:`gifts`."""
        _check_limit(limit)
        staff = actor.role is Role.PLATFORM and actor.may(Permission.PROMOTIONS)
        with self._uow() as uow:
            return uow.rewards.exchanges(active_only=not staff, after=after, limit=limit)

    # -- redeeming (customers) -------------------------------------------------------------

    def redeem_gift(self, actor: Actor, gift_id: GiftId, *, key: str) -> Redemption:
        """Redeem one unit of a gift for its points: the redemption is ``requested`` until
        staff hand it over.

        Raises:
            PermissionDenied: not a customer.
            NotFound: (``gift_not_found``).
            RewardNotAvailable, GiftLimitReached, GiftOutOfStock: see :meth:`Gift.check_redeem`;
                out of stock under concurrency too.
            InsufficientPoints: he holds fewer usable points.
            IdempotencyKeyReused: ``key`` redeemed something else.
        """
        customer_id = self._customer(actor)
        _check_key(key)
        now = self._clock.now()
        with self._uow() as uow:
            account = uow.points.account(customer_id, lock=True)
            known = self._known(uow, customer_id, key, RewardKind.GIFT, gift_id)
            if known is not None:
                return known
            gift = uow.rewards.gift(gift_id)
            gift.check_redeem(uow.rewards.held(customer_id, gift_id))
            redemption_id = RedemptionId(self._ids.new_id("rdm"))
            movement_id = f"reward:{redemption_id}"
            change = spend(
                account, gift.points, movement_id=movement_id, at=now, reason=f"gift {gift.id}"
            )
            if not uow.rewards.take_stock(gift_id):
                raise out_of_stock(gift_id)
            uow.points.save(change, expected_sequence=account.sequence)
            stored = uow.rewards.add_redemption(
                Redemption(
                    redemption_id,
                    customer_id,
                    RewardKind.GIFT,
                    gift_id,
                    gift.points,
                    key,
                    movement_id,
                    now,
                    RedemptionStatus.REQUESTED,
                )
            )
            uow.commit()
        return stored

    def redeem_coupon(self, actor: Actor, exchange_id: CouponExchangeId, *, key: str) -> Redemption:
        """Buy one coupon of an exchange for its points, issued through the template's own
        issuing (``points`` channel: its stock, per-customer limit and window apply; when
        it refuses, nothing is spent).

        Raises:
            PermissionDenied, NotFound, RewardNotAvailable (inactive), InsufficientPoints,
            IdempotencyKeyReused, and the template's CouponNotClaimable, CouponOutOfStock,
            CouponLimitReached.
        """
        customer_id = self._customer(actor)
        _check_key(key)
        now = self._clock.now()
        with self._uow() as uow:
            account = uow.points.account(customer_id, lock=True)
            known = self._known(uow, customer_id, key, RewardKind.COUPON, exchange_id)
            if known is not None:
                return known
            exchange = uow.rewards.exchange(exchange_id)
            if not exchange.active:
                raise RewardNotAvailable(
                    f"Exchange {exchange_id} is not offered now.", details={"reason": "inactive"}
                )
            redemption_id = RedemptionId(self._ids.new_id("rdm"))
            movement_id = f"reward:{redemption_id}"
            change = spend(
                account,
                exchange.points,
                movement_id=movement_id,
                at=now,
                reason=f"coupon {exchange.id}",
            )
            coupon = uow.coupon_templates.issue(
                exchange.template_id,
                coupon_id=CouponId(self._ids.new_id("cpn")),
                customer_id=customer_id,
                channel=IssueChannel.POINTS,
                at=now,
            )
            uow.points.save(change, expected_sequence=account.sequence)
            stored = uow.rewards.add_redemption(
                Redemption(
                    redemption_id,
                    customer_id,
                    RewardKind.COUPON,
                    exchange_id,
                    exchange.points,
                    key,
                    movement_id,
                    now,
                    coupon_id=coupon.id,
                )
            )
            uow.commit()
        return stored

    def buy_tier(self, actor: Actor, tier: str, *, key: str) -> Redemption:
        """Buy ``tier`` for its configured points (``LoyaltyPolicy.tier_purchases``): he
        holds it at once (his status, his customer record, a ``purchased`` change in his
        history) and keeps it as a floor through every evaluation until the redemption's
        ``until``; then the ladder's grace rules apply. Buying the tier he already bought
        renews it from the end of the running purchase.

        Raises:
            PermissionDenied, InsufficientPoints, IdempotencyKeyReused,
            RewardNotAvailable: no ladder, the tier is not for sale, or it is below the
                tier he holds (``details["reason"]``: ``not_for_sale``, ``below_current``).
        """
        customer_id = self._customer(actor)
        _check_key(key)
        ladder = self._policy.tiers
        price = self._policy.tier_purchase(tier)
        if ladder is None or price is None:
            raise RewardNotAvailable(
                f"Tier {tier!r} is not for sale.", details={"reason": "not_for_sale", "tier": tier}
            )
        now = self._clock.now()
        with self._uow() as uow:
            account = uow.points.account(customer_id, lock=True)
            known = self._known(uow, customer_id, key, RewardKind.TIER, tier)
            if known is not None:
                return known
            try:
                customer = uow.customers.get(customer_id)
            except NotFound:
                customer = None
            status = uow.tiers.get(customer_id) or TierStatus(
                customer_id, customer.tier if customer else None
            )
            if ladder.rank(tier) < ladder.rank(status.tier):
                raise RewardNotAvailable(
                    f"He holds {status.tier}, above {tier}.",
                    details={"reason": "below_current", "tier": tier},
                )
            running = [
                r.until
                for r in uow.rewards.tiers_held(customer_id, now)
                if r.item_id == tier and r.until is not None
            ]
            until = price.until(max([now, *running]))
            redemption_id = RedemptionId(self._ids.new_id("rdm"))
            movement_id = f"reward:{redemption_id}"
            change = spend(
                account, price.points, movement_id=movement_id, at=now, reason=f"tier {tier}"
            )
            uow.points.save(change, expected_sequence=account.sequence)
            if status.tier != tier:
                uow.tiers.save(TierStatus(customer_id, tier, status.metric, now, since=now))
                uow.tiers.record(
                    TierChange(customer_id, status.tier, tier, status.metric, now, "purchased")
                )
                if customer is not None:
                    uow.customers.save(attrs.evolve(customer, tier=tier))
            else:
                uow.tiers.save(attrs.evolve(status, evaluated_at=now, below_since=None))
            stored = uow.rewards.add_redemption(
                Redemption(
                    redemption_id,
                    customer_id,
                    RewardKind.TIER,
                    tier,
                    price.points,
                    key,
                    movement_id,
                    now,
                    until=until,
                )
            )
            uow.commit()
        return stored

    def redemptions(
        self,
        actor: Actor,
        *,
        customer_id: CustomerId | None = None,
        status: RedemptionStatus | None = None,
        after: RedemptionId | None = None,
        limit: int = 50,
    ) -> list[Redemption]:
        """Redemptions by id: a customer sees his own (``customer_id`` ignored); staff with
        the promotions permission see anyone's (all, or ``customer_id``'s), e.g. the
        ``requested`` gifts to hand over."""
        _check_limit(limit)
        if actor.role is Role.CUSTOMER:
            customer_id = CustomerId(actor.id)
        else:
            require_permission(actor, Permission.PROMOTIONS, "reads redemptions")
        with self._uow() as uow:
            return uow.rewards.redemptions(
                customer_id=customer_id, status=status, after=after, limit=limit
            )

    # -- fulfilment (staff) ----------------------------------------------------------------

    def fulfil(self, actor: Actor, redemption_id: RedemptionId) -> Redemption:
        """The gift was handed over (audited).

        Raises:
            PermissionDenied, NotFound (``redemption_not_found``),
            RedemptionNotAllowed: not a requested gift.
        """
        require_permission(actor, Permission.PROMOTIONS, "fulfils redemptions")
        now = self._clock.now()
        with self._uow() as uow:
            before = uow.rewards.redemption(redemption_id)
            after = uow.rewards.save_redemption(before.fulfil(now))
            self._audit.record(
                uow,
                actor,
                "redemption.fulfil",
                ("redemption", redemption_id),
                before=before,
                after=after,
            )
            uow.commit()
        return after

    def cancel(self, actor: Actor, redemption_id: RedemptionId, *, reason: str) -> Redemption:
        """The gift will not be handed over: its points go back to him once (into the lots
        they came from; what expired meanwhile into a new lot of the policy's expiry) and its
        unit back to stock (audited, with ``reason``).

        Raises:
            PermissionDenied, NotFound, RedemptionNotAllowed: not a requested gift (a second
                cancel included: the points are returned once).
        """
        require_permission(actor, Permission.PROMOTIONS, "cancels redemptions")
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.rewards.redemption(redemption_id)
            spent = uow.points.movement(found.movement_id)
            assert spent is not None
            lots = tuple(dict.fromkeys(e.lot_id for e in spent.effects))
            account = uow.points.account(found.customer_id, lock=True, include=lots)
            before = uow.rewards.redemption(redemption_id)  # as it is under his lock
            after = uow.rewards.save_redemption(before.cancel(now))
            change = return_spent(
                account,
                before.points,
                taken_from=spent.effects,
                movement_id=f"{before.movement_id}:return",
                at=now,
                order_id=None,
                replacement=self._replacement(uow, account, before, now),
            )
            uow.points.save(change, expected_sequence=account.sequence)
            uow.rewards.restore_stock(GiftId(before.item_id))
            self._audit.record(
                uow,
                actor,
                "redemption.cancel",
                ("redemption", redemption_id),
                before=before,
                after=after,
                reason=reason,
            )
            uow.commit()
        return after

    # -- helpers ---------------------------------------------------------------------------

    def _replacement(
        self, uow: UnitOfWork, account: PointsAccount, redemption: Redemption, at: DateTime
    ) -> _Replacement:
        zone = customer_zone(uow, account.customer_id, self._policy)
        return _Replacement(
            f"{redemption.movement_id}:lot",
            account.customer_id,
            at,
            self._policy.expiry.expires_at(at, zone),
            f"returned from {redemption.id}",
        )

    @staticmethod
    def _customer(actor: Actor) -> CustomerId:
        require_role(actor, Role.CUSTOMER, "redeems points")
        return CustomerId(actor.id)

    @staticmethod
    def _known(
        uow: UnitOfWork, customer_id: CustomerId, key: str, kind: RewardKind, item_id: str
    ) -> Redemption | None:
        """His redemption under ``key`` (read under his lock), if it is this one."""
        known = uow.rewards.find_redemption(customer_id, key)
        if known is not None and (known.kind, known.item_id) != (kind, item_id):
            raise IdempotencyKeyReused(
                f"Key {key!r} redeemed {known.kind.value} {known.item_id}.",
                details={"redemption_id": known.id},
            )
        return known


@attrs.frozen
class _Replacement:
    """The lot a cancelled redemption's expired points go back into."""

    lot_id: str
    customer_id: CustomerId
    at: DateTime
    expires_at: DateTime | None
    reason: str

    def __call__(self, points: int) -> PointsLot:
        return PointsLot(
            self.lot_id,
            self.customer_id,
            PointsSource.ADJUSTMENT,
            points,
            points,
            self.at,
            self.expires_at,
            self.reason,
        )
