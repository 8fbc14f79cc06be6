"""Ordering use cases: place, pay, move through the lifecycle (FEATURES C6–C8, T5, T7).

Each command loads the order, fires one lifecycle event through a machine built for that
command, and saves with compare-and-set on the order's version, so of two conflicting
commands (two accepts, a cancel racing an accept) exactly one wins and the other gets
``TransitionNotAllowed`` (it saw the new state) or ``ConcurrentUpdate`` (it lost the save).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import attrs
import cattrs
import pendulum
from pendulum import DateTime

from booking_core.catalog import HoldingId, Service, VisitUse
from booking_core.catalog.service import MAX_TECHNICIANS_NEEDED
from booking_core.customers import CustomerStanding
from booking_core.dispatch.metrics import DispatchOutcome
from booking_core.errors import (
    IdempotencyKeyReused,
    InvalidInput,
    InvalidParty,
    NoTechnicianAvailable,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, StoreId, TechnicianId
from booking_core.orders import Actor, Order, OrderContact, OrderState, Party, Role
from booking_core.orders.dispatching import DispatchState
from booking_core.orders.events import (
    OrderNeedsAttention,
    ReviewWindowClosed,
    TechnicianLate,
)
from booking_core.orders.hoarding import check_unpaid_limits
from booking_core.orders.idempotency import IdempotencyRecord, fingerprint, valid_key
from booking_core.orders.numbers import format_order_number, normalize_order_number
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.jobs import Job
from booking_core.ports.payments import PaymentResult
from booking_core.ports.storage import (
    LockKey,
    OrderCursor,
    OrderQuery,
    OrderSort,
    UnitOfWork,
    UnitOfWorkFactory,
)
from booking_core.promotions import CouponId
from booking_core.scheduling.geo import GeoPoint
from booking_core.services._access import check_staff, require_customer, require_role
from booking_core.services.cancellation import CancellationService
from booking_core.services.jobs import JobKind
from booking_core.services.loyalty import LoyaltyService
from booking_core.services.payments import PaymentService, ReconcileReport
from booking_core.services.steps.audit import AuditTrail, order_facts
from booking_core.services.steps.books import OrderBooks, visit_quote
from booking_core.services.steps.commissions import Commissions
from booking_core.services.steps.dispatching import (
    RESERVATION_REFUSALS,
    Dispatching,
    Wanted,
    catalog_priced,
)
from booking_core.services.steps.ledger import post_visit_used
from booking_core.services.steps.orders import may_see, visible_order
from booking_core.services.steps.packages import redeem_visit
from booking_core.services.steps.points import OrderPoints
from booking_core.services.steps.reservations import Reservations
from booking_core.staff import Permission
from booking_core.timerange import ensure_aware

__all__ = [
    "DEDICATED_COMMANDS",
    "OrderingService",
    "PartyPlacement",
    "PlaceOrder",
    "PlaceParty",
    "Placement",
    "TechnicianView",
]

#: How many of the best candidates a placement without a technician tries before it says
#: nobody can serve the order.
_PLACEMENT_TRIES: Final = 5

#: How many orders a listing returns when the caller does not say.
_ORDER_PAGE: Final = 100

#: Lifecycle events that have their own command (they need more than a reason).
DEDICATED_COMMANDS = {
    "pay": "pay for the order (payments)",
    "modify": "change the time or service (modification)",
    "reassign": "change the technician (modification)",
    "refund": "refund through a cancellation or an arbitration",
    "settle_refund": "wait for the gateway to settle the refunds",
}


def _aware(value: object) -> DateTime:
    return ensure_aware(value, "start")


def _key(value: str | None) -> str | None:
    return None if value is None else valid_key(value)


@attrs.frozen
class PlaceOrder:
    """Book ``service_id`` with ``technician_id`` starting at ``start`` (one offered slot),
    with one of the customer's coupons if ``coupon_id`` is given. Without a technician
    (None) dispatch finds one: the order needs an address then.

    With ``idempotency_key`` (1–255 visible ASCII characters the client made up, a UUID say)
    the command may be sent again — after a timeout, a crash — without booking twice: see
    :meth:`OrderingService.place`. A malformed key raises ``InvalidIdempotencyKey``.
    """

    customer_id: CustomerId
    technician_id: TechnicianId | None  # None: dispatch finds one (docs/dispatch.md)
    service_id: ServiceId
    start: DateTime = attrs.field(converter=_aware)
    location: GeoPoint | None = None  # the at-home address (service area, travel time)
    payment_mode: PaymentMode = PaymentMode.FULL
    coupon_id: CouponId | None = None
    idempotency_key: str | None = attrs.field(default=None, converter=_key)
    #: An entry of the customer's address book: the order keeps a copy of it and of whom
    #: to call (:class:`~booking_core.orders.OrderContact`), and is served at its point.
    address_id: str | None = None
    #: The most points to redeem as cash (积分抵现): the quote's caps decide how many are
    #: spent; they are taken from his balance with the order (docs/loyalty.md).
    points: int = 0
    #: A bought package (套餐) of the customer's whose visit pays the order: it is priced at
    #: the visit's allocated value and paid by it at placement (docs/packages.md). Without
    #: a coupon or points, paid in full.
    holding_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.holding_id is None:
            return
        if self.coupon_id is not None or self.points:
            raise InvalidInput(
                "An order paid by a package visit takes no coupon and redeems no points: the "
                "visit is the package's discounted price already.",
                details={"field": "holding_id"},
            )
        if self.payment_mode is not PaymentMode.FULL:
            raise InvalidInput(
                "An order paid by a package visit is paid in full by it at placement; leave "
                f"the payment mode {PaymentMode.FULL.value!r}.",
                details={"field": "payment_mode"},
            )


def _technicians(value: object) -> tuple[TechnicianId, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidParty(
            f"Name the technicians of the party as a list; got {value!r}.",
            details={"field": "technician_ids"},
        )
    return tuple(TechnicianId(t) for t in value)


@attrs.frozen
class PlaceParty:
    """Book ``service_id`` — a service that needs several technicians at once (a couple's
    massage) — with every one of ``technician_ids`` starting at ``start``: one order per
    technician, all placed or none (:meth:`OrderingService.place_party`).

    Each technician's order is priced at his own price, and each is paid on its own
    (``payment_mode``); ``address_id`` / ``location`` as for :class:`PlaceOrder` (every
    technician travels there, each from his own previous job). A party takes no coupon
    and redeems no points. ``idempotency_key`` as for :class:`PlaceOrder`.
    """

    customer_id: CustomerId
    service_id: ServiceId
    technician_ids: tuple[TechnicianId, ...] = attrs.field(converter=_technicians)
    start: DateTime = attrs.field(converter=_aware)
    location: GeoPoint | None = None
    payment_mode: PaymentMode = PaymentMode.FULL
    idempotency_key: str | None = attrs.field(default=None, converter=_key)
    address_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if not 1 <= len(self.technician_ids) <= MAX_TECHNICIANS_NEEDED:
            raise InvalidParty(
                f"A party names 2 to {MAX_TECHNICIANS_NEEDED} technicians, one per seat; "
                f"got {len(self.technician_ids)}.",
                details={"field": "technician_ids"},
            )
        if len(set(self.technician_ids)) != len(self.technician_ids):
            raise InvalidParty(
                "Each technician takes one seat of a party; "
                f"{', '.join(self.technician_ids)} names one twice.",
                details={"field": "technician_ids"},
            )

    def seat(self, technician_id: TechnicianId) -> PlaceOrder:
        """The placement of one seat: this party's order for ``technician_id``."""
        return PlaceOrder(
            customer_id=self.customer_id,
            technician_id=technician_id,
            service_id=self.service_id,
            start=self.start,
            location=self.location,
            payment_mode=self.payment_mode,
            address_id=self.address_id,
        )


