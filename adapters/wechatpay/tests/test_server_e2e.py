"""End to end through the reference server over HTTP, with the real gateway talking to the
fake WeChat Pay: a deposit paid in the mini-program and captured by WeChat Pay's signed,
encrypted notification; a late cancellation refunded in part (WeChat Pay has no hold, so the
fee is what the refund keeps); the next morning's check of WeChat Pay's trade bill."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pendulum
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi.testclient import TestClient
from pendulum import DateTime

from booking_core.accounts import Account, AccountId
from booking_core.bootstrap import build
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.orders.cancellation import CancellationPolicy, FeeSchedule, notice_minutes
from booking_core.orders.policy import OrderPolicy, PaymentMode
from booking_core.staff import StaffRole
from booking_core.testing import FrozenClock, InMemoryStore, SequentialIds
from booking_core_wechatpay import WeChatPayConfig, WeChatPayGateway, out_refund_no, out_trade_no
from booking_server import create_app
from booking_server.credentials import headers_for
from booking_server.demo_data import seed_demo_data

from .fakes.wechatpay import FakeWeChatPay
from .merchant import APPID, MCHID

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"  # Alice's WeChat sign-in
ALICE = "cus-alice"
MONDAY = pendulum.date(2026, 3, 2)
PRICE = Money(19900, "CNY")  # the demo's Chinese tuina with Li Wei
# An odd deposit rate and fee rate, so that both roundings (half-up, then down) show.
LATE_FEE = FeeSchedule.of((24 * 60, "0"), (0, "0.35"))
POLICY = OrderPolicy(
    cancellation=CancellationPolicy(deposit=LATE_FEE), deposit_rate=Decimal("0.333")
)
START = pendulum.datetime(2026, 3, 3, 10, tz="Asia/Shanghai")
FOREIGN = "POS20260302000017"  # a sale of the shop's till on the same merchant number


def as_json(money: Money) -> dict[str, Any]:
    """Money as the server writes it."""
    return {"amount": money.amount, "currency": money.currency}


def shanghai(day: int, hour: int, minute: int = 0) -> DateTime:
    return pendulum.datetime(2026, 3, day, hour, minute, tz="Asia/Shanghai")


@attrs.define
class Server:
    """The reference server over the real gateway, and the fake WeChat Pay behind it."""

    api: TestClient
    clock: FrozenClock
    fake: FakeWeChatPay
    alice: dict[str, str]
    finance: dict[str, str]
    slot: dict[str, str]

    def at(self, when: DateTime) -> None:
        """The platform's clock and WeChat Pay's agree."""
        self.clock.set(when)
        self.fake.set_time(when)

    def notify(self, notice: tuple[dict[str, str], bytes]) -> tuple[int, bytes]:
        """WeChat Pay posts a notification to the notify URL the merchant gave it; the
        server's status and body."""
        headers, body = notice
        reply = self.api.post("/payments/webhook/wechatpay", content=body, headers=headers)
        return reply.status_code, reply.content

    def money(self, order_id: str) -> dict[str, Any]:
        reply = self.api.get(f"/orders/{order_id}/money", headers=self.alice)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body


@pytest.fixture
def server(config: WeChatPayConfig, fake: FakeWeChatPay) -> Iterator[Server]:
    clock = FrozenClock(shanghai(2, 8))
    fake.set_time(clock.now())
    store = InMemoryStore()
    booking_app = build(
        uow=store.unit_of_work,
        payments=WeChatPayGateway(config),
        clock=clock,
        ids=SequentialIds(),
        order_policy=POLICY,
    )
    demo = seed_demo_data(booking_app)
    with store.unit_of_work() as uow:  # Alice signed in with WeChat: her account has an openid
        uow.accounts.add(Account(AccountId("acc_alice"), Role.CUSTOMER, ALICE,
                                 wechat_openid=OPENID, created_at=clock.now()))  # fmt: skip
        uow.commit()
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


def _deposit() -> Money:
    return POLICY.upfront(PaymentMode.DEPOSIT, PRICE)


def _paid_deposit(server: Server) -> tuple[str, dict[str, Any]]:
    """Alice places a deposit order and pays it in the mini-program; WeChat Pay notifies.
    The order's id and the answer of ``POST /orders/{id}/payments``."""
    placed = server.api.post("/orders", json=server.slot, headers=server.alice)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["state"], order["price"]) == ("pending_payment", as_json(PRICE))
    paying = server.api.post(
        f"/orders/{order['id']}/payments", json={"channel": "mini_program"}, headers=server.alice
    )
    assert paying.status_code == 200, paying.text
    server.at(shanghai(2, 8, 5))  # she confirms in WeChat five minutes later
    trade_no = out_trade_no(paying.json()["idempotency_key"])
    server.fake.mark_paid(trade_no)
    assert server.notify(server.fake.payment_notice(trade_no)) == (204, b"")
    return str(order["id"]), paying.json()


