"""Strategies for orders in any reachable state, built by walking the lifecycle.

Each order is placed with :meth:`Order.place` (priced by a quote of its one-line cart) and
then moved through the chart the way the services move it, on a clock that only runs
forward and respects the :class:`~booking_core.orders.policy.OrderPolicy` in force: paid
within the unpaid timeout, setting off no earlier than the lead time before the slot,
starting no earlier than the tolerance before it, completing no earlier than the minimum
share of the service after it started, a no-show recorded only after the wait. Money
follows the services' rules too: what is due at checkout is captured before ``pay``, a
pay-on-arrival order is paid in full before the service starts, a deposit's balance before
completion; a cancellation keeps the fee the policy's schedule sets and refunds the rest at
once (so an order resting in ``cancelled`` has nothing left to refund); a refund is
reserved before the order moves to ``refunding``.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from decimal import Decimal

import pendulum
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pendulum import DateTime

from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Order, OrderState, Role
from booking_core.orders.cancellation import (
    CancellationCause,
    CancellationPolicy,
    FeeSchedule,
    FeeTier,
)
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.pricing import Cart, CartLine, CustomerProfile, PricingRules, quote
from booking_core.scheduling.geo import GeoPoint
from booking_core.testing.strategies._shared import DEFAULT_CUSTOMER_ID
from booking_core.testing.strategies.values import aware_datetimes, zones
from booking_core.timerange import TimeRange

__all__ = ["fee_schedules", "order_policies", "orders"]

_S = OrderState
#: The visit, in order: each state and the event that leaves it towards completion.
_FORWARD: tuple[tuple[OrderState, str], ...] = (
    (_S.PENDING_PAYMENT, "pay"),
    (_S.PENDING_ACCEPTANCE, "accept"),
    (_S.ACCEPTED, "depart"),
    (_S.DEPARTED, "arrive"),
    (_S.ARRIVED, "start_service"),
    (_S.IN_SERVICE, "complete"),
)
_CANCELLABLE = (_S.PENDING_PAYMENT, _S.PENDING_ACCEPTANCE, _S.ACCEPTED, _S.DEPARTED, _S.ARRIVED)
_REFUND_STATES = (_S.REFUNDING, _S.PARTIALLY_REFUNDED, _S.REFUNDED)
_SYSTEM = Actor.system()
_PLATFORM = Actor("ops_1", Role.PLATFORM)
_DEFAULT_TECHNICIAN_ID = TechnicianId("tec_1")
_DEFAULT_SERVICE_ID = ServiceId("tuina")
_DEFAULT_CATEGORY_ID = CategoryId("massage")
_HOME = GeoPoint(31.2304, 121.4737)  # People's Square, Shanghai
_DURATIONS = st.sampled_from((30, 60, 90, 120)) | st.integers(min_value=15, max_value=240)


@st.composite
def fee_schedules(draw: st.DrawFn, *, max_tiers: int = 6) -> FeeSchedule:
    """Valid cancellation fee schedules: up to ``max_tiers`` tiers, from the longest notice
    (up to a week) down to none, rates to the thousandth that never fall as the start
    approaches."""
    notices = [
        *sorted(draw(st.sets(st.integers(1, 10_000), max_size=max_tiers - 1)), reverse=True),
        0,
    ]
    rates = sorted(
        draw(
            st.lists(
                st.decimals(0, 1, places=3, allow_nan=False),
                min_size=len(notices),
                max_size=len(notices),
            )
        )
    )
    return FeeSchedule(tuple(FeeTier(n, Decimal(r)) for n, r in zip(notices, rates, strict=True)))


def order_policies() -> st.SearchStrategy[OrderPolicy]:
    """Valid order policies: fee schedules, deposit rate, time limits and time guards all
    drawn (a lead time of none to a day, a start tolerance of none to two hours, a minimum
    service share from none to all of it); anti-hoarding limits of 1 to 10, or none."""
    limits = st.none() | st.integers(1, 10)
    return st.builds(
        OrderPolicy,
        cancellation=st.builds(CancellationPolicy, fee_schedules(), fee_schedules()),
        deposit_rate=st.integers(1, 99).map(lambda n: Decimal(n) / 100),
        unpaid_timeout_minutes=st.integers(0, 60),
        max_unpaid_orders_per_customer=limits,
        max_unpaid_orders_per_customer_technician=limits,
        lateness_grace_minutes=st.integers(0, 60),
        no_show_wait_minutes=st.integers(0, 60),
        depart_lead_minutes=st.integers(0, 24 * 60),
        start_tolerance_minutes=st.integers(0, 120),
        min_service_share=st.integers(0, 100).map(lambda n: Decimal(n) / 100),
    )


def _minutes(low: int, high: int) -> st.SearchStrategy[pendulum.Duration]:
    return st.integers(min_value=low, max_value=max(low, high)).map(
        lambda n: pendulum.duration(minutes=n)
    )


class _Walk:
    """One order and the clock it is walked on."""

    def __init__(self, draw: st.DrawFn, order: Order, policy: OrderPolicy) -> None:
        self.draw = draw
        self.order = order
        self.policy = policy
        self.now: DateTime = order.placed_at
        self.tech = Actor(order.technician_id or "", Role.TECHNICIAN)
        self.customer = Actor(order.customer_id, Role.CUSTOMER)

    def wait(self, low: int, high: int) -> DateTime:
        self.now = self.now + self.draw(_minutes(low, high))
        return self.now

    def wait_until(self, instant: DateTime | None, slack: int) -> DateTime:
        if instant is not None and instant > self.now:
            self.now = instant
        return self.wait(0, slack)

    def capture_due(self) -> None:
        due = self.order.due_now()
        if due.amount > 0:
            self.order.record_capture(due)

    def forward(self, event: str) -> None:
        """Fire the next event of the visit the way the services would."""
        order, policy = self.order, self.policy
        if event == "pay":
            self.capture_due()
            order.transition("pay", actor=_SYSTEM, at=self.wait(0, policy.unpaid_timeout_minutes))
        elif event == "accept":
            order.transition("accept", actor=self.tech, at=self.wait(0, 30))
        elif event == "arrive":
            order.transition("arrive", actor=self.tech, at=self.wait(1, 90))
        else:  # depart, start_service, complete: each waits for its time guard
            if event in ("start_service", "complete"):
                self.capture_due()
            at = self.wait_until(order.not_before(event, policy), 30)
            order.transition(event, actor=self.tech, at=at, policy=policy)

    def cancel(self, cause: CancellationCause) -> Money:
        """Cancel now for ``cause`` keeping the policy's fee; the refund it leads to."""
        order = self.order
        event = "no_show" if cause is CancellationCause.NO_SHOW else "cancel"
        if event == "no_show":
            # The fee of a no-show does not depend on the time: it counts as at the start.
            arrived = order.entered_at(_S.ARRIVED) or order.slot.start
            ready = max(order.slot.start, arrived).add(minutes=self.policy.no_show_wait_minutes)
            self.wait_until(ready, 30)
        terms = self._quote(cause)
        actor = {
            CancellationCause.CUSTOMER: self.customer,
            CancellationCause.UNPAID: _SYSTEM,
            CancellationCause.PLATFORM: _PLATFORM,
        }.get(cause, self.tech)
        order.cancel(event=event, cause=cause.value, fee=terms[0], actor=actor, at=self.now)
        if terms[1].amount > 0:
            self.refund(terms[1], waited=False)
        return terms[1]

    def refund_of(self, cause: CancellationCause) -> Money:
        """What cancelling now for ``cause`` would refund."""
        return self._quote(cause)[1]

    def _quote(self, cause: CancellationCause) -> tuple[Money, Money]:
        order = self.order
        terms = self.policy.cancellation.quote(
            cause=cause,
            paid=order.refundable,
            by_deposit=order.payment_mode is PaymentMode.DEPOSIT,
            start=order.slot.start,
            at=self.now,
        )
        return terms.fee, terms.refund

    def refund(self, amount: Money, *, waited: bool = True) -> None:
        at = self.wait(0, 7 * 24 * 60) if waited else self.now
        self.order.reserve_refund(amount)
        self.order.transition("refund", actor=_SYSTEM, at=at, reason="refund")

    def settle(self) -> None:
        self.order.transition("settle_refund", actor=_SYSTEM, at=self.wait(0, 24 * 60))