@attrs.frozen
class PartyPlacement:
    """What :meth:`OrderingService.place_party` did: the party's orders by seat (the
    technicians' order in the command), and whether an earlier request placed them."""

    orders: tuple[Order, ...]
    replayed: bool

    @property
    def party_id(self) -> str:
        """The id the orders share."""
        party = self.orders[0].party
        assert party is not None
        return party.id


def _check_party_size(service: Service, size: int) -> None:
    # ``size``: how many technicians the placement names (1: a single order).
    if size != service.technicians_needed:
        needed = service.technicians_needed
        advice = (
            f"place a party of {needed} technicians (place_party)"
            if needed > 1
            else "place one order (place)"
        )
        raise InvalidParty(
            f"{service.name} is served by {needed} technician(s) at once, not {size}: {advice}.",
            details={"service_id": service.id, "needed": needed, "asked": size},
        )


#: Fields added to :class:`PlaceOrder` with a default of zero: left out of the idempotency
#: fingerprint when zero, as None fields are, so retries sent before they existed match.
_ZERO_DEFAULTS: Final = frozenset({"points"})

_FINISHED: Final = frozenset(
    {
        OrderState.COMPLETED,
        OrderState.CANCELLED,
        OrderState.REFUNDING,
        OrderState.PARTIALLY_REFUNDED,
        OrderState.REFUNDED,
    }
)
_UNDER_WAY: Final = frozenset(
    {OrderState.ACCEPTED, OrderState.DEPARTED, OrderState.ARRIVED, OrderState.IN_SERVICE}
)


