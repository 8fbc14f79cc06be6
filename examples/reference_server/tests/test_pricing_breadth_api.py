"""Travel-fee coupons, line ids, promotion explanations and the may-I checks over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def cny(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "CNY"}


def test_a_free_travel_template_waives_the_fee_line_of_a_quote_and_lines_echo_their_ids(
    client: TestClient, platform: dict[str, str], alice: dict[str, str], shop: dict[str, str]
) -> None:
    # given a 免车费 template claimed by Alice
    free = {
        "id": "tpl_free",
        "name": "免车费",
        "benefit": {"kind": "free_travel", "amount": cny(1500)},
        "valid_days": 7,
    }
    created = client.post("/coupon-templates", json=free, headers=platform)
    mine = client.post("/coupon-templates/tpl_free/claims", headers=alice).json()["id"]

    # when she prices a tuina with a 20.00 fee, naming her line, with the coupon
    body = {
        "lines": [{"service_id": shop["service_id"], "line_id": "basket-1"}],
        "travel_fee": cny(2000),
        "coupon_id": mine,
    }
    priced = client.post("/quotes", json=body, headers=alice).json()

    # then the fee is its own line, 15.00 of it taken by the coupon, and the line echoes
    assert (created.json()["kind"], created.json()["covers_travel_fee"]) == ("free_travel", False)
    assert priced["travel"]["base"] == cny(2000)
    assert priced["travel"]["coupon"] == cny(1500)
    assert priced["travel_fee"] == cny(500)
    assert priced["payable"] == cny(19900 + 500)
    assert priced["lines"][0]["line_id"] == "basket-1"
    assert priced["promotions"] == {"offers": [], "campaigns": [], "travel_fee_waiver": None}


def test_a_covering_template_is_accepted_and_a_per_unit_one_is_refused_naming_the_field(
    client: TestClient, platform: dict[str, str]
) -> None:
    covering = {
        "id": "tpl_cover",
        "name": "立减30含车费",
        "benefit": {"kind": "amount_off", "amount": cny(3000)},
        "covers_travel_fee": True,
        "valid_days": 7,
    }
    assert client.post("/coupon-templates", json=covering, headers=platform).json()[
        "covers_travel_fee"
    ]
    per_unit = {**covering, "id": "tpl_bad", "benefit": {"kind": "nth_free", "nth": 2}}
    refused = client.post("/coupon-templates", json=per_unit, headers=platform)
    assert (refused.status_code, refused.json()["details"]["field"]) == (422, "covers_travel_fee")


def test_repeated_line_ids_are_refused(
    client: TestClient, alice: dict[str, str], shop: dict[str, str]
) -> None:
    line = {"service_id": shop["service_id"], "line_id": "same"}
    refused = client.post("/quotes", json={"lines": [line, line]}, headers=alice)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_cart")


def test_may_i_claim_and_may_i_use_answer_without_writing(
    client: TestClient, platform: dict[str, str], alice: dict[str, str], bob: dict[str, str]
) -> None:
    one = {
        "id": "tpl_one",
        "name": "立减10",
        "benefit": {"kind": "amount_off", "amount": cny(1000)},
        "valid_days": 7,
        "stock": 1,
    }
    client.post("/coupon-templates", json=one, headers=platform)

    before = client.get("/coupon-templates/tpl_one/can-claim", headers=alice).json()
    assert before == {"allowed": True, "reason": None, "message": None}
    assert client.get("/me/coupons", headers=alice).json()["items"] == []  # nothing written
    mine = client.post("/coupon-templates/tpl_one/claims", headers=alice).json()["id"]
    after = client.get("/coupon-templates/tpl_one/can-claim", headers=bob).json()
    assert (after["allowed"], after["reason"]) == (False, "out_of_stock")

    assert client.get(f"/me/coupons/{mine}/can-use", headers=alice).json()["allowed"]
    hidden = client.get(f"/me/coupons/{mine}/can-use", headers=bob)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "coupon_not_found")
    missing = client.get("/coupon-templates/tpl_none/can-claim", headers=alice)
    assert missing.status_code == 404
