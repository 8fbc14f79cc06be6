"""End to end through the reference server over HTTP, with the real gateway talking to the
fake Alipay: a deposit paid on Alipay's mobile page (the platform takes WeChat Pay by
default and Alipay in mobile browsers) and captured by Alipay's signed notification; a late
cancellation refunded in part (Alipay refunds at once, so the fee is what the refund
keeps); the next morning's check of Alipay's trade bill.

One clock for all: the platform's FrozenClock is also the gateway's and the fake Alipay's,
so Alipay stamps payments, refunds and bills with the platform's time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs
import pendulum
import pytest
from fastapi.testclient import TestClient
from pendulum import DateTime

from booking_core.bootstrap import build
from booking_core.money import Money
from booking_core.orders import Actor
from booking_core.orders.cancellation import CancellationPolicy, FeeSchedule, notice_minutes
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.ports.payments import PaymentChannel
from booking_core.routing import PaymentRouting
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, ScriptedPaymentGateway, SequentialIds
from booking_core_alipay import AlipayConfig, AlipayGateway, encode_key
from booking_server import create_app
from booking_server.credentials import headers_for
from booking_server.demo_data import seed_demo_data

from .conftest import APP_ID
from .fakes.alipay import BillRow, FakeAlipay, sign_params
from .fakes.keys import Keys

ALICE = "cus-alice"
MONDAY = "2026-03-02"
PRICE = Money(19900, "CNY")  # the demo's Chinese tuina with Li Wei
# 199.00 × 0.335 = 66.665 yuan: exactly half a fen, rounded up; the late fee of 35 % of
# that is 23.3345 yuan, rounded down (in the customer's favour).
LATE_FEE = FeeSchedule.of((24 * 60, "0"), (0, "0.35"))
POLICY = OrderPolicy(
    cancellation=CancellationPolicy(deposit=LATE_FEE), deposit_rate=Decimal("0.335")
)
DEPOSIT, FEE, REFUND = 6667, 2333, 4334
START = pendulum.datetime(2026, 3, 3, 10, tz="Asia/Shanghai")
# The server's own notify URL, given to Alipay in every order string.
NOTIFY_URL = "https://shop.example.com/payments/webhook/alipay"
BILL_QUERY = "alipay.data.dataservice.bill.downloadurl.query"
# A sale of the shop's own till on the same Alipay app: not an order of the platform.
FOREIGN = BillRow("2026030222001455550000000009", "SHOP-20260302-9", "交易",
                  "2026-03-02 12:00:00", "2026-03-02 12:00:07", "88.80")  # fmt: skip


def cny(fen: int) -> dict[str, Any]:
    """Money as the server writes it."""
    return {"amount": fen, "currency": "CNY"}


def shanghai(day: int, hour: int, minute: int = 0) -> DateTime:
    return pendulum.datetime(2026, 3, day, hour, minute, tz="Asia/Shanghai")


@attrs.define
class Server:
    """The reference server over the real gateway, and the fake Alipay behind it."""

    api: TestClient
    clock: FrozenClock
    fake: FakeAlipay
    alice: dict[str, str]
    finance: dict[str, str]
    slot: dict[str, str]

    def notify(self, notice: tuple[dict[str, str], bytes]) -> tuple[int, str]:
        """Alipay posts a notification (a signed form) to the notify URL the order string
        gave it; the server's status and body."""
        headers, body = notice
        path = urlsplit(NOTIFY_URL).path
        reply = self.api.post(path, content=body, headers=headers)
        return reply.status_code, reply.text

    def order(self, order_id: str) -> dict[str, Any]:
        reply = self.api.get(f"/orders/{order_id}", headers=self.alice)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def money(self, order_id: str) -> dict[str, Any]:
        reply = self.api.get(f"/orders/{order_id}/money", headers=self.alice)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def check(self, day: str) -> Any:
        """Finance checks Alipay's statement of ``day`` now."""
        return self.api.post(f"/statement-checks/alipay/{day}", headers=self.finance)


@pytest.fixture
def server(config: AlipayConfig, fake: FakeAlipay) -> Iterator[Server]:
    clock = FrozenClock(shanghai(2, 8))
    fake.clock = clock.now  # Alipay's clock is the platform's
    alipay = AlipayGateway(attrs.evolve(config, notify_url=NOTIFY_URL), now=clock.now)
    wechatpay = ScriptedPaymentGateway(name="wechatpay", clock=clock)
    booking_app = build(
        uow=InMemoryStore().unit_of_work,
        payments=PaymentRouting(wechatpay, {PaymentChannel.H5: alipay}),
        clock=clock,
        ids=SequentialIds(),
        order_policy=POLICY,
    )
    demo = seed_demo_data(booking_app)
    app = create_app(booking_app)
    with TestClient(app) as api:
        yield Server(
            api=api,
            clock=clock,
            fake=fake,
            alice=headers_for(app, Actor.customer(ALICE)),
            finance=headers_for(app, Actor.platform("fin-1", StaffRole.FINANCE)),
            slot={
                "technician_id": demo.technicians["李伟 Li Wei"].id,
                "service_id": demo.services["中式推拿 Chinese tuina"].id,
                "start": START.isoformat(),
                "payment_mode": PaymentMode.DEPOSIT.value,
            },
        )


