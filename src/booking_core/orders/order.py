"""The order aggregate: what was bought, from whom, when, and everything that happened."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import attrs
from pendulum import DateTime
from statemachine.exceptions import TransitionNotAllowed as _MachineRefused

from booking_core.errors import (
    ConcurrentUpdate,
    InvalidInput,
    OrderAlreadyTaken,
    RefundExceedsCaptured,
    TooEarly,
    TransitionNotAllowed,
)
from booking_core.events import DomainEvent
from booking_core.ids import BookingId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders.actor import Actor, Role
from booking_core.orders.contact import OrderContact
from booking_core.orders.dispatching import DispatchMode, DispatchState, OfferEnd
from booking_core.orders.events import OrderModified, OrderPlaced, OrderStateChanged
from booking_core.orders.lifecycle import GUARD_EXPLANATIONS, OrderLifecycle
from booking_core.orders.party import Party
from booking_core.orders.permissions import check_event
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.orders.timing import TIME_GUARDS, explain, not_before
from booking_core.pricing import Quote
from booking_core.promotions import CouponId
from booking_core.scheduling.geo import GeoPoint
from booking_core.timerange import TimeRange

__all__ = [
    "ACTIVE_STATES",
    "EVENT_ROLES",
    "NOT_STARTED_STATES",
    "Order",
    "OrderState",
    "TransitionRecord",
    "check_seat",
]


class OrderState(StrEnum):
    """Every state an order can be in (stored as these plain strings)."""

    PENDING_PAYMENT = "pending_payment"
    PENDING_ACCEPTANCE = "pending_acceptance"
    ACCEPTED = "accepted"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    IN_SERVICE = "in_service"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDING = "refunding"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


_CUSTOMER, _TECH, _PLATFORM, _SYSTEM = Role.CUSTOMER, Role.TECHNICIAN, Role.PLATFORM, Role.SYSTEM

#: Which roles may fire which lifecycle event. Customers and technicians act only on their
#: own orders; the platform and the system (jobs, payment callbacks) on any.
EVENT_ROLES: Final[dict[str, frozenset[Role]]] = {
    "pay": frozenset({_SYSTEM, _PLATFORM}),
    "accept": frozenset({_TECH, _PLATFORM}),
    "reject": frozenset({_TECH, _PLATFORM}),
    "reassign": frozenset({_CUSTOMER, _PLATFORM}),
    # Dispatch gives a waiting order its technician: the system (auto-assign, an accepted
    # offer, a won grab) or a dispatcher (the platform, or a store among its own).
    "assign": frozenset({_SYSTEM, _PLATFORM, Role.STORE}),
    "modify": frozenset({_CUSTOMER, _PLATFORM}),
    "depart": frozenset({_TECH, _PLATFORM}),
    "arrive": frozenset({_TECH, _PLATFORM}),
    "start_service": frozenset({_TECH, _PLATFORM}),
    "complete": frozenset({_TECH, _PLATFORM, _SYSTEM}),
    "cancel": frozenset({_CUSTOMER, _TECH, _PLATFORM, _SYSTEM}),
    "no_show": frozenset({_TECH, _PLATFORM}),
    "refund": frozenset({_SYSTEM, _PLATFORM}),
    "settle_refund": frozenset({_SYSTEM, _PLATFORM}),
}

#: The states in which an order still holds the technician's time.
ACTIVE_STATES: Final = frozenset(
    {
        OrderState.PENDING_PAYMENT,
        OrderState.PENDING_ACCEPTANCE,
        OrderState.ACCEPTED,
        OrderState.DEPARTED,
        OrderState.ARRIVED,
        OrderState.IN_SERVICE,
    }
)

#: The states in which the order can still be changed (time, service, technician).
NOT_STARTED_STATES: Final = frozenset(
    {OrderState.PENDING_PAYMENT, OrderState.PENDING_ACCEPTANCE, OrderState.ACCEPTED}
)


def _guards_by_state_and_event() -> dict[tuple[str, str], tuple[str, ...]]:
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for state in OrderLifecycle.states:
        for transition in state.transitions:
            key = (str(state.value), str(transition.event))
            found[key] = found.get(key, ()) + tuple(str(c) for c in transition.cond)
    return found


_GUARDS: Final = _guards_by_state_and_event()
_TIME_GUARD_NAMES: Final = frozenset(TIME_GUARDS.values())
#: The time guards apply with these defaults when the caller passes no policy.
_DEFAULT_POLICY: Final = OrderPolicy()


def check_seat(
    order_id: OrderId,
    seats: tuple[TechnicianId | None, ...],
    seat: int,
    technician_id: TechnicianId,
) -> None:
    """The seat rules (INVARIANTS I7): ``seat`` exists and is open, and ``technician_id``
    sits in no other seat of the order.

    Raises:
        InvalidInput: no such seat.
        OrderAlreadyTaken: the seat is taken, or he has another seat.
    """
    if type(seat) is not int or not 0 <= seat < len(seats):
        raise InvalidInput(
            f"Order {order_id} has seats 0 to {len(seats) - 1}; got {seat!r}.",
            details={"order_id": order_id, "field": "seat"},
        )
    holder = seats[seat]
    if holder is not None:
        raise OrderAlreadyTaken(
            f"Order {order_id} is already taken by another technician.",
            details={"order_id": order_id, "seat": seat},
        )
    if technician_id in seats:
        raise OrderAlreadyTaken(
            f"{technician_id} already has seat {seats.index(technician_id)} of order "
            f"{order_id}; one technician takes one seat.",
            details={"order_id": order_id, "seat": seats.index(technician_id)},
        )


@attrs.frozen
class TransitionRecord:
    """One immutable line of an order's timeline."""

    sequence: int
    event: str
    from_state: str
    to_state: str
    actor: Actor
    at: DateTime
    reason: str = ""


