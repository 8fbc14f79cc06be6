"""Coupon templates: the terms, the stock, the per-customer limit, and issuing.

Whether a coupon may be issued is a pure decision over counts the caller reads
(:meth:`CouponTemplate.check_issue`), so a repository can make it under a row lock and
prove the limits under concurrency (INVARIANTS I16).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from pendulum import DateTime

from booking_core.errors import (
    CouponLimitReached,
    CouponNotClaimable,
    CouponOutOfStock,
    InvalidInput,
)
from booking_core.ids import CustomerId
from booking_core.promotions._checks import aware, non_blank, require
from booking_core.promotions.coupon import Coupon, CouponId, CouponTemplateId, IssueChannel
from booking_core.promotions.terms import CouponTerms
from booking_core.promotions.validity import Validity

__all__ = ["CouponTemplate", "registration_templates"]


@attrs.frozen
class CouponTemplate:
    """A kind of coupon the platform or a store hands out (优惠券模板).

    Attributes:
        id: The template's id.
        name: What customers see ("满200减30").
        terms: Benefit, scope, eligibility and funding, copied into each coupon issued.
        validity: Fixed dates or N days after issue (bounds inclusive).
        stock: How many coupons may ever be issued (None: unlimited).
        per_customer_limit: How many one customer may claim (None: unlimited). Admin issue
            is a deliberate act and is not held to it; stock still applies.
        channels: How it may be issued (claim, admin, registration).
        issuable_from: No issue before this instant (inclusive; None: no bound).
        issuable_until: No issue after this instant (inclusive; None: no bound).
        active: An inactive template issues nothing (coupons already held stay valid).
    """

    id: CouponTemplateId
    name: str
    terms: CouponTerms
    validity: Validity
    stock: int | None = None
    per_customer_limit: int | None = 1
    channels: frozenset[IssueChannel] = frozenset({IssueChannel.CLAIM})
    issuable_from: DateTime | None = None
    issuable_until: DateTime | None = None
    active: bool = True

    def __attrs_post_init__(self) -> None:
        non_blank(self.id, field="id")
        non_blank(self.name, field="name")
        for field, limit in (
            ("stock", self.stock),
            ("per_customer_limit", self.per_customer_limit),
        ):
            require(
                limit is None or (type(limit) is int and limit >= 1),
                f"The {field} is a whole number of at least 1, or None; got {limit!r}.",
                field=field,
            )
        require(bool(self.channels), "A template is issued through some channel.", field="channels")
        if self.issuable_from is not None:
            aware(self.issuable_from, field="issuable_from")
        if self.issuable_until is not None:
            aware(self.issuable_until, field="issuable_until")

    def check_issue(
        self,
        *,
        channel: IssueChannel,
        at: DateTime,
        issued_so_far: int,
        held_by_customer: int,
    ) -> None:
        """Decide whether one more coupon may be issued to a customer now.

        Args:
            channel: How it would be issued.
            at: The instant of issue.
            issued_so_far: Coupons of this template issued to anyone, ever.
            held_by_customer: Coupons of this template issued to this customer, ever
                (whatever their state: using a coupon does not free the limit).

        Raises:
            CouponNotClaimable: the template is inactive, not issued through ``channel``,
                outside its issue window, or its fixed validity has ended.
            CouponOutOfStock: the stock is issued.
            CouponLimitReached: the customer holds the per-customer limit (not for ADMIN).
            InvalidInput: a count is negative.
        """
        if type(issued_so_far) is not int or type(held_by_customer) is not int:
            raise InvalidInput("Issue counts are whole numbers.")
        if issued_so_far < 0 or held_by_customer < 0:
            raise InvalidInput("Issue counts cannot be negative.")
        if not self.active:
            raise self._not_claimable("inactive", "it is no longer being issued")
        if channel not in self.channels:
            raise self._not_claimable("channel", f"it is not issued by {channel.value}")
        if self.issuable_from is not None and at < self.issuable_from:
            raise self._not_claimable("not_started", f"it is issued from {self.issuable_from}")
        if self.issuable_until is not None and at > self.issuable_until:
            raise self._not_claimable("ended", f"it was issued until {self.issuable_until}")
        _, valid_until = self.validity.window(at)
        if at > valid_until:
            raise self._not_claimable("expired", f"its coupons expired at {valid_until}")
        if self.stock is not None and issued_so_far >= self.stock:
            raise CouponOutOfStock(
                f"All {self.stock} coupons of {self.name!r} have been issued.",
                details={"template_id": self.id, "stock": self.stock},
            )
        limit = self.per_customer_limit
        if channel is not IssueChannel.ADMIN and limit is not None and held_by_customer >= limit:
            raise CouponLimitReached(
                f"One customer may hold {limit} of {self.name!r}; this one already has "
                f"{held_by_customer}.",
                details={"template_id": self.id, "limit": limit, "held": held_by_customer},
            )

    def issue(
        self,
        *,
        coupon_id: CouponId,
        customer_id: CustomerId,
        channel: IssueChannel,
        at: DateTime,
        issued_so_far: int,
        held_by_customer: int,
    ) -> Coupon:
        """A new coupon for ``customer_id``, after :meth:`check_issue` allows it.

        The coupon copies the template's terms and gets its inclusive validity window.

        Raises:
            The errors of :meth:`check_issue`.
        """
        self.check_issue(
            channel=channel,
            at=at,
            issued_so_far=issued_so_far,
            held_by_customer=held_by_customer,
        )
        valid_from, valid_until = self.validity.window(at)
        return Coupon(
            id=coupon_id,
            template_id=self.id,
            customer_id=customer_id,
            terms=self.terms,
            valid_from=valid_from,
            valid_until=valid_until,
            issued_at=at,
            channel=channel,
            changed_at=at,
        )

    def _not_claimable(self, reason: str, why: str) -> CouponNotClaimable:
        return CouponNotClaimable(
            f"Coupon {self.name!r} cannot be issued: {why}.",
            details={"template_id": self.id, "reason": reason},
        )


def registration_templates(
    templates: Iterable[CouponTemplate], at: DateTime
) -> list[CouponTemplate]:
    """The templates to auto-issue to a customer who registers at ``at`` (注册礼).

    Those active, issued through :attr:`IssueChannel.REGISTRATION`, and inside their issue
    window. Each is still issued with :meth:`CouponTemplate.issue`, which checks the stock.
    """
    return [
        t
        for t in templates
        if t.active
        and IssueChannel.REGISTRATION in t.channels
        and (t.issuable_from is None or t.issuable_from <= at)
        and (t.issuable_until is None or at <= t.issuable_until)
    ]
