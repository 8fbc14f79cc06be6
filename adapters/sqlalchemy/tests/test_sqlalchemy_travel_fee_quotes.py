"""Travel-fee discounts, line ids and stacked 满减 are stored whole, without a migration: a
coupon's terms (a free-travel benefit, ``covers_travel_fee``) live in the template's and the
coupon's converter documents, and an order's quote (its travel fee line, the caller's line
ids, every 满减 offer that applied) in ``orders.quote``. A quote stored before these fields
existed reads back with their defaults."""

from __future__ import annotations

import json

import attrs
import pendulum
import pytest
from sqlalchemy import text

from booking_core.ids import BookingId, CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Order
from booking_core.pricing import (
    Cart,
    CartLine,
    CustomerProfile,
    PricingRules,
    Quote,
    ThresholdStacking,
    TravelFeeWaiver,
    quote,
)
from booking_core.promotions import (
    CouponBenefit,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    Scope,
    ThresholdOffer,
    Validity,
)
from booking_core.timerange import TimeRange
from booking_core_sqlalchemy import SqlAlchemyStorage
from booking_core_sqlalchemy.mapping import _converter  # the converter orders.quote uses

AT = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


TERMS = [
    CouponTerms(CouponBenefit.free_travel()),
    CouponTerms(CouponBenefit.free_travel(cny(800), min_spend=cny(10000), min_units=2)),
    CouponTerms(CouponBenefit.amount_off(cny(3000)), covers_travel_fee=True),
]


@pytest.mark.parametrize("terms", TERMS, ids=["free", "free-up-to", "covers-fee"])
def test_a_template_and_its_coupon_keep_the_travel_fee_terms(
    storage: SqlAlchemyStorage, terms: CouponTerms
) -> None:
    template = CouponTemplate(
        CouponTemplateId("tpl_fee"), "免车费", terms, Validity.days_after_issue(7)
    )
    with storage.unit_of_work() as uow:
        uow.coupon_templates.add(template)
        uow.commit()
    with storage.unit_of_work() as uow:
        issued = uow.coupon_templates.issue(
            template.id,
            coupon_id=CouponId("cpn_1"),
            customer_id=CustomerId("cus_1"),
            channel=IssueChannel.CLAIM,
            at=AT,
        )
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.coupon_templates.get(template.id) == template
        assert uow.coupons.get(CouponId("cpn_1")) == issued


def _priced_order() -> Order:
    def scoped(offer_id: str, service: str) -> ThresholdOffer:
        return ThresholdOffer.of(
            offer_id,
            offer_id,
            [(cny(10000), cny(1000))],
            starts_at=AT.subtract(days=1),
            ends_at=AT.add(days=1),
            scope=Scope.of(services=[ServiceId(service)]),
            covers_travel_fee=service == "svc_tuina",
        )

    rules = PricingRules(
        "CNY",
        threshold_offers=(scoped("mj_tuina", "svc_tuina"), scoped("mj_foot", "svc_foot")),
        threshold_stacking=ThresholdStacking.DISJOINT_SCOPES,
        travel_fee_waiver=TravelFeeWaiver(cny(50000), max_waived=cny(500)),
    )
    cart = Cart.of(
        CartLine(ServiceId("svc_tuina"), CategoryId("cat_m"), cny(19900), line_id="row-1"),
        CartLine(ServiceId("svc_foot"), CategoryId("cat_m"), cny(12800), 3, line_id="row-2"),
        travel_fee=cny(2000),
    )
    priced = quote(
        cart,
        CustomerProfile(CustomerId("cus_1")),
        rules,
        at=AT,
        discount=CouponBenefit.free_travel(cny(300)),
    )
    assert priced.travel is not None
    assert priced.travel.waived.amount
    assert priced.travel.threshold.amount
    assert priced.travel.coupon.amount
    assert len(priced.threshold_offer_ids) == 2
    return Order.place(
        order_id=OrderId("ord_1"),
        customer_id=CustomerId("cus_1"),
        technician_id=TechnicianId("tec_1"),
        service_id=ServiceId("svc_tuina"),
        booking_id=BookingId("bkg_1"),
        slot=TimeRange(AT, AT.add(hours=1)),
        time_zone="Asia/Shanghai",
        price=priced.payable,
        at=AT,
        quote=priced,
    )


def test_an_orders_quote_keeps_its_fee_line_line_ids_and_stacked_offers(
    storage: SqlAlchemyStorage,
) -> None:
    order = _priced_order()
    with storage.unit_of_work() as uow:
        uow.orders.add(order)
        uow.commit()
    with storage.unit_of_work() as uow:
        loaded = uow.orders.get(order.id)
    assert loaded.quote == order.quote


def test_a_quote_stored_before_the_fee_line_reads_back_with_defaults(
    storage: SqlAlchemyStorage,
) -> None:
    order = _priced_order()
    with storage.unit_of_work() as uow:
        uow.orders.add(order)
        uow.commit()
    assert order.quote is not None
    with storage.unit_of_work() as uow:
        document = uow.connection.execute(text("SELECT quote FROM orders")).scalar_one()
    if isinstance(document, str):  # SQLite may hand JSON back as text
        document = json.loads(document)
    for key in ("travel", "threshold_offer_ids"):
        document.pop(key)
    for line in document["lines"]:
        line.pop("line_id")
        line.pop("threshold_offer_id")
    old = _converter.structure(document, Quote)
    assert old.travel is None
    assert old.threshold_offer_ids == ()
    assert [line.line_id for line in old.lines] == [None, None]
    assert old.lines == tuple(
        attrs.evolve(line, line_id=None, threshold_offer_id=None) for line in order.quote.lines
    )
