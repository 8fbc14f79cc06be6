"""The Stripe adapter end to end, through the reference server over HTTP.

A platform takes WeChat Pay by default and cards through Stripe. Alice books a tuina for
Monday evening by deposit and pays it by card: the server hands her Stripe's client
secret, her browser confirms the PaymentIntent at Stripe (localstripe), and Stripe's signed
``payment_intent.succeeded`` at ``/payments/webhook/stripe`` moves the order on. She
cancels three hours before the start: the policy keeps 30 % of the deposit and Stripe is
asked for the rest. Finance then checks Stripe's statement of that Monday — balanced, until
someone refunds a little more in Stripe's Dashboard.

With holds on offer (``CapturePolicy.HOLDS``) the same deposit is only authorized on her
card (``capture_method=manual``); Stripe's ``payment_intent.amount_capturable_updated``
moves the order on with nothing captured, and her late cancellation captures the fee from
the hold and releases the rest — no refund, and a statement of one charge of the fee.

Stripe is localstripe (a separate process, see conftest) for everything but two details:
localstripe lists its balance transactions (one per charge, one per refund) at
``/v1/balance_transactions`` and expands their sources, but refuses the ``created`` filter
the adapter reads a day with, and stamps them with the wall clock.
:class:`StripeOnTheTestsClock` stands in front of it and times each transaction by the
test's clock when the call that made it went through, so the orders run on a past day
(Monday 2 March 2026) whose statement is complete by the real time the adapter checks, and
nothing in ``booking_core_stripe`` needs another notion of "now". And localstripe captures
a charge in part as Stripe did before API version 2025-03-31 (the whole charge, then a
refund of its own for the rest, and no ``amount_captured``); the stand-in lists it as
Stripe now does: one balance transaction, the charge's ``amount_captured`` the fee.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pendulum
import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from booking_core.bootstrap import build
from booking_core.orders import Actor
from booking_core.orders.cancellation import CancellationPolicy, FeeSchedule
from booking_core.orders.policy import OrderPolicy
from booking_core.ports.payments import PaymentChannel
from booking_core.routing import PaymentRouting
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core_stripe import CLIENT_SECRET_ACTION, CapturePolicy, StripeGateway
from booking_server import create_app
from booking_server.credentials import headers_for
from booking_server.demo_data import seed_demo_data

from .wire import StripeWire, event_body, make_config, sign

ZONE = "Asia/Shanghai"
MONDAY = "2026-03-02"
SLOT_START = f"{MONDAY}T18:00:00+08:00"

#: 35 % of the 199.00 tuina up front; a customer who cancels within 24 hours keeps paying
#: 30 % of it (60 % within 2 hours).
POLICY = OrderPolicy(
    deposit_rate=Decimal("0.35"),
    cancellation=CancellationPolicy(
        deposit=FeeSchedule.of((24 * 60, "0"), (2 * 60, "0.3"), (0, "0.6"))
    ),
)
_CAPTURE = re.compile(r"/v1/payment_intents/pi_\w+/capture")

DEPOSIT = 6965  # 19900 × 0.35
FEE = 2089  # 6965 × 0.3 = 2089.5, rounded down (in the customer's favour)
REFUND = DEPOSIT - FEE  # 4876


class StripeOnTheTestsClock:
    """Stripe for the gateway: every call forwarded to localstripe (through the session's
    wire, which records it), localstripe's balance transactions timed by ``clock`` when the
    call that made them went through, and listed by that time."""

    def __init__(self, wire: StripeWire, server: HTTPServer, clock: FrozenClock) -> None:
        self.url = server.url_for("/").rstrip("/")
        self._clock = clock
        self._made_at: dict[str, int] = {}  # localstripe's transaction id -> unix time
        self._captured: dict[str, int] = {}  # a charge captured in part -> what was captured
        self._released: set[str] = set()  # localstripe's refunds releasing the rest
        self._stripe = httpx.Client(base_url=wire.url, timeout=10.0)
        self._ledger = httpx.Client(base_url=wire.upstream, auth=(wire.secret_key, ""))
        self.customer = httpx.Client(base_url=self.url, auth=(wire.secret_key, ""))
        server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def close(self) -> None:
        for client in (self._stripe, self._ledger, self.customer):
            client.close()

    def _handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/v1/balance_transactions":
            return self._balance_transactions(request)
        reply = self._stripe.request(
            request.method,
            request.path,
            params=request.query_string.decode(),
            content=request.get_data(),
            headers={
                k: v
                for k, v in request.headers.items()
                if k.lower() in ("authorization", "content-type", "idempotency-key")
            },
        )
        if request.method == "POST":
            self._time_new_transactions()  # a lost reply too: localstripe did the work
            if reply.status_code == 200 and _CAPTURE.fullmatch(request.path):
                self._as_stripe_captures(reply.json()["latest_charge"])
        return Response(reply.content, reply.status_code, content_type="application/json")

    def _as_stripe_captures(self, charge: dict[str, Any]) -> None:
        # localstripe captures a charge in part as Stripe did before API 2025-03-31: the
        # whole charge, and a refund of its own for the rest. Stripe now makes neither:
        # one balance transaction of what was captured (the charge's `amount_captured`).
        refunds = self._ledger.get("/v1/refunds", params={"charge": charge["id"]}).json()
        released = [r for r in refunds["data"] if not r["metadata"]]
        self._captured[charge["id"]] = charge["amount"] - sum(r["amount"] for r in released)
        self._released.update(r["id"] for r in released)

    def _time_new_transactions(self) -> None:
        listed = self._ledger.get("/v1/balance_transactions", params={"limit": 100}).json()
        now = int(self._clock.now().timestamp())
        for txn in listed["data"]:
            self._made_at.setdefault(txn["id"], now)

    def _balance_transactions(self, request: Request) -> Response:
        gte, lt = int(request.args["created[gte]"]), int(request.args["created[lt]"])
        expand = [v for k, v in request.args.items(multi=True) if k.startswith("expand[")]
        assert expand == ["data.source"], expand
        # The rest of the query as the adapter sent it; the day is chosen here.
        rest: list[tuple[str, str | int | float | bool | None]] = [
            (k, v) for k, v in request.args.items(multi=True) if not k.startswith("created")
        ]
        listed = self._ledger.get("/v1/balance_transactions", params=rest).json()
        retimed = [
            txn | {"created": self._made_at[txn["id"]], "source": self._captured_source(txn)}
            for txn in listed["data"]
            if txn["source"]["id"] not in self._released
        ]
        listed["data"] = sorted(
            (txn for txn in retimed if gte <= txn["created"] < lt), key=lambda t: -t["created"]
        )
        return Response(json.dumps(listed), 200, content_type="application/json")

    def _captured_source(self, txn: dict[str, Any]) -> dict[str, Any]:
        source: dict[str, Any] = txn["source"]
        if source["id"] in self._captured:
            return source | {"amount_captured": self._captured[source["id"]]}
        return source

    # -- what the customer's browser and the Dashboard do at Stripe -------------------------

    def confirm(self, intent_id: str) -> dict[str, Any]:
        """Stripe.js: attach the card Alice typed, confirm the PaymentIntent (the two calls
        localstripe needs, as in :meth:`StripeWire.pay`)."""
        path = f"/v1/payment_intents/{intent_id}"
        self.customer.post(path, data={"payment_method": "pm_card_visa"}).raise_for_status()
        confirmed = self.customer.post(f"{path}/confirm")
        confirmed.raise_for_status()
        result: dict[str, Any] = confirmed.json()
        return result

    def dashboard_refund(self, intent_id: str, amount: int) -> dict[str, Any]:
        """Someone refunds part of a payment in the Dashboard: no metadata of ours."""
        made = self.customer.post(
            "/v1/refunds", data={"payment_intent": intent_id, "amount": str(amount)}
        )
        made.raise_for_status()
        result: dict[str, Any] = made.json()
        return result


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(pendulum.datetime(2026, 3, 2, 8, 0, tz=ZONE))  # Monday, 08:00


@pytest.fixture
def stripe_site(
    wire: StripeWire, httpserver: HTTPServer, clock: FrozenClock
) -> Iterator[StripeOnTheTestsClock]:
    site = StripeOnTheTestsClock(wire, httpserver, clock)
    yield site
    site.close()


@pytest.fixture
def webhook_secret() -> str:
    """The signing secret of the platform's endpoint at Stripe."""
    return "whsec_" + secrets.token_hex(16)


