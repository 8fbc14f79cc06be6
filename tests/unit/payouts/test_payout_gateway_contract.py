"""The fake payout gateway passes the payout gateway contract, and its scripts do what they
say (a timeout that went through, an acceptance settled later)."""

from __future__ import annotations

import pytest

from booking_core.errors import PaymentError
from booking_core.money import Money
from booking_core.payouts import Payee, Wallet, WalletProvider
from booking_core.ports.payouts import PayoutRequest, PayoutStatus
from booking_core.testing import ScriptedPayoutGateway
from booking_core.testing.contracts import PayoutGatewayContract
from booking_core.testing.payouts import PayoutOutcome

REQUEST = PayoutRequest(
    "wdr_1", Payee.store("sto_1"), Money(9_840, "CNY"), Wallet(WalletProvider.WECHAT, "o_1")
)


class TestScriptedPayoutGateway(PayoutGatewayContract):
    @pytest.fixture
    def gateway(self) -> ScriptedPayoutGateway:
        return ScriptedPayoutGateway()


class TestScriptedPayoutGatewayAcceptingFirst(PayoutGatewayContract):
    """Every payout only accepted at first, paid on settle()."""

    @pytest.fixture
    def gateway(self) -> ScriptedPayoutGateway:
        gateway = ScriptedPayoutGateway()
        gateway.script(*[PayoutOutcome.ACCEPT_THEN_PAY] * 10)
        return gateway

    def settle(self, gateway: ScriptedPayoutGateway, key: str) -> object:  # type: ignore[override]
        gateway.settle()
        return gateway.query(key)


def test_a_timeout_that_went_through_is_paid_and_answered_on_retry() -> None:
    gateway = ScriptedPayoutGateway()
    gateway.script(PayoutOutcome.TIMEOUT_THEN_PAY)

    with pytest.raises(PaymentError):
        gateway.send(REQUEST)
    again = gateway.send(REQUEST)

    assert again.status is PayoutStatus.PAID
    assert list(gateway.paid) == ["wdr_1"]


def test_an_accepted_payout_fails_on_settle_when_so_scripted() -> None:
    gateway = ScriptedPayoutGateway()
    gateway.script(PayoutOutcome.ACCEPT_THEN_FAIL)

    first = gateway.send(REQUEST)
    settled = gateway.settle()

    assert first.status is PayoutStatus.ACCEPTED
    assert settled == ["wdr_1"]
    result = gateway.query("wdr_1")
    assert result is not None
    assert result.status is PayoutStatus.FAILED
    assert result.reason
    assert gateway.paid == {}
