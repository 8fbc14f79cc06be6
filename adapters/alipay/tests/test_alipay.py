"""What the contract does not cover: amounts, channels, keys, currencies, the ack, and the
redirect payments Alipay knows only once the customer opens them."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking_core.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidWebhook,
    NotFound,
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
    WebhookAck,
    WebhookKind,
)
from booking_core_alipay import (
    AlipayConfig,
    AlipayGateway,
    decode_key,
    encode_key,
    from_yuan,
    to_yuan,
)

from .fakes.alipay import FakeAlipay, sign_params
from .fakes.keys import Keys

KEY = "ord_0184a1b2c3d4e5f6a7b8c9d0:ful:1"


def _request(
    channel: PaymentChannel | None = None, amount: int = 19900, key: str = KEY
) -> PaymentRequest:
    return PaymentRequest(
        key,
        "ord_0184a1b2c3d4e5f6a7b8c9d0",
        Money(amount, "CNY"),
        PaymentPurpose.FULL,
        "上门按摩 60 分钟",
        channel=channel,
    )


def _signed_params(signed: str) -> dict[str, str]:
    return dict(parse_qsl(signed, keep_blank_values=True))


# -- amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "yuan"),
    [(1, "0.01"), (10, "0.10"), (100, "1.00"), (19900, "199.00"), (1234567, "12345.67")],
)
def test_fen_become_exact_yuan_strings_and_back(fen: int, yuan: str) -> None:
    assert to_yuan(Money(fen, "CNY")) == yuan
    assert from_yuan(yuan) == Money(fen, "CNY")


def test_a_yuan_string_with_three_decimals_is_refused() -> None:
    with pytest.raises(ValueError, match="not a yuan amount"):
        from_yuan("1.001")


def test_other_currencies_are_refused(gateway: AlipayGateway) -> None:
    request = attrs.evolve(_request(), amount=Money(19900, "USD"))

    with pytest.raises(PaymentError, match="CNY only"):
        gateway.create_payment(request)


# -- keys ----------------------------------------------------------------------------------


def test_a_domain_key_becomes_an_out_trade_no_and_back() -> None:
    encoded = encode_key(KEY)

    assert encoded == "ord__0184a1b2c3d4e5f6a7b8c9d0_Cful_C1"
    assert decode_key(encoded) == KEY


@given(st.text(min_size=1, max_size=7))
def test_every_short_key_round_trips_within_alipays_charset(key: str) -> None:
    encoded = encode_key(key)

    assert len(encoded) <= 64
    assert all(c.isascii() and (c.isalnum() or c == "_") for c in encoded)
    assert decode_key(encoded) == key


def test_a_key_too_long_for_alipay_is_refused() -> None:
    with pytest.raises(InvalidInput):
        encode_key("ord_" + "a" * 61)


# -- channels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "method", "product_code"),
    [
        (PaymentChannel.H5, "alipay.trade.wap.pay", "QUICK_WAP_WAY"),
        (PaymentChannel.WEB, "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
    ],
)
def test_browser_channels_redirect_to_a_signed_alipay_url(
    gateway: AlipayGateway,
    fake: FakeAlipay,
    channel: PaymentChannel,
    method: str,
    product_code: str,
) -> None:
    result = gateway.create_payment(_request(channel))

    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is not None
    assert result.next_action.kind == "redirect"
    url = result.next_action.data["url"]
    assert url.startswith(fake.url + "?")
    params = _signed_params(urlsplit(url).query)
    biz = json.loads(params["biz_content"])
    assert (params["method"], params["sign_type"]) == (method, "RSA2")
    assert params["return_url"] == "https://shop.example.com/paid"
    assert params["notify_url"] == "https://shop.example.com/webhooks/alipay"
    assert biz["out_trade_no"] == encode_key(KEY)
    assert (biz["total_amount"], biz["product_code"]) == ("199.00", product_code)
    assert fake.calls == ["alipay.trade.query"]  # nothing is created at Alipay


def test_the_app_channel_returns_a_signed_order_string(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    result = gateway.create_payment(_request(PaymentChannel.APP))

    assert result.next_action is not None
    assert result.next_action.kind == "alipay_app"
    params = _signed_params(result.next_action.data["order_string"])
    assert params["method"] == "alipay.trade.app.pay"
    assert "return_url" not in params
    assert json.loads(params["biz_content"])["product_code"] == "QUICK_MSECURITY_PAY"
    assert fake.open(result.next_action.data) == encode_key(KEY)  # the signature holds


def test_the_qr_channel_precreates_a_code(gateway: AlipayGateway, fake: FakeAlipay) -> None:
    result = gateway.create_payment(_request(PaymentChannel.QR))

    assert result.next_action is not None
    assert result.next_action.kind == "qr_code"
    assert result.next_action.data["qr_code"].startswith("https://qr.alipay.com/")
    assert fake.calls == ["alipay.trade.query", "alipay.trade.precreate"]


def test_channels_alipay_has_not_are_refused(gateway: AlipayGateway) -> None:
    with pytest.raises(PaymentError, match="mini_program"):
        gateway.create_payment(_request(PaymentChannel.MINI_PROGRAM))


# -- redirect payments: Alipay knows them once opened --------------------------------------


def test_a_redirect_payment_is_paid_through_its_link(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    created = gateway.create_payment(_request(PaymentChannel.H5))
    assert created.next_action is not None
    assert gateway.get_payment(KEY).status is PaymentStatus.REQUIRES_ACTION

    fake.open(created.next_action.data)
    opened = gateway.get_payment(KEY)
    fake.pay(encode_key(KEY))
    paid = gateway.get_payment(KEY)

    assert opened.status is PaymentStatus.REQUIRES_ACTION
    assert (paid.status, paid.amount) == (PaymentStatus.CAPTURED, Money(19900, "CNY"))
    assert paid.gateway_reference == fake.trades[encode_key(KEY)].trade_no
    assert gateway.create_payment(_request(PaymentChannel.H5)).status is PaymentStatus.CAPTURED


def test_an_opened_trade_with_another_amount_is_a_conflict_in_any_process(
    config: AlipayConfig, fake: FakeAlipay
) -> None:
    created = AlipayGateway(config).create_payment(_request(PaymentChannel.H5))
    assert created.next_action is not None
    fake.open(created.next_action.data)

    with pytest.raises(IdempotencyConflict):
        AlipayGateway(config).create_payment(_request(PaymentChannel.H5, amount=100))


def test_an_unopened_link_is_unknown_to_alipay_and_to_another_process(
    config: AlipayConfig,
) -> None:
    AlipayGateway(config).create_payment(_request(PaymentChannel.H5))
    elsewhere = AlipayGateway(config)

    with pytest.raises(NotFound):
        elsewhere.get_payment(KEY)
    with pytest.raises(NotFound):
        elsewhere.cancel(KEY)


def test_an_opened_unpaid_trade_is_closed_at_alipay(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    created = gateway.create_payment(_request(PaymentChannel.WEB))
    assert created.next_action is not None
    fake.open(created.next_action.data)

    assert gateway.cancel(KEY).status is PaymentStatus.CANCELLED
    assert fake.trades[encode_key(KEY)].status == "TRADE_CLOSED"


# -- capture, refunds ----------------------------------------------------------------------


def _paid(gateway: AlipayGateway, fake: FakeAlipay) -> None:
    created = gateway.create_payment(_request())
    assert created.next_action is not None
    fake.pay_via(created.next_action.data)


def test_nothing_is_ever_captured_by_hand(gateway: AlipayGateway, fake: FakeAlipay) -> None:
    _paid(gateway, fake)

    with pytest.raises(PaymentError):
        gateway.capture(KEY)


def test_a_trade_refunded_in_full_is_closed_and_still_counts_as_captured(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    _paid(gateway, fake)

    gateway.refund(RefundRequest("ord_1:rf:1", KEY, Money(19900, "CNY")))

    assert fake.trades[encode_key(KEY)].status == "TRADE_CLOSED"
    assert gateway.get_payment(KEY).status is PaymentStatus.CAPTURED
    assert gateway.cancel(KEY).status is PaymentStatus.CAPTURED


def test_a_refund_whose_reply_is_a_500_is_unknown_and_made_once(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    _paid(gateway, fake)
    request = RefundRequest("ord_1:rf:1", KEY, Money(5000, "CNY"))

    with fake.losing_next_reply("500"):
        lost = gateway.refund(request)
    again = gateway.refund(request)

    assert lost.status is RefundStatus.UNKNOWN
    assert again.status is RefundStatus.SUCCEEDED
    assert fake.trades[encode_key(KEY)].refunded == 5000


# -- what cannot be trusted ----------------------------------------------------------------


def test_a_request_signed_with_another_key_is_refused_by_alipay(
    config: AlipayConfig, keys: Keys
) -> None:
    wrong = AlipayGateway(attrs.evolve(config, app_private_key=Keys.private_pem(keys.forger)))

    with pytest.raises(PaymentError, match="refused"):
        wrong.create_payment(_request())
    with pytest.raises(PaymentError):
        wrong.get_payment(KEY)


def test_a_reply_alipay_did_not_sign_is_not_believed(config: AlipayConfig, keys: Keys) -> None:
    gullible = AlipayGateway(attrs.evolve(config, alipay_public_key=Keys.public_pem(keys.forger)))

    assert gullible.create_payment(_request()).status is PaymentStatus.UNKNOWN
    with pytest.raises(PaymentError):
        gullible.get_payment(KEY)


def test_the_keys_never_show_in_the_config_repr(config: AlipayConfig) -> None:
    assert "PRIVATE KEY" not in repr(config)
    assert "PUBLIC KEY" not in repr(config)


# -- notifications -------------------------------------------------------------------------


def test_the_ack_is_the_text_success(gateway: AlipayGateway, fake: FakeAlipay) -> None:
    _paid(gateway, fake)

    parsed = gateway.parse_webhook(*fake.notification(encode_key(KEY)))

    assert parsed.ack == WebhookAck(200, "success", "text/plain")


def test_a_refund_notice_carries_that_refunds_amount_not_the_trades_total_refunded(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    _paid(gateway, fake)
    gateway.refund(RefundRequest("ord_1:rf:1", KEY, Money(5000, "CNY")))
    gateway.refund(RefundRequest("ord_1:rf:2", KEY, Money(14900, "CNY")))

    headers, body = fake.notification(encode_key(KEY), out_request_no=encode_key("ord_1:rf:2"))
    [event] = gateway.parse_webhook(headers, body).events

    assert _signed_params(body.decode())["refund_fee"] == "199.00"
    assert (event.kind, event.refund_key, event.amount) == (
        WebhookKind.REFUND_SUCCEEDED,
        "ord_1:rf:2",
        Money(14900, "CNY"),
    )


def test_a_closed_trade_notice_is_a_cancellation(gateway: AlipayGateway, fake: FakeAlipay) -> None:
    created = gateway.create_payment(_request(PaymentChannel.H5))
    assert created.next_action is not None
    fake.open(created.next_action.data)
    gateway.cancel(KEY)

    [event] = gateway.parse_webhook(*fake.notification(encode_key(KEY))).events

    assert (event.kind, event.payment_key) == (WebhookKind.PAYMENT_CANCELLED, KEY)


def test_a_notice_for_another_app_is_refused(
    gateway: AlipayGateway, fake: FakeAlipay, keys: Keys
) -> None:
    _paid(gateway, fake)
    headers, body = fake.notification(encode_key(KEY))
    params = _signed_params(body.decode())
    del params["sign"]
    params["app_id"] = "2021000000000999"
    other = urlencode(sign_params(params, keys.alipay)).encode()

    with pytest.raises(InvalidWebhook, match="another app"):
        gateway.parse_webhook(headers, other)


# -- Alipay's own troubles -----------------------------------------------------------------


def test_a_system_error_on_a_refund_is_unknown_and_on_a_query_an_error(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    _paid(gateway, fake)
    fake.fail_next("alipay.trade.refund")

    refund = gateway.refund(RefundRequest("ord_1:rf:1", KEY, Money(5000, "CNY")))
    fake.fail_next("alipay.trade.query")

    assert refund.status is RefundStatus.UNKNOWN
    with pytest.raises(PaymentError):
        gateway.get_payment(KEY)
    with pytest.raises(NotFound):
        gateway.get_refund("ord_1:rf:1")  # it was not made


def test_a_system_error_on_a_precreate_is_unknown(gateway: AlipayGateway, fake: FakeAlipay) -> None:
    fake.fail_next("alipay.trade.precreate")

    assert gateway.create_payment(_request()).status is PaymentStatus.UNKNOWN
    assert gateway.create_payment(_request()).status is PaymentStatus.REQUIRES_ACTION


def test_a_link_opened_after_it_was_cancelled_is_closed_when_seen(
    gateway: AlipayGateway, fake: FakeAlipay
) -> None:
    created = gateway.create_payment(_request(PaymentChannel.H5))
    assert created.next_action is not None
    assert gateway.cancel(KEY).status is PaymentStatus.CANCELLED

    fake.open(created.next_action.data)

    assert gateway.get_payment(KEY).status is PaymentStatus.CANCELLED
    assert fake.trades[encode_key(KEY)].status == "TRADE_CLOSED"


def test_a_refused_payment_leaves_nothing_behind(gateway: AlipayGateway, fake: FakeAlipay) -> None:
    fake.fail_next("alipay.trade.precreate", "ACQ.INVALID_PARAMETER")

    with pytest.raises(PaymentError, match="INVALID_PARAMETER"):
        gateway.create_payment(_request())

    with pytest.raises(NotFound):
        gateway.get_payment(KEY)
    assert gateway.create_payment(_request(amount=100)).status is PaymentStatus.REQUIRES_ACTION
