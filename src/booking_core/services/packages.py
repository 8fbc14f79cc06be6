"""Package use cases (套餐, FEATURES P4): the platform defines packages; a purchase paid
outside the core is recorded as a holding; its visits are used order by order.

Who may do what: defining and deactivating packages is catalog work (the ``catalog``
permission, as for services); recording a purchase, and using or giving back a visit on a
customer's behalf, is order work (the ``orders`` permission); a customer reads his own
holdings and uses his own visits. Anyone may read the packages.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from booking_core.catalog import (
    HoldingId,
    Package,
    PackageHolding,
    PackageId,
    PackagePart,
    PackageRefund,
    VisitUse,
)
from booking_core.errors import DuplicateEntity, IdempotencyConflict, InvalidInput, NotFound
from booking_core.ids import CustomerId, OrderId, ServiceId
from booking_core.money import Money
from booking_core.orders.actor import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.services._access import require_customer, require_permission
from booking_core.services.steps.audit import AuditTrail
from booking_core.services.steps.ledger import (
    post_outside_visit,
    post_outside_visit_back,
    post_package_refunded,
    post_package_sold,
)
from booking_core.services.steps.packages import redeem_visit, release_visit
from booking_core.staff import Permission

__all__ = ["CreatePackage", "PackageService", "RecordPurchase", "RedeemVisit", "RefundPackage"]


def _visits(value: Iterable[tuple[ServiceId, int]]) -> tuple[tuple[ServiceId, int], ...]:
    return tuple(value)


@attrs.frozen
class CreatePackage:
    """Define a package: ``visits`` as ``(service id, visits)`` pairs in the order shown,
    sold at ``price``, valid ``valid_days`` days after purchase (None: no limit). Each
    part's list price is its service's catalog price now."""

    name: str
    visits: tuple[tuple[ServiceId, int], ...] = attrs.field(converter=_visits)
    price: Money
    valid_days: int | None = None


@attrs.frozen
class RecordPurchase:
    """Record that ``customer_id`` bought ``package_id``: the embedding application took
    ``paid`` (the package's price) in the payment it names ``payment_reference`` (unique:
    recording the same payment again returns the same holding)."""

    package_id: PackageId
    customer_id: CustomerId
    payment_reference: str
    paid: Money


@attrs.frozen
class RedeemVisit:
    """Use one visit of ``service_id`` of holding ``holding_id`` for order ``order_id``."""

    holding_id: HoldingId
    service_id: ServiceId
    order_id: OrderId


@attrs.frozen
class RefundPackage:
    """Refund the unused visits of holding ``holding_id``: the embedding application pays
    them back under its payout ``refund_reference`` (unique per holding: recording it again
    returns the same refund)."""

    holding_id: HoldingId
    refund_reference: str


def _check_outside(uow: UnitOfWork, order_id: OrderId) -> None:
    """Refuse an order of the core: its visit moves with the order (placement, cancellation,
    refund), not by hand."""
    try:
        uow.orders.get(order_id)
    except NotFound:
        return
    raise InvalidInput(
        f"Order {order_id} is an order of the platform: it is paid by a visit when placed "
        "(holding_id), and its visit comes back when it is cancelled or refunded.",
        details={"field": "order_id", "order_id": order_id},
    )


class PackageService:
    """Defines packages, records their purchases and uses their visits."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdSource, *, audit: AuditTrail
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._audit = audit

    def create_package(self, command: CreatePackage, actor: Actor) -> Package:
        """Define a package priced over its parts' catalog prices.

        Raises:
            PermissionDenied: the actor is not platform staff with the catalog permission.
            NotFound: (``service_not_found``) a service does not exist.
            InvalidPackage: no parts, a service twice, visits out of 1–999, a price of zero
                or above the parts' list total, another currency, a validity out of range.
        """
        require_permission(actor, Permission.CATALOG, "manages the catalog")
        package_id = PackageId(self._ids.new_id("pkg"))
        with self._uow() as uow:
            parts = tuple(
                PackagePart(service_id, visits, uow.services.get(service_id).price)
                for service_id, visits in command.visits
            )
            package = Package(
                package_id, command.name, parts, command.price, valid_days=command.valid_days
            )
            uow.packages.add(package)
            self._audit.record(
                uow, actor, "catalog.package.create", ("package", package.id), after=package
            )
            uow.commit()
        return package

    def deactivate_package(self, package_id: PackageId, actor: Actor) -> Package:
        """Stop selling a package (holdings already bought are unaffected); idempotent.

        Raises:
            PermissionDenied: not platform staff with the catalog permission.
            NotFound: (``package_not_found``).
        """
        require_permission(actor, Permission.CATALOG, "manages the catalog")
        with self._uow() as uow:
            before = uow.packages.get(package_id)
            if not before.active:
                return before
            after = before.deactivated()
            uow.packages.save(after)
            self._audit.record(
                uow,
                actor,
                "catalog.package.deactivate",
                ("package", package_id),
                before=before,
                after=after,
            )
            uow.commit()
        return after

    def get_package(self, package_id: PackageId) -> Package:
        """One package. Raises NotFound (``package_not_found``)."""
        with self._uow() as uow:
            return uow.packages.get(package_id)

    def list_packages(self, *, active_only: bool = False) -> list[Package]:
        """The packages (only those on sale if ``active_only``), by name then id."""
        with self._uow() as uow:
            return uow.packages.list(active_only=active_only)

    def record_purchase(self, command: RecordPurchase, actor: Actor) -> PackageHolding:
        """Record a purchase the embedding application was paid for: the customer's new
        holding, expiring ``valid_days`` after now. Recording the same payment again returns
        the holding it made.

        Raises:
            PermissionDenied: not platform staff with the orders permission.
            NotFound: (``package_not_found``).
            InvalidPackage: the package is no longer sold, ``paid`` is not its price, or the
                reference is blank.
            IdempotencyConflict: the payment was recorded for another customer, package or
                amount.
        """
        require_permission(actor, Permission.ORDERS, "records package purchases")
        holding_id = HoldingId(self._ids.new_id("pkh"))
        with self._uow() as uow:
            earlier = self._earlier_purchase(uow, command)
            if earlier is not None:
                return earlier
            holding = PackageHolding.buy(
                uow.packages.get(command.package_id),
                holding_id=holding_id,
                customer_id=command.customer_id,
                payment_reference=command.payment_reference,
                paid=command.paid,
                at=self._clock.now(),
            )
            try:
                stored = uow.holdings.add(holding)
            except DuplicateEntity:
                # The same payment recorded at the same moment: the other one stored it.
                earlier = self._earlier_purchase(uow, command)
                if earlier is None:
                    raise
                return earlier
            # The price is owed to the customer as visits until each is used.
            post_package_sold(uow, stored.id, stored.paid, at=stored.purchased_at)
            self._audit.record(
                uow, actor, "package.purchase.record", ("package_holding", stored.id), after=stored
            )
            uow.commit()
        return stored

    @staticmethod
    def _earlier_purchase(uow: UnitOfWork, command: RecordPurchase) -> PackageHolding | None:
        found = uow.holdings.find_by_payment(command.payment_reference)
        if found is None:
            return None
        if (found.customer_id, found.package_id, found.paid) != (
            command.customer_id,
            command.package_id,
            command.paid,
        ):
            raise IdempotencyConflict(
                f"Payment {command.payment_reference!r} was recorded for package "
                f"{found.package_id} of customer {found.customer_id} ({found.paid}) already.",
                details={"holding_id": found.id},
            )
        return found

    def holdings(self, customer_id: CustomerId, actor: Actor) -> list[PackageHolding]:
        """The customer's bought packages, by purchase instant then id (his own, or any
        customer's for staff with the orders permission)."""
        self._check_reader(actor, customer_id)
        with self._uow() as uow:
            return uow.holdings.list_for_customer(customer_id)

    def get_holding(self, holding_id: HoldingId, actor: Actor) -> PackageHolding:
        """One bought package (his own, or any for staff with the orders permission).

        Raises:
            NotFound: (``package_holding_not_found``), also for another customer's.
            PermissionDenied: neither a customer nor staff with the orders permission.
        """
        with self._uow() as uow:
            holding = uow.holdings.get(holding_id)
        if actor.role is Role.CUSTOMER and actor.id != holding.customer_id:
            raise NotFound("package_holding", holding_id)  # another's is not revealed
        self._check_reader(actor, holding.customer_id)
        return holding

    def redeem(self, command: RedeemVisit, actor: Actor) -> VisitUse:
        """Use one visit for an order served outside the core (a walk-in at the store, an
        order of the app's own), in a unit of work of its own; the use, the earlier one if
        the order used a visit already. The visit's value is the platform's revenue at once
        (docs/packages.md). The core's own orders are paid by a visit when placed
        (``PlaceOrder.holding_id``).

        Raises:
            PermissionDenied: neither a customer nor staff with the orders permission.
            NotFound: (``package_holding_not_found``).
            InvalidInput: ``order_id`` is an order of the core (``field: order_id``).
            PackageNotRedeemable: ``not_holder``, ``wrong_service``, ``expired``,
                ``none_left`` (``details["reason"]``).
        """
        if actor.role is not Role.CUSTOMER:
            require_permission(actor, Permission.ORDERS, "uses a customer's package visits")
        with self._uow() as uow:
            customer_id = (
                CustomerId(actor.id)
                if actor.role is Role.CUSTOMER
                else uow.holdings.get(command.holding_id).customer_id
            )
            _check_outside(uow, command.order_id)
            now = self._clock.now()
            use = redeem_visit(
                uow,
                command.holding_id,
                customer_id=customer_id,
                service_id=command.service_id,
                order_id=command.order_id,
                at=now,
            )
            post_outside_visit(uow, command.order_id, use.value, at=now)
            uow.commit()
        return use

    def release(self, holding_id: HoldingId, order_id: OrderId, actor: Actor) -> PackageHolding:
        """Give back the visit an order outside the core used (it was called off); the
        holding after, and the revenue its value became is reversed. Idempotent.

        Raises:
            PermissionDenied: not platform staff with the orders permission.
            NotFound: (``package_holding_not_found``).
            InvalidInput: ``order_id`` is an order of the core: cancelling or refunding it
                gives its visit back (``field: order_id``).
        """
        require_permission(actor, Permission.ORDERS, "gives back package visits")
        with self._uow() as uow:
            _check_outside(uow, order_id)
            holding = release_visit(uow, holding_id, order_id)
            post_outside_visit_back(uow, order_id, at=self._clock.now())
            uow.commit()
        return holding

    def record_refund(self, command: RefundPackage, actor: Actor) -> PackageRefund:
        """Refund every visit of the holding neither used nor refunded, at their allocated
        values, and close it to new uses: the refund (its ``amount`` is what the app pays
        back, under ``refund_reference``). Recorded first, paid out after: the amount is
        fixed here, under the holder's lock, so a visit used meanwhile is not paid twice.
        Posts ``package_refund:<holding>:<reference>`` (Dr prepaid packages, Cr payments clearing).

        Raises:
            PermissionDenied: not platform staff with the orders permission.
            NotFound: (``package_holding_not_found``).
            InvalidPackage: blank reference; no visit left to refund
                (``details["reason"]``: ``nothing_to_refund``).
        """
        require_permission(actor, Permission.ORDERS, "refunds packages")
        with self._uow() as uow:
            customer_id = uow.holdings.get(command.holding_id).customer_id
            uow.locks.take(LockKey.customer(customer_id))
            holding = uow.holdings.get(command.holding_id)  # read again under the lock
            after, refund = holding.refund(command.refund_reference, self._clock.now())
            if after is not holding:
                uow.holdings.save(after)
                post_package_refunded(
                    uow, holding.id, refund.reference, refund.amount, at=refund.at
                )
                self._audit.record(
                    uow, actor, "package.refund.record", ("package_holding", holding.id),
                    before=holding, after=after,
                )  # fmt: skip
                uow.commit()
        return refund

    @staticmethod
    def _check_reader(actor: Actor, customer_id: CustomerId) -> None:
        if actor.role is Role.CUSTOMER:
            require_customer(actor, customer_id, "reads packages")
        else:
            require_permission(actor, Permission.ORDERS, "reads customers' packages")
