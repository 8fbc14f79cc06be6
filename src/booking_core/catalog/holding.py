"""A bought package (a prepaid 套餐) used visit by visit.

The holding copies, at purchase, each visit's allocated value
(:meth:`~booking_core.catalog.Package.visit_values`) and the expiry its validity gives, so
what it is worth never changes with the package or the catalog afterwards. A visit is used
for one order: using it again for that order changes nothing (idempotent by order id), and
giving it back (the order was cancelled) frees it for another. Of a part, the unused visit
with the lowest number is used next. A refund of the rest covers every visit unused then
and closes the holding: no visit is used after it, and a visit given back later is only
refunded (another refund).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.catalog.package import Package, PackageId
from booking_core.errors import InvalidPackage, PackageNotRedeemable
from booking_core.ids import CustomerId, OrderId, ServiceId
from booking_core.money import Money

__all__ = ["HeldPart", "HoldingId", "PackageHolding", "PackageRefund", "VisitUse"]

HoldingId = NewType("HoldingId", str)


def _values(value: Iterable[Money]) -> tuple[Money, ...]:
    return tuple(value)


def _held(value: Iterable[HeldPart]) -> tuple[HeldPart, ...]:
    return tuple(value)


def _uses(value: Iterable[VisitUse]) -> tuple[VisitUse, ...]:
    return tuple(value)


@attrs.frozen
class HeldPart:
    """A part of a bought package: its service and the allocated value of each visit, in
    visit order."""

    service_id: ServiceId
    visit_values: tuple[Money, ...] = attrs.field(converter=_values)

    @property
    def visits(self) -> int:
        """How many visits the part held when bought."""
        return len(self.visit_values)


@attrs.frozen
class VisitUse:
    """One visit used: by which order, of which service, which visit of the part (0 is
    the first), its allocated value and when."""

    order_id: OrderId
    service_id: ServiceId
    visit: int
    value: Money
    at: DateTime


def _pairs(value: Iterable[tuple[ServiceId, int]]) -> tuple[tuple[ServiceId, int], ...]:
    return tuple((ServiceId(service), int(visit)) for service, visit in value)


def _refunds(value: Iterable[PackageRefund]) -> tuple[PackageRefund, ...]:
    return tuple(value)


@attrs.frozen
class PackageRefund:
    """A refund of a holding's unused visits: the app's reference for the payout, the
    visits it covered (service, visit number), what they were worth together, when."""

    reference: str
    visits: tuple[tuple[ServiceId, int], ...] = attrs.field(converter=_pairs)
    amount: Money
    at: DateTime


@attrs.frozen
class PackageHolding:
    """A customer's bought package.

    ``payment_reference`` names the payment the embedding application took for it (the
    core does not take it: docs/packages.md, "Buying"); ``paid`` equals the package's price.
    ``version`` is the storage's compare-and-set counter (0 until stored).
    """

    id: HoldingId
    customer_id: CustomerId
    package_id: PackageId
    package_name: str
    payment_reference: str
    paid: Money
    purchased_at: DateTime
    expires_at: DateTime | None
    parts: tuple[HeldPart, ...] = attrs.field(converter=_held)
    uses: tuple[VisitUse, ...] = attrs.field(default=(), converter=_uses)
    refunds: tuple[PackageRefund, ...] = attrs.field(default=(), converter=_refunds)
    version: int = 0

    @classmethod
    def buy(
        cls,
        package: Package,
        *,
        holding_id: HoldingId,
        customer_id: CustomerId,
        payment_reference: str,
        paid: Money,
        at: DateTime,
    ) -> PackageHolding:
        """The holding of ``package`` bought at ``at`` with a payment of ``paid``; it expires
        ``valid_days`` calendar days after ``at`` (in ``at``'s zone), or never.

        Raises:
            InvalidPackage: ``paid`` is not the package's price, the reference is blank, or
                the package is no longer sold.
        """
        if not package.active:
            raise InvalidPackage(
                f"Package {package.name!r} is no longer sold.", details={"field": "package_id"}
            )
        if not payment_reference.strip():
            raise InvalidPackage(
                "A purchase names the payment it was paid with (payment_reference).",
                details={"field": "payment_reference"},
            )
        if paid != package.price:
            raise InvalidPackage(
                f"Package {package.name!r} costs {package.price}; the payment was {paid}.",
                details={"field": "paid", "price": package.price.amount},
            )
        expires = None if package.valid_days is None else at.add(days=package.valid_days)
        return cls(
            id=holding_id,
            customer_id=customer_id,
            package_id=package.id,
            package_name=package.name,
            payment_reference=payment_reference,
            paid=paid,
            purchased_at=at,
            expires_at=expires,
            parts=tuple(
                HeldPart(p.service_id, values)
                for p, values in zip(package.parts, package.visit_values(), strict=True)
            ),
        )

    def is_expired(self, at: DateTime) -> bool:
        """True at and after the expiry."""
        return self.expires_at is not None and at >= self.expires_at

    def part(self, service_id: ServiceId) -> HeldPart | None:
        """The part of ``service_id``, if the package holds it."""
        return next((p for p in self.parts if p.service_id == service_id), None)

    def _used(self, service_id: ServiceId) -> set[int]:
        """The visits of ``service_id`` used, or refunded (either way gone)."""
        refunded = {v for r in self.refunds for s, v in r.visits if s == service_id}
        return {u.visit for u in self.uses if u.service_id == service_id} | refunded

    def remaining(self, service_id: ServiceId) -> int:
        """How many visits of ``service_id`` are neither used nor refunded (0 if it holds
        none)."""
        part = self.part(service_id)
        return 0 if part is None else part.visits - len(self._used(service_id))

    def use_of(self, order_id: OrderId) -> VisitUse | None:
        """The visit ``order_id`` used, if any."""
        return next((u for u in self.uses if u.order_id == order_id), None)

    def redeem(
        self, service_id: ServiceId, order_id: OrderId, at: DateTime, *, customer_id: CustomerId
    ) -> tuple[PackageHolding, VisitUse]:
        """Use one visit of ``service_id`` for ``order_id``: the holding after, and the use.

        Idempotent by order: if ``order_id`` used a visit of this service already, that
        use and this holding unchanged.

        Raises:
            PackageNotRedeemable: ``not_holder`` (not ``customer_id``'s), ``wrong_service``
                (no such part, or the order used a visit of another service), ``expired``,
                ``none_left``.
        """
        if customer_id != self.customer_id:
            raise self._refusal("not_holder", f"Package {self.id} is not {customer_id}'s.")
        earlier = self.use_of(order_id)
        if earlier is not None:
            if earlier.service_id != service_id:
                raise self._refusal(
                    "wrong_service",
                    f"Order {order_id} used package {self.id} for service "
                    f"{earlier.service_id} already, not {service_id}.",
                )
            return self, earlier
        part = self.part(service_id)
        if part is None:
            raise self._refusal(
                "wrong_service", f"Package {self.package_name!r} holds no visit of {service_id}."
            )
        if self.refunds:
            raise self._refusal(
                "refunded", f"Package {self.package_name!r} was refunded: it pays for no visit."
            )
        if self.is_expired(at):
            assert self.expires_at is not None
            raise self._refusal(
                "expired", f"Package {self.package_name!r} expired at {self.expires_at}."
            )
        used = self._used(service_id)
        free = [n for n in range(part.visits) if n not in used]
        if not free:
            raise self._refusal(
                "none_left",
                f"Every visit of {service_id} in package {self.package_name!r} is used.",
            )
        use = VisitUse(order_id, service_id, free[0], part.visit_values[free[0]], at)
        return attrs.evolve(self, uses=(*self.uses, use)), use

    def release(self, order_id: OrderId) -> PackageHolding:
        """Give back the visit ``order_id`` used (its order was cancelled); the holding
        unchanged if it used none (a repeated release changes nothing). An expired
        package's visit is given back too: it is then part of what a refund returns."""
        return attrs.evolve(self, uses=tuple(u for u in self.uses if u.order_id != order_id))

    def refund(self, reference: str, at: DateTime) -> tuple[PackageHolding, PackageRefund]:
        """Refund every visit unused now, and close the holding to new uses: the holding
        after, and the refund. Idempotent by ``reference``: a refund recorded under it
        already is returned with this holding unchanged.

        Raises:
            InvalidPackage: the reference is blank, or no visit is left to refund
                (``details["reason"]``: ``nothing_to_refund``).
        """
        if not reference.strip():
            raise InvalidPackage(
                "A refund names the payout it is paid with (refund_reference).",
                details={"field": "refund_reference"},
            )
        earlier = next((r for r in self.refunds if r.reference == reference), None)
        if earlier is not None:
            return self, earlier
        visits = tuple(
            (part.service_id, n)
            for part in self.parts
            for n in range(part.visits)
            if n not in self._used(part.service_id)
        )
        if not visits:
            raise InvalidPackage(
                f"Package {self.package_name!r} has no visit left to refund.",
                details={"field": "holding_id", "reason": "nothing_to_refund"},
            )
        refund = PackageRefund(reference, visits, self.refund_value(), at)
        return attrs.evolve(self, refunds=(*self.refunds, refund)), refund

    def refund_value(self) -> Money:
        """What the visits neither used nor refunded are worth: the sum of their allocated
        values (what a refund of the rest of the package gives back)."""
        unused = [
            value
            for part in self.parts
            for n, value in enumerate(part.visit_values)
            if n not in self._used(part.service_id)
        ]
        return sum(unused, Money.zero(self.paid.currency))

    def _refusal(self, reason: str, message: str) -> PackageNotRedeemable:
        return PackageNotRedeemable(message, details={"reason": reason, "holding_id": self.id})