def _causes(state: str) -> list[CancellationCause]:
    causes = [CancellationCause.CUSTOMER, CancellationCause.TECHNICIAN, CancellationCause.PLATFORM]
    if state == _S.PENDING_PAYMENT:
        causes.append(CancellationCause.UNPAID)
    if state == _S.ARRIVED:
        causes.append(CancellationCause.NO_SHOW)
    return causes


@st.composite
def orders(
    draw: st.DrawFn,
    *,
    states: Collection[OrderState | str] | None = None,
    policy: OrderPolicy | None = None,
    payment_modes: Sequence[PaymentMode] = tuple(PaymentMode),
    currency: str = "CNY",
    time_zone: str | None = None,
    customer_id: CustomerId = DEFAULT_CUSTOMER_ID,
    technician_id: TechnicianId = _DEFAULT_TECHNICIAN_ID,
    service_id: ServiceId = _DEFAULT_SERVICE_ID,
    category_id: CategoryId = _DEFAULT_CATEGORY_ID,
) -> Order:
    """Orders resting in one of ``states`` (every state when None), each reached by a walk
    through the lifecycle that ``policy`` (the defaults when None) allows.

    The order is as storage would hand it back before its first save: ``version`` 0 and no
    events pending. Each is one order on its own: put several for one customer into a store
    and the anti-hoarding limits of the policy (checked when an order is *placed*) are not
    consulted.

    Args:
        states: The states to reach (``OrderState`` members or their values).
        policy: The rules the walk respects (time guards, unpaid timeout, deposit rate,
            cancellation fees, no-show wait).
        payment_modes: How the orders may be paid.
        currency: The price's currency (1.00 to 1,000.00).
        time_zone: The order's zone (a random one when None).
        customer_id: Who ordered.
        technician_id: Who serves it.
        service_id: What is ordered (a 15-minute to 4-hour slot).
        category_id: The service's category (for the quote).

    Raises:
        InvalidArgument: a state is unknown, or ``states`` or ``payment_modes`` is empty.
    """
    wanted = _states(states)
    if not payment_modes:
        raise InvalidArgument("payment_modes must name at least one PaymentMode.")
    rules = policy if policy is not None else OrderPolicy()
    target = draw(st.sampled_from(wanted))
    setup = _Setup(
        draw,
        rules,
        payment_modes,
        currency,
        time_zone,
        customer_id,
        technician_id,
        service_id,
        category_id,
    )
    if target in _REFUND_STATES:
        order = _walk_to_a_refund(draw, setup, target)
    elif target == _S.CANCELLED:
        order = _walk_to_cancelled(draw, setup)
    else:
        walk = setup.place()
        _forward_to(walk, target)
        order = walk.order
    assert order.state == target, (order.state, target)
    order.pull_events()
    return order


