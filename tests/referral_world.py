"""A small world for the referral tests: a catalog, a technician, and paid orders with
quotes (shared by the unit, property and race tests)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pendulum

from booking_core.catalog import Category, Service
from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Order
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.pricing import Quote, QuoteLine
from booking_core.referrals import Binding, BindingMoment, DistributorStatus, Member
from booking_core.scheduling import Technician, WeeklyHours
from booking_core.timerange import TimeRange

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="Asia/Shanghai")
TUINA, FACIAL = ServiceId("tuina"), ServiceId("facial")
MASSAGE, BEAUTY = CategoryId("massage"), CategoryId("beauty")
LI = TechnicianId("tec_li")


def seed(uow_factory: UnitOfWorkFactory) -> None:
    """Two categories, a service in each, and the technician Li."""
    with uow_factory() as uow:
        uow.categories.add(Category(MASSAGE, "Massage"))
        uow.categories.add(Category(BEAUTY, "Beauty"))
        uow.services.add(Service(TUINA, MASSAGE, "Tuina 60", 60, Money(199_00, "CNY")))
        uow.services.add(Service(FACIAL, BEAUTY, "Facial", 60, Money(299_00, "CNY")))
        uow.technicians.add(
            Technician(LI, "Li", "Asia/Shanghai", WeeklyHours.every_day("09:00", "18:00"),
                       frozenset({TUINA, FACIAL}))
        )  # fmt: skip
        uow.commit()


def order(
    n: int,
    customer: str,
    lines: Sequence[tuple[ServiceId, int]] = ((TUINA, 199_00),),
    *,
    technician: TechnicianId | None = LI,
    platform_funded: int = 0,
) -> Order:
    """A placed order of ``customer`` whose quote has ``lines`` (service, payable fen)."""
    zero = Money.zero("CNY")
    quoted = tuple(
        QuoteLine(i, service, 1, Money(fen + (platform_funded if i == 0 else 0), "CNY"), zero,
                  zero, zero, Money(platform_funded if i == 0 else 0, "CNY"), zero,
                  Money(fen, "CNY"), Money(platform_funded if i == 0 else 0, "CNY"))
        for i, (service, fen) in enumerate(lines)
    )  # fmt: skip
    quote = Quote("CNY", T0, quoted, zero)
    start = T0.add(days=1)
    placed = Order.place(
        order_id=OrderId(f"ord_{n}"),
        customer_id=CustomerId(customer),
        technician_id=technician,
        service_id=lines[0][0],
        booking_id=BookingId(f"bkg_{n}"),
        slot=TimeRange(start, start.add(hours=1)),
        time_zone="Asia/Shanghai",
        price=quote.payable,
        at=T0,
        quote=quote,
    )
    placed.pull_events()
    return placed


def chain(uow_factory: UnitOfWorkFactory, *members: Member, active: bool = True) -> None:
    """Bind each member to the next (the first is the buyer, the last the root) and make
    every referrer an active distributor (or leave them none)."""
    with uow_factory() as uow:
        for referee, referrer in itertools.pairwise(members):
            uow.referrals.add_binding(Binding.first(referee, referrer, T0, BindingMoment.ORDER))
            record = uow.referrals.distributor(referrer)
            if active and not record.earns:
                record.status = DistributorStatus.ACTIVE
                uow.referrals.save_distributor(record)
        uow.commit()
