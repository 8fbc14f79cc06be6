"""A ready world for testing orders: a catalog, two technicians, the fake gateway, a clock.

Every service runs over the in-memory storage (or any unit-of-work factory you pass), with
a frozen clock on Monday 2 March 2026, 08:00 Shanghai, and sequential ids::

    world = order_world()
    order_id = world.paid_order()
    world.fire_on_schedule(order_id, "accept", "depart")  # the clock moves to 09:00 Tuesday

``fire`` fires at the clock's time, ``fire_on_schedule`` first moves the clock to when a
punctual technician would act, as the order's time guards require.
"""

from __future__ import annotations

__all__ = [
    "CUSTOMER",
    "HOME",
    "LIST_PRICE",
    "LOCAL_ZONE",
    "OPERATOR",
    "OrderWorld",
    "at",
    "order_world",
]

from collections.abc import Callable, Mapping, Sequence

import attrs
import pendulum
from pendulum import DateTime

from booking_core import Money
from booking_core.bootstrap import BookingApp, build
from booking_core.dispatch.plan import DispatchPolicy
from booking_core.ids import CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.ledger import RateTable
from booking_core.notifications import Channel
from booking_core.orders import Actor, Order, Role
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.payouts import WithdrawalRules
from booking_core.ports.notifier import AddressBook
from booking_core.ports.payments import PaymentChannel
from booking_core.ports.payouts import PayoutGateway
from booking_core.ports.pricing import PricingRulesSource
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.promotions import CouponId
from booking_core.reviews import ReviewPolicy
from booking_core.routing import PaymentRouting
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.ordering import PlaceOrder
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.clock import FrozenClock
from booking_core.testing.ids import SequentialIds
from booking_core.testing.memory import InMemoryStore
from booking_core.testing.payments import ScriptedPaymentGateway

LOCAL_ZONE = "Asia/Shanghai"
CUSTOMER = Actor("cus_1", Role.CUSTOMER)
OPERATOR = Actor("ops_1", Role.PLATFORM)
HOME = GeoPoint(31.2304, 121.4737)  # People's Square, Shanghai
LIST_PRICE = Money(19900, "CNY")


def at(day: int, hour: int, minute: int = 0) -> DateTime:
    """An instant in March 2026, Shanghai time (day 2 is a Monday)."""
    return pendulum.datetime(2026, 3, day, hour, minute, tz=LOCAL_ZONE)


#: When a punctual technician fires each timed event, from the order's slot.
_SCHEDULE: dict[str, Callable[[Order], DateTime]] = {
    "depart": lambda o: o.slot.start.subtract(hours=1),
    "arrive": lambda o: o.slot.start.subtract(minutes=10),
    "start_service": lambda o: o.slot.start,
    "complete": lambda o: o.slot.end,
}


@attrs.define
class OrderWorld:
    """The wired app and the handles tests steer it with."""

    app: BookingApp
    uow: UnitOfWorkFactory
    clock: FrozenClock
    gateway: ScriptedPaymentGateway
    li: TechnicianId
    wang: TechnicianId
    tuina: ServiceId  # 60 min, 199.00
    spa: ServiceId  # 90 min, 299.00
    foot: ServiceId  # 60 min, 99.00

    @property
    def tech(self) -> Actor:
        """Li, acting."""
        return Actor(self.li, Role.TECHNICIAN)

    def place(
        self,
        start: DateTime | None = None,
        *,
        mode: PaymentMode = PaymentMode.FULL,
        customer: str = "cus_1",
        service: ServiceId | None = None,
        coupon: CouponId | None = None,
    ) -> OrderId:
        """Place an order with Li (Tuesday 10:00 by default), with ``coupon`` if given."""
        order = self.app.ordering.place_order(
            PlaceOrder(
                CustomerId(customer),
                self.li,
                service or self.tuina,
                start or at(3, 10),
                location=HOME,
                payment_mode=mode,
                coupon_id=coupon,
            ),
            Actor.customer(customer),
        )
        return order.id

    def couples_service(self) -> ServiceId:
        """A 90-minute couple's massage (双人按摩) for two technicians at once, 199.00 per
        technician (Wang asks 219.00 for his seat), with 15 minutes of preparation before
        and 10 of clean-up after (its blocked range is longer than its slot); Li and Wang
        offer it."""
        service = self.app.catalog.create_service(
            CreateService(
                self.app.catalog.get_service(self.tuina).category_id,
                "Couple's massage 双人按摩",
                90,
                Money(19900, "CNY"),
                buffer_before_minutes=15,
                buffer_after_minutes=10,
                technicians_needed=2,
            ),
            OPERATOR,
        )
        with self.uow() as uow:  # registration is the only command that sets services
            for technician_id in (self.li, self.wang):
                technician = uow.technicians.get(technician_id)
                offered = technician.service_ids | {service.id}
                uow.technicians.save(attrs.evolve(technician, service_ids=offered))
            uow.commit()
        wang = self.app.technicians.get(self.wang)
        prices = {**wang.profile.prices, service.id: Money(21900, "CNY")}
        self.app.technicians.update_profile(
            self.wang, attrs.evolve(wang.profile, prices=prices), OPERATOR
        )
        return service.id

    def paid_order(
        self,
        start: DateTime | None = None,
        *,
        mode: PaymentMode = PaymentMode.FULL,
        customer: str = "cus_1",
        service: ServiceId | None = None,
        coupon: CouponId | None = None,
    ) -> OrderId:
        """A placed order with what is due at checkout paid."""
        order_id = self.place(start, mode=mode, customer=customer, service=service, coupon=coupon)
        self.app.payments.pay(order_id, Actor(customer, Role.CUSTOMER))
        return order_id

    def fire(self, order_id: OrderId, *events: str, actor: Actor | None = None) -> Order:
        """Fire lifecycle events in turn (as Li by default)."""
        order = self.get(order_id)
        for event in events:
            order = self.app.ordering.transition(order_id, event, actor or self.tech)
        return order

    def fire_on_schedule(
        self, order_id: OrderId, *events: str, actor: Actor | None = None
    ) -> Order:
        """Fire lifecycle events in turn, each when a punctual technician would, moving the
        clock forward to it first (never back): set off an hour before the start, arrive ten
        minutes before it, start the service at the start, complete it at the end. Other
        events fire at the clock's time. The order's time guards allow each of these."""
        order = self.get(order_id)
        for event in events:
            when = _SCHEDULE.get(event)
            if when is not None:
                self.clock.set(max(self.clock.now(), when(order)))
            order = self.app.ordering.transition(order_id, event, actor or self.tech)
        return order

    def get(self, order_id: OrderId) -> Order:
        """The stored order."""
        with self.uow() as uow:
            return uow.orders.get(order_id)

    def outbox(self) -> list[str]:
        """Names of the events waiting in the outbox."""
        with self.uow() as uow:
            return [m.name for m in uow.outbox.pending(10_000)]

    def run_jobs(self) -> list[str]:
        """Run every due job once; ``kind:outcome`` of each."""
        runs = self.app.worker("w1").run_due(limit=100)
        with self.uow() as uow:
            return [f"{uow.jobs.get(r.job_id).kind}:{r.outcome}" for r in runs]

    def movements(self, order_id: OrderId) -> list[tuple[str, int]]:
        """``(kind, minor units)`` of every money movement applied to the order."""
        with self.uow() as uow:
            return [(m.kind.value, m.amount.amount) for m in uow.movements.for_order(order_id)]

    def journal(self, order_id: OrderId) -> list[tuple[str, dict[str, int]]]:
        """The order's journal entries: ``(transaction id, {account: minor units})``, debits
        positive, in recording order."""
        with self.uow() as uow:
            return [
                (t.id, {str(p.account): p.amount.amount for p in t.postings})
                for t in uow.ledger.for_order(order_id)
            ]

    def balances(self, currency: str = "CNY") -> dict[str, int]:
        """Every non-zero balance of the books in ``currency`` (debit positive)."""
        with self.uow() as uow:
            return {
                str(account): net.amount
                for (account, _), net in uow.ledger.balances(currency).items()
            }