def _gateway(
    wire: StripeWire, site: StripeOnTheTestsClock, webhook_secret: str, policy: CapturePolicy
) -> StripeGateway:
    config = make_config(
        wire, policy, api_base=site.url, webhook_secret=webhook_secret, statement_zone=ZONE
    )
    return StripeGateway(config)


@pytest.fixture
def stripe_gateway(
    wire: StripeWire, stripe_site: StripeOnTheTestsClock, webhook_secret: str
) -> Iterator[StripeGateway]:
    # Deposits are charged at once: a cancellation fee is what a partial refund keeps.
    gateway = _gateway(wire, stripe_site, webhook_secret, CapturePolicy.AUTOMATIC)
    yield gateway
    gateway.close()


@pytest.fixture
def holding_platform(
    wire: StripeWire, stripe_site: StripeOnTheTestsClock, clock: FrozenClock, webhook_secret: str
) -> Iterator[Platform]:
    """The platform with holds on offer: the core holds a deposit on the card."""
    gateway = _gateway(wire, stripe_site, webhook_secret, CapturePolicy.HOLDS)
    platform = Platform(gateway, clock, webhook_secret)
    try:
        with platform.api:
            yield platform
    finally:
        gateway.close()


class Platform:
    """The reference server over HTTP, with the demo catalog, and who calls it."""

    def __init__(self, gateway: StripeGateway, clock: FrozenClock, webhook_secret: str) -> None:
        wechatpay = ScriptedPaymentGateway(name="wechatpay", clock=clock)
        booking_app = build(
            uow=InMemoryStore().unit_of_work,
            payments=PaymentRouting(wechatpay, {PaymentChannel.CARD: gateway}),
            clock=clock,
            ids=SequentialIds(),
            order_policy=POLICY,
        )
        demo = seed_demo_data(booking_app)
        app = create_app(booking_app)
        self.api = TestClient(app)
        self.tuina = demo.services["中式推拿 Chinese tuina"].id  # 60 min, 199.00 CNY
        self.li = demo.technicians["李伟 Li Wei"].id
        self.alice = headers_for(app, Actor.customer("cus-alice"))
        self.finance = headers_for(app, Actor.platform("fin-1", StaffRole.FINANCE))
        self.webhook_secret = webhook_secret

    def place_deposit_order(self) -> str:
        """Alice books Li Wei's tuina at 18:00 on Monday, paying a deposit up front."""
        slot = {"technician_id": self.li, "service_id": self.tuina, "start": SLOT_START}
        placed = self.api.post(
            "/orders", json=slot | {"payment_mode": "deposit"}, headers=self.alice
        )
        assert placed.status_code == 201, placed.text
        order_id: str = placed.json()["id"]
        return order_id

    def notify(self, body: bytes) -> tuple[int, str]:
        """Stripe posts an event, signed with the endpoint's secret, to its notify URL;
        the status and body of the answer."""
        headers = {"Stripe-Signature": sign(body, self.webhook_secret)}
        answer = self.api.post("/payments/webhook/stripe", content=body, headers=headers)
        return answer.status_code, answer.text