def _order_string(url: str) -> dict[str, str]:
    """The signed parameters of a redirect to Alipay's page."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _place(server: Server) -> str:
    placed = server.api.post("/orders", json=server.slot, headers=server.alice)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["state"], order["price"]) == ("pending_payment", cny(PRICE.amount))
    return str(order["id"])


def _pay_on_alipays_page(server: Server, order_id: str) -> dict[str, Any]:
    """Alice pays in her phone's browser; the answer of ``POST /orders/{id}/payments``.
    She pays on Alipay's page five minutes later; Alipay has not notified yet."""
    paying = server.api.post(
        f"/orders/{order_id}/payments", json={"channel": "h5"}, headers=server.alice
    )
    assert paying.status_code == 200, paying.text
    waiting: dict[str, Any] = paying.json()
    server.clock.set(shanghai(2, 8, 5))
    server.fake.pay_via(waiting["next_action"]["data"])  # the fake checks the app's signature
    return waiting


def _paid_deposit(server: Server) -> tuple[str, str]:
    """A deposit order paid on Alipay's page and notified; the order and payment key."""
    order_id = _place(server)
    key = _pay_on_alipays_page(server, order_id)["idempotency_key"]
    assert server.notify(server.fake.notification(encode_key(key))) == (200, "success")
    return order_id, str(key)


def _cancelled_late(server: Server, order_id: str) -> dict[str, Any]:
    """Alice cancels at 11:00 on Monday, 23 hours before the start: the late tier."""
    server.clock.set(shanghai(2, 11))
    cancelled = server.api.post(
        f"/orders/{order_id}/cancellation", json={"reason": "plans changed"}, headers=server.alice
    )
    assert cancelled.status_code == 200, cancelled.text
    body: dict[str, Any] = cancelled.json()
    return body


def test_a_deposit_paid_on_alipays_page_is_captured_by_alipays_notification(
    server: Server, keys: Keys
) -> None:
    order_id = _place(server)

    waiting = _pay_on_alipays_page(server, order_id)

    assert POLICY.upfront(PaymentMode.DEPOSIT, PRICE) == Money(DEPOSIT, "CNY")
    assert (waiting["status"], waiting["order_state"], waiting["amount"]) == (
        "requires_action", "pending_payment", cny(DEPOSIT),
    )  # fmt: skip
    key = waiting["idempotency_key"]
    out_trade_no = encode_key(key)
    action = waiting["next_action"]
    assert action["kind"] == "redirect"
    assert action["data"]["url"].startswith(f"{server.fake.url}?")  # Alipay's gateway
    signed = _order_string(action["data"]["url"])
    assert (signed["method"], signed["app_id"], signed["sign_type"]) == (
        "alipay.trade.wap.pay", APP_ID, "RSA2",
    )  # fmt: skip
    assert signed["notify_url"] == NOTIFY_URL
    biz = json.loads(signed["biz_content"])
    assert (biz["out_trade_no"], biz["total_amount"], biz["product_code"]) == (
        out_trade_no, "66.67", "QUICK_WAP_WAY",
    )  # fmt: skip
    assert biz["time_expire"] == "2026-03-02 08:30:00"  # Beijing time, 30 minutes to pay
    trade = server.fake.trades[out_trade_no]
    assert (trade.status, trade.total, trade.paid_at) == (
        "TRADE_SUCCESS", DEPOSIT, "2026-03-02 08:05:00",
    )  # fmt: skip
    assert server.order(order_id)["state"] == "pending_payment"  # until Alipay says so

    headers, body = server.fake.notification(out_trade_no)
    genuine = dict(parse_qsl(body.decode()))
    unsigned = {k: v for k, v in genuine.items() if k != "sign"}
    forged = sign_params(unsigned, keys.forger)  # signed, but not by Alipay
    tampered = genuine | {"total_amount": "0.01"}  # Alipay's signature, another amount
    for fake_notice in (forged, tampered):
        status, text = server.notify((headers, urlencode(fake_notice).encode()))
        assert (status, json.loads(text)["code"]) == (422, "invalid_webhook")
    assert server.order(order_id)["state"] == "pending_payment"
    [attempt] = server.money(order_id)["payments"]
    assert attempt["status"] == "requires_action"

    delivered = server.notify((headers, body))
    again = server.notify((headers, body))  # Alipay posts again until it reads success

    assert delivered == again == (200, "success")  # exactly what Alipay waits for
    order = server.order(order_id)
    assert order["state"] == "pending_acceptance"
    # Captured once: the redelivery changed nothing.
    assert [(t["event"], t["to_state"]) for t in order["timeline"]] == [
        ("pay", "pending_acceptance")
    ]
    assert server.money(order_id) == {
        "payments": [{"key": key, "purpose": "deposit", "amount": cny(DEPOSIT),
                      "status": "captured", "provider": "alipay", "captured": cny(DEPOSIT)}],
        "refunds": [],
    }  # fmt: skip