def _service_address(
    uow: UnitOfWork, command: PlaceOrder
) -> tuple[OrderContact | None, GeoPoint | None]:
    """The copy of the address-book entry ``command`` names, and where the order is served."""
    if command.address_id is None:
        return None, command.location
    customer = uow.customers.get(command.customer_id)
    address = customer.address(command.address_id)
    if command.location is not None and command.location != address.point:
        raise InvalidInput(
            f"Address {address.id} lies at {address.point}, not at the location given: "
            "give the address id alone, or a location alone.",
            details={"field": "location", "address_id": address.id},
        )
    contact = OrderContact(
        phone=address.contact_phone or customer.details.phone,
        name=address.contact_name,
        province=address.province,
        city=address.city,
        district=address.district,
        detail=address.detail,
        address_id=address.id,
    )
    return contact, address.point


class TechnicianView(StrEnum):
    """The ways a technician looks at his orders (:meth:`OrderingService.technician_orders`).

    * ``new`` — paid and waiting for him to accept (``pending_acceptance``), soonest first;
    * ``today`` — every order whose slot starts on his local calendar day, soonest first;
    * ``upcoming`` — accepted and not finished yet (``accepted``, ``departed``, ``arrived``,
      ``in_service``), whatever the day, soonest first;
    * ``history`` — finished (completed, cancelled, refunding or refunded), latest first.
    """

    NEW = "new"
    TODAY = "today"
    UPCOMING = "upcoming"
    HISTORY = "history"

    @property
    def sort(self) -> OrderSort:
        """The order the view lists in (a cursor follows it)."""
        return OrderSort.LATEST_SLOT if self is TechnicianView.HISTORY else OrderSort.SOONEST_SLOT

    def query(
        self,
        technician_id: TechnicianId,
        now: DateTime,
        time_zone: str,
        *,
        after: OrderCursor | None = None,
        limit: int = _ORDER_PAGE,
    ) -> OrderQuery:
        """The storage query of this view for ``technician_id`` at ``now``; "today" is his
        calendar day in ``time_zone`` (midnight to midnight, 23 or 25 hours across a change
        of clocks)."""
        base = OrderQuery(technician_id=technician_id, sort=self.sort, after=after, limit=limit)
        if self is TechnicianView.NEW:
            return attrs.evolve(base, states={OrderState.PENDING_ACCEPTANCE})
        if self is TechnicianView.UPCOMING:
            return attrs.evolve(base, states=_UNDER_WAY)
        if self is TechnicianView.HISTORY:
            return attrs.evolve(base, states=_FINISHED)
        midnight = now.in_timezone(time_zone).start_of("day")
        # Calendar arithmetic on purpose: the next local midnight, not 24 hours later.
        return attrs.evolve(base, slot_from=midnight, slot_until=midnight.add(days=1))


def _scoped(query: OrderQuery, actor: Actor) -> OrderQuery:
    """``query`` narrowed to the orders ``actor`` may list (INVARIANTS I25)."""
    if actor.role is Role.CUSTOMER:
        _own("customer_id", query.customer_id, actor)
        return attrs.evolve(query, customer_id=CustomerId(actor.id))
    if actor.role is Role.TECHNICIAN:
        _own("technician_id", query.technician_id, actor)
        return attrs.evolve(query, technician_id=TechnicianId(actor.id))
    if actor.role is Role.STORE:
        _own("store_id", query.store_id, actor)
        return attrs.evolve(query, store_id=StoreId(actor.id))
    return query  # the platform and the system list every order


def _own(name: str, asked: str | None, actor: Actor) -> None:
    if asked is not None and asked != actor.id:
        raise PermissionDenied(
            f"A {actor.role.value} lists only his own orders; you act as {actor.id}, not {asked}.",
            details={"filter": name},
        )


@attrs.frozen
class Placement:
    """What :meth:`OrderingService.place` did.

    Attributes:
        order: The order placed — or, for a retry, the one the first request placed, as it
            is now.
        replayed: True when the order was placed by an earlier request with the same
            idempotency key (nothing was booked this time).
    """

    order: Order
    replayed: bool


