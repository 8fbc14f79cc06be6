"""Packages (套餐, docs/packages.md) on the wire: a package and its parts, a purchase the
application was paid for, a customer's bought package and the visits it used.

* **Money** is the server's usual ``{"amount", "currency"}``; each visit's ``value`` is its
  share of the package's price (largest remainder over the list prices), what a refund
  gives back for it unused.
* **Times** are shown as the core holds them, with their offset (the clock's zone).
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval
from pendulum import DateTime
from pydantic import AwareDatetime, Field, StrictInt

from booking_core.catalog import (
    HeldPart,
    Package,
    PackageHolding,
    PackagePart,
    PackageRefund,
    VisitUse,
)
from booking_core.catalog.package import MAX_PARTS, MAX_VALID_DAYS, MAX_VISITS
from booking_core.ids import ServiceId
from booking_core.money import Money
from booking_core.services.packages import CreatePackage
from booking_server.paging import NextCursor
from booking_server.schemas.common import (
    TAKE_WHOLE_FLOATS,
    EntityId,
    InModel,
    MoneyIn,
    MoneyOut,
    Name,
    OutModel,
    WholeNumber,
)

__all__ = [
    "HeldPartOut",
    "HoldingList",
    "HoldingOut",
    "PackageIn",
    "PackageList",
    "PackageOut",
    "PackagePartIn",
    "PackagePartOut",
    "PackageRefundIn",
    "PackageRefundOut",
    "PurchaseIn",
    "RedemptionIn",
    "VisitUseOut",
]


def _money(values: tuple[Money, ...]) -> list[MoneyOut]:
    return [MoneyOut.from_domain(v) for v in values]


class PackagePartIn(InModel):
    """One service of a package and how many visits of it."""

    service_id: EntityId
    visits: WholeNumber = Field(ge=1, le=MAX_VISITS, examples=[3])


class PackageIn(InModel):
    """Define a package: its parts in the order shown, its price and how many days after
    purchase it may be used (absent or null: no limit). Each part's list price is its
    service's catalog price now."""

    name: Name = Field(examples=["春季推拿 5 次 Spring 5"])
    parts: list[PackagePartIn] = Field(min_length=1, max_length=MAX_PARTS)
    price: MoneyIn
    valid_days: (
        Annotated[StrictInt, Interval(ge=1, le=MAX_VALID_DAYS), TAKE_WHOLE_FLOATS] | None
    ) = Field(default=None, examples=[90])

    def to_command(self) -> CreatePackage:
        """The core command."""
        return CreatePackage(
            name=self.name,
            visits=tuple((ServiceId(p.service_id), p.visits) for p in self.parts),
            price=self.price.to_domain(),
            valid_days=self.valid_days,
        )


class PackagePartOut(OutModel):
    """A part of a package: its service, its visits, its list price per visit (the catalog
    price when the package was made) and what each visit is worth in the package."""

    service_id: str
    visits: int
    unit_price: MoneyOut
    visit_values: list[MoneyOut]

    @classmethod
    def from_domain(cls, part: PackagePart, values: tuple[Money, ...]) -> PackagePartOut:
        """From the domain part and its visits' values."""
        return cls(
            service_id=part.service_id,
            visits=part.visits,
            unit_price=MoneyOut.from_domain(part.unit_price),
            visit_values=_money(values),
        )


class PackageOut(OutModel):
    """A package: sold at ``price`` (at most ``list_total``, its visits bought one by one),
    usable ``valid_days`` days after purchase (null: no limit); an inactive one is no longer
    sold."""

    id: str
    name: str
    parts: list[PackagePartOut]
    price: MoneyOut
    list_total: MoneyOut
    valid_days: int | None
    active: bool

    @classmethod
    def from_domain(cls, package: Package) -> PackageOut:
        """From the domain Package."""
        return cls(
            id=package.id,
            name=package.name,
            parts=[
                PackagePartOut.from_domain(p, values)
                for p, values in zip(package.parts, package.visit_values(), strict=True)
            ],
            price=MoneyOut.from_domain(package.price),
            list_total=MoneyOut.from_domain(package.list_total),
            valid_days=package.valid_days,
            active=package.active,
        )


class PackageList(OutModel):
    """The packages on sale, by name then id, one page."""

    items: list[PackageOut]
    next_cursor: NextCursor = None


class PurchaseIn(InModel):
    """A purchase the application was paid for: whose, the payment's id in the
    application's own checkout (recording it again answers the same holding) and the
    amount taken (the package's price)."""

    customer_id: EntityId
    payment_reference: str = Field(min_length=1, max_length=128, examples=["wx_4200001"])
    paid: MoneyIn