def order_world(
    policy: OrderPolicy | None = None,
    *,
    store: InMemoryStore | None = None,
    uow: UnitOfWorkFactory | None = None,
    gateway: ScriptedPaymentGateway | None = None,
    pricing_rules: PricingRulesSource | None = None,
    rates: RateTable | None = None,
    booking_policy: BookingPolicy | None = None,
    channels: Sequence[Channel] = (),
    address_book: AddressBook | None = None,
    dispatch_policy: DispatchPolicy | None = None,
    withdrawal_rules: WithdrawalRules | None = None,
    payouts: PayoutGateway | None = None,
    routes: Mapping[PaymentChannel, ScriptedPaymentGateway] | None = None,
    review_policy: ReviewPolicy | None = None,
) -> OrderWorld:
    """A fresh world on Monday 2 March 2026, 08:00 Shanghai (pricing without discounts and
    the default rates unless ``pricing_rules`` and ``rates`` say otherwise; bookings an hour
    ahead and up to 14 days out unless ``booking_policy`` says otherwise; notifications kept
    in inboxes only, unless ``channels`` (reached at ``address_book``) are given; withdrawals
    under ``withdrawal_rules`` paid out through ``payouts``, as ``build`` takes them;
    payments through ``gateway``, or the gateway of their channel in ``routes``; reviews
    under ``review_policy``)."""
    factory = uow if uow is not None else (store or InMemoryStore()).unit_of_work
    clock = FrozenClock(at(2, 8))
    gateway = gateway or ScriptedPaymentGateway(clock=clock)
    app = build(
        uow=factory,
        payments=PaymentRouting(gateway, routes or {}),
        clock=clock,
        ids=SequentialIds(),
        policy=booking_policy or BookingPolicy(notice_minutes=60, window_days=14),
        order_policy=policy or OrderPolicy(),
        pricing_rules=pricing_rules,
        rates=rates,
        channels=channels,
        address_book=address_book,
        dispatch_policy=dispatch_policy,
        withdrawal_rules=withdrawal_rules,
        payouts=payouts,
        review_policy=review_policy,
    )
    category = app.catalog.create_category(CreateCategory("按摩 Massage"), OPERATOR)
    tuina = app.catalog.create_service(
        CreateService(category.id, "Chinese tuina", 60, LIST_PRICE), OPERATOR
    )
    spa = app.catalog.create_service(
        CreateService(category.id, "Full-body SPA", 90, Money(29900, "CNY")),
        OPERATOR,
    )
    foot = app.catalog.create_service(
        CreateService(category.id, "Foot", 60, Money(9900, "CNY")), OPERATOR
    )
    offered = frozenset({tuina.id, spa.id, foot.id})
    hours = WeeklyHours.every_day("09:00", "21:00")
    li = app.technicians.register(RegisterTechnician("Li", LOCAL_ZONE, hours, offered), OPERATOR)
    wang = app.technicians.register(
        RegisterTechnician("Wang", LOCAL_ZONE, hours, offered), OPERATOR
    )
    return OrderWorld(app, factory, clock, gateway, li.id, wang.id, tuina.id, spa.id, foot.id)