def _cancelled_late(server: Server, order_id: str) -> dict[str, Any]:
    """Alice cancels 23 hours before the start: the late tier keeps a fee."""
    server.at(shanghai(2, 11))
    cancelled = server.api.post(
        f"/orders/{order_id}/cancellation", json={"reason": "plans changed"}, headers=server.alice
    )
    assert cancelled.status_code == 200, cancelled.text
    body: dict[str, Any] = cancelled.json()
    return body


def _verifies(key: rsa.RSAPublicKey, signature: str, message: str) -> bool:
    try:
        key.verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(),
                   hashes.SHA256())  # fmt: skip
    except InvalidSignature:
        return False
    return True


def test_a_deposit_paid_in_the_mini_program_is_captured_by_wechat_pays_notification(
    server: Server, merchant_key: rsa.RSAPrivateKey
) -> None:
    placed = server.api.post("/orders", json=server.slot, headers=server.alice).json()

    paying = server.api.post(
        f"/orders/{placed['id']}/payments", json={"channel": "mini_program"}, headers=server.alice
    )

    assert paying.status_code == 200, paying.text
    waiting = paying.json()
    deposit = _deposit()
    assert deposit == Money(6627, "CNY")  # 199.00 × 0.333 = 66.267, half-up to the fen
    assert (waiting["status"], waiting["order_state"], waiting["amount"]) == (
        "requires_action", "pending_payment", as_json(deposit),
    )  # fmt: skip
    trade_no = out_trade_no(waiting["idempotency_key"])
    order_at_wechat = server.fake.orders[trade_no]
    assert order_at_wechat["trade_type"] == "JSAPI"
    assert order_at_wechat["params"]["payer"] == {"openid": OPENID}  # from her account
    assert order_at_wechat["params"]["amount"] == {"total": 6627, "currency": "CNY"}
    action = waiting["next_action"]
    params = action["data"]
    assert action["kind"] == "wechat_jsapi"
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert (params["appId"], params["signType"]) == (APPID, "RSA")
    assert params["package"] == f"prepay_id={order_at_wechat['reply']['prepay_id']}"
    # What wx.requestPayment sends to WeChat, which checks it with the merchant's key.
    signed = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert _verifies(merchant_key.public_key(), params["paySign"], signed)
    assert not _verifies(merchant_key.public_key(), params["paySign"], signed.replace("wx", "wy"))

    server.at(shanghai(2, 8, 5))
    server.fake.mark_paid(trade_no)
    notice = server.fake.payment_notice(trade_no)
    delivered = server.notify(notice)
    again = server.notify(notice)  # WeChat Pay redelivers until it reads a success

    assert delivered == again == (204, b"")  # what WeChat Pay reads as success
    order = server.api.get(f"/orders/{placed['id']}", headers=server.alice).json()
    assert order["state"] == "pending_acceptance"
    assert server.money(placed["id"]) == {
        "payments": [{"key": waiting["idempotency_key"], "purpose": "deposit",
                      "amount": as_json(deposit), "status": "captured",
                      "provider": "wechatpay", "captured": as_json(deposit)}],
        "refunds": [],
    }  # fmt: skip


def test_a_forged_notification_is_refused_and_changes_nothing(server: Server) -> None:
    placed = server.api.post("/orders", json=server.slot, headers=server.alice).json()
    waiting = server.api.post(
        f"/orders/{placed['id']}/payments", json={"channel": "mini_program"}, headers=server.alice
    ).json()
    trade_no = out_trade_no(waiting["idempotency_key"])
    server.fake.mark_paid(trade_no)
    headers, body = server.fake.payment_notice(trade_no)

    forged = server.notify((headers, body.replace(b'"ciphertext": "', b'"ciphertext": "A')))

    assert (forged[0], json.loads(forged[1])["code"]) == (422, "invalid_webhook")
    order = server.api.get(f"/orders/{placed['id']}", headers=server.alice).json()
    assert order["state"] == "pending_payment"