@pytest.fixture
def platform(
    stripe_gateway: StripeGateway, clock: FrozenClock, webhook_secret: str
) -> Iterator[Platform]:
    platform = Platform(stripe_gateway, clock, webhook_secret)
    with platform.api:
        yield platform


def _asked_of_stripe(wire: StripeWire, method: str, path: str) -> list[dict[str, str]]:
    return [form for (m, p, form, _) in wire.calls if (m, p) == (method, path)]


def test_a_deposit_paid_by_card_cancelled_late_and_checked_against_stripes_statement(
    platform: Platform,
    wire: StripeWire,
    stripe_site: StripeOnTheTestsClock,
    clock: FrozenClock,
) -> None:
    order_id, intent_id = _pay_a_deposit_by_card(platform, wire, stripe_site)
    _cancel_three_hours_before(platform, wire, clock, order_id, intent_id)
    _check_mondays_statement(platform, stripe_site, clock, order_id, intent_id)


def _pay_a_deposit_by_card(
    platform: Platform, wire: StripeWire, stripe_site: StripeOnTheTestsClock
) -> tuple[str, str]:
    """1. The server hands Alice Stripe's client secret, she confirms at Stripe, and
    Stripe's signed notification moves the order on. Returns the order and the intent."""
    api, alice = platform.api, platform.alice
    order_id = platform.place_deposit_order()

    paying = api.post(f"/orders/{order_id}/payments", json={"channel": "card"}, headers=alice)
    assert paying.status_code == 200, paying.text
    waiting = paying.json()
    intent_id: str = waiting["gateway_reference"]
    assert (waiting["status"], waiting["order_state"]) == ("requires_action", "pending_payment")
    assert waiting["amount"] == {"amount": DEPOSIT, "currency": "CNY"}
    assert waiting["next_action"]["kind"] == CLIENT_SECRET_ACTION
    client_secret = waiting["next_action"]["data"]["client_secret"]
    assert client_secret == wire.get(f"/v1/payment_intents/{intent_id}")["client_secret"]
    [created] = _asked_of_stripe(wire, "POST", "/v1/payment_intents")
    assert (created["amount"], created["currency"], created["capture_method"]) == (
        str(DEPOSIT),
        "cny",
        "automatic",
    )
    assert created["metadata[purpose]"] == "deposit"

    assert stripe_site.confirm(intent_id)["status"] == "succeeded"
    assert api.get(f"/orders/{order_id}", headers=alice).json()["state"] == "pending_payment"
    intent = wire.get(f"/v1/payment_intents/{intent_id}")
    forged = event_body("payment_intent.succeeded", intent)
    refused = api.post(
        "/payments/webhook/stripe",
        content=forged,
        headers={"Stripe-Signature": sign(forged, "whsec_" + secrets.token_hex(16))},
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_webhook")
    succeeded = platform.notify(event_body("payment_intent.succeeded", intent))
    assert succeeded == (200, "")  # what Stripe expects
    assert api.get(f"/orders/{order_id}", headers=alice).json()["state"] == "pending_acceptance"
    money = api.get(f"/orders/{order_id}/money", headers=alice).json()
    assert [(p["key"], p["provider"], p["status"], p["amount"]["amount"])
            for p in money["payments"]] == [
        (waiting["idempotency_key"], "stripe", "captured", DEPOSIT)
    ]  # fmt: skip
    return order_id, intent_id


def _cancel_three_hours_before(
    platform: Platform, wire: StripeWire, clock: FrozenClock, order_id: str, intent_id: str
) -> None:
    """2. Alice cancels at 15:00: the policy keeps 30 % of the deposit, Stripe refunds the
    rest."""
    api, alice = platform.api, platform.alice
    clock.set(pendulum.datetime(2026, 3, 2, 15, 0, tz=ZONE))
    preview = api.get(f"/orders/{order_id}/cancellation", headers=alice).json()
    assert (preview["cause"], preview["fee"]["amount"], preview["refund"]["amount"]) == (
        "customer",
        FEE,
        REFUND,
    )
    cancelled = api.post(
        f"/orders/{order_id}/cancellation", json={"reason": "plans changed"}, headers=alice
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["quote"]["fee"] == {"amount": FEE, "currency": "CNY"}
    assert cancelled.json()["refund_statuses"] == ["succeeded"]
    [asked] = _asked_of_stripe(wire, "POST", "/v1/refunds")
    assert (asked["payment_intent"], asked["amount"]) == (intent_id, str(REFUND))
    refund_key = asked["metadata[booking_refund_key]"]
    [refund] = wire.get("/v1/refunds")["data"]
    assert (refund["amount"], refund["status"]) == (REFUND, "succeeded")

    # localstripe refunds at once, so Stripe's answer said so already; its notification
    # (a refund that succeeds at once is announced by refund.created) is answered as Stripe
    # expects and applies nothing twice.
    assert platform.notify(event_body("refund.created", refund)) == (200, "")
    money = api.get(f"/orders/{order_id}/money", headers=alice).json()
    assert [(r["key"], r["status"], r["amount"]["amount"]) for r in money["refunds"]] == [
        (refund_key, "succeeded", REFUND)
    ]
    kept = sum(p["amount"]["amount"] for p in money["payments"] if p["status"] == "captured")
    kept -= sum(r["amount"]["amount"] for r in money["refunds"] if r["status"] == "succeeded")
    assert kept == FEE
    lifecycle = api.get(f"/orders/{order_id}/lifecycle", headers=alice).json()
    assert (lifecycle["order"]["state"], lifecycle["refunded"]["amount"]) == (
        "partially_refunded",
        REFUND,
    )
    charge = wire.get(f"/v1/payment_intents/{intent_id}")["latest_charge"]
    assert charge["amount"] - charge["amount_refunded"] == FEE  # what Stripe keeps, too


def _check_mondays_statement(
    platform: Platform,
    stripe_site: StripeOnTheTestsClock,
    clock: FrozenClock,
    order_id: str,
    intent_id: str,
) -> None:
    """3. Finance checks Stripe's statement of Monday (over, by the real time): balanced;
    then someone refunds 10.00 more in the Dashboard, and the check reports just that."""
    api, finance = platform.api, platform.finance
    check = api.post(f"/statement-checks/stripe/{MONDAY}", headers=finance)
    assert check.status_code == 200, check.text
    assert (check.json()["entries"], check.json()["balanced"], check.json()["differences"]) == (
        2,
        True,
        [],
    )

    # Stripe notifies the platform of the Dashboard's refund too; not one of its own, it
    # is acknowledged and nothing is applied.
    clock.set(pendulum.datetime(2026, 3, 2, 16, 0, tz=ZONE))
    dashboard = stripe_site.dashboard_refund(intent_id, 1000)
    assert platform.notify(event_body("refund.created", dashboard)) == (200, "")
    assert len(api.get(f"/orders/{order_id}/money", headers=platform.alice).json()["refunds"]) == 1

    again = api.post(f"/statement-checks/stripe/{MONDAY}", headers=finance).json()
    assert (again["entries"], again["balanced"]) == (3, False)
    assert [
        (d["kind"], d["entry"], d["key"], d["ours"], d["theirs"], d["reference"])
        for d in again["differences"]
    ] == [
        (
            "missing_ours",
            "refund",
            dashboard["id"],
            None,
            {"amount": 1000, "currency": "CNY"},
            dashboard["id"],
        )
    ]
    kept = api.get(f"/statement-checks/stripe/{MONDAY}", headers=finance).json()
    assert kept["differences"] == again["differences"]


def test_a_refund_whose_answer_was_lost_is_settled_by_stripes_notification(
    platform: Platform,
    wire: StripeWire,
    stripe_site: StripeOnTheTestsClock,
    clock: FrozenClock,
) -> None:
    api, alice = platform.api, platform.alice
    order_id, _ = _pay_a_deposit_by_card(platform, wire, stripe_site)

    clock.set(pendulum.datetime(2026, 3, 2, 15, 0, tz=ZONE))
    with wire.lost_reply():  # Stripe makes the refund, but its answer is a 500
        cancelled = api.post(f"/orders/{order_id}/cancellation", json={}, headers=alice)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["order"]["state"], cancelled.json()["refund_statuses"]) == (
        "refunding",
        ["unknown"],
    )
    [refund] = wire.get("/v1/refunds")["data"]
    assert (refund["amount"], refund["status"]) == (REFUND, "succeeded")
    waiting = api.get(f"/orders/{order_id}/money", headers=alice).json()["refunds"]
    assert [(r["status"], r["amount"]["amount"]) for r in waiting] == [("unknown", REFUND)]

    # Only Stripe's notification tells the platform; a redelivery of it changes nothing.
    body = event_body("refund.created", refund)
    assert [platform.notify(body) for _ in range(2)] == [(200, "")] * 2
    money = api.get(f"/orders/{order_id}/money", headers=alice).json()
    assert [(r["status"], r["amount"]["amount"]) for r in money["refunds"]] == [
        ("succeeded", REFUND)
    ]
    lifecycle = api.get(f"/orders/{order_id}/lifecycle", headers=alice).json()
    assert (lifecycle["order"]["state"], lifecycle["refunded"]["amount"]) == (
        "partially_refunded",
        REFUND,
    )
    assert len(_asked_of_stripe(wire, "POST", "/v1/refunds")) == 1


def test_a_deposit_held_on_the_card_is_captured_for_the_fee_only_on_a_late_cancellation(
    holding_platform: Platform,
    wire: StripeWire,
    stripe_site: StripeOnTheTestsClock,
    clock: FrozenClock,
) -> None:
    platform = holding_platform
    api, alice = platform.api, platform.alice
    order_id = platform.place_deposit_order()  # Monday 18:00: well within the 7-day hold

    # 1. The deposit is only authorized: the intent is created for a manual capture.
    paying = api.post(f"/orders/{order_id}/payments", json={"channel": "card"}, headers=alice)
    assert paying.status_code == 200, paying.text
    waiting = paying.json()
    intent_id: str = waiting["gateway_reference"]
    assert (waiting["status"], waiting["next_action"]["kind"]) == (
        "requires_action",
        CLIENT_SECRET_ACTION,
    )
    [created] = _asked_of_stripe(wire, "POST", "/v1/payment_intents")
    assert (created["amount"], created["capture_method"]) == (str(DEPOSIT), "manual")

    # Alice confirms with her card: the hold is placed. localstripe announces nothing for
    # an authorized intent; Stripe sends payment_intent.amount_capturable_updated.
    assert stripe_site.confirm(intent_id)["status"] == "requires_capture"
    intent = wire.get(f"/v1/payment_intents/{intent_id}")
    assert platform.notify(event_body("payment_intent.amount_capturable_updated", intent)) == (
        200,
        "",
    )
    assert api.get(f"/orders/{order_id}", headers=alice).json()["state"] == "pending_acceptance"
    money = api.get(f"/orders/{order_id}/money", headers=alice).json()
    assert [(p["status"], p["amount"]["amount"]) for p in money["payments"]] == [
        ("authorized", DEPOSIT)
    ]
    assert wire.get(f"/v1/payment_intents/{intent_id}")["latest_charge"]["captured"] is False

    # 2. She cancels at 15:00: 30 % of the deposit is captured from the hold, the rest of
    # it released; nothing is refunded.
    clock.set(pendulum.datetime(2026, 3, 2, 15, 0, tz=ZONE))
    preview = api.get(f"/orders/{order_id}/cancellation", headers=alice).json()
    assert (preview["fee"]["amount"], preview["refund"]["amount"]) == (FEE, REFUND)
    cancelled = api.post(
        f"/orders/{order_id}/cancellation", json={"reason": "plans changed"}, headers=alice
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["refund_statuses"] == []
    captures = _asked_of_stripe(wire, "POST", f"/v1/payment_intents/{intent_id}/capture")
    assert captures == [{"amount_to_capture": str(FEE)}]
    assert _asked_of_stripe(wire, "POST", "/v1/refunds") == []
    charge = wire.get(f"/v1/payment_intents/{intent_id}")["latest_charge"]
    assert charge["captured"] is True
    # localstripe has no amount_received: it captures the charge and releases the rest as
    # a refund of its own (Stripe before API 2025-03-31); Stripe keeps the fee either way.
    assert charge["amount"] - charge["amount_refunded"] == FEE
    money = api.get(f"/orders/{order_id}/money", headers=alice).json()
    assert [(p["status"], p["amount"]["amount"]) for p in money["payments"]] == [
        ("captured", DEPOSIT)  # the attempt, as it was asked for
    ]
    assert money["refunds"] == []
    # Stripe's payment_intent.succeeded for the capture changes nothing.
    captured = wire.get(f"/v1/payment_intents/{intent_id}")
    assert platform.notify(event_body("payment_intent.succeeded", captured)) == (200, "")
    assert api.get(f"/orders/{order_id}/money", headers=alice).json() == money

    lifecycle = api.get(f"/orders/{order_id}/lifecycle", headers=alice).json()
    assert (
        lifecycle["order"]["state"],
        lifecycle["order"]["paid"]["amount"],
        lifecycle["refunded"]["amount"],
    ) == ("cancelled", FEE, 0)

    # 3. Monday's statement agrees: one charge, of the fee.
    check = api.post(f"/statement-checks/stripe/{MONDAY}", headers=platform.finance)
    assert check.status_code == 200, check.text
    assert (check.json()["entries"], check.json()["balanced"], check.json()["differences"]) == (
        1,
        True,
        [],
    )


def test_a_hold_no_notification_announced_is_found_when_the_customer_pays_again(
    holding_platform: Platform, stripe_site: StripeOnTheTestsClock
) -> None:
    platform = holding_platform
    api, alice = platform.api, platform.alice
    order_id = platform.place_deposit_order()
    paying = api.post(f"/orders/{order_id}/payments", json={"channel": "card"}, headers=alice)
    stripe_site.confirm(paying.json()["gateway_reference"])

    # Her page asks again (as localstripe, which announces no authorization): the core
    # asks Stripe about the attempt still open rather than charging twice.
    again = api.post(f"/orders/{order_id}/payments", json={"channel": "card"}, headers=alice)

    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["order_state"]) == (
        "authorized",
        "pending_acceptance",
    )
    assert again.json()["idempotency_key"] == paying.json()["idempotency_key"]