def _price(order: Order) -> Money:
    return order.price


@attrs.define(eq=False)
class Order:
    """An at-home order of one service from one technician at one time.

    ``state`` is a plain string driven by :class:`OrderLifecycle`; ``version`` is the
    optimistic-concurrency counter storage compares on save.

    Money: ``upfront`` is what is due at checkout (the price, a deposit or nothing);
    ``paid`` is everything captured so far and ``refunded`` every refund asked for and not
    failed, so ``refunded <= paid`` always (I13); ``held`` is what is authorized on the
    customer's card and not yet captured or voided (a hold, with a manual-capture provider:
    it secures the order like a capture, and is captured when the technician arrives).
    ``quote`` is how the price was made (per line: base, each discount, payable, what the
    platform funds; the coupon): ``price`` is
    its ``payable``, and the books settle and refund the order by it. Orders stored before
    quotes were kept have none. ``contact`` is the address and phone copied from the
    customer's address book at placement (None: placed with a bare location or none).
    ``party`` ties the orders of a service served by several technicians at once, one
    order per technician (None: a service for one). ``holding_id`` names the bought
    package (套餐) one of whose visits paid the order (None: paid with money); such an
    order's money comes from and goes back to that visit (docs/packages.md).
    """

    id: OrderId
    customer_id: CustomerId
    technician_id: TechnicianId | None
    service_id: ServiceId
    booking_id: BookingId
    slot: TimeRange
    time_zone: str
    price: Money
    placed_at: DateTime
    state: str = OrderState.PENDING_PAYMENT.value
    paid: Money | None = None
    version: int = 0
    timeline: list[TransitionRecord] = attrs.field(factory=list)
    number: str = ""
    payment_mode: PaymentMode = PaymentMode.FULL
    upfront: Money = attrs.field(default=attrs.Factory(_price, takes_self=True))
    refunded: Money | None = None
    destination: GeoPoint | None = None
    late_minutes: int | None = None
    cancel_cause: str | None = None
    cancellation_fee: Money | None = None
    review_closed: bool = False
    quote: Quote | None = None
    contact: OrderContact | None = None
    dispatch: DispatchState | None = None
    held: Money | None = None
    party: Party | None = None
    holding_id: str | None = None
    _events: list[DomainEvent] = attrs.field(factory=list, init=False, repr=False)

    @classmethod
    def place(
        cls,
        *,
        order_id: OrderId,
        customer_id: CustomerId,
        technician_id: TechnicianId | None,
        service_id: ServiceId,
        booking_id: BookingId,
        slot: TimeRange,
        time_zone: str,
        price: Money,
        at: DateTime,
        number: str = "",
        payment_mode: PaymentMode = PaymentMode.FULL,
        upfront: Money | None = None,
        destination: GeoPoint | None = None,
        quote: Quote | None = None,
        contact: OrderContact | None = None,
        dispatch: DispatchState | None = None,
        party: Party | None = None,
        holding_id: str | None = None,
    ) -> Order:
        """A new order awaiting payment; raises the ``OrderPlaced`` event. Without a
        ``technician_id`` it waits for ``dispatch`` (which it then needs).

        Raises:
            InvalidInput: ``quote`` does not price the order at ``price``; no technician
                and no dispatch.
        """
        if (technician_id is None) != (dispatch is not None and dispatch.waiting):
            raise InvalidInput(
                f"Order {order_id} needs either a technician or a dispatch that finds one.",
                details={"order_id": order_id},
            )
        if quote is not None and quote.payable != price:
            raise InvalidInput(
                f"The quote prices order {order_id} at {quote.payable}, not {price}.",
                details={"order_id": order_id},
            )
        order = cls(
            id=order_id,
            customer_id=customer_id,
            technician_id=technician_id,
            service_id=service_id,
            booking_id=booking_id,
            slot=slot,
            time_zone=time_zone,
            price=price,
            placed_at=at,
            number=number,
            payment_mode=payment_mode,
            upfront=price if upfront is None else upfront,
            destination=destination,
            quote=quote,
            contact=contact,
            dispatch=dispatch,
            party=party,
            holding_id=holding_id,
        )
        order._events.append(
            OrderPlaced(
                occurred_at=at,
                order_id=order_id,
                customer_id=customer_id,
                technician_id=technician_id or "",
                price=price,
            )
        )
        return order

    # -- money ---------------------------------------------------------------------------

    @property
    def coupon_id(self) -> CouponId | None:
        """The coupon the order was priced with (None: none)."""
        return self.quote.coupon_id if self.quote is not None else None

    @property
    def paid_amount(self) -> Money:
        """Everything captured so far (zero when nothing)."""
        return self.paid if self.paid is not None else Money.zero(self.price.currency)

    @property
    def refunded_amount(self) -> Money:
        """Every refund asked for and not failed (zero when none)."""
        return self.refunded if self.refunded is not None else Money.zero(self.price.currency)

    @property
    def refundable(self) -> Money:
        """Captured and not yet refunded."""
        return self.paid_amount - self.refunded_amount

    @property
    def held_amount(self) -> Money:
        """Authorized on a hold and not yet captured or voided (zero when none)."""
        return self.held if self.held is not None else Money.zero(self.price.currency)

    @property
    def secured(self) -> Money:
        """What the customer has put up and not been given back: captured and not
        refunded, plus what a hold keeps."""
        return self.refundable + self.held_amount

    def due_now(self) -> Money:
        """What the customer owes at this point: the upfront part before the technician is
        there, the whole price from his arrival on, less what he paid and was not refunded
        (a price difference given back after a change counts as given back); never
        negative."""
        if self.state in (OrderState.ARRIVED, OrderState.IN_SERVICE):
            target = self.price
        elif self.state in NOT_STARTED_STATES or self.state == OrderState.DEPARTED:
            target = self.upfront
        else:
            return Money.zero(self.price.currency)
        return (target - self.secured).max(Money.zero(self.price.currency))

    def record_capture(self, amount: Money) -> None:
        """Add a captured amount (the payment service applies each capture once)."""
        self.paid = self.paid_amount + amount

    def record_hold(self, amount: Money) -> None:
        """Add an authorized amount (a hold the payment service applies once)."""
        self.held = self.held_amount + amount

    def end_hold(self, authorized: Money, captured: Money) -> None:
        """A hold of ``authorized`` ended: ``captured`` of it was taken (all, part, or
        zero when it was voided or lapsed), the rest went back to the customer."""
        self.held = self.held_amount - authorized
        self.record_capture(captured)

    def reserve_refund(self, amount: Money) -> None:
        """Count a refund being asked for against what was captured.

        Raises:
            RefundExceedsCaptured: if refunds would exceed captures (I13).
        """
        if amount > self.refundable:
            raise RefundExceedsCaptured(
                f"Cannot refund {amount} on order {self.id}: only {self.refundable} of what "
                "was captured remains.",
                details={"order_id": self.id, "refundable": self.refundable.amount},
            )
        self.refunded = self.refunded_amount + amount

    def release_refund(self, amount: Money) -> None:
        """Give back a reservation whose refund failed."""
        self.refunded = self.refunded_amount - amount

    # -- guards (read by the chart) ------------------------------------------------------

    def upfront_covered(self) -> bool:
        """Guard: what is due at checkout is captured, or held on the customer's card."""
        return self.paid_amount + self.held_amount >= self.upfront

    def has_technician(self) -> bool:
        """Guard: a technician is assigned."""
        return self.technician_id is not None

    def arrival_settled(self) -> bool:
        """Guard: a pay-on-arrival order is paid in full before the service starts."""
        return self.payment_mode is not PaymentMode.ON_ARRIVAL or self.fully_paid()

    def fully_paid(self) -> bool:
        """Guard: the whole price is captured and not refunded."""
        return self.refundable >= self.price

    def fully_refunded(self) -> bool:
        """Guard: everything captured has been refunded."""
        return self.refunded_amount >= self.paid_amount

    def lead_time_reached(self, at: DateTime, policy: OrderPolicy) -> bool:
        """Time guard: ``at`` is no earlier than the lead time before the start."""
        return self._on_time("depart", at, policy)

    def start_tolerance_reached(self, at: DateTime, policy: OrderPolicy) -> bool:
        """Time guard: ``at`` is no earlier than the tolerance before the start."""
        return self._on_time("start_service", at, policy)

    def minimum_service_time_reached(self, at: DateTime, policy: OrderPolicy) -> bool:
        """Time guard: the minimum share of the service has passed since it started."""
        return self._on_time("complete", at, policy)

    def not_before(self, event: str, policy: OrderPolicy) -> DateTime | None:
        """The earliest instant ``event`` is allowed by its time guard (None: it has none)."""
        started = self.entered_at(OrderState.IN_SERVICE)
        return not_before(event, slot=self.slot, started=started, policy=policy)

    def _on_time(self, event: str, at: DateTime, policy: OrderPolicy) -> bool:
        earliest = self.not_before(event, policy)
        return earliest is None or at >= earliest

    # -- state ---------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        """True while the order holds the technician's time."""
        return self.state in ACTIVE_STATES

    def entered_at(self, *states: str) -> DateTime | None:
        """When the order last entered one of ``states`` (None if never)."""
        for record in reversed(self.timeline):
            if record.to_state in states and record.from_state != record.to_state:
                return record.at
        return None

    def ensure_version(self, expected: int | None) -> None:
        """Refuse to act on an order that changed since the caller saw it (``None``: any).

        Raises:
            ConcurrentUpdate: if ``expected`` differs from the order's version.
        """
        if expected is not None and self.version != expected:
            raise ConcurrentUpdate(
                f"Order {self.id} changed since you saw it (version {expected}, now "
                f"{self.version}); reload it and decide again.",
                details={"order_id": self.id, "version": self.version},
            )

    def can_be_seen_by(self, actor: Actor) -> bool:
        """Whether ``actor`` may see this order at all (INVARIANTS I25)."""
        if actor.role in (Role.PLATFORM, Role.SYSTEM):
            return True
        if actor.role is Role.CUSTOMER:
            return actor.id == self.customer_id
        if actor.role is Role.TECHNICIAN:
            return self.technician_id is not None and actor.id == self.technician_id
        return False

    def transition(
        self,
        event: str,
        *,
        actor: Actor,
        at: DateTime,
        reason: str = "",
        policy: OrderPolicy | None = None,
    ) -> None:
        """Fire lifecycle ``event`` on behalf of ``actor`` at ``at``; a refusal changes nothing.

        Side effects that need no outside facts happen here too: a rejection unassigns the
        technician; an arrival records how late it was. The time guards read ``policy``
        (the defaults of :class:`OrderPolicy` if None).

        Raises:
            PermissionDenied: if the actor's role may not fire the event on this order.
            TooEarly: if only time guards failed (``details["not_before"]``: from when on).
            TransitionNotAllowed: if the event is unknown or not allowed in this state (the
                message names the failed guards, if that is the reason).
        """
        rejected_by = self.technician_id
        self._fire(event, actor=actor, at=at, reason=reason, policy=policy)
        if event == "reject":
            self.technician_id = None
            if self.dispatch is not None and rejected_by is not None:
                self.dispatch = self.dispatch.rejected_by(rejected_by)
        elif event == "arrive":
            self.late_minutes = max(0, int((at - self.slot.start).total_seconds() // 60))

    def reassign(
        self,
        technician_id: TechnicianId,
        booking_id: BookingId,
        *,
        actor: Actor,
        at: DateTime,
        reason: str = "",
    ) -> None:
        """Give the order to another technician (holding ``booking_id``); he must accept."""
        previous = self.technician_id
        self._fire("reassign", actor=actor, at=at, reason=reason)
        self.technician_id = technician_id
        self.booking_id = booking_id
        self._events.append(
            OrderModified(
                occurred_at=at,
                order_id=self.id,
                change="technician",
                before=previous or "",
                after=technician_id,
                actor_id=actor.id,
            )
        )

    @property
    def seats(self) -> tuple[TechnicianId | None, ...]:
        """Who sits in each technician seat (None: open). One seat per order today; the
        services with several seats (a couple's massage) add more."""
        return (self.technician_id,)

    def assign(
        self,
        technician_id: TechnicianId,
        booking_id: BookingId,
        *,
        how: DispatchMode,
        actor: Actor,
        at: DateTime,
        seat: int = 0,
        reason: str = "",
    ) -> None:
        """Seat ``technician_id`` (holding ``booking_id``) on an order waiting for dispatch.

        Raises:
            InvalidInput: no such seat, or the order is not waiting for dispatch.
            OrderAlreadyTaken: the seat is taken, or he sits in another seat already.
        """
        if self.dispatch is None:
            raise InvalidInput(
                f"Order {self.id} was placed with a technician; change him instead.",
                details={"order_id": self.id},
            )
        check_seat(self.id, self.seats, seat, technician_id)
        # Every dispatcher sees a waiting order (the board): the caller checked who he is.
        self._fire(
            "assign",
            actor=actor,
            at=at,
            reason=reason or f"{how.value}: {technician_id}",
            visible=True,
        )
        self.technician_id = technician_id
        self.booking_id = booking_id
        self.dispatch = self.dispatch.held_by(technician_id).assigned(how)
        self._events.append(
            OrderModified(
                occurred_at=at,
                order_id=self.id,
                change="technician",
                before="",
                after=technician_id,
                actor_id=actor.id,
            )
        )

    def modify(
        self,
        *,
        actor: Actor,
        at: DateTime,
        change: str,
        before: str,
        after: str,
        booking_id: BookingId,
        slot: TimeRange,
        service_id: ServiceId | None = None,
        price: Money | None = None,
        upfront: Money | None = None,
        quote: Quote | None = None,
    ) -> None:
        """Change the time or the service of an order that has not started (``quote``: how
        the new ``price`` was made)."""
        self._fire("modify", actor=actor, at=at, reason=f"{change}: {before} → {after}")
        self.booking_id = booking_id
        self.slot = slot
        if service_id is not None:
            self.service_id = service_id
        if price is not None:
            self.price = price
        if upfront is not None:
            self.upfront = upfront
        if quote is not None:
            self.quote = quote
        self._events.append(
            OrderModified(
                occurred_at=at,
                order_id=self.id,
                change=change,
                before=before,
                after=after,
                actor_id=actor.id,
            )
        )

    def cancel(
        self,
        *,
        event: str,
        cause: str,
        fee: Money,
        actor: Actor,
        at: DateTime,
        reason: str = "",
    ) -> None:
        """Cancel (``cancel`` or ``no_show``) recording the cause and the fee kept."""
        if event not in ("cancel", "no_show"):
            raise TransitionNotAllowed(f"{event!r} does not cancel an order.")
        self._fire(event, actor=actor, at=at, reason=reason)
        self.cancel_cause = cause
        self.cancellation_fee = fee
        if self.dispatch is not None:  # a standing offer ends with the order
            self.dispatch = self.dispatch.offer_ended(OfferEnd.WITHDRAWN)

    def _fire(
        self,
        event: str,
        *,
        actor: Actor,
        at: DateTime,
        reason: str,
        policy: OrderPolicy | None = None,
        visible: bool | None = None,
    ) -> None:
        check_event(
            EVENT_ROLES,
            event,
            actor,
            kind="order",
            subject_id=self.id,
            visible=self.can_be_seen_by(actor) if visible is None else visible,
        )
        before = self.state
        rules = policy if policy is not None else _DEFAULT_POLICY
        machine = OrderLifecycle(model=self)
        try:
            machine.send(event, at=at, policy=rules)  # read by the time guards
        except _MachineRefused as exc:
            self.state = before
            raise self._refusal(event, before, at, rules) from exc
        self.timeline.append(
            TransitionRecord(
                sequence=len(self.timeline) + 1,
                event=event,
                from_state=before,
                to_state=self.state,
                actor=actor,
                at=at,
                reason=reason,
            )
        )
        self._events.append(
            OrderStateChanged(
                occurred_at=at,
                order_id=self.id,
                event=event,
                from_state=before,
                to_state=self.state,
                actor_id=actor.id,
                actor_role=actor.role.value,
                reason=reason,
            )
        )

    def _refusal(
        self, event: str, state: str, at: DateTime, policy: OrderPolicy
    ) -> TransitionNotAllowed:
        guards = _GUARDS.get((state, event))
        action, where = event.replace("_", " "), state.replace("_", " ")
        details: dict[str, object] = {"event": event, "state": state, "order_id": self.id}
        if guards is None:
            return TransitionNotAllowed(
                f"Cannot {action} order {self.id} while it is {where}.", details=details
            )
        failed = [g for g in guards if not g.startswith("!") and not self._holds(g, at, policy)]
        reasons = [
            explain(g, policy, self.slot) if g in _TIME_GUARD_NAMES else GUARD_EXPLANATIONS[g]
            for g in failed
        ]
        why = "; ".join(reasons) or "its conditions are not met"
        details["guards"] = failed
        earliest = self.not_before(event, policy)
        if earliest is None or not _TIME_GUARD_NAMES.intersection(failed):
            return TransitionNotAllowed(
                f"Cannot {action} order {self.id} now: {why}.", details=details
            )
        details["not_before"] = earliest.isoformat()
        shown = "YYYY-MM-DD HH:mm:ss" if earliest.second else "YYYY-MM-DD HH:mm"
        local = earliest.in_timezone(self.time_zone).format(shown)
        when = f"possible from {local} ({self.time_zone}) on"
        if set(failed) <= _TIME_GUARD_NAMES:  # only the clock stands in the way: wait
            return TooEarly(f"Cannot {action} order {self.id} now: {why}; {when}.", details=details)
        return TransitionNotAllowed(
            f"Cannot {action} order {self.id} now: {why}; time-wise {when}.", details=details
        )

    def _holds(self, guard: str, at: DateTime, policy: OrderPolicy) -> bool:
        if guard in _TIME_GUARD_NAMES:
            return bool(getattr(self, guard)(at, policy))
        return bool(getattr(self, guard)())

    def raise_event(self, event: DomainEvent) -> None:
        """Add a domain event raised about this order by a service (lateness, refunds)."""
        self._events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        """The events raised since the last pull (the service writes them to the outbox)."""
        events, self._events = self._events, []
        return events
