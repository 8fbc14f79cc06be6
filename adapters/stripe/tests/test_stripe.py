"""What the contract does not say: Stripe's amounts, deposits, next actions, lost answers,
signatures, and the configuration."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pendulum
import pytest
import stripe
from pytest_httpserver import HTTPServer

from booking_core.errors import IdempotencyConflict, InvalidWebhook, NotFound, PaymentError
from booking_core.money import Money
from booking_core.ports.payments import (
    ParsedWebhook,
    PaymentPurpose,
    PaymentRequest,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
    StatementSource,
    WebhookKind,
)
from booking_core_stripe import (
    CLIENT_SECRET_ACTION,
    CapturePolicy,
    StripeConfig,
    StripeGateway,
    check_currencies,
    stripe_exponent,
)

from .fakes import FakeStripeApi
from .wire import StripeWire, event_body, make_config, sign


def _pay(
    key: str,
    amount: Money,
    purpose: PaymentPurpose = PaymentPurpose.FULL,
    *,
    hold: bool = False,
) -> PaymentRequest:
    return PaymentRequest(key, key.split(":", maxsplit=1)[0], amount, purpose, hold=hold)


def _form(wire: StripeWire, method: str, path: str) -> list[dict[str, str]]:
    return [form for (m, p, form, _) in wire.calls if (m, p) == (method, path)]


# -- amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["JPY", "KRW", "VND", "CLP", "CNY", "USD", "EUR", "BHD"])
def test_the_core_and_stripe_agree_on_the_decimals_of_the_currencies_allowed(
    currency: str,
) -> None:
    assert Money.exponent_of(currency) == stripe_exponent(currency)
    check_currencies({currency})


@pytest.mark.parametrize("currency", ["ISK", "UGX", "XOF"])
def test_currencies_whose_decimals_differ_are_refused_at_configuration(currency: str) -> None:
    with pytest.raises(ValueError, match=currency):
        StripeConfig("sk_test_x", "whsec_x", currencies=frozenset({currency}))


def test_a_zero_decimal_amount_goes_to_stripe_as_it_is(wire: StripeWire) -> None:
    gateway = StripeGateway(make_config(wire, CapturePolicy.AUTOMATIC))

    created = gateway.create_payment(_pay("ord_j1:ful:1", Money(1990, "JPY")))  # ¥1,990
    wire.pay(str(created.gateway_reference))

    assert _form(wire, "POST", "/v1/payment_intents")[0]["amount"] == "1990"
    assert _form(wire, "POST", "/v1/payment_intents")[0]["currency"] == "jpy"
    assert gateway.get_payment("ord_j1:ful:1").amount == Money(1990, "JPY")
    assert str(gateway.get_payment("ord_j1:ful:1").amount) == "1990 JPY"


def test_a_currency_not_configured_is_refused(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentError):
        gateway.create_payment(_pay("ord_e1:ful:1", Money(1000, "EUR")))


# -- creating, next actions, declines ------------------------------------------------------


def test_an_unpaid_intent_hands_the_client_secret_to_the_customer(wire: StripeWire) -> None:
    gateway = StripeGateway(make_config(wire))

    created = gateway.create_payment(_pay("ord_s1:ful:1", Money(19900, "CNY")))

    assert created.status is PaymentStatus.REQUIRES_ACTION
    assert created.next_action is not None
    assert created.next_action.kind == CLIENT_SECRET_ACTION
    secret = created.next_action.data["client_secret"]
    assert secret == wire.get(f"/v1/payment_intents/{created.gateway_reference}")["client_secret"]
    assert secret.startswith(f"{created.gateway_reference}_secret_")


def test_the_intent_carries_the_key_as_idempotency_key_and_metadata(wire: StripeWire) -> None:
    gateway = StripeGateway(make_config(wire, CapturePolicy.HOLDS))

    gateway.create_payment(
        PaymentRequest(
            "ord_m1:dep:1",
            "ord_m1",
            Money(5000, "CNY"),
            PaymentPurpose.DEPOSIT,
            "Deposit",
            hold=True,
        )
    )
    gateway.create_payment(_pay("ord_m1:ful:1", Money(19900, "CNY")))

    deposit, full = _form(wire, "POST", "/v1/payment_intents")
    keys = [key for (m, p, _, key) in wire.calls if (m, p) == ("POST", "/v1/payment_intents")]
    assert keys == ["ord_m1:dep:1", "ord_m1:ful:1"]
    assert deposit["metadata[booking_key]"] == "ord_m1:dep:1"
    assert deposit["metadata[order_id]"] == "ord_m1"
    assert deposit["metadata[purpose]"] == "deposit"
    assert deposit["metadata[description]"] == "Deposit"
    assert (deposit["capture_method"], full["capture_method"]) == ("manual", "automatic")


@pytest.mark.parametrize("purpose", [PaymentPurpose.DEPOSIT, PaymentPurpose.FULL])
def test_a_payment_is_held_exactly_when_the_core_asks(
    wire: StripeWire, purpose: PaymentPurpose
) -> None:
    # Under HOLDS the request decides, whatever its purpose: a deposit the core does not
    # hold (a start beyond the 7 days) is charged at once.
    gateway = StripeGateway(make_config(wire, CapturePolicy.HOLDS))
    held = gateway.create_payment(_pay("ord_h1:dep:1", Money(5000, "CNY"), purpose, hold=True))
    charged = gateway.create_payment(_pay("ord_h2:dep:1", Money(5000, "CNY"), purpose))

    wire.pay(str(held.gateway_reference))
    wire.pay(str(charged.gateway_reference))

    assert gateway.get_payment("ord_h1:dep:1").status is PaymentStatus.AUTHORIZED
    assert gateway.get_payment("ord_h2:dep:1").status is PaymentStatus.CAPTURED
    assert gateway.get_payment("ord_h2:dep:1").amount == Money(5000, "CNY")
    assert [f["capture_method"] for f in _form(wire, "POST", "/v1/payment_intents")] == [
        "manual",
        "automatic",
    ]


def test_holds_is_the_default_policy_and_declares_a_seven_day_hold() -> None:
    config = StripeConfig("sk_test_x", "whsec_x")
    caps = StripeGateway(config).capabilities

    assert config.capture_policy is CapturePolicy.HOLDS
    assert (caps.manual_capture, caps.partial_capture, caps.preauthorization) == (True,) * 3
    assert caps.authorization_ttl_minutes == 7 * 24 * 60
    assert [p.value for p in CapturePolicy] == ["automatic", "holds"]


def test_a_hold_asked_of_an_automatic_gateway_is_charged(wire: StripeWire) -> None:
    # AUTOMATIC declares no manual capture, so the core never asks; if asked, it charges.
    gateway = StripeGateway(make_config(wire, CapturePolicy.AUTOMATIC))
    created = gateway.create_payment(_pay("ord_h3:dep:1", Money(5000, "CNY"), hold=True))

    wire.pay(str(created.gateway_reference))

    assert gateway.get_payment("ord_h3:dep:1").status is PaymentStatus.CAPTURED
    assert _form(wire, "POST", "/v1/payment_intents")[0]["capture_method"] == "automatic"


def test_a_card_that_needs_authentication_still_requires_action(wire: StripeWire) -> None:
    gateway = StripeGateway(make_config(wire))
    created = gateway.create_payment(_pay("ord_3d:ful:1", Money(19900, "CNY")))
    three_d_secure = wire.card("4000002500003155")  # Stripe's 3-D Secure test card

    wire.pay(str(created.gateway_reference), three_d_secure)
    result = gateway.get_payment("ord_3d:ful:1")

    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is not None
    assert result.next_action.kind == CLIENT_SECRET_ACTION


def test_a_declined_card_is_declined_with_stripes_code(wire: StripeWire) -> None:
    gateway = StripeGateway(make_config(wire))
    created = gateway.create_payment(_pay("ord_d1:ful:1", Money(19900, "CNY")))

    answer = wire.pay(str(created.gateway_reference), "pm_card_chargeCustomerFail")
    result = gateway.get_payment("ord_d1:ful:1")

    assert answer["error"]["code"] == "card_declined"
    assert result.status is PaymentStatus.DECLINED
    assert result.failure_code == "card_declined"
    assert result.next_action is None
    assert gateway.cancel("ord_d1:ful:1").status is PaymentStatus.CANCELLED


def test_automatic_capture_takes_the_money_at_once(wire: StripeWire) -> None:
    gateway = StripeGateway(make_config(wire, CapturePolicy.AUTOMATIC))
    created = gateway.create_payment(_pay("ord_a1:ful:1", Money(19900, "CNY")))

    wire.pay(str(created.gateway_reference))

    assert not gateway.capabilities.manual_capture
    assert gateway.capabilities.authorization_ttl_minutes is None
    assert gateway.get_payment("ord_a1:ful:1").status is PaymentStatus.CAPTURED
    with pytest.raises(PaymentError):  # no payment under that key to refund
        gateway.refund(RefundRequest("ord_a1:rf:1", "ord_a9:ful:1", Money(100, "CNY")))


# -- holds: manual capture in part ------------------------------------------------------


def test_a_deposit_is_held_and_captured_in_part(wire: StripeWire) -> None:
    gateway = StripeGateway(make_config(wire, CapturePolicy.HOLDS))
    deposit = _pay("ord_p1:dep:1", Money(30000, "CNY"), PaymentPurpose.DEPOSIT, hold=True)
    created = gateway.create_payment(deposit)
    wire.pay(str(created.gateway_reference))
    assert gateway.get_payment("ord_p1:dep:1").status is PaymentStatus.AUTHORIZED

    with pytest.raises(PaymentError):
        gateway.capture("ord_p1:dep:1", Money(30001, "CNY"))
    captured = gateway.capture("ord_p1:dep:1", Money(10000, "CNY"))

    assert gateway.capabilities.authorization_ttl_minutes == 7 * 24 * 60
    assert (captured.status, captured.amount) == (PaymentStatus.CAPTURED, Money(10000, "CNY"))
    [capture] = _form(wire, "POST", f"/v1/payment_intents/{created.gateway_reference}/capture")
    assert capture == {"amount_to_capture": "10000"}
    # localstripe releases the rest of the hold as a refund of the charge.
    charge = wire.get(f"/v1/payment_intents/{created.gateway_reference}")["latest_charge"]
    assert charge["amount_refunded"] == 20000


def test_a_partial_capture_reads_back_what_stripe_received(httpserver: HTTPServer) -> None:
    api = FakeStripeApi(httpserver)
    gateway = StripeGateway(_fake_config(api, CapturePolicy.HOLDS))
    created = gateway.create_payment(_pay("ord_p2:dep:1", Money(30000, "CNY"), hold=True))
    api.authorize(str(created.gateway_reference))

    gateway.capture("ord_p2:dep:1", Money(10000, "CNY"))

    assert gateway.get_payment("ord_p2:dep:1").amount == Money(10000, "CNY")
    with pytest.raises(PaymentError, match="remains refundable"):
        gateway.refund(RefundRequest("ord_p2:rf:1", "ord_p2:dep:1", Money(10001, "CNY")))


def test_capturing_an_unpaid_intent_is_refused(gateway: StripeGateway) -> None:
    gateway.create_payment(_pay("ord_u1:ful:1", Money(19900, "CNY")))

    with pytest.raises(PaymentError):
        gateway.capture("ord_u1:ful:1")
    with pytest.raises(NotFound):
        gateway.capture("ord_u9:ful:1")


# -- lost answers and Stripe's idempotency --------------------------------------------------


def _fake_config(api: FakeStripeApi, policy: CapturePolicy, **kwargs: object) -> StripeConfig:
    options: dict[str, object] = {
        "secret_key": "sk_test_fake",
        "webhook_secret": "whsec_fake",
        "capture_policy": policy,
        "timeout": 0.5,
        "api_base": api.url,
        **kwargs,
    }
    return StripeConfig(**options)  # type: ignore[arg-type]


@pytest.fixture
def api(httpserver: HTTPServer) -> Iterator[FakeStripeApi]:
    yield FakeStripeApi(httpserver)
    httpserver.check_assertions()


@pytest.fixture
def fake_gateway(api: FakeStripeApi) -> Iterator[StripeGateway]:
    gateway = StripeGateway(_fake_config(api, CapturePolicy.AUTOMATIC))
    yield gateway
    gateway.close()


def test_a_5xx_after_the_fact_is_unknown_then_the_truth(
    api: FakeStripeApi, fake_gateway: StripeGateway
) -> None:
    api.fail_next("POST", "/v1/payment_intents", 500, performed=True)

    lost = fake_gateway.create_payment(_pay("ord_x1:ful:1", Money(19900, "CNY")))
    truth = fake_gateway.get_payment("ord_x1:ful:1")
    again = fake_gateway.create_payment(_pay("ord_x1:ful:1", Money(19900, "CNY")))

    assert lost.status is PaymentStatus.UNKNOWN
    assert truth.status is PaymentStatus.REQUIRES_ACTION
    assert again.gateway_reference == truth.gateway_reference
    assert len(api.intents) == 1


def test_a_timeout_is_unknown_and_a_5xx_before_the_fact_leaves_nothing(
    api: FakeStripeApi, fake_gateway: StripeGateway
) -> None:
    api.fail_next("POST", "/v1/payment_intents", None, performed=True, delay=0.8)
    api.fail_next("POST", "/v1/payment_intents", 503)

    slow = fake_gateway.create_payment(_pay("ord_x2:ful:1", Money(19900, "CNY")))
    failed = fake_gateway.create_payment(_pay("ord_x3:ful:1", Money(19900, "CNY")))

    assert (slow.status, failed.status) == (PaymentStatus.UNKNOWN, PaymentStatus.UNKNOWN)
    assert fake_gateway.get_payment("ord_x2:ful:1").status is PaymentStatus.REQUIRES_ACTION
    with pytest.raises(NotFound):
        fake_gateway.get_payment("ord_x3:ful:1")


def test_reads_without_an_answer_are_errors(
    api: FakeStripeApi, fake_gateway: StripeGateway
) -> None:
    api.fail_next("GET", "/v1/payment_intents", 502)
    api.fail_next("GET", "/v1/refunds", 500)

    with pytest.raises(PaymentError):
        fake_gateway.get_payment("ord_x4:ful:1")
    with pytest.raises(PaymentError):
        fake_gateway.get_refund("ord_x4:rf:1")


def test_lost_capture_and_refund_answers_are_unknown(api: FakeStripeApi) -> None:
    gateway = StripeGateway(_fake_config(api, CapturePolicy.HOLDS))
    created = gateway.create_payment(_pay("ord_x5:ful:1", Money(19900, "CNY"), hold=True))
    api.authorize(str(created.gateway_reference))
    api.fail_next("POST", r"/v1/payment_intents/pi_\w+/capture", 500, performed=True)

    capture = gateway.capture("ord_x5:ful:1")
    api.fail_next("POST", "/v1/refunds", 500, performed=True)
    refund = gateway.refund(RefundRequest("ord_x5:rf:1", "ord_x5:ful:1", Money(5000, "CNY")))

    assert capture.status is PaymentStatus.UNKNOWN
    assert gateway.get_payment("ord_x5:ful:1").status is PaymentStatus.CAPTURED
    assert refund.status is RefundStatus.UNKNOWN
    assert gateway.get_refund("ord_x5:rf:1").status is RefundStatus.PENDING  # Stripe settles it


def test_stripes_idempotency_error_is_a_conflict(
    api: FakeStripeApi, fake_gateway: StripeGateway
) -> None:
    first = fake_gateway.create_payment(_pay("ord_i1:ful:1", Money(19900, "CNY")))
    # Made long ago: beyond the listing the gateway reads, and not searchable either.
    api.unlisted.add(str(first.gateway_reference))
    api.intents[str(first.gateway_reference)]["metadata"]["booking_key"] = "hidden"

    with pytest.raises(IdempotencyConflict):
        fake_gateway.create_payment(_pay("ord_i1:ful:1", Money(100, "CNY")))
    replay = fake_gateway.create_payment(_pay("ord_i1:ful:1", Money(19900, "CNY")))

    assert replay.gateway_reference == first.gateway_reference  # Stripe's replayed answer
    assert len(api.intents) == 1


def test_an_old_payment_is_found_through_the_search_api(api: FakeStripeApi) -> None:
    gateway = StripeGateway(_fake_config(api, CapturePolicy.AUTOMATIC, lookup_limit=1))
    old = gateway.create_payment(_pay("ord_o1:ful:1", Money(19900, "CNY")))
    gateway.create_payment(_pay("ord_o2:ful:1", Money(19900, "CNY")))

    found = gateway.get_payment("ord_o1:ful:1")

    assert found.gateway_reference == old.gateway_reference
    searches = [r for r, _ in api.server.log if r.path == "/v1/payment_intents/search"]
    assert searches[-1].args["query"] == "metadata['booking_key']:'ord_o1:ful:1'"


def test_an_old_refund_is_found_through_its_orders_payments(api: FakeStripeApi) -> None:
    gateway = StripeGateway(_fake_config(api, CapturePolicy.AUTOMATIC, lookup_limit=1))
    for order in ("ord_r1", "ord_r2"):
        created = gateway.create_payment(_pay(f"{order}:ful:1", Money(19900, "CNY")))
        api.pay(str(created.gateway_reference))
        gateway.refund(RefundRequest(f"{order}:rf:1", f"{order}:ful:1", Money(100, "CNY")))

    old = gateway.get_refund("ord_r1:rf:1")

    assert (old.amount, old.status) == (Money(100, "CNY"), RefundStatus.PENDING)
    searches = [r.args["query"] for r, _ in api.server.log if r.path.endswith("/search")]
    assert searches[-1] == "metadata['order_id']:'ord_r1'"
    with pytest.raises(NotFound):
        gateway.get_refund("ord_r9:rf:1")


# -- statements ------------------------------------------------------------------------


def _txn(kind: str, source: dict[str, object], at: pendulum.DateTime) -> dict[str, object]:
    return {
        "id": "txn_" + str(source["id"]),
        "object": "balance_transaction",
        "type": kind,
        "created": int(at.timestamp()),
        "amount": 2700,  # in the settlement currency: not what the statement reports
        "currency": "usd",
        "source": source,
    }


def _charge(
    charge_id: str, amount: int, intent: str, captured: int | None = None
) -> dict[str, object]:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if captured is None else captured,
        "currency": "cny",
        "payment_intent": intent,
    }


def _refund(refund_id: str, amount: int, intent: str, tags: dict[str, str]) -> dict[str, object]:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "currency": "cny",
        "payment_intent": intent,
        "metadata": tags,
    }


def test_a_days_balance_transactions_are_its_statement(api: FakeStripeApi) -> None:
    gateway = StripeGateway(_fake_config(api, CapturePolicy.HOLDS, statement_zone="Asia/Shanghai"))
    created = gateway.create_payment(_pay("ord_b1:ful:1", Money(19900, "CNY")))
    pi = str(created.gateway_reference)
    foreign = api._create_intent({"amount": "500", "currency": "cny"})["id"]
    noon = pendulum.datetime(2026, 3, 5, 12, tz="Asia/Shanghai")
    charge = _charge("ch_1", 19900, pi)
    ours = _refund("re_1", 5000, pi, {"booking_refund_key": "ord_b1:rf:1"})
    dashboard = _refund("re_2", 100, pi, {})
    api.balance += [
        _txn("charge", charge, noon),
        _txn("refund", ours, noon.add(hours=11, minutes=59)),
        _txn("refund", dashboard, noon.add(hours=1)),
        _txn("charge", _charge("ch_2", 500, foreign), noon),  # not booking_core's
        _txn("payout", {"id": "po_1", "object": "payout"}, noon),
        _txn("refund", {**ours, "id": "re_3"}, noon.add(hours=12)),  # the next day
    ]

    entries = gateway.statement(pendulum.date(2026, 3, 5))

    assert isinstance(gateway, StatementSource)
    assert gateway.statement_zone == "Asia/Shanghai"
    assert [(e.kind.value, e.key, e.amount, e.reference) for e in entries] == [
        ("payment", "ord_b1:ful:1", Money(19900, "CNY"), "ch_1"),
        ("refund", "ord_b1:rf:1", Money(5000, "CNY"), "re_1"),
        ("refund", "re_2", Money(100, "CNY"), "re_2"),
    ]
    assert entries[0].at == noon
    with pytest.raises(PaymentError, match="not complete"):
        gateway.statement(pendulum.today("Asia/Shanghai").date())
    api.fail_next("GET", "/v1/balance_transactions", 500)
    with pytest.raises(PaymentError):
        gateway.statement(pendulum.date(2026, 3, 5))


def test_a_hold_captured_in_part_is_a_payment_of_what_was_captured(api: FakeStripeApi) -> None:
    # Stripe (API 2025-03-31 on) books a partial capture as one balance transaction; the
    # charge keeps the authorized `amount` and says what it took in `amount_captured`.
    gateway = StripeGateway(_fake_config(api, CapturePolicy.HOLDS))
    created = gateway.create_payment(_pay("ord_b2:dep:1", Money(30000, "CNY"), hold=True))
    noon = pendulum.datetime(2026, 3, 5, 12, tz="UTC")
    charge = _charge("ch_9", 30000, str(created.gateway_reference), captured=9000)
    api.balance.append(_txn("charge", charge, noon))

    [entry] = gateway.statement(pendulum.date(2026, 3, 5))

    assert (entry.key, entry.amount) == ("ord_b2:dep:1", Money(9000, "CNY"))


# -- webhooks --------------------------------------------------------------------------


def _intent(key: str, status: str = "succeeded", **fields: object) -> dict[str, object]:
    return {
        "id": "pi_test1",
        "object": "payment_intent",
        "amount": 19900,
        "amount_received": 19900 if status == "succeeded" else 0,
        "amount_capturable": 19900 if status == "requires_capture" else 0,
        "currency": "cny",
        "livemode": False,
        "metadata": {"booking_key": key},
        "status": status,
        **fields,
    }


@pytest.fixture
def offline() -> StripeGateway:
    """A gateway that only parses notifications (no API call is made)."""
    return StripeGateway(StripeConfig("sk_test_offline", "whsec_offline"))


@pytest.mark.parametrize(
    ("event_type", "status", "kind"),
    [
        ("payment_intent.succeeded", "succeeded", WebhookKind.PAYMENT_CAPTURED),
        (
            "payment_intent.amount_capturable_updated",
            "requires_capture",
            WebhookKind.PAYMENT_AUTHORIZED,
        ),
        ("payment_intent.payment_failed", "requires_payment_method", WebhookKind.PAYMENT_DECLINED),
        ("payment_intent.canceled", "canceled", WebhookKind.PAYMENT_CANCELLED),
    ],
)
def test_payment_intent_events(
    offline: StripeGateway, event_type: str, status: str, kind: WebhookKind
) -> None:
    body = event_body(event_type, _intent("ord_w1:ful:1", status), event_id="evt_1")

    parsed = offline.parse_webhook({"stripe-signature": sign(body, "whsec_offline")}, body)

    assert [(e.event_id, e.kind, e.payment_key, e.amount) for e in parsed.events] == [
        ("evt_1", kind, "ord_w1:ful:1", Money(19900, "CNY"))
    ]
    assert (parsed.ack.status_code, parsed.ack.body, parsed.gateway) == (200, "", "stripe")


@pytest.mark.parametrize(
    ("status", "kinds"),
    [
        ("succeeded", [WebhookKind.REFUND_SUCCEEDED]),
        ("failed", [WebhookKind.REFUND_FAILED]),
        ("pending", []),
    ],
)
def test_refund_events(offline: StripeGateway, status: str, kinds: list[WebhookKind]) -> None:
    refund = {
        "id": "re_1",
        "object": "refund",
        "amount": 5000,
        "currency": "cny",
        "payment_intent": "pi_test1",
        "metadata": {"booking_refund_key": "ord_w1:rf:1", "booking_key": "ord_w1:ful:1"},
        "status": status,
    }
    body = event_body("refund.updated", refund)
    charge_body = event_body(
        "charge.refunded",
        {"id": "ch_1", "object": "charge", "refunds": {"object": "list", "data": [refund]}},
        event_id="evt_2",
    )

    events = offline.parse_webhook({"Stripe-Signature": sign(body, "whsec_offline")}, body).events
    embedded = offline.parse_webhook(
        {"Stripe-Signature": sign(charge_body, "whsec_offline")}, charge_body
    ).events

    assert [e.kind for e in events] == kinds == [e.kind for e in embedded]
    for event in events:
        assert (event.refund_key, event.payment_key, event.amount) == (
            "ord_w1:rf:1",
            "ord_w1:ful:1",
            Money(5000, "CNY"),
        )
    assert [e.event_id for e in embedded] == ["evt_2:re_1"] * len(kinds)


def test_a_notification_localstripe_signs_and_posts_itself_parses(wire: StripeWire) -> None:
    config = make_config(wire, CapturePolicy.AUTOMATIC)
    gateway = StripeGateway(config)
    endpoint = HTTPServer(host="127.0.0.1", port=0)
    endpoint.expect_request("/hook", method="POST").respond_with_data("")
    endpoint.start()
    try:
        wire.configure_webhook(endpoint.url_for("/hook"), config.webhook_secret)
        created = gateway.create_payment(_pay("ord_n1:ful:1", Money(19900, "CNY")))
        wire.pay(str(created.gateway_reference))
        deadline = time.monotonic() + 10  # localstripe posts a second after the fact

        def ours() -> list[ParsedWebhook]:
            # Earlier tests' payments may be posted too: each is verified, ours is kept.
            parsed = [gateway.parse_webhook(dict(r.headers), r.get_data()) for r, _ in endpoint.log]
            return [p for p in parsed if [e.payment_key for e in p.events] == ["ord_n1:ful:1"]]

        while not ours() and time.monotonic() < deadline:
            time.sleep(0.05)
        [parsed] = ours()
    finally:
        wire.configure_webhook("http://127.0.0.1:9/", "whsec_gone")
        endpoint.stop()

    assert [(e.kind, e.payment_key, e.amount) for e in parsed.events] == [
        (WebhookKind.PAYMENT_CAPTURED, "ord_n1:ful:1", Money(19900, "CNY"))
    ]
    assert parsed.events[0].event_id.startswith("evt_")


def test_a_signature_is_accepted_within_the_tolerance_only(offline: StripeGateway) -> None:
    body = event_body("payment_intent.succeeded", _intent("ord_w2:ful:1"))
    now = int(time.time())

    recent = offline.parse_webhook(
        {"Stripe-Signature": sign(body, "whsec_offline", now - 250)}, body
    )
    with pytest.raises(InvalidWebhook):
        offline.parse_webhook({"Stripe-Signature": sign(body, "whsec_offline", now - 400)}, body)

    assert len(recent.events) == 1


def test_notifications_stripe_signs_are_verified_on_the_wire_format(
    offline: StripeGateway,
) -> None:
    body = event_body("payment_intent.succeeded", _intent("ord_w3:ful:1"))
    header = sign(body, "whsec_offline")

    # The header Stripe sends may carry several v1 signatures (a secret being rolled).
    rolled = f"{header},v1={'0' * 64}"
    assert len(offline.parse_webhook({"Stripe-Signature": rolled}, body).events) == 1
    stripe.WebhookSignature.verify_header(body, header, "whsec_offline", 300)
    with pytest.raises(InvalidWebhook):
        offline.parse_webhook({"Stripe-Signature": header.replace("v1=", "v0=")}, body)


def test_other_events_and_other_objects_are_acknowledged_without_events(
    offline: StripeGateway,
) -> None:
    for body in (
        event_body("customer.created", {"id": "cus_1", "object": "customer"}),
        event_body("payment_intent.succeeded", _intent("x", metadata={})),
    ):
        parsed = offline.parse_webhook({"Stripe-Signature": sign(body, "whsec_offline")}, body)
        assert (parsed.events, parsed.ack.status_code) == ((), 200)


def test_a_live_event_is_refused_by_a_test_mode_gateway(offline: StripeGateway) -> None:
    event = json.loads(event_body("payment_intent.succeeded", _intent("ord_w4:ful:1")))
    event["livemode"] = True
    body = json.dumps(event).encode()

    with pytest.raises(InvalidWebhook):
        offline.parse_webhook({"Stripe-Signature": sign(body, "whsec_offline")}, body)
    with pytest.raises(InvalidWebhook):
        offline.parse_webhook({"Stripe-Signature": sign(b"not json", "whsec_offline")}, b"x")


# -- configuration -------------------------------------------------------------------------


def test_the_keys_never_show() -> None:
    config = StripeConfig("sk_live_supersecret", "whsec_alsosecret")

    shown = repr(StripeGateway(config))

    assert "supersecret" not in shown
    assert "alsosecret" not in shown
    assert config.livemode


@pytest.mark.parametrize(
    ("secret_key", "webhook_secret"), [("pk_test_x", "whsec_x"), ("sk_test_x", "x")]
)
def test_keys_of_the_wrong_kind_are_refused(secret_key: str, webhook_secret: str) -> None:
    with pytest.raises(ValueError, match="must be") as refused:
        StripeConfig(secret_key, webhook_secret)

    assert secret_key not in str(refused.value)
