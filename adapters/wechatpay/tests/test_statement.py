"""The daily statement (对账单): WeChat Pay's trade bill fetched through the SDK, checked
against its hash, read into statement lines, and reconciled by the core end to end."""

from __future__ import annotations

import datetime as dt
import gzip

import attrs
import pendulum
import pytest

from booking_core.errors import PaymentError
from booking_core.money import Money
from booking_core.orders import DifferenceKind, EntryKind, StatementEntry
from booking_core.ports.payments import (
    PaymentChannel,
    PaymentPurpose,
    PaymentRequest,
    RefundRequest,
    RefundStatus,
    StatementSource,
)
from booking_core.testing.orders import CUSTOMER, OPERATOR, at, order_world
from booking_core_wechatpay import WeChatPayConfig, WeChatPayGateway, out_trade_no
from booking_core_wechatpay.statements import read_trade_bill

from .fakes.wechatpay import BEIJING, BILL_COLUMNS, FakeWeChatPay
from .merchant import APPID, MCHID

MONDAY = pendulum.date(2026, 3, 2)
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
FOREIGN = "POS20260302000017"  # the shop's till on the same merchant number


def beijing(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=BEIJING)


def cny(fen: int) -> Money:
    return Money(fen, "CNY")


@pytest.fixture
def gateway(config: WeChatPayConfig) -> WeChatPayGateway:
    return WeChatPayGateway(config)


def _paid(
    gateway: WeChatPayGateway,
    fake: FakeWeChatPay,
    key: str,
    fen: int,
    channel: PaymentChannel = PaymentChannel.QR,
) -> str:
    gateway.create_payment(
        PaymentRequest(key, key.partition(":")[0], cny(fen), PaymentPurpose.FULL, "上门按摩",
                       channel=channel, payer=OPENID)
    )  # fmt: skip
    fake.mark_paid(out_trade_no(key))
    return str(fake.orders[out_trade_no(key)]["transaction_id"])


def _foreign_row(**more: str) -> dict[str, str]:
    """A sale of the shop's till: its own out_trade_no, no attach of ours."""
    row = {
        "交易时间": "2026-03-02 12:00:00", "公众账号ID": APPID, "商户号": MCHID,
        "微信订单号": "4200001234202603020000000017", "商户订单号": FOREIGN,
        "交易类型": "MICROPAY", "交易状态": "SUCCESS", "货币种类": "CNY",
        "应结订单金额": "88.80", "订单金额": "88.80", "商品名称": "到店 足疗",
    }  # fmt: skip
    return row | more


def test_the_gateway_is_a_statement_source_of_beijing_days(gateway: WeChatPayGateway) -> None:
    assert isinstance(gateway, StatementSource)
    assert gateway.statement_zone == "Asia/Shanghai"