def test_a_late_cancellation_refunds_the_deposit_less_the_policys_fee(server: Server) -> None:
    order_id, paid = _paid_deposit(server)

    cancelled = _cancelled_late(server, order_id)

    deposit = _deposit()
    notice = notice_minutes(START, shanghai(2, 11))
    fee = LATE_FEE.fee(deposit, notice)
    refund = deposit - fee
    assert (notice, fee, refund) == (23 * 60, Money(2319, "CNY"), Money(4308, "CNY"))  # 2319.45↓
    quote = cancelled["quote"]
    assert (quote["cause"], quote["paid"], quote["fee"], quote["refund"]) == (
        "customer", as_json(deposit), as_json(fee), as_json(refund),
    )  # fmt: skip
    # Cancelled, then refunding until WeChat Pay says the refund arrived.
    assert [(t["event"], t["to_state"]) for t in cancelled["order"]["timeline"][-2:]] == [
        ("cancel", "cancelled"), ("refund", "refunding"),
    ]  # fmt: skip
    assert cancelled["refund_statuses"] == ["pending"]  # WeChat Pay refunds asynchronously
    [number] = server.fake.refunds
    at_wechat = server.fake.refunds[number]
    assert (at_wechat["status"], at_wechat["out_trade_no"]) == (
        "PROCESSING", out_trade_no(paid["idempotency_key"]),
    )  # fmt: skip
    assert (at_wechat["amount"]["refund"], at_wechat["amount"]["total"]) == (4308, 6627)
    [pending] = server.money(order_id)["refunds"]
    assert (pending["status"], pending["amount"]) == ("pending", as_json(refund))
    assert out_refund_no(pending["key"]) == number

    server.at(shanghai(2, 11, 2))
    assert server.fake.settle_refunds() == [number]
    delivered = server.notify(server.fake.refund_notice(number))

    assert delivered == (204, b"")
    money = server.money(order_id)
    assert [(p["key"], p["status"], p["amount"]) for p in money["payments"]] == [
        (paid["idempotency_key"], "captured", as_json(deposit))
    ]
    assert [(r["key"], r["payment_key"], r["status"], r["amount"]) for r in money["refunds"]] == [
        (pending["key"], paid["idempotency_key"], "succeeded", as_json(Money(4308, "CNY")))
    ]
    assert deposit.amount - money["refunds"][0]["amount"]["amount"] == 2319  # the fee kept
    order = server.api.get(f"/orders/{order_id}", headers=server.alice).json()
    assert (order["state"], order["timeline"][-1]["event"]) == (
        "partially_refunded", "settle_refund",
    )  # fmt: skip


def test_the_next_mornings_statement_check_balances_then_reports_a_row_never_seen(
    server: Server,
) -> None:
    order_id, _ = _paid_deposit(server)
    _cancelled_late(server, order_id)
    [number] = server.fake.settle_refunds()
    assert server.notify(server.fake.refund_notice(number)) == (204, b"")
    server.at(shanghai(3, 9, 59))
    early = server.api.post(f"/statement-checks/wechatpay/{MONDAY}", headers=server.finance)
    assert early.status_code == 402, early.text
    assert (early.json()["code"], early.json()["details"]["reason"]) == (
        "payment_error", "statement_not_ready",
    )  # fmt: skip
    server.at(shanghai(3, 10))  # WeChat Pay's bill of Monday is ready

    check = server.api.post(f"/statement-checks/wechatpay/{MONDAY}", headers=server.finance)

    assert check.status_code == 200, check.text
    body = check.json()
    assert (body["provider"], body["day"], body["entries"], body["balanced"]) == (
        "wechatpay", "2026-03-02", 2, True,
    )  # fmt: skip
    assert body["differences"] == []
    assert server.fake.calls[-2:] == ["GET /v3/bill/tradebill", "GET /v3/billdownload/file"]

    server.fake.plant_bill_row({
        "交易时间": "2026-03-02 12:00:00", "公众账号ID": APPID, "商户号": MCHID,
        "微信订单号": "4200001234202603020000000017", "商户订单号": FOREIGN,
        "交易类型": "MICROPAY", "交易状态": "SUCCESS", "货币种类": "CNY",
        "应结订单金额": "88.80", "订单金额": "88.80", "商品名称": "到店 足疗",
    })  # fmt: skip
    again = server.api.post(f"/statement-checks/wechatpay/{MONDAY}", headers=server.finance)

    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["entries"], body["balanced"]) == (3, False)
    assert body["differences"] == [
        {"kind": "missing_ours", "entry": "payment", "key": FOREIGN, "ours": None,
         "theirs": {"amount": 8880, "currency": "CNY"}, "order_id": None,
         "reference": "4200001234202603020000000017"},
    ]  # fmt: skip
    stored = server.api.get(f"/statement-checks/wechatpay/{MONDAY}", headers=server.finance)
    assert stored.json()["differences"] == body["differences"]  # the later check replaced it