def _states(states: Collection[OrderState | str] | None) -> list[OrderState]:
    if states is None:
        return list(OrderState)
    if isinstance(states, str) or not states:
        raise InvalidArgument(f"states is a non-empty collection of OrderState; got {states!r}.")
    known = {s.value: s for s in OrderState}
    unknown = sorted(str(s) for s in states if str(s) not in known)
    if unknown:
        raise InvalidArgument(
            f"Unknown order states {unknown}; use some of {sorted(known)}.",
        )
    return sorted({known[str(s)] for s in states}, key=list(OrderState).index)


class _Setup:
    """The facts of one drawn order, placed afresh as often as a walk needs."""

    def __init__(
        self,
        draw: st.DrawFn,
        policy: OrderPolicy,
        modes: Sequence[PaymentMode],
        currency: str,
        time_zone: str | None,
        customer_id: CustomerId,
        technician_id: TechnicianId,
        service_id: ServiceId,
        category_id: CategoryId,
    ) -> None:
        self.draw = draw
        self.policy = policy
        zone = time_zone or draw(zones())
        placed_at = draw(aware_datetimes(zone=zone))
        start = placed_at + draw(_minutes(60, 14 * 24 * 60))
        slot = TimeRange(start, start.add(minutes=draw(_DURATIONS)))
        price = Money(draw(st.integers(min_value=100, max_value=100_000)), currency)
        who = CustomerProfile(customer_id)
        cart = Cart.of(CartLine(service_id, category_id, price))
        number = draw(st.integers(min_value=1, max_value=9999))
        mode = draw(st.sampled_from(modes))
        self.place_order = functools.partial(
            Order.place,
            order_id=OrderId(f"ord_{number:04d}"),
            customer_id=customer_id,
            technician_id=technician_id,
            service_id=service_id,
            booking_id=BookingId(f"bkg_{number:04d}"),
            slot=slot,
            time_zone=zone,
            price=price,
            at=placed_at,
            payment_mode=mode,
            upfront=policy.upfront(mode, price),
            destination=draw(st.none() | st.just(_HOME)),
            quote=quote(cart, who, PricingRules(currency), at=placed_at),
        )

    def place(self) -> _Walk:
        return _Walk(self.draw, self.place_order(), self.policy)


