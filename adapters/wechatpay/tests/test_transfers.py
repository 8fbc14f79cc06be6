"""WeChat Pay transfers (商家转账到零钱): the payout contract, and what it leaves out."""

from __future__ import annotations

import socket

import attrs
import pytest

from booking_core.errors import IdempotencyConflict, InvalidPayoutDestination, PaymentError
from booking_core.money import Money
from booking_core.payouts import BankCard, Payee, Wallet, WalletProvider
from booking_core.ports.payouts import PayoutGateway, PayoutRequest, PayoutResult, PayoutStatus
from booking_core.testing.contracts import PayoutGatewayContract
from booking_core_wechatpay import WeChatPayConfig, WeChatPayTransfers
from booking_core_wechatpay.keys import out_batch_no

from .fakes.wechatpay import FakeWeChatPay

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


class TestWeChatPayTransfers(PayoutGatewayContract):
    fake: FakeWeChatPay
    destinations = (Wallet(WalletProvider.WECHAT, OPENID), Wallet(WalletProvider.WECHAT, "o-2"))

    @pytest.fixture
    def gateway(self, fake: FakeWeChatPay, config: WeChatPayConfig) -> PayoutGateway:
        self.fake = fake
        return WeChatPayTransfers(config)

    def settle(self, gateway: PayoutGateway, key: str) -> PayoutResult | None:
        self.fake.settle_transfer(out_batch_no(key))
        return gateway.query(key)


@pytest.fixture
def transfers(config: WeChatPayConfig) -> WeChatPayTransfers:
    return WeChatPayTransfers(config, scene_id="1000")


def _payout(key: str = "wdr_1", amount: int = 9940, openid: str = OPENID) -> PayoutRequest:
    return PayoutRequest(
        key,
        Payee.technician("tec_1"),
        Money(amount, "CNY"),
        Wallet(WalletProvider.WECHAT, openid),
    )


def test_a_payout_goes_to_the_openid_as_one_batch(
    transfers: WeChatPayTransfers, fake: FakeWeChatPay
) -> None:
    sent = transfers.send(_payout())

    batch = fake.transfers[out_batch_no("wdr_1")]
    assert sent.status is PayoutStatus.ACCEPTED
    assert sent.reference == batch["batch_id"]
    assert (batch["detail"]["openid"], batch["detail"]["transfer_amount"]) == (OPENID, 9940)


@pytest.mark.parametrize(
    "destination",
    [
        BankCard("************1234", "李雷 Li Lei", "招商银行 China Merchants Bank"),
        Wallet(WalletProvider.ALIPAY, "lilei@example.com"),
    ],
)
def test_other_destinations_are_refused(
    transfers: WeChatPayTransfers, fake: FakeWeChatPay, destination: BankCard | Wallet
) -> None:
    with pytest.raises(InvalidPayoutDestination, match="WeChat wallets only"):
        transfers.send(attrs.evolve(_payout(), destination=destination))

    assert fake.calls == []


def test_another_wallet_under_the_same_key_is_a_conflict(transfers: WeChatPayTransfers) -> None:
    transfers.send(_payout())

    with pytest.raises(IdempotencyConflict) as refused:
        transfers.send(_payout(openid="o-someone-else"))

    assert refused.value.code == "idempotency_conflict"


def test_a_failed_transfer_says_why(transfers: WeChatPayTransfers, fake: FakeWeChatPay) -> None:
    transfers.send(_payout())
    fake.settle_transfer(out_batch_no("wdr_1"), success=False)

    result = transfers.query("wdr_1")

    assert result is not None
    assert (result.status, result.reason) == (PayoutStatus.FAILED, "ACCOUNT_FROZEN")


def test_a_batch_whose_detail_is_not_ready_is_accepted(
    transfers: WeChatPayTransfers, fake: FakeWeChatPay
) -> None:
    sent = transfers.send(_payout())
    fake.hide_details = True

    result = transfers.query("wdr_1")

    assert result == PayoutResult("wdr_1", PayoutStatus.ACCEPTED, reference=sent.reference)


def test_a_lost_reply_raises_and_the_query_tells(
    transfers: WeChatPayTransfers, fake: FakeWeChatPay
) -> None:
    fake.lose_next_reply("500")

    with pytest.raises(PaymentError, match="query it"):
        transfers.send(_payout())
    result = transfers.query("wdr_1")
    again = transfers.send(_payout())

    assert result is not None
    assert result.status is PayoutStatus.ACCEPTED
    assert again == result
    assert len(fake.transfers) == 1


def test_an_unreachable_wechat_pay_raises_payment_error(config: WeChatPayConfig) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transfers = WeChatPayTransfers(
        attrs.evolve(config, proxy=f"http://127.0.0.1:{port}", timeout_seconds=0.5)
    )

    with pytest.raises(PaymentError, match="Could not reach"):
        transfers.query("wdr_1")
    with pytest.raises(PaymentError, match="Could not reach"):
        transfers.send(_payout())


def test_other_currencies_are_refused(transfers: WeChatPayTransfers) -> None:
    with pytest.raises(PaymentError, match="CNY"):
        transfers.send(attrs.evolve(_payout(), amount=Money(100, "USD")))