class OrderingService:
    """Places orders and moves them through their lifecycle.

    Attributes:
        payments: The payment use cases this service charges and refunds through.
        cancellation: The cancellation use cases (``cancel`` and ``no_show`` go there).
        books: The money side of the order flow: prices, coupons, campaign budgets and the
            journal (``pricing_rules`` and ``rates`` configure it).

    Points redeemed at checkout are spent with the order; a completion earns the order's
    points and schedules its commissions' settlement in the same unit of work
    (``points``, ``commissions``), and evaluates the customer's tier after commit
    (``tiers``; None: no tier ladder).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        converter: cattrs.Converter,
        *,
        reservations: Reservations,
        books: OrderBooks,
        payments: PaymentService,
        cancellation: CancellationService,
        order_policy: OrderPolicy,
        audit: AuditTrail,
        dispatching: Dispatching,
        points: OrderPoints,
        commissions: Commissions,
        tiers: LoyaltyService | None = None,
    ) -> None:
        self._audit = audit
        self._dispatching = dispatching
        self._points = points
        self._commissions = commissions
        self._tiers = tiers
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._converter = converter  # the idempotency key's canonical request
        self._reservations = reservations
        self._orders = order_policy
        self.books = books
        self.payments = payments
        self.cancellation = cancellation

    @property
    def order_policy(self) -> OrderPolicy:
        """The order rules in force."""
        return self._orders

    def place_order(self, command: PlaceOrder, actor: Actor) -> Order:
        """The order :meth:`place` placed, or found placed under the idempotency key."""
        return self.place(command, actor).order

    def place(self, command: PlaceOrder, actor: Actor) -> Placement:
        """Reserve the slot, price the order and create it awaiting payment, in one
        transaction.

        The price is a quote (:class:`~booking_core.pricing.Quote`, kept on the order) of one
        unit of the service at the technician's price, under the rules in force, the stored
        campaigns and the customer's coupon if one is given; in the same transaction the
        coupon is reserved for the order and the campaign discounts are charged to their
        budgets. The order gets a human-friendly number; an unpaid order is scheduled to
        expire after ``unpaid_timeout_minutes``; a pay-on-arrival order (or one with nothing
        to pay) needs nothing up front and goes straight to waiting for acceptance.

        Anti-hoarding: a customer holding ``max_unpaid_orders_per_customer`` open orders
        with nothing captured (or ``max_unpaid_orders_per_customer_technician`` with this
        technician) is refused; the count and the new order are serialized per customer.

        Idempotency: with ``command.idempotency_key`` the key is claimed for the customer
        first, in the same transaction (so a failure or a crash leaves neither the order nor
        the key). A key used within ``idempotency_key_hours`` by the same request returns
        its order (``replayed``; nothing else happens), by another request raises
        ``IdempotencyKeyReused``, and one still in flight ``IdempotencyKeyInFlight``.

        Raises:
            IdempotencyKeyReused: the key was used for another request; nothing is stored.
            IdempotencyKeyInFlight: the first request with the key is still running.
            TooManyUnpaidOrders: a limit of open unpaid orders is reached; nothing stored.
            NotFound: unknown technician or service; (``coupon_not_found``) no such coupon,
                or it is someone else's.
            CouponNotApplicable: the coupon does not apply (``details["reason"]``); nothing
                is stored.
            CouponUnavailable: the coupon is used, or held by another order.
            CampaignBudgetExceeded: a campaign's budget ran out meanwhile (price again).
            ServiceNotOffered: the technician does not perform the service.
            SlotUnavailable: the start is not an offered slot.
            SlotTaken: the time is taken (also when another order wins a race for it).
            SlotHeld, DailyCapReached, OutsideServiceArea: see ``Reservations.plan``.
            PermissionDenied: ``actor`` is not the customer ``command.customer_id``.
        """
        require_customer(actor, command.customer_id, "places orders")
        now = self._clock.now()
        if command.technician_id is None:
            return self._place_dispatched(command, now)
        return self._place_with(command, command.technician_id, now, None)

    def place_party(self, command: PlaceParty, actor: Actor) -> PartyPlacement:
        """Book a service that needs several technicians at once: one order per technician
        in ``command.technician_ids``, all in one transaction — every seat's time is
        reserved (under the same rules and exclusion constraint as :meth:`place`, each
        technician's travel counted from his own previous job), or nothing is stored.

        The orders share a :class:`~booking_core.orders.Party` (its id, its size, the
        seat of each); after placement each lives on its own: paid, accepted, served,
        cancelled and settled like any order. :meth:`party` lists them.

        Raises:
            InvalidParty: the service does not need that many technicians at once.
            SlotTaken, SlotHeld, SlotUnavailable, DailyCapReached, OutsideServiceArea,
                ServiceNotOffered, TooManyUnpaidOrders, NotFound: as :meth:`place`, for
                any seat; nothing is stored.
            IdempotencyKeyReused, IdempotencyKeyInFlight: as :meth:`place`.
            PermissionDenied: ``actor`` is not the customer ``command.customer_id``.
        """
        require_customer(actor, command.customer_id, "places orders")
        now = self._clock.now()
        party_id = self._ids.new_id("pty")
        size = len(command.technician_ids)
        seat_ids = [
            (OrderId(self._ids.new_id("ord")), BookingId(self._ids.new_id("bkg")))
            for _ in command.technician_ids
        ]
        with self._uow() as uow:
            if command.idempotency_key is not None:
                earlier = self._claim_key(uow, command, seat_ids[0][0], now)
                if earlier is not None:
                    return PartyPlacement(self._party_of(uow, earlier), replayed=True)
            # Refused before any seat is reserved; a party of one is no party.
            _check_party_size(uow.services.get(command.service_id), size)
            # The customer, then every seat's technician by id, in one call: two parties
            # naming the same technicians in another order wait for each other instead of
            # deadlocking on their bookings.
            uow.locks.take(
                LockKey.customer(command.customer_id),
                *(LockKey.technician(t) for t in sorted(command.technician_ids)),
            )
            placed = tuple(
                self._place_in(
                    uow,
                    command.seat(technician_id),
                    technician_id,
                    ids,
                    now,
                    None,
                    Party(party_id, size, seat),
                )
                for seat, (technician_id, ids) in enumerate(
                    zip(command.technician_ids, seat_ids, strict=True)
                )
            )
            uow.commit()
        return PartyPlacement(placed, replayed=False)

    def party(self, party_id: str, actor: Actor) -> list[Order]:
        """The orders of a party by seat, those ``actor`` may see (the customer all of
        them, a technician his own seat). Raises NotFound when he may see none."""
        with self._uow() as uow:
            orders = [
                order
                for order in uow.orders.find(OrderQuery(party_id=party_id, limit=16))
                if may_see(uow, order, actor)
            ]
        if not orders:
            raise NotFound("party", party_id)
        return sorted(orders, key=_seat)

    def _party_of(self, uow: UnitOfWork, order: Order) -> tuple[Order, ...]:
        if order.party is None:
            return (order,)
        found = uow.orders.find(OrderQuery(party_id=order.party.id, limit=16))
        return tuple(sorted(found, key=_seat))

    def _place_dispatched(self, command: PlaceOrder, now: DateTime) -> Placement:
        """Place an order without a chosen technician: its time is held on the best free
        candidate (the first whose agenda takes it), priced at the catalog price, and
        dispatch moves it when it assigns, offers or a grab wins."""
        with self._uow() as uow:
            contact, location = _service_address(uow, command)
            if location is None:
                raise InvalidInput(
                    "An order without a chosen technician needs the address it is served "
                    "at (address_id or location): dispatch looks for technicians near it.",
                    details={"field": "location"},
                )
            city = contact.city if contact is not None else None
            dispatch = self._dispatching.new_state(command.service_id, city)
            plan = self._dispatching.policy.plan_for(command.service_id, city)
            wanted = Wanted(command.service_id, command.start, location, command.customer_id, city)
            ranked = self._dispatching.look(uow, wanted, plan, now).ranked
        for candidate in ranked[:_PLACEMENT_TRIES]:
            try:
                return self._place_with(command, candidate.technician_id, now, dispatch)
            except RESERVATION_REFUSALS:
                continue  # taken meanwhile (another customer won him): the next one
        raise NoTechnicianAvailable(
            f"Nobody near the address can serve this at {command.start.isoformat()}; pick "
            "another time.",
            details={"service_id": command.service_id, "start": command.start.isoformat()},
        )

    def _place_with(
        self,
        command: PlaceOrder,
        technician_id: TechnicianId,
        now: DateTime,
        dispatch: DispatchState | None,
    ) -> Placement:
        order_id = OrderId(self._ids.new_id("ord"))
        booking_id = BookingId(self._ids.new_id("bkg"))
        with self._uow() as uow:
            if command.idempotency_key is not None:
                earlier = self._claim_key(uow, command, order_id, now)
                if earlier is not None:
                    return Placement(earlier, replayed=True)
            order = self._place_in(
                uow, command, technician_id, (order_id, booking_id), now, dispatch
            )
            uow.commit()
        return Placement(order, replayed=False)

    def _place_in(
        self,
        uow: UnitOfWork,
        command: PlaceOrder,
        technician_id: TechnicianId,
        ids: tuple[OrderId, BookingId],
        now: DateTime,
        dispatch: DispatchState | None,
        party: Party | None = None,
    ) -> Order:
        """Reserve, price and add one order in ``uow`` (the caller commits): a whole
        placement, or one seat of a party."""
        order_id, booking_id = ids
        standing = self._standing(uow, command, technician_id, order_id)
        contact, location = _service_address(uow, command)
        reservation = self._reservations.reserve(
            uow,
            technician_id,
            command.service_id,
            command.start,
            booking_id=booking_id,
            order_id=order_id,
            now=now,
            customer_id=command.customer_id,  # converts his own checkout hold
            location=location,
            # His tier's window days, from the standing just read (no statement more).
            extra_days=self._reservations.privileges.for_tier(standing.tier).extra_window_days,
        )
        technician, service, booking = (
            reservation.technician,
            reservation.service,
            reservation.booking,
        )
        _check_party_size(service, 1 if party is None else party.size)
        use = None
        if command.holding_id is not None:
            use = redeem_visit(
                uow, HoldingId(command.holding_id), customer_id=command.customer_id,
                service_id=service.id, order_id=order_id, at=now,
            )  # fmt: skip
            quote = visit_quote(service.id, use.value, now)
        else:
            profile = standing.pricing_profile()
            if command.points:
                # Read only for an order that redeems (a plain one sends no statement
                # more), and locked: a concurrent spend of his waits until this commits.
                usable = uow.points.account(command.customer_id, lock=True).usable(now)
                profile = attrs.evolve(profile, points_balance=max(usable, 0))
            quote = self.books.checkout(
                uow,
                order_id=order_id,
                customer=profile,
                technician=technician if dispatch is None else catalog_priced(technician),
                service=service,
                coupon_id=command.coupon_id,
                at=now,
                points=command.points,
            )
        if quote.points_redeemed:
            self._points.spend(uow, command.customer_id, order_id, quote.points_redeemed, now)
        price = quote.payable
        number = format_order_number(
            now.in_timezone(technician.time_zone).date(), uow.orders.next_sequence()
        )
        order = Order.place(
            order_id=order_id,
            customer_id=command.customer_id,
            technician_id=technician.id if dispatch is None else None,
            service_id=service.id,
            booking_id=booking_id,
            slot=booking.slot.in_zone(technician.time_zone),  # his zone, whoever asked
            time_zone=technician.time_zone,
            price=price,
            at=now,
            number=number,
            payment_mode=command.payment_mode,
            upfront=self._orders.upfront(command.payment_mode, price),
            destination=location,
            quote=quote,
            contact=contact,
            dispatch=None if dispatch is None else dispatch.held_by(technician.id),
            party=party,
            holding_id=command.holding_id,
        )
        if use is not None:
            self._pay_with_visit(uow, order, use, now)
        elif order.upfront_covered():
            order.transition(
                "pay", actor=Actor.system("checkout"), at=now, reason="nothing due up front"
            )
            self._dispatching.opened(uow, order, now)
        else:
            due = now + pendulum.duration(minutes=self._orders.unpaid_timeout_minutes)
            uow.jobs.schedule(_job(JobKind.EXPIRE_UNPAID, order_id, due))
        uow.orders.add(order)
        return order

    def _pay_with_visit(self, uow: UnitOfWork, order: Order, use: VisitUse, now: DateTime) -> None:
        """The package visit pays the order in full now: held for it in the books like a
        captured payment, its commissions frozen on the visit's value."""
        if use.value.amount > 0:
            order.record_capture(use.value)
            post_visit_used(uow, order.id, use.value, at=now)
        order.transition(
            "pay", actor=Actor.system("package"), at=now, reason=f"package {order.holding_id}"
        )
        self._dispatching.opened(uow, order, now)
        self._commissions.on_captured(uow, order, now)

    def _claim_key(
        self, uow: UnitOfWork, command: PlaceOrder | PlaceParty, order_id: OrderId, now: DateTime
    ) -> Order | None:
        """Claim the command's key for ``order_id``; the earlier order if it was used."""
        assert command.idempotency_key is not None
        # The canonical request: the key itself aside, the start as a UTC instant (the
        # same moment written with another offset is the same request), fields left unset
        # (None) out — so an optional field added to the command later does not turn the
        # retries of requests sent before the upgrade into "another request".
        request = attrs.evolve(
            command, idempotency_key=None, start=command.start.in_timezone("UTC")
        )
        document = {
            name: value
            for name, value in self._converter.unstructure(request).items()
            if value is not None and not (name in _ZERO_DEFAULTS and value == 0)
        }
        record = IdempotencyRecord(
            actor_id=command.customer_id,
            key=command.idempotency_key,
            fingerprint=fingerprint(document),
            order_id=order_id,
            created_at=now,
            expires_at=now + pendulum.duration(hours=self._orders.idempotency_key_hours),
        )
        held = uow.idempotency_keys.claim(record)
        if held is None:
            return None
        if not held.same_request(record):
            raise IdempotencyKeyReused(
                f"The idempotency key {command.idempotency_key!r} was used for another "
                f"request (order {held.order_id}) until {held.expires_at.isoformat()}; "
                "send a new key with a new request.",
                details={"idempotency_key": command.idempotency_key, "order_id": held.order_id},
            )
        return uow.orders.get(held.order_id)

    def _standing(
        self, uow: UnitOfWork, command: PlaceOrder, technician_id: TechnicianId, order_id: OrderId
    ) -> CustomerStanding:
        """The customer's standing (what his price depends on), the unpaid-order limits
        checked on it."""
        policy = self._orders
        limited = (
            policy.max_unpaid_orders_per_customer is not None
            or policy.max_unpaid_orders_per_customer_technician is not None
        )
        if limited:
            # Serialize this customer's placements (the count must include an order a
            # concurrent placement is about to commit) and, in the same round trip, the
            # technician's reservations, which the reservation takes next.
            uow.locks.take(LockKey.customer(command.customer_id), LockKey.technician(technician_id))
        standing = uow.customers.standing(
            command.customer_id, technician_id=technician_id, excluding_order=order_id
        )
        if limited:
            check_unpaid_limits(policy, standing.unpaid)
        return standing

    def get_order(self, order_id: OrderId, actor: Actor) -> Order:
        """The order, if ``actor`` may see it (others get NotFound, not a hint it exists)."""
        with self._uow() as uow:
            return visible_order(uow, order_id, actor)

    def find_by_number(self, number: str, actor: Actor) -> Order:
        """The order with a human-friendly number (typed with or without dashes).

        Raises:
            InvalidInput: it is not an order number (or has a typo: the check digit fails).
            NotFound: no such order, or the actor may not see it.
        """
        canonical = normalize_order_number(number)
        with self._uow() as uow:
            order = uow.orders.get_by_number(canonical)
            if not may_see(uow, order, actor):
                raise NotFound("order", canonical)
        return order

    def list_orders(self, actor: Actor) -> list[Order]:
        """A customer's own orders, newest first (all of them: :meth:`find_orders` pages)."""
        if actor.role is not Role.CUSTOMER:
            raise PermissionDenied("Only customers list their orders here.")
        with self._uow() as uow:
            return uow.orders.list_for_customer(CustomerId(actor.id))

    def find_orders(self, query: OrderQuery, actor: Actor) -> list[Order]:
        """The orders ``query`` asks for among those ``actor`` may list, one page.

        A customer lists his own orders, a technician those assigned to him, a store those
        of the technicians whose profile names it (``actor.id`` is the store's id), the
        platform and the system every order. The query is narrowed to the actor's own: a
        customer's query gets his ``customer_id``, and so on.

        Raises:
            PermissionDenied: the query names another customer, technician or store than
                the actor (``details["filter"]`` says which).
        """
        scoped = _scoped(query, actor)
        with self._uow() as uow:
            return uow.orders.find(scoped)

    def technician_orders(
        self,
        view: TechnicianView,
        actor: Actor,
        *,
        after: OrderCursor | None = None,
        limit: int = _ORDER_PAGE,
    ) -> list[Order]:
        """A page of the acting technician's orders seen one way (see :class:`TechnicianView`);
        ``after`` is the cursor of the previous page in ``view.sort``.

        Raises:
            PermissionDenied: ``actor`` is not a technician.
            NotFound: (``technician_not_found``) no technician has the actor's id.
            InvalidInput: ``limit`` is out of range.
        """
        require_role(actor, Role.TECHNICIAN, "lists his orders by view")
        technician_id = TechnicianId(actor.id)
        now = self._clock.now()
        with self._uow() as uow:
            zone = uow.technicians.get(technician_id).time_zone
            query = view.query(technician_id, now, zone, after=after, limit=limit)
            return uow.orders.find(query)

    def pay_in_full(self, order_id: OrderId, actor: Actor) -> PaymentResult:
        """Charge what the order owes now (see :meth:`PaymentService.pay`); on capture of
        the upfront amount the order awaits acceptance.

        Raises:
            NothingToPay: nothing is due (e.g. paid already); a ``TransitionNotAllowed``.
        """
        return self.payments.pay(order_id, actor)

    def reconcile_payment(self, order_id: OrderId) -> ReconcileReport:
        """Ask the gateway about the order's open payments and refunds and apply the answers."""
        return self.payments.reconcile(order_id)

    def transition(
        self,
        order_id: OrderId,
        event: str,
        actor: Actor,
        *,
        reason: str = "",
        expected_version: int | None = None,
    ) -> Order:
        """Fire a lifecycle event: accept, reject, depart, arrive, start_service, complete;
        ``cancel`` and ``no_show`` go through the cancellation policy (and refund).

        A rejection frees the technician's time and sends the order back to wait for a
        technician; an arrival past the lateness grace raises ``TechnicianLate``; starting
        the service schedules its automatic completion; completing it settles the order in
        the books (``order_completed``: technician, store and platform shares by the rates,
        platform-funded discounts as promotion expense) and schedules the end of the review
        window. With ``expected_version`` (what the caller last saw, as an HTTP
        ``If-Match``) the command fails unless the order is still at that version, so of
        several conflicting commands sent from one view exactly one wins.

        Raises:
            NotFound: the order does not exist or is not visible to ``actor``.
            PermissionDenied: the actor's role may not fire this event (platform staff:
                without the orders permission).
            TransitionNotAllowed: the event is not allowed in the order's state, a guard
                failed, or the event has its own command.
            ConcurrentUpdate: another command changed the order first (or it is no longer at
                ``expected_version``).
        """
        if event == "cancel":
            return self.cancellation.cancel(
                order_id, actor, reason=reason, expected_version=expected_version
            ).order
        if event == "no_show":
            return self.cancellation.record_no_show(
                order_id, actor, reason=reason, expected_version=expected_version
            ).order
        if event in DEDICATED_COMMANDS:
            raise TransitionNotAllowed(
                f"{event!r} is not fired directly: {DEDICATED_COMMANDS[event]}.",
                details={"event": event},
            )
        check_staff(actor, Permission.ORDERS, "acts on orders on someone's behalf")
        now = self._clock.now()
        with self._uow() as uow:
            order = visible_order(uow, order_id, actor)
            order.ensure_version(expected_version)
            booking = order.booking_id
            before = order_facts(order)
            order.transition(event, actor=actor, at=now, reason=reason, policy=self._orders)
            self._after(uow, order, event, booking, now)
            uow.orders.save(order)
            self._audit.record(
                uow, actor, f"order.{event}", ("order", order.id),
                before=before, after=order_facts(order), reason=reason or None,
            )  # fmt: skip
            uow.commit()
        if event == "complete":
            self._evaluate_tier(order, now)
        if event == "arrive" and order.held_amount.amount > 0:
            # The service is happening: the hold becomes a charge (the job if this fails).
            self.payments.settle_holds(order.id)
            with self._uow() as uow:
                order = uow.orders.get(order.id)
        return order

    def _evaluate_tier(self, order: Order, now: DateTime) -> None:
        """His metric changed with the completion: evaluate his tier (after commit — a
        failure here never undoes the order; the tier job evaluates him again)."""
        if self._tiers is not None:
            self._tiers.evaluate_tier(order.customer_id, now)

    def _after(
        self, uow: UnitOfWork, order: Order, event: str, booking: BookingId, now: DateTime
    ) -> None:
        if event == "reject":
            uow.bookings.release(booking)
            self._dispatching.opened(uow, order, now)  # a dispatched order: the next one
        elif event == "arrive":
            if order.held_amount.amount > 0:
                kind = JobKind.RECONCILE_PAYMENTS.value
                uow.jobs.schedule(Job(f"{kind}:{order.id}:arrived", kind, order.id, now))
            late = order.late_minutes or 0
            if late > self._orders.lateness_grace_minutes and order.technician_id is not None:
                order.raise_event(
                    TechnicianLate(
                        occurred_at=now,
                        order_id=order.id,
                        technician_id=order.technician_id,
                        minutes_late=late,
                    )
                )
        elif event == "start_service":
            due = order.slot.end + pendulum.duration(
                minutes=self._orders.auto_complete_grace_minutes
            )
            # A late start is completed no earlier than its own time guard allows.
            allowed = order.not_before("complete", self._orders) or now
            uow.jobs.schedule(_job(JobKind.AUTO_COMPLETE, order.id, max(due, now, allowed)))
        elif event == "complete":
            self.books.completed(uow, order, now)
            self._commissions.on_completed(uow, order, now)
            # Earned on what he actually paid: refunds asked for already are taken off, and
            # so is anything paid beyond the price (it is on its way back).
            paid = order.refundable.min(order.price)
            self._points.earn(uow, order.customer_id, order.id, paid, now)
            if order.technician_id is not None:
                uow.dispatch_metrics.record(order.technician_id, DispatchOutcome.COMPLETED, now)
            due = now + pendulum.duration(days=self._orders.review_window_days)
            uow.jobs.schedule(_job(JobKind.CLOSE_REVIEW_WINDOW, order.id, due))

    # -- time-driven work ----------------------------------------------------------------

    def auto_complete(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler: complete an order still in service past its end plus the grace.

        Re-checks the order; one whose balance is unpaid is not completed (the guard holds)
        but raises ``OrderNeedsAttention`` for the platform. A completion is settled in the
        books in the same transaction, as when the technician completes.
        """
        with self._uow() as uow:
            order = uow.orders.get(OrderId(job.subject))
            if order.state != OrderState.IN_SERVICE:
                return None
            allowed = order.not_before("complete", self._orders)
            if allowed is not None and now < allowed:
                return allowed  # the minimum service time is not over: come back then
            if not order.fully_paid():
                order.raise_event(
                    OrderNeedsAttention(
                        occurred_at=now,
                        order_id=order.id,
                        problem="overdue_unpaid",
                        detail=f"Still in service past its end with "
                        f"{order.price - order.refundable} unpaid; not completed automatically.",
                    )
                )
            else:
                grace = self._orders.auto_complete_grace_minutes
                order.transition(
                    "complete",
                    actor=Actor.system("auto-complete"),
                    at=now,
                    reason=f"still in service {grace} minutes after its end",
                    policy=self._orders,
                )
                self._after(uow, order, "complete", order.booking_id, now)
            uow.orders.save(order)
            uow.commit()
        if order.state == OrderState.COMPLETED:
            self._evaluate_tier(order, now)
        return None

    def close_review_window(self, job: Job, now: DateTime) -> DateTime | None:
        """Job handler: the customer can no longer review the order (re-checked first)."""
        with self._uow() as uow:
            order = uow.orders.get(OrderId(job.subject))
            if order.review_closed:
                return None
            order.review_closed = True
            order.raise_event(ReviewWindowClosed(occurred_at=now, order_id=order.id))
            uow.orders.save(order)
            uow.commit()
        return None


def _seat(order: Order) -> int:
    return 0 if order.party is None else order.party.seat


def _job(kind: JobKind, order_id: str, due: DateTime) -> Job:
    return Job(id=f"{kind.value}:{order_id}", kind=kind.value, subject=order_id, due_at=due)