def test_a_day_of_payments_a_partial_refund_and_a_foreign_row(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    fake.set_time(beijing(2, 9))
    whole = _paid(gateway, fake, "ord_a:ful:1", 19900)
    fake.set_time(beijing(2, 9, 5))
    fen = _paid(gateway, fake, "ord_b:ful:1", 1, PaymentChannel.MINI_PROGRAM)
    fake.set_time(beijing(2, 9, 10))
    large = _paid(gateway, fake, "ord_c:ful:1", 123456)
    fake.set_time(beijing(2, 11))
    refund = gateway.refund(RefundRequest("ord_a:rf:1", "ord_a:ful:1", cny(5000)))
    fake.plant_bill_row(_foreign_row())
    fake.set_time(beijing(3, 8))
    _paid(gateway, fake, "ord_d:ful:1", 500)  # Tuesday's
    fake.set_time(beijing(3, 10, 30))  # Monday's bill is ready

    entries = gateway.statement(MONDAY)

    assert refund.status is RefundStatus.PENDING  # listed on the day it was accepted
    assert entries == [
        StatementEntry(EntryKind.PAYMENT, "ord_a:ful:1", cny(19900), at(2, 9), whole),
        StatementEntry(EntryKind.PAYMENT, "ord_b:ful:1", cny(1), at(2, 9, 5), fen),
        StatementEntry(EntryKind.PAYMENT, "ord_c:ful:1", cny(123456), at(2, 9, 10), large),
        StatementEntry(EntryKind.REFUND, "ord_a:rf:1", cny(5000), at(2, 11),
                       refund.gateway_reference),
        StatementEntry(EntryKind.PAYMENT, FOREIGN, cny(8880), at(2, 12),
                       "4200001234202603020000000017"),
    ]  # fmt: skip
    assert fake.calls[-2:] == ["GET /v3/bill/tradebill", "GET /v3/billdownload/file"]


def test_amounts_are_what_the_order_asked_not_what_is_settled(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    # A merchant-funded (免充值) coupon: WeChat Pay settles less than the order's total,
    # and refunds less than was asked; our records hold the order's and the refund's.
    key = "ord_e:ful:1"
    ours = {"商户订单号": out_trade_no(key), "商户数据包": key, "微信订单号": "4200000042"}
    fake.plant_bill_row(
        _foreign_row(**ours, 应结订单金额="90.00", 代金券金额="10.00", 订单金额="100.00")
    )
    fake.plant_bill_row(
        _foreign_row(**ours, 交易时间="2026-03-02 18:30:00", 交易状态="REFUND",
                     应结订单金额="0.00", 订单金额="0.00", 微信退款单号="50300042",
                     商户退款单号="ord_e*rf*1", 退款金额="45.00", 申请退款金额="50.00",
                     退款状态="SUCCESS")
    )  # fmt: skip
    fake.set_time(beijing(3, 10))

    entries = gateway.statement(MONDAY)

    assert [(e.kind, e.key, e.amount, e.reference) for e in entries] == [
        (EntryKind.PAYMENT, key, cny(10000), "4200000042"),
        (EntryKind.REFUND, "ord_e:rf:1", cny(5000), "50300042"),
    ]


def test_a_row_whose_attach_does_not_name_its_order_is_not_taken_for_ours(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    # Another system put one of our keys in attach under its own out_trade_no: kept under
    # WeChat Pay's number, so it is reported, never matched to our payment.
    fake.plant_bill_row(_foreign_row(商户数据包="ord_a:ful:1"))
    fake.plant_bill_row(  # a payment-code sale revoked: never ours, still reported
        _foreign_row(交易时间="2026-03-02 12:30:00", 商户订单号="POS18", 交易状态="REVOKED")
    )
    fake.plant_bill_row(
        _foreign_row(交易状态="REFUND", 商户退款单号="RF17", 申请退款金额="8.80",
                     微信退款单号="50300017")
    )  # fmt: skip
    fake.set_time(beijing(3, 10))

    entries = gateway.statement(MONDAY)

    assert [(e.kind, e.key, e.amount) for e in entries] == [
        (EntryKind.PAYMENT, FOREIGN, cny(8880)),
        (EntryKind.REFUND, "RF17", cny(880)),
        (EntryKind.PAYMENT, "POS18", cny(8880)),
    ]


def test_a_file_that_does_not_match_its_hash_is_refused(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    fake.set_time(beijing(2, 9))
    _paid(gateway, fake, "ord_a:ful:1", 19900)
    fake.set_time(beijing(3, 10, 30))
    fake.tamper_bills = True

    with pytest.raises(PaymentError) as raised:
        gateway.statement(MONDAY)

    assert raised.value.details["reason"] == "statement_unverified"


def test_a_bill_not_made_yet_is_not_ready(gateway: WeChatPayGateway, fake: FakeWeChatPay) -> None:
    fake.set_time(beijing(2, 9))
    _paid(gateway, fake, "ord_a:ful:1", 19900)
    fake.set_time(beijing(3, 9, 59))

    with pytest.raises(PaymentError) as raised:
        gateway.statement(MONDAY)

    assert raised.value.details == {
        "reason": "statement_not_ready",
        "code": "STATEMENT_CREATING",
        "day": MONDAY.isoformat(),
    }


def test_a_day_without_trades_has_an_empty_statement(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    fake.set_time(beijing(2, 9))
    _paid(gateway, fake, "ord_a:ful:1", 19900)
    fake.set_time(beijing(4, 10))  # Tuesday's bill would be ready: WeChat Pay made none

    assert gateway.statement(MONDAY.add(days=1)) == []


def test_an_unreachable_wechat_pay_is_a_payment_error(config: WeChatPayConfig) -> None:
    gateway = WeChatPayGateway(attrs.evolve(config, proxy="http://127.0.0.1:9", timeout_seconds=1))

    with pytest.raises(PaymentError) as raised:
        gateway.statement(MONDAY)

    assert raised.value.details["reason"] == "statement_unreachable"


# -- the file format ---------------------------------------------------------------------

_OLDER_BILL = (
    "\ufeff交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,总金额,企业红包金额,微信退款单号,商户退款单号,退款金额,"
    "企业红包退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率\r\n"
    "`2026-03-02 09:00:00,`wx1,`1900000109,`0,`,`4200000001,`{trade_no},`oU1,`JSAPI,"
    "`SUCCESS,`CMB_DEBIT,`CNY,`1234.56,`0.00,`0,`0,`0.00,`0.00,`,`,`按摩, 60 分钟,"
    "`{key},`7.41,`0.60%\r\n"
)
_OLDER_SUMMARY = (
    "总交易单数,总交易额,总退款金额,总企业红包退款金额,手续费总金额\r\n"
    "`1,`1234.56,`0.00,`0.00,`7.41\r\n"
)


def test_a_bill_of_the_older_settlement_is_read_by_its_column_names() -> None:
    key = "ord_f:ful:1"
    bill = (_OLDER_BILL.format(trade_no=out_trade_no(key), key=key) + _OLDER_SUMMARY).encode()

    [entry] = read_trade_bill(bill)

    # "按摩, 60 分钟" holds a comma: fields are split where the next backtick starts.
    assert entry == StatementEntry(EntryKind.PAYMENT, key, cny(123456), at(2, 9), "4200000001")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (",`0.60%", ""),
        ("`1234.56,", "`1234.567,"),
        ("`SUCCESS", "`CLOSED"),
        ("`2026-03-02 09:00:00", "`2026/03/02 09:00"),
        (_OLDER_SUMMARY, ""),
    ],
    ids=["a field short", "a third decimal", "an unknown state", "another time", "cut short"],
)
def test_a_file_that_is_not_a_trade_bill_as_wechat_pay_writes_it_is_unreadable(
    old: str, new: str
) -> None:
    key = "ord_f:ful:1"
    text = _OLDER_BILL.format(trade_no=out_trade_no(key), key=key) + _OLDER_SUMMARY
    assert old in text

    with pytest.raises(PaymentError) as raised:
        read_trade_bill(text.replace(old, new, 1).encode())

    assert raised.value.details == {"reason": "statement_unreadable"}


def test_the_fake_writes_the_bill_as_wechat_pay_does(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    fake.set_time(beijing(2, 9))
    _paid(gateway, fake, "ord_a:ful:1", 19900)
    fake.set_time(beijing(3, 10))
    gateway.statement(MONDAY)
    [packed] = fake._downloads.values()

    lines = gzip.decompress(packed).decode("utf-8-sig").split("\r\n")

    assert lines[0] == ",".join(BILL_COLUMNS)
    assert lines[1].startswith("`2026-03-02 09:00:00,`wxd678efh567hg6787,`1900000109,")
    assert lines[2:] == [
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,"
        "申请退款总金额",
        "`1,`199.00,`0.00,`0.00,`1.19,`199.00,`0.00",
        "",
    ]


# -- through the core --------------------------------------------------------------------


def test_the_core_finds_a_paid_and_partly_refunded_day_balanced_and_a_planted_row_missing(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    world = order_world(gateway=gateway)  # type: ignore[arg-type]  # any payment gateway
    fake.set_time(beijing(2, 8))
    order_id = world.place(at(3, 10))
    payment = world.app.payments.pay(
        order_id, CUSTOMER, channel=PaymentChannel.MINI_PROGRAM, payer=OPENID
    )
    fake.mark_paid(out_trade_no(payment.idempotency_key))
    world.app.payments.handle_webhook(
        *fake.payment_notice(out_trade_no(payment.idempotency_key)), provider="wechatpay"
    )
    world.clock.set(at(2, 9))
    fake.set_time(beijing(2, 9))
    [refund] = world.app.payments.refund(order_id, cny(5000), reason="goodwill", actor=OPERATOR)
    [number] = fake.settle_refunds()
    world.app.payments.handle_webhook(*fake.refund_notice(number), provider="wechatpay")
    world.clock.set(at(3, 10, 30))
    fake.set_time(beijing(3, 10, 30))

    check = world.app.statements.run_check("wechatpay", MONDAY)

    assert refund.status is RefundStatus.PENDING
    assert world.movements(order_id) == [("captured", 19900), ("refunded", 5000)]
    assert (check.provider, check.day, check.entries, check.balanced) == (
        "wechatpay", MONDAY, 2, True,
    )  # fmt: skip

    fake.plant_bill_row(_foreign_row())
    again = world.app.statements.run_check("wechatpay", MONDAY)

    [difference] = again.differences
    assert (difference.kind, difference.entry, difference.key, difference.ours) == (
        DifferenceKind.MISSING_OURS, EntryKind.PAYMENT, FOREIGN, None,
    )  # fmt: skip
    assert (difference.theirs, difference.reference) == (
        cny(8880), "4200001234202603020000000017",
    )  # fmt: skip