def test_a_late_cancellation_refunds_the_deposit_less_the_policys_fee(server: Server) -> None:
    order_id, key = _paid_deposit(server)
    server.clock.set(shanghai(2, 11))
    preview = server.api.get(f"/orders/{order_id}/cancellation", headers=server.alice)
    assert preview.status_code == 200, preview.text

    cancelled = _cancelled_late(server, order_id)

    deposit = Money(DEPOSIT, "CNY")
    notice = notice_minutes(START, shanghai(2, 11))
    assert (notice, LATE_FEE.fee(deposit, notice)) == (23 * 60, Money(FEE, "CNY"))
    quote = cancelled["quote"]
    assert (quote["cause"], quote["paid"], quote["fee"], quote["refund"]) == (
        "customer", cny(DEPOSIT), cny(FEE), cny(REFUND),
    )  # fmt: skip
    assert quote == preview.json()  # as previewed
    assert cancelled["refund_statuses"] == ["succeeded"]  # Alipay refunds synchronously
    # Cancelled, refunding, and refunded in the same request: Alipay answered "done".
    assert [(t["event"], t["to_state"]) for t in cancelled["order"]["timeline"][1:]] == [
        ("cancel", "cancelled"), ("refund", "refunding"), ("settle_refund", "partially_refunded"),
    ]  # fmt: skip
    trade = server.fake.trades[encode_key(key)]
    [(out_request_no, refunded)] = trade.refunds.items()
    assert (refunded, trade.status) == (REFUND, "TRADE_SUCCESS")  # the fee stays paid
    assert trade.refunded_at[out_request_no] == "2026-03-02 11:00:00"
    money = server.money(order_id)
    [refund] = money["refunds"]
    assert encode_key(refund["key"]) == out_request_no
    assert (refund["payment_key"], refund["status"], refund["amount"]) == (
        key, "succeeded", cny(REFUND),
    )  # fmt: skip
    assert pendulum.parse(refund["requested_at"]) == shanghai(2, 11)

    # Alipay notifies the partial refund as well: acknowledged, applied once only.
    notice_of_refund = server.fake.notification(encode_key(key), out_request_no=out_request_no)
    assert server.notify(notice_of_refund) == (200, "success")

    assert server.money(order_id) == money
    [paid] = money["payments"]
    assert (paid["key"], paid["status"], paid["amount"]) == (key, "captured", cny(DEPOSIT))
    assert paid["amount"]["amount"] - refund["amount"]["amount"] == FEE  # what the platform keeps
    assert server.order(order_id)["timeline"] == cancelled["order"]["timeline"]


def test_the_next_mornings_statement_check_balances_then_reports_a_row_never_seen(
    server: Server,
) -> None:
    order_id, key = _paid_deposit(server)
    _cancelled_late(server, order_id)
    server.clock.set(shanghai(2, 23, 59))
    early = server.check(MONDAY)
    assert early.status_code == 402, early.text
    assert (early.json()["code"], early.json()["details"]["reason"]) == (
        "payment_error", "statement_not_ready",
    )  # fmt: skip
    assert BILL_QUERY not in server.fake.calls  # Monday is not over in Beijing: not asked
    server.clock.set(shanghai(3, 9))  # Alipay made Monday's bill overnight

    check = server.check(MONDAY)

    assert check.status_code == 200, check.text
    body = check.json()
    assert (body["provider"], body["day"], body["entries"], body["balanced"]) == (
        "alipay", MONDAY, 2, True,
    )  # fmt: skip
    assert body["differences"] == []
    assert server.fake.calls[-1] == BILL_QUERY
    trade = server.fake.trades[encode_key(key)]
    assert [(r.kind, r.total, r.finished) for r in server.fake.bill_rows(MONDAY)] == [
        ("交易", "66.67", "2026-03-02 08:05:00"), ("退款", "-43.34", "2026-03-02 11:00:00"),
    ]  # fmt: skip

    server.fake.plant_bill_row(MONDAY, FOREIGN)
    again = server.check(MONDAY)

    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["entries"], body["balanced"]) == (3, False)
    assert body["differences"] == [
        {"kind": "missing_ours", "entry": "payment", "key": FOREIGN.out_trade_no, "ours": None,
         "theirs": cny(8880), "order_id": None, "reference": FOREIGN.trade_no},
    ]  # fmt: skip
    assert FOREIGN.trade_no != trade.trade_no
    stored = server.api.get(f"/statement-checks/alipay/{MONDAY}", headers=server.finance)
    assert stored.json()["differences"] == body["differences"]  # the later check replaced it
