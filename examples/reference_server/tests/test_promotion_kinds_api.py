"""The per-unit coupon kinds over HTTP: a template of each is accepted and shown back, a
quote applies it, and one that does not hold together is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def cny(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "CNY"}


def template(template_id: str, benefit: dict[str, Any]) -> dict[str, Any]:
    return {"id": template_id, "name": template_id, "benefit": benefit, "valid_days": 7}


def test_buy_x_get_y_templates_are_accepted_shown_and_applied_by_a_quote(
    client: TestClient, platform: dict[str, str], alice: dict[str, str], shop: dict[str, str]
) -> None:
    # given a 买2送1 template on the tuina giving at most one free unit, and one giving a
    # foot soak free for each tuina
    tuina = shop["service_id"]
    same = {"kind": "buy_x_get_y", "buy_units": 2, "free_units": 1, "max_units": 1}
    other = {
        "kind": "buy_x_get_y",
        "buy_units": 1,
        "free_units": 1,
        "free_scope": {"services": ["svc_foot"]},
        "min_units": 2,
    }

    # when the platform creates them, and Alice claims the first and prices six tuina with it
    created = client.post("/coupon-templates", json=template("tpl_b2g1", same), headers=platform)
    foot = client.post("/coupon-templates", json=template("tpl_foot", other), headers=platform)
    claimed = client.post("/coupon-templates/tpl_b2g1/claims", headers=alice)
    priced = client.post(
        "/quotes",
        json={"lines": [{"service_id": tuina, "quantity": 6}], "coupon_id": claimed.json()["id"]},
        headers=alice,
    )

    # then the templates show every field, and six tuina (two groups of three) get one free
    shown, shown_foot = created.json(), foot.json()
    assert (created.status_code, foot.status_code) == (201, 201)
    assert (shown["kind"], shown["buy_units"], shown["free_units"], shown["max_units"]) == (
        "buy_x_get_y",
        2,
        1,
        1,
    )
    assert (shown["free_scope"], shown["once_per_order"], shown["unit_price"]) == (
        None,
        False,
        None,
    )
    assert shown_foot["free_scope"]["services"] == ["svc_foot"]
    assert shown_foot["min_units"] == 2
    assert priced.status_code == 200
    assert priced.json()["lines"][0]["coupon"] == cny(19900)


def test_an_amount_off_each_unit_and_a_special_price_apply_in_a_quote(
    client: TestClient, platform: dict[str, str], alice: dict[str, str], shop: dict[str, str]
) -> None:
    # given 每件减10 from 2 units and a 特价99 for at most 2 units, both claimed by Alice
    tuina = shop["service_id"]
    bodies = [
        template("tpl_each", {"kind": "amount_off_each", "amount": cny(1000), "min_units": 2}),
        template("tpl_special", {"kind": "special_price", "unit_price": cny(9900), "max_units": 2}),
    ]
    created = [client.post("/coupon-templates", json=b, headers=platform) for b in bodies]
    coupons = [
        client.post(f"/coupon-templates/{t}/claims", headers=alice).json()["id"]
        for t in ("tpl_each", "tpl_special")
    ]

    # when she prices three tuina with each, and one tuina with the first
    three = {"lines": [{"service_id": tuina, "quantity": 3}]}
    each, special = (
        client.post("/quotes", json={**three, "coupon_id": c}, headers=alice).json()
        for c in coupons
    )
    one = client.post("/quotes", json={"lines": [{"service_id": tuina}]}, headers=alice).json()

    # then 10.00 comes off each of three units; two units cost 99.00 instead of 199.00;
    # with one unit the first coupon says how many more units it needs
    assert [r.status_code for r in created] == [201, 201]
    assert created[1].json()["unit_price"] == cny(9900)
    assert each["lines"][0]["coupon"] == cny(3000)
    assert special["lines"][0]["coupon"] == cny(20000)
    (explained,) = [c for c in one["coupons"] if c["coupon_id"] == coupons[0]]
    assert (explained["reason"], explained["missing_units"]) == ("not_enough_items", 1)


def test_a_benefit_that_does_not_hold_together_is_refused_naming_the_field(
    client: TestClient, platform: dict[str, str]
) -> None:
    # given an nth_free template with once_per_order and a unit limit (contradictory)
    benefit = {"kind": "nth_free", "nth": 2, "once_per_order": True, "max_units": 2}

    # when the platform posts it, and a 满N件减 without any minimum
    refused = client.post("/coupon-templates", json=template("tpl_x", benefit), headers=platform)
    no_minimum = client.post(
        "/coupon-templates",
        json=template("tpl_y", {"kind": "threshold", "amount": cny(500)}),
        headers=platform,
    )

    # then both are 422 invalid_promotion naming the field
    assert refused.status_code == no_minimum.status_code == 422
    assert refused.json()["code"] == no_minimum.json()["code"] == "invalid_promotion"
    assert refused.json()["details"]["field"] == "max_units"
    assert no_minimum.json()["details"]["field"] == "min_spend"
