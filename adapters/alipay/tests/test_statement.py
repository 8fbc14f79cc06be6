"""The daily trade bill (对账单): fetched through the SDK's signed call, downloaded, read in
our keys, and matched by the core's statement check."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

import attrs
import pendulum
import pytest
from pendulum import DateTime

from booking_core.bootstrap import BookingApp, build
from booking_core.errors import PaymentError
from booking_core.ids import CustomerId, OrderId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.orders.statements import DifferenceKind, EntryKind, StatementEntry
from booking_core.ports.payments import (
    PaymentChannel,
    PaymentPurpose,
    PaymentRequest,
    RefundRequest,
    StatementSource,
)
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.availability import BookingPolicy
from booking_core.scheduling.geo import GeoPoint
from booking_core.services.catalog import CreateCategory, CreateService
from booking_core.services.ordering import PlaceOrder
from booking_core.services.technicians import RegisterTechnician
from booking_core.testing.clock import FrozenClock
from booking_core.testing.ids import SequentialIds
from booking_core.testing.memory import InMemoryStore
from booking_core_alipay import AlipayConfig, AlipayGateway, encode_key
from booking_core_alipay.statements import read_trade_bill

from .fakes.alipay import BillRow, FakeAlipay

ZONE = "Asia/Shanghai"
DAY = pendulum.date(2026, 3, 2)
KEY = "ord_0184a1b2c3d4e5f6a7b8c9d0:ful:1"
REFUND_KEY = "ord_0184a1b2c3d4e5f6a7b8c9d0:rf:1"
BILL_QUERY = "alipay.data.dataservice.bill.downloadurl.query"


def beijing(day: int, hour: int, minute: int = 0, second: int = 0) -> DateTime:
    return pendulum.datetime(2026, 3, day, hour, minute, second, tz=ZONE)


def at_(when: DateTime) -> Callable[[], datetime]:
    return lambda: when


def _paid(gateway: AlipayGateway, fake: FakeAlipay, key: str, fen: int) -> str:
    """A QR payment of ``fen`` made and paid at the fake's clock; its trade_no."""
    order_id = key.partition(":")[0]
    result = gateway.create_payment(
        PaymentRequest(key, order_id, Money(fen, "CNY"), PaymentPurpose.FULL)
    )
    assert result.next_action is not None
    fake.pay_via(result.next_action.data)
    return fake.trades[encode_key(key)].trade_no


# -- what the bill says ----------------------------------------------------------------------


