"""What the contract does not cover: WeChat Pay's channels, keys, errors and acks."""

from __future__ import annotations

import base64
import json
import re
import socket

import attrs
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from booking_core.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidWebhook,
    PaymentError,
)
from booking_core.money import Money
from booking_core.ports.payments import (
    PaymentChannel,
    PaymentPurpose,
    PaymentRequest,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
    WebhookKind,
)
from booking_core_wechatpay import (
    WeChatPayConfig,
    WeChatPayGateway,
    failure_ack,
    out_refund_no,
    out_trade_no,
    refund_key_of,
)

from .fakes.wechatpay import FakeWeChatPay, pem_private
from .merchant import APPID, MCHID

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
KEY = "ord_01J9ZK3X7Q:dep:1"


def _request(
    key: str = KEY,
    amount: int = 5000,
    *,
    channel: PaymentChannel | None = PaymentChannel.MINI_PROGRAM,
    payer: str | None = OPENID,
    currency: str = "CNY",
) -> PaymentRequest:
    return PaymentRequest(
        key,
        "ord_01J9ZK3X7Q",
        Money(amount, currency),
        PaymentPurpose.DEPOSIT,
        "上门按摩 定金",
        channel=channel,
        payer=payer,
    )


@pytest.fixture
def gateway(config: WeChatPayConfig) -> WeChatPayGateway:
    return WeChatPayGateway(config)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# -- channels --------------------------------------------------------------------------