class RedemptionIn(InModel):
    """Use one visit of this service for the order."""

    service_id: EntityId


class VisitUseOut(OutModel):
    """A visit used: by which order, of which service, which visit of its part (0 is the
    first), what it was worth and when."""

    holding_id: str
    order_id: str
    service_id: str
    visit: int
    value: MoneyOut
    at: AwareDatetime

    @classmethod
    def from_domain(cls, holding_id: str, use: VisitUse) -> VisitUseOut:
        """From the domain VisitUse."""
        return cls(
            holding_id=holding_id,
            order_id=use.order_id,
            service_id=use.service_id,
            visit=use.visit,
            value=MoneyOut.from_domain(use.value),
            at=use.at,
        )


class PackageRefundIn(InModel):
    """Refund the rest of a bought package: the id of the payout in the application's own
    checkout (recording it again answers the same refund)."""

    refund_reference: str = Field(min_length=1, max_length=128, examples=["wx_refund_4200001"])


class RefundedVisitOut(OutModel):
    """A visit a refund paid back: its service and its number in the part (0 the first)."""

    service_id: str
    visit: int


class PackageRefundOut(OutModel):
    """A refund of a bought package: the visits it covered (service and visit number), what
    they were worth together (what the application pays back), when."""

    holding_id: str
    refund_reference: str
    visits: list[RefundedVisitOut]
    amount: MoneyOut
    at: AwareDatetime

    @classmethod
    def from_domain(cls, holding_id: str, refund: PackageRefund) -> PackageRefundOut:
        """From the domain PackageRefund."""
        return cls(
            holding_id=holding_id,
            refund_reference=refund.reference,
            visits=[RefundedVisitOut(service_id=s, visit=v) for s, v in refund.visits],
            amount=MoneyOut.from_domain(refund.amount),
            at=refund.at,
        )


class HeldPartOut(OutModel):
    """A part of a bought package: each visit's value, how many are left and which are used
    (their numbers, 0 the first)."""

    service_id: str
    visits: int
    remaining: int
    used: list[int]
    visit_values: list[MoneyOut]

    @classmethod
    def from_domain(cls, part: HeldPart, holding: PackageHolding) -> HeldPartOut:
        """From the domain part of ``holding``."""
        return cls(
            service_id=part.service_id,
            visits=part.visits,
            remaining=holding.remaining(part.service_id),
            used=sorted(u.visit for u in holding.uses if u.service_id == part.service_id),
            visit_values=_money(part.visit_values),
        )


class HoldingOut(OutModel):
    """A customer's bought package: what was paid (and the payment's reference), when it
    expires (null: never; ``expired`` now), its parts with the visits left, the visits used
    and ``refund_value`` (the values of the visits neither used nor refunded: what a refund
    of the rest gives back), and the refunds recorded."""

    id: str
    customer_id: str
    package_id: str
    package_name: str
    payment_reference: str
    paid: MoneyOut
    purchased_at: AwareDatetime
    expires_at: AwareDatetime | None
    expired: bool
    parts: list[HeldPartOut]
    uses: list[VisitUseOut]
    refund_value: MoneyOut
    refunds: list[PackageRefundOut] = Field(
        default_factory=list,
        description="Refunds of the rest, in order; after the first no visit is used.",
    )

    @classmethod
    def from_domain(cls, holding: PackageHolding, now: DateTime) -> HoldingOut:
        """From the domain PackageHolding, ``expired`` as of ``now``."""
        return cls(
            id=holding.id,
            customer_id=holding.customer_id,
            package_id=holding.package_id,
            package_name=holding.package_name,
            payment_reference=holding.payment_reference,
            paid=MoneyOut.from_domain(holding.paid),
            purchased_at=holding.purchased_at,
            expires_at=holding.expires_at,
            expired=holding.is_expired(now),
            parts=[HeldPartOut.from_domain(p, holding) for p in holding.parts],
            uses=[VisitUseOut.from_domain(holding.id, u) for u in holding.uses],
            refund_value=MoneyOut.from_domain(holding.refund_value()),
            refunds=[PackageRefundOut.from_domain(holding.id, r) for r in holding.refunds],
        )


class HoldingList(OutModel):
    """A customer's bought packages, by purchase time then id, one page."""

    customer_id: str
    items: list[HoldingOut]
    next_cursor: NextCursor = None
