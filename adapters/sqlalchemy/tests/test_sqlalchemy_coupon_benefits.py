"""The per-unit coupon kinds are stored whole: templates and coupons keep their benefit as a
converter document, so buy X get Y with its free scope, max_units, min_units and
once_per_order come back as they went in (no migration: no column holds a benefit)."""

from __future__ import annotations

import pendulum
import pytest

from booking_core.ids import CustomerId, ServiceId
from booking_core.money import Money
from booking_core.promotions import (
    CouponBenefit,
    CouponId,
    CouponTemplate,
    CouponTemplateId,
    CouponTerms,
    IssueChannel,
    Scope,
    Validity,
)
from booking_core_sqlalchemy import SqlAlchemyStorage

AT = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def cny(amount: int) -> Money:
    return Money(amount, "CNY")


BENEFITS = [
    CouponBenefit.buy_x_get_y(
        2,
        1,
        free_scope=Scope.of(services=[ServiceId("svc_foot")]),
        max_units=3,
        min_spend=cny(10000),
        min_units=2,
    ),
    CouponBenefit.amount_off_each(cny(1000), max_units=4, min_units=2),
    CouponBenefit.special_price(cny(9900), max_units=2),
    CouponBenefit.nth_free(3, once_per_order=True),
    CouponBenefit.threshold(min_units=3, amount=cny(2000)),
]


@pytest.mark.parametrize("benefit", BENEFITS, ids=lambda b: b.kind.value)
def test_a_template_and_its_coupon_keep_every_benefit_field(
    storage: SqlAlchemyStorage, benefit: CouponBenefit
) -> None:
    # given a template with a per-unit benefit, stored
    template = CouponTemplate(
        CouponTemplateId("tpl_unit"),
        "per unit",
        CouponTerms(benefit, scope=Scope.of(services=[ServiceId("svc_tuina")])),
        Validity.days_after_issue(7),
    )
    with storage.unit_of_work() as uow:
        uow.coupon_templates.add(template)
        uow.commit()

    # when a coupon is issued from it and both are read back
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
        stored_template = uow.coupon_templates.get(template.id)
        stored_coupon = uow.coupons.get(CouponId("cpn_1"))

    # then the benefit is the same, field by field
    assert stored_template == template
    assert stored_coupon == issued
    assert stored_coupon.terms.benefit == benefit