def test_a_days_bill_lists_its_payments_and_refunds_in_our_keys_and_the_rest_as_is(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    fake.clock = at_(beijing(2, 8, 0, 5))
    trade_no = _paid(gateway, fake, KEY, 123456)
    fake.clock = at_(beijing(2, 9, 30))
    refund = gateway.refund(RefundRequest(REFUND_KEY, KEY, Money(1, "CNY")))
    fake.clock = at_(beijing(3, 0, 0, 1))  # paid a second after midnight: the next day's
    _paid(gateway, fake, "ord_0184a1b2c3d4e5f6a7b8c9d1:ful:1", 500)
    # Another system's sale on the same app, with a merchant coupon (商家实收 is less), and
    # a refund made in the merchant's console without a request number of its own.
    foreign = BillRow("2026030222001455550000000007", "SHOP-20260302-7", "交易",
                      "2026-03-02 10:00:00", "2026-03-02 10:00:09", "199.00",
                      received="189.00", merchant_discount="10.00")  # fmt: skip
    console = BillRow("2026030222001455550000000007", "SHOP-20260302-7", "退款",
                      "2026-03-02 10:00:00", "2026-03-02 11:00:00", "-20.00")  # fmt: skip
    fake.plant_bill_row("2026-03-02", foreign)
    fake.plant_bill_row("2026-03-02", console)
    fake.clock = at_(beijing(3, 9))

    entries = gateway.statement(DAY)

    assert entries == [
        StatementEntry(EntryKind.PAYMENT, KEY, Money(123456, "CNY"), beijing(2, 8, 0, 5),
                       trade_no),
        StatementEntry(EntryKind.REFUND, REFUND_KEY, Money(1, "CNY"), beijing(2, 9, 30),
                       refund.gateway_reference),
        StatementEntry(EntryKind.PAYMENT, "SHOP-20260302-7", Money(19900, "CNY"),
                       beijing(2, 10, 0, 9), foreign.trade_no),
        StatementEntry(EntryKind.REFUND, f"{foreign.trade_no}/", Money(2000, "CNY"),
                       beijing(2, 11), f"{foreign.trade_no}/"),
    ]  # fmt: skip
    assert refund.gateway_reference == f"{trade_no}/{encode_key(REFUND_KEY)}"
    assert all(e.at.timezone_name == ZONE for e in entries)
    assert fake.calls.count(BILL_QUERY) == 1


def test_the_gateway_is_a_statement_source_of_beijing_days(gateway: AlipayGateway) -> None:
    assert isinstance(gateway, StatementSource)
    assert gateway.statement_zone == "Asia/Shanghai"


def test_a_day_without_money_has_an_empty_bill(gateway: AlipayGateway) -> None:
    assert gateway.statement(DAY) == []


def test_a_bill_with_a_row_that_cannot_be_read_is_not_read_at_all(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    fake.plant_bill_row(
        "2026-03-02",
        BillRow("2026030222001455550000000008", "SHOP-8", "交易", "2026-03-02 10:00:00",
                "2026-03-02 10:00:09", "1.001"),
    )  # fmt: skip

    with pytest.raises(PaymentError) as caught:
        gateway.statement(DAY)

    assert caught.value.details["reason"] == "statement_unreadable"


def test_a_file_that_is_not_a_bill_is_unreadable(fake: FakeAlipay) -> None:
    summary_only = io.BytesIO()
    with zipfile.ZipFile(summary_only, "w") as bundle:
        bundle.writestr("summary.csv", "#支付宝业务汇总查询\r\n门店编号,门店名称\r\n".encode("gbk"))

    for archive in (b"<html>expired</html>", summary_only.getvalue()):
        with pytest.raises(PaymentError) as caught:
            read_trade_bill(archive)
        assert caught.value.details["reason"] == "statement_unreadable"
    assert read_trade_bill(fake.bill("2026-03-02")) == []


# -- when there is no bill -------------------------------------------------------------------


def test_a_bill_alipay_has_not_made_yet_is_not_ready(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    fake.withhold_bill("2026-03-02")

    with pytest.raises(PaymentError) as caught:
        gateway.statement(DAY)

    assert caught.value.details["reason"] == "statement_not_ready"
    assert BILL_QUERY in fake.calls


def test_a_day_not_over_in_beijing_is_not_asked_for(config: AlipayConfig, fake: FakeAlipay) -> None:
    # 16:30 UTC on 1 March is 00:30 on 2 March in Beijing: the 1st is over, the 2nd not.
    gateway = AlipayGateway(config, now=at_(pendulum.datetime(2026, 3, 1, 16, 30, tz=UTC)))

    with pytest.raises(PaymentError) as caught:
        gateway.statement(DAY)

    assert caught.value.details["reason"] == "statement_not_ready"
    assert BILL_QUERY not in fake.calls
    assert gateway.statement(DAY.subtract(days=1)) == []


@pytest.mark.parametrize("lose", ["the answer", "the file"])
def test_a_bill_that_cannot_be_fetched_is_a_payment_error(
    gateway: AlipayGateway, fake: FakeAlipay, lose: str
) -> None:
    if lose == "the file":
        fake.fail_next_download()  # an expired link answers 404
        with pytest.raises(PaymentError) as caught:
            gateway.statement(DAY)
    else:
        with fake.losing_next_reply("500", any_call=True), pytest.raises(PaymentError) as caught:
            gateway.statement(DAY)

    assert caught.value.details["reason"] == "statement_unreachable"
    assert gateway.statement(DAY) == []  # asked again, it comes


# -- through the core ------------------------------------------------------------------------

CUSTOMER = Actor("cus_1", Role.CUSTOMER)
OPERATOR = Actor("ops_1", Role.PLATFORM)


@attrs.frozen
class World:
    app: BookingApp
    clock: FrozenClock
    fake: FakeAlipay
    order_id: OrderId


@pytest.fixture
def world(config: AlipayConfig, fake: FakeAlipay) -> World:
    """An app paying through Alipay (H5), and an order placed on Monday 2 March, 08:00."""
    clock = FrozenClock(beijing(2, 8))
    fake.clock = clock.now
    gateway = AlipayGateway(attrs.evolve(config, default_channel=PaymentChannel.H5), now=clock.now)
    app = build(
        uow=InMemoryStore().unit_of_work,
        payments=gateway,
        clock=clock,
        ids=SequentialIds(),
        policy=BookingPolicy(notice_minutes=60, window_days=14),
    )
    category = app.catalog.create_category(CreateCategory("按摩 Massage"), OPERATOR)
    tuina = app.catalog.create_service(
        CreateService(category.id, "Chinese tuina", 60, Money(19900, "CNY")), OPERATOR
    )
    li = app.technicians.register(
        RegisterTechnician(
            "Li", ZONE, WeeklyHours.every_day("09:00", "21:00"), frozenset({tuina.id})
        ),
        OPERATOR,
    )
    order = app.ordering.place_order(
        PlaceOrder(
            CustomerId("cus_1"), li.id, tuina.id, beijing(3, 10),
            location=GeoPoint(31.2304, 121.4737),
        ),
        CUSTOMER,
    )  # fmt: skip
    return World(app, clock, fake, order.id)


def _pay_and_refund_part(world: World) -> str:
    """Pay the order in the mobile browser, be told by Alipay, refund 50.00 an hour later;
    the out_trade_no."""
    result = world.app.payments.pay(world.order_id, CUSTOMER, channel=PaymentChannel.H5)
    assert result.next_action is not None
    assert result.next_action.kind == "redirect"
    out_trade_no = world.fake.pay_via(result.next_action.data)
    headers, body = world.fake.notification(out_trade_no)
    ack = world.app.payments.handle_webhook(headers, body, provider="alipay")
    assert ack.body == "success"
    world.clock.advance(pendulum.duration(hours=1))
    world.app.payments.refund(world.order_id, Money(5000, "CNY"), reason="goodwill",
                              actor=OPERATOR)  # fmt: skip
    return out_trade_no


def test_the_core_finds_the_days_bill_balanced(world: World) -> None:
    _pay_and_refund_part(world)
    world.clock.set(beijing(3, 10))  # the check runs the next morning

    check = world.app.statements.run_check("alipay", DAY)

    assert world.app.statements.providers == ("alipay",)
    assert (check.entries, check.balanced) == (2, True)


def test_money_on_the_bill_we_never_applied_is_one_difference(world: World) -> None:
    _pay_and_refund_part(world)
    world.fake.plant_bill_row(
        "2026-03-02",
        BillRow("2026030222001466660000000001", "P0000001", "交易",
                "2026-03-02 11:00:00", "2026-03-02 11:00:09", "199.00"),
    )  # fmt: skip
    world.clock.set(beijing(3, 10))

    check = world.app.statements.run_check("alipay", DAY)

    assert check.entries == 3
    assert [(d.kind, d.entry, d.key, d.ours, d.theirs, d.reference) for d in check.differences] == [
        (DifferenceKind.MISSING_OURS, EntryKind.PAYMENT, "P0000001", None,
         Money(19900, "CNY"), "2026030222001466660000000001"),
    ]  # fmt: skip


def test_money_we_applied_that_the_bill_lacks_is_missing_theirs(world: World) -> None:
    out_trade_no = _pay_and_refund_part(world)
    world.fake.drop_bill_rows("2026-03-02", out_trade_no)
    world.clock.set(beijing(3, 10))

    check = world.app.statements.run_check("alipay", DAY)

    assert check.entries == 0
    assert sorted((d.kind, d.entry, d.ours) for d in check.differences) == [
        (DifferenceKind.MISSING_THEIRS, EntryKind.PAYMENT, Money(19900, "CNY")),
        (DifferenceKind.MISSING_THEIRS, EntryKind.REFUND, Money(5000, "CNY")),
    ]
