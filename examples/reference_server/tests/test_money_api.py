"""Money over HTTP: coupon templates and claims, campaigns, quotes with their coupon
explanations, and the ledger balances the platform reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_core.bootstrap import BookingApp
from booking_core.ids import CategoryId, CustomerId, OrderId, ServiceId, TechnicianId
from booking_core.ledger import OrderParties
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.pricing import Cart, CartLine

STARTS = "2026-03-02T00:00:00+08:00"
ENDS = "2026-03-08T23:59:59+08:00"


def cny(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "CNY"}


def threshold_template(
    template_id: str, min_spend: int, amount: int, **extra: Any
) -> dict[str, Any]:
    return {
        "id": template_id,
        "name": f"满{min_spend // 100}减{amount // 100}",
        "benefit": {"kind": "threshold", "min_spend": cny(min_spend), "amount": cny(amount)},
        "valid_days": 7,
        **extra,
    }


@pytest.fixture
def promotions(
    client: TestClient, platform: dict[str, str], alice: dict[str, str], shop: dict[str, str]
) -> dict[str, str]:
    """A 20 % campaign on the shop's tuina and two coupons in Alice's wallet."""
    campaign = client.post(
        "/campaigns",
        json={
            "id": "cmp_weekend",
            "name": "周末8折",
            "offer": {"kind": "percent_off", "rate": "0.2"},
            "starts_at": STARTS,
            "ends_at": ENDS,
            "scope": {"services": [shop["service_id"]]},
            "budget": cny(10000),
        },
        headers=platform,
    )
    created = [
        client.post("/coupon-templates", json=body, headers=platform)
        for body in (
            threshold_template("tpl_150", 15000, 2000),
            threshold_template("tpl_200", 20000, 3000),
        )
    ]
    claims = [
        client.post(f"/coupon-templates/{t}/claims", headers=alice) for t in ("tpl_150", "tpl_200")
    ]
    assert [r.status_code for r in (campaign, *created, *claims)] == [201] * 5
    return {"fits": claims[0].json()["id"], "too_big": claims[1].json()["id"]}


def test_a_quote_shows_the_breakdown_and_why_each_coupon_does_or_does_not_apply(
    client: TestClient, alice: dict[str, str], shop: dict[str, str], promotions: dict[str, str]
) -> None:
    # given a campaign and two coupons in Alice's wallet

    # when Alice prices one tuina with the coupon that fits
    response = client.post(
        "/quotes",
        json={"lines": [{"service_id": shop["service_id"]}], "coupon_id": promotions["fits"]},
        headers=alice,
    )

    # then each discount is in its own bucket, and each coupon is explained
    body = response.json()
    assert response.status_code == 200, body
    (line,) = body["lines"]
    assert (line["base"], line["campaign"], line["coupon"], line["payable"]) == (
        cny(19900),
        cny(3980),
        cny(2000),
        cny(13920),
    )
    assert (line["campaign_id"], line["platform_funded"]) == ("cmp_weekend", cny(5980))
    assert (body["subtotal"], body["discount"], body["payable"]) == (
        cny(19900),
        cny(5980),
        cny(13920),
    )
    assert body["best_coupon_id"] == promotions["fits"]
    assert [
        (c["coupon_id"], c["applies"], c["reason"], c["shortfall"]) for c in body["coupons"]
    ] == [
        (promotions["fits"], True, None, None),
        (promotions["too_big"], False, "min_spend_not_met", cny(4080)),
    ]


def test_a_coupon_that_does_not_apply_is_a_problem_with_its_reason(
    client: TestClient, alice: dict[str, str], shop: dict[str, str], promotions: dict[str, str]
) -> None:
    # given Alice's 满200减30 coupon and a cart of 159.20 after the campaign

    # when she prices the cart with it
    response = client.post(
        "/quotes",
        json={"lines": [{"service_id": shop["service_id"]}], "coupon_id": promotions["too_big"]},
        headers=alice,
    )

    # then it is a 422 problem naming the reason
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (response.json()["code"], response.json()["details"]["reason"]) == (
        "coupon_not_applicable",
        "min_spend_not_met",
    )


def test_claims_hold_the_stock_and_the_limit_and_the_wallet_lists_them(
    client: TestClient,
    as_: Callable[[Actor], dict[str, str]],
    platform: dict[str, str],
    alice: dict[str, str],
    bob: dict[str, str],
) -> None:
    # given a template with a stock of two, one per customer
    client.post(
        "/coupon-templates",
        json=threshold_template("tpl_new", 10000, 1000, stock=2),
        headers=platform,
    )

    # when Alice claims twice and Bob and Carol once each
    first = client.post("/coupon-templates/tpl_new/claims", headers=alice)
    again = client.post("/coupon-templates/tpl_new/claims", headers=alice)
    bobs = client.post("/coupon-templates/tpl_new/claims", headers=bob)
    carol = as_(Actor.customer("cus-carol"))
    carols = client.post("/coupon-templates/tpl_new/claims", headers=carol)

    # then the limit and the stock hold, and the wallet and the template show it
    assert (first.status_code, bobs.status_code) == (201, 201)
    assert (again.status_code, again.json()["code"]) == (409, "coupon_limit_reached")
    assert (carols.status_code, carols.json()["code"]) == (409, "coupon_out_of_stock")
    wallet = client.get("/me/coupons", headers=alice).json()["items"]
    assert [(c["id"], c["status"], c["kind"]) for c in wallet] == [
        (first.json()["id"], "available", "threshold")
    ]
    (template,) = client.get("/coupon-templates").json()["items"]
    assert (template["issued"], template["left"], template["stock"]) == (2, 0, 2)


def test_the_platform_issues_and_stops_templates_and_customers_cannot(
    client: TestClient, platform: dict[str, str], alice: dict[str, str]
) -> None:
    # given a template issued by claim and by admins
    template = threshold_template("tpl_vip", 10000, 1000, channels=["claim", "admin"])

    # when a customer tries to create one, then the platform creates, issues and stops it
    refused = client.post("/coupon-templates", json=template, headers=alice)
    created = client.post("/coupon-templates", json=template, headers=platform)
    issued = client.post(
        "/coupon-templates/tpl_vip/issues", json={"customer_id": "cus-alice"}, headers=platform
    )
    stopped = client.patch("/coupon-templates/tpl_vip", json={"active": False}, headers=platform)
    claim = client.post("/coupon-templates/tpl_vip/claims", headers=alice)

    # then
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert created.status_code == 201
    assert (issued.status_code, issued.json()["customer_id"]) == (201, "cus-alice")
    assert (stopped.status_code, stopped.json()["active"], stopped.json()["issued"]) == (
        200,
        False,
        1,
    )
    assert (claim.status_code, claim.json()["code"]) == (409, "coupon_not_claimable")


def test_a_bad_template_is_refused_and_stores_nothing(
    client: TestClient, platform: dict[str, str]
) -> None:
    # given a threshold coupon without a minimum spend, and one with a float rate
    no_minimum = {**threshold_template("tpl_bad", 100, 10)}
    no_minimum["benefit"] = {"kind": "threshold", "amount": cny(1000)}
    float_rate = threshold_template("tpl_bad", 100, 10)
    float_rate["benefit"] = {"kind": "percent_off", "rate": 0.2}

    # when the platform posts them
    responses = [
        client.post("/coupon-templates", json=body, headers=platform)
        for body in (no_minimum, float_rate)
    ]

    # then both are 422 and nothing was stored
    assert [r.status_code for r in responses] == [422, 422]
    assert responses[0].json()["code"] == "invalid_promotion"
    assert client.get("/coupon-templates").json()["items"] == []


def test_campaigns_are_managed_by_the_platform_and_keep_their_spend(
    client: TestClient,
    booking_app: BookingApp,
    platform: dict[str, str],
    alice: dict[str, str],
    promotions: dict[str, str],
    shop: dict[str, str],
) -> None:
    # given the weekend campaign charged for one paid order
    service = booking_app.catalog.get_service(ServiceId(shop["service_id"]))
    line = CartLine(service.id, service.category_id, service.price)
    quote = booking_app.quotes.price(
        Cart.of(line), CustomerId("cus-alice"), actor=Actor.customer("cus-alice")
    )
    booking_app.campaigns.charge_order(OrderId("ord_1"), quote.quote)

    # when the platform raises its budget, and a customer tries to
    change = {
        "id": "cmp_weekend",
        "name": "周末8折",
        "offer": {"kind": "percent_off", "rate": "0.2"},
        "starts_at": STARTS,
        "ends_at": ENDS,
        "budget": cny(50000),
    }
    refused = client.put("/campaigns/cmp_weekend", json=change, headers=alice)
    updated = client.put("/campaigns/cmp_weekend", json=change, headers=platform)

    # then only the platform may, and what was spent is kept
    assert refused.status_code == 403
    assert updated.status_code == 200, updated.json()
    (listed,) = client.get("/campaigns").json()["items"]
    assert (listed["budget"], listed["spent"], listed["remaining"]) == (
        cny(50000),
        cny(3980),
        cny(46020),
    )


def test_the_platform_reads_balances_and_an_orders_journal(
    client: TestClient, booking_app: BookingApp, platform: dict[str, str], alice: dict[str, str]
) -> None:
    # given an order paid, settled and half refunded through the ledger service
    order = OrderId("ord_1")
    booking_app.ledger.record_payment_captured(order, Money(10000, "CNY"), key="pay-1")
    priced = booking_app.quotes.price(
        Cart.of(CartLine(ServiceId("svc_x"), CategoryId("cat_x"), Money(10000, "CNY"))),
        CustomerId("cus-alice"),
        actor=Actor.customer("cus-alice"),
    )
    booking_app.ledger.record_order_completed(
        order, OrderParties(TechnicianId("tec_li")), priced.quote
    )
    booking_app.ledger.record_refund(order, Money(5000, "CNY"), key="refund-1")

    # when the platform, then a customer, reads the books
    balances = client.get("/ledger/balances", params={"currency": "CNY"}, headers=platform)
    journal = client.get("/ledger/orders/ord_1", headers=platform)
    refused = client.get("/ledger/balances", headers=alice)

    # then the balances are sums over postings, on their normal side too
    assert balances.status_code == 200
    assert [
        (b["account"], b["net"]["amount"], b["balance"]["amount"]) for b in balances.json()["items"]
    ] == [
        ("payments_clearing", 5000, 5000),
        ("technician_payable:tec_li", -3500, 3500),
        ("platform_revenue", -1500, 1500),
    ]
    assert [t["id"] for t in journal.json()["items"]] == [
        "pay:pay-1",
        "done:ord_1:1",
        "refund:refund-1",
    ]
    assert refused.status_code == 403


def test_an_order_placed_with_a_coupon_is_priced_reserved_paid_and_settled(
    client: TestClient,
    alice: dict[str, str],
    platform: dict[str, str],
    technician: dict[str, str],
    shop: dict[str, str],
    order_body: Callable[..., dict[str, Any]],
    promotions: dict[str, str],
    walk: Callable[..., dict[str, Any]],
) -> None:
    # given the 20 % weekend campaign and Alice's 满150减20 coupon; the clock stands on
    # Monday 08:00, so a Monday 10:00 booking can be served today

    # when she books the 199.00 tuina with the coupon and pays, and Li does the service
    placed = client.post(
        "/orders",
        json={**order_body("2026-03-02T10:00:00+08:00"), "coupon_id": promotions["fits"]},
        headers=alice,
    )
    order_id = placed.json()["id"]
    wallet = {c["id"]: (c["status"], c["order_id"]) for c in client.get(
        "/me/coupons", headers=alice).json()["items"]}  # fmt: skip
    paid = client.post(f"/orders/{order_id}/payments", headers=alice)
    walk(order_id, technician)  # on time: each step when Li would take it
    journal = client.get(f"/ledger/orders/{order_id}", headers=platform).json()["items"]

    # then she pays 199.00 - 39.80 (campaign) - 20.00 (coupon) = 139.20, the coupon is held
    # by the order, and the books split 199.00 (70 % to Li) with 59.80 as promotion expense
    assert placed.status_code == 201, placed.json()
    assert (placed.json()["price"], placed.json()["coupon_id"]) == (cny(13920), promotions["fits"])
    assert wallet[promotions["fits"]] == ("reserved", order_id)
    assert paid.json()["amount"] == cny(13920)
    assert [
        (t["id"], {p["account"]: p["amount"]["amount"] for p in t["postings"]}) for t in journal
    ] == [
        (f"pay:{order_id}:ful:1", {"payments_clearing": 13920, "customer_funds": -13920}),
        (
            f"done:{order_id}:1",
            {
                "customer_funds": 13920,
                "promotion_expense": 5980,
                f"technician_payable:{shop['technician_id']}": -13930,
                "platform_revenue": -5970,
            },
        ),
    ]
    (campaign,) = client.get("/campaigns").json()["items"]
    assert campaign["spent"] == cny(3980)


def test_placing_an_order_with_a_coupon_that_does_not_apply_stores_nothing(
    client: TestClient,
    alice: dict[str, str],
    order_body: Callable[..., dict[str, Any]],
    promotions: dict[str, str],
) -> None:
    # given Alice's 满200减30 coupon, which a 159.20 tuina does not reach

    # when she books with it
    refused = client.post(
        "/orders", json={**order_body(), "coupon_id": promotions["too_big"]}, headers=alice
    )

    # then it is a 422 problem with the reason, and there is no order and no held coupon
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["details"]["reason"]) == (
        "coupon_not_applicable",
        "min_spend_not_met",
    )
    assert client.get("/orders", headers=alice).json()["items"] == []
    statuses = {c["status"] for c in client.get("/me/coupons", headers=alice).json()["items"]}
    assert statuses == {"available"}
    assert client.post("/orders", json=order_body(), headers=alice).status_code == 201


def test_a_quote_with_the_technician_costs_what_booking_him_charges(
    client: TestClient,
    platform: dict[str, str],
    alice: dict[str, str],
    shop: dict[str, str],
    promotions: dict[str, str],
    order_body: Callable[..., dict[str, Any]],
) -> None:
    # given Li sells the shop's tuina (catalog 199.00) at his own 259.00, under the campaign
    profile = client.put(
        f"/technicians/{shop['technician_id']}/profile",
        json={"prices": {shop["service_id"]: cny(25900)}},
        headers=platform,
    )
    assert profile.status_code == 200, profile.json()

    # when Alice prices one tuina with Li and the coupon that fits, then books it
    quote = client.post(
        "/quotes",
        json={
            "lines": [{"service_id": shop["service_id"]}],
            "technician_id": shop["technician_id"],
            "coupon_id": promotions["fits"],
        },
        headers=alice,
    )
    order = client.post(
        "/orders", json={**order_body(), "coupon_id": promotions["fits"]}, headers=alice
    )

    # then the quote starts from his price, and the order charges exactly what it showed
    assert quote.status_code == 200, quote.json()
    assert order.status_code == 201, order.json()
    assert quote.json()["lines"][0]["base"] == cny(25900)
    assert quote.json()["payable"] == cny(25900 - 5180 - 2000)
    assert order.json()["price"] == quote.json()["payable"]
