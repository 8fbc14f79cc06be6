"""PayoutRouting: each payout goes to the provider of its destination, and passes the payout
contract as one gateway."""

from __future__ import annotations

import pytest

from booking_core import Money
from booking_core.payouts import BankCard, Payee, Wallet, WalletProvider
from booking_core.ports.payouts import PayoutRequest, PayoutStatus
from booking_core.routing import PayoutRouting
from booking_core.testing import ScriptedPayoutGateway
from booking_core.testing.contracts import PayoutGatewayContract

CARD = BankCard("************1234", "Li Lei", "ICBC")
WECHAT = Wallet(WalletProvider.WECHAT, "o-li")
ALIPAY = Wallet(WalletProvider.ALIPAY, "li@example.com")


def _payout(key: str, destination: BankCard | Wallet) -> PayoutRequest:
    return PayoutRequest(key, Payee.technician("tec_1"), Money(9940, "CNY"), destination)


class TestPayoutRouting(PayoutGatewayContract):
    @pytest.fixture
    def gateway(self) -> PayoutRouting:
        wallets = {WalletProvider.WECHAT: ScriptedPayoutGateway(),
                   WalletProvider.ALIPAY: ScriptedPayoutGateway()}  # fmt: skip
        return PayoutRouting(wallets, cards=ScriptedPayoutGateway())


def test_each_destination_goes_to_its_provider() -> None:
    wechat, alipay, bank = ScriptedPayoutGateway(), ScriptedPayoutGateway(), ScriptedPayoutGateway()
    routing = PayoutRouting({WalletProvider.WECHAT: wechat, WalletProvider.ALIPAY: alipay}, bank)

    routing.send(_payout("wdr_1", WECHAT))
    routing.send(_payout("wdr_2", ALIPAY))
    routing.send(_payout("wdr_3", CARD))

    keys = ("wdr_1", "wdr_2", "wdr_3")
    assert [[g.query(k) is not None for k in keys] for g in (wechat, alipay, bank)] == [
        [True, False, False],
        [False, True, False],
        [False, False, True],
    ]
    assert routing.query("wdr_2") == alipay.query("wdr_2")
    assert routing.query("wdr_9") is None


def test_a_destination_no_provider_pays_fails_the_payout() -> None:
    routing = PayoutRouting({WalletProvider.WECHAT: ScriptedPayoutGateway()})

    result = routing.send(_payout("wdr_1", CARD))

    assert result.status is PayoutStatus.FAILED
    assert result.reason == "No payout provider pays bank cards on this platform."
    assert routing.send(_payout("wdr_2", ALIPAY)).reason == (
        "No payout provider pays alipay wallets on this platform."
    )