def _forward_to(walk: _Walk, state: str) -> None:
    for from_state, event in _FORWARD:
        if walk.order.state == state:
            return
        assert walk.order.state == from_state
        walk.forward(event)


def _walk_to_cancelled(draw: st.DrawFn, setup: _Setup) -> Order:
    # Resting in ``cancelled`` means nothing was left to refund: nothing paid yet, or a fee
    # that kept it all. Where no cause does that, cancel before payment instead.
    walk = setup.place()
    _forward_to(walk, draw(st.sampled_from(_CANCELLABLE)))
    walk.wait(0, 60)
    fitting = [c for c in _causes(walk.order.state) if walk.refund_of(c).amount == 0]
    if not fitting:
        walk = setup.place()
        fitting = _causes(walk.order.state)
    walk.cancel(draw(st.sampled_from(fitting)))
    return walk.order


def _walk_to_a_refund(draw: st.DrawFn, setup: _Setup, target: OrderState) -> Order:
    walk = setup.place()
    if draw(st.booleans()):  # a cancellation that refunds, if one fits
        _forward_to(walk, draw(st.sampled_from(_CANCELLABLE[1:])))
        walk.wait(0, 60)
        fitting = [c for c in _causes(walk.order.state) if _fits(walk, c, target)]
        if fitting:
            walk.cancel(draw(st.sampled_from(fitting)))
            if target != _S.REFUNDING:
                walk.settle()
            return walk.order
        walk = setup.place()
    # After completion (a complaint upheld): part of the money, then maybe more.
    _forward_to(walk, _S.COMPLETED)
    paid = walk.order.refundable.amount
    if target != _S.PARTIALLY_REFUNDED and draw(st.booleans()):
        walk.refund(Money(draw(st.integers(1, paid - 1)), walk.order.price.currency))
        walk.settle()
    left = walk.order.refundable.amount
    if target == _S.REFUNDED:
        amount = left
    elif target == _S.PARTIALLY_REFUNDED:
        amount = draw(st.integers(1, left - 1))
    else:
        amount = draw(st.integers(1, left))
    walk.refund(Money(amount, walk.order.price.currency))
    if target != _S.REFUNDING:
        walk.settle()
    return walk.order


def _fits(walk: _Walk, cause: CancellationCause, target: OrderState) -> bool:
    refund = walk.refund_of(cause).amount
    paid = walk.order.refundable.amount
    if target == _S.REFUNDED:
        return 0 < refund == paid
    if target == _S.PARTIALLY_REFUNDED:
        return 0 < refund < paid
    return refund > 0