def test_a_mini_program_payment_returns_request_payment_signed_by_the_merchant(
    gateway: WeChatPayGateway, merchant_key: rsa.RSAPrivateKey, fake: FakeWeChatPay
) -> None:
    result = gateway.create_payment(_request())

    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.gateway_reference == out_trade_no(KEY)
    assert result.next_action is not None
    assert result.next_action.kind == "wechat_jsapi"
    data = result.next_action.data
    assert set(data) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert (data["appId"], data["signType"]) == (APPID, "RSA")
    assert re.fullmatch(r"prepay_id=wx[0-9a-f]+", data["package"])
    assert data["package"] == f"prepay_id={fake.orders[out_trade_no(KEY)]['reply']['prepay_id']}"
    signed = f"{APPID}\n{data['timeStamp']}\n{data['nonceStr']}\n{data['package']}\n"
    merchant_key.public_key().verify(
        base64.b64decode(data["paySign"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    with pytest.raises(InvalidSignature):
        merchant_key.public_key().verify(
            base64.b64decode(data["paySign"]),
            signed.replace("prepay_id", "prepay_ix").encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    order = fake.orders[out_trade_no(KEY)]["params"]
    assert order["payer"] == {"openid": OPENID}
    assert order["attach"] == KEY
    assert order["amount"] == {"total": 5000, "currency": "CNY"}


def test_a_mini_program_payment_without_an_openid_is_refused_before_calling(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    with pytest.raises(InvalidInput) as refused:
        gateway.create_payment(_request(payer=None))

    assert refused.value.details == {"field": "payer"}
    assert fake.calls == []


def test_a_qr_payment_returns_the_native_code_url(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    result = gateway.create_payment(_request(channel=PaymentChannel.QR, payer=None))

    assert result.next_action is not None
    assert result.next_action.kind == "qr_code"
    assert result.next_action.data["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert fake.calls == ["POST /v3/pay/transactions/native"]


def test_no_channel_means_the_configured_default(
    config: WeChatPayConfig, fake: FakeWeChatPay
) -> None:
    gateway = WeChatPayGateway(attrs.evolve(config, default_channel=PaymentChannel.MINI_PROGRAM))

    result = gateway.create_payment(_request(channel=None))

    assert result.next_action is not None
    assert result.next_action.kind == "wechat_jsapi"
    assert fake.calls == ["POST /v3/pay/transactions/jsapi"]


def test_an_app_payment_returns_the_signed_app_parameters(
    gateway: WeChatPayGateway, merchant_key: rsa.RSAPrivateKey
) -> None:
    result = gateway.create_payment(_request(channel=PaymentChannel.APP, payer=None))

    assert result.next_action is not None
    assert result.next_action.kind == "wechat_app"
    data = result.next_action.data
    assert (data["appid"], data["partnerid"], data["package"]) == (APPID, MCHID, "Sign=WXPay")
    signed = f"{APPID}\n{data['timestamp']}\n{data['noncestr']}\n{data['prepayid']}\n"
    merchant_key.public_key().verify(
        base64.b64decode(data["sign"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


@pytest.mark.parametrize("channel", [PaymentChannel.H5, PaymentChannel.WEB, PaymentChannel.CARD])
def test_other_channels_are_refused(
    gateway: WeChatPayGateway, fake: FakeWeChatPay, channel: PaymentChannel
) -> None:
    with pytest.raises(PaymentError, match="mini-program, QR and app"):
        gateway.create_payment(_request(channel=channel))

    assert fake.calls == []


def test_other_currencies_are_refused(gateway: WeChatPayGateway, fake: FakeWeChatPay) -> None:
    with pytest.raises(PaymentError, match="CNY only"):
        gateway.create_payment(_request(currency="USD"))
    with pytest.raises(PaymentError, match="CNY only"):
        gateway.refund(RefundRequest("ord_1:rf:1", KEY, Money(100, "HKD")))

    assert fake.calls == []


# -- keys ------------------------------------------------------------------------------


def test_out_trade_no_fits_wechat_pay_for_a_36_character_key() -> None:
    key = "ord_01J9ZK3X7QABCDEFGHJKM:balance:12"
    assert len(key) == 36

    number = out_trade_no(key)

    assert len(number) <= 32
    assert re.fullmatch(r"[0-9A-Za-z_\-*]+", number)
    assert number == out_trade_no(key)
    assert number != out_trade_no(key + "x")


@pytest.mark.parametrize("key", ["ord_c1:rf:1", "ord-01:rf:2", "a*b|c@d.e/f", "退款:1"])
def test_out_refund_no_is_the_refund_key_reversibly(key: str) -> None:
    number = out_refund_no(key)

    assert re.fullmatch(r"[0-9A-Za-z_\-|*@]{1,64}", number)
    assert refund_key_of(number) == key


def test_out_refund_no_keeps_colons_readable() -> None:
    assert out_refund_no("ord_c1:rf:1") == "ord_c1*rf*1"


# -- lost replies and unreachable servers ----------------------------------------------


def test_a_5xx_on_create_is_unknown_then_the_query_tells_the_truth(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    fake.lose_next_reply("500")

    lost = gateway.create_payment(_request())
    truth = gateway.get_payment(KEY)
    fake.mark_paid(out_trade_no(KEY))
    paid = gateway.get_payment(KEY)
    again = gateway.create_payment(_request())

    assert lost.status is PaymentStatus.UNKNOWN
    assert truth.status is PaymentStatus.REQUIRES_ACTION
    assert paid.status is PaymentStatus.CAPTURED
    assert again.status is PaymentStatus.CAPTURED  # WeChat Pay says ORDERPAID; we query
    assert len([c for c in fake.calls if c.endswith("/jsapi")]) == 2
    assert len(fake.orders) == 1


def test_a_stalled_reply_times_out_as_unknown(config: WeChatPayConfig, fake: FakeWeChatPay) -> None:
    gateway = WeChatPayGateway(attrs.evolve(config, timeout_seconds=0.4))
    fake.stall_seconds = 1.0
    fake.lose_next_reply("stall")

    lost = gateway.create_payment(_request())

    assert lost.status is PaymentStatus.UNKNOWN
    assert gateway.get_payment(KEY).status is PaymentStatus.REQUIRES_ACTION


def test_a_stalled_refund_is_unknown_and_counted(
    config: WeChatPayConfig, fake: FakeWeChatPay
) -> None:
    gateway = WeChatPayGateway(attrs.evolve(config, timeout_seconds=0.4))
    gateway.create_payment(_request())
    fake.mark_paid(out_trade_no(KEY))
    fake.stall_seconds = 1.0
    fake.lose_next_reply("stall")

    lost = gateway.refund(RefundRequest("ord_1:rf:1", KEY, Money(2000, "CNY")))

    assert lost.status is RefundStatus.UNKNOWN
    assert gateway.get_refund("ord_1:rf:1").status is RefundStatus.PENDING
    assert gateway.get_payment(KEY).status is PaymentStatus.CAPTURED  # trade_state REFUND


def test_queries_that_cannot_reach_wechat_pay_raise_payment_error(
    config: WeChatPayConfig, fake: FakeWeChatPay
) -> None:
    gateway = WeChatPayGateway(
        attrs.evolve(config, proxy=f"http://127.0.0.1:{_free_port()}", timeout_seconds=0.5)
    )

    with pytest.raises(PaymentError, match="Could not reach"):
        gateway.get_payment(KEY)
    with pytest.raises(PaymentError, match="Could not reach"):
        gateway.get_refund("ord_1:rf:1")
    assert gateway.create_payment(_request()).status is PaymentStatus.UNKNOWN
    assert (
        gateway.refund(RefundRequest("ord_1:rf:1", KEY, Money(1, "CNY"))).status
        is RefundStatus.UNKNOWN
    )


def test_the_fake_refuses_a_request_signed_with_another_merchant_key(
    config: WeChatPayConfig, fake: FakeWeChatPay
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    gateway = WeChatPayGateway(attrs.evolve(config, private_key=pem_private(stranger)))

    with pytest.raises(PaymentError, match="SIGN_ERROR"):
        gateway.create_payment(_request())
    assert fake.orders == {}


def test_a_reply_signed_by_someone_else_is_not_believed(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    fake.reply_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    created = gateway.create_payment(_request())
    with pytest.raises(PaymentError, match="Could not reach"):
        gateway.get_payment(KEY)

    assert created.status is PaymentStatus.UNKNOWN
    assert created.next_action is None


def test_creating_again_re_signs_the_same_prepay_id(gateway: WeChatPayGateway) -> None:
    first = gateway.create_payment(_request())
    again = gateway.create_payment(_request())

    assert first.next_action is not None
    assert again.next_action is not None
    assert first.next_action.data["package"] == again.next_action.data["package"]
    assert gateway.get_payment(KEY).next_action is None


# -- idempotency -----------------------------------------------------------------------


def test_the_same_key_for_another_order_or_payer_is_a_conflict(gateway: WeChatPayGateway) -> None:
    gateway.create_payment(_request())

    with pytest.raises(IdempotencyConflict):
        gateway.create_payment(attrs.evolve(_request(), payer="o-someone-else"))


def test_a_paid_payment_asked_again_with_another_amount_is_a_conflict(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    gateway.create_payment(_request())
    fake.mark_paid(out_trade_no(KEY))

    with pytest.raises(IdempotencyConflict):
        gateway.create_payment(_request(amount=5001))


def test_refunding_an_unpaid_payment_is_refused(gateway: WeChatPayGateway) -> None:
    gateway.create_payment(_request())

    with pytest.raises(PaymentError, match="not paid"):
        gateway.refund(RefundRequest("ord_1:rf:1", KEY, Money(100, "CNY")))


def test_capture_is_refused(gateway: WeChatPayGateway) -> None:
    with pytest.raises(PaymentError, match="captured when paid"):
        gateway.capture(KEY)


# -- notifications ---------------------------------------------------------------------


def test_a_parsed_notice_is_acked_204_and_failure_has_wechat_pays_body(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    gateway.create_payment(_request())
    fake.mark_paid(out_trade_no(KEY))
    headers, body = fake.payment_notice(out_trade_no(KEY))

    parsed = gateway.parse_webhook({k.lower(): v for k, v in headers.items()}, body)

    assert (parsed.ack.status_code, parsed.ack.body) == (204, "")
    assert parsed.gateway == "wechatpay"
    [event] = parsed.events
    assert event.event_id == json.loads(body)["id"]
    assert (event.kind, event.payment_key, event.amount) == (
        WebhookKind.PAYMENT_CAPTURED,
        KEY,
        Money(5000, "CNY"),
    )
    fail = failure_ack()
    assert fail.status_code == 500
    assert json.loads(fail.body) == {"code": "FAIL", "message": "失败"}


def test_an_abnormal_refund_notice_is_a_failed_refund(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    gateway.create_payment(_request())
    fake.mark_paid(out_trade_no(KEY))
    gateway.refund(RefundRequest("ord_1:rf:1", KEY, Money(2000, "CNY")))
    fake.settle_refunds("ABNORMAL")

    parsed = gateway.parse_webhook(*fake.refund_notice(out_refund_no("ord_1:rf:1")))

    [event] = parsed.events
    assert (event.kind, event.refund_key, event.payment_key, event.amount) == (
        WebhookKind.REFUND_FAILED,
        "ord_1:rf:1",
        "",
        Money(2000, "CNY"),
    )
    assert gateway.get_refund("ord_1:rf:1").status is RefundStatus.FAILED


def test_a_stale_notice_is_refused(
    config: WeChatPayConfig, fake: FakeWeChatPay, gateway: WeChatPayGateway
) -> None:
    gateway.create_payment(_request())
    fake.mark_paid(out_trade_no(KEY))
    headers, body = fake.payment_notice(out_trade_no(KEY))
    later = WeChatPayGateway(config, clock=lambda: int(headers["Wechatpay-Timestamp"]) + 301)

    with pytest.raises(InvalidWebhook, match="too old"):
        later.parse_webhook(headers, body)


def test_a_notice_from_another_serial_is_refused_without_downloading_certificates(
    gateway: WeChatPayGateway, fake: FakeWeChatPay
) -> None:
    gateway.create_payment(_request())
    fake.mark_paid(out_trade_no(KEY))
    headers, body = fake.payment_notice(out_trade_no(KEY))
    fake.calls.clear()

    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(headers | {"Wechatpay-Serial": "PUB_KEY_ID_OTHER"}, body)
    assert fake.calls == []


def test_the_config_keeps_secrets_out_of_its_repr(config: WeChatPayConfig) -> None:
    shown = repr(config)

    assert config.apiv3_key not in shown
    assert "PRIVATE KEY" not in shown
    assert MCHID in shown
