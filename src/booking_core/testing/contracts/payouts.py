"""The payout gateway contract: what every PayoutGateway adapter guarantees.

Mix :class:`PayoutGatewayContract` into a ``Test*`` class that provides a ``gateway``
fixture (a gateway that pays CNY to the test destinations). Gateways that do not settle at
once override :meth:`PayoutGatewayContract.settle` to drive an accepted payout to its end
(in the provider's sandbox); gateways that pay only some destinations (WeChat Pay: WeChat
wallets) set :attr:`PayoutGatewayContract.destinations`.
"""

from __future__ import annotations

import threading
from typing import ClassVar

import pytest

from booking_core.errors import IdempotencyConflict
from booking_core.money import Money
from booking_core.payouts import BankCard, Payee, Wallet, WalletProvider
from booking_core.ports.payouts import PayoutGateway, PayoutRequest, PayoutResult, PayoutStatus

__all__ = ["PayoutGatewayContract"]

_CARD = BankCard("************1234", "李雷 Li Lei", "招商银行 China Merchants Bank")
_WALLET = Wallet(WalletProvider.ALIPAY, "lilei@example.com")


class PayoutGatewayContract:
    """The behaviour the core relies on, whatever the provider."""

    #: Two destinations the gateway pays (a bank card and a wallet by default).
    destinations: ClassVar[tuple[BankCard | Wallet, BankCard | Wallet]] = (_CARD, _WALLET)

    def _request(self, key: str, amount: int = 9940, *, wallet: bool = False) -> PayoutRequest:
        destination = self.destinations[1 if wallet else 0]
        return PayoutRequest(key, Payee.technician("tec_c1"), Money(amount, "CNY"), destination)

    def settle(self, gateway: PayoutGateway, key: str) -> PayoutResult | None:
        """Drive the payout under ``key`` to paid or failed, and return its state."""
        return gateway.query(key)

    def test_a_payout_ends_paid_and_query_agrees(self, gateway: PayoutGateway) -> None:
        sent = gateway.send(self._request("wdr_c1"))

        settled = self.settle(gateway, "wdr_c1")

        assert sent.key == "wdr_c1"
        assert sent.status in (PayoutStatus.ACCEPTED, PayoutStatus.PAID)
        assert settled is not None
        assert settled.status is PayoutStatus.PAID
        assert gateway.query("wdr_c1") == settled

    def test_sending_again_with_the_same_key_answers_for_the_same_payout(
        self, gateway: PayoutGateway
    ) -> None:
        first = gateway.send(self._request("wdr_c2", wallet=True))
        self.settle(gateway, "wdr_c2")

        again = gateway.send(self._request("wdr_c2", wallet=True))

        assert again.key == first.key
        assert again.reference == first.reference or first.reference is None
        assert again == gateway.query("wdr_c2")

    def test_the_same_key_with_another_amount_is_refused(self, gateway: PayoutGateway) -> None:
        gateway.send(self._request("wdr_c3"))

        with pytest.raises(IdempotencyConflict) as refused:
            gateway.send(self._request("wdr_c3", amount=9941))

        assert refused.value.code == "idempotency_conflict"

    def test_an_unknown_key_has_no_payout(self, gateway: PayoutGateway) -> None:
        assert gateway.query("wdr_never_sent") is None

    def test_concurrent_sends_of_one_key_make_one_payout(self, gateway: PayoutGateway) -> None:
        results: list[PayoutResult] = []
        start = threading.Barrier(8)

        def send() -> None:
            start.wait()
            results.append(gateway.send(self._request("wdr_c4")))

        threads = [threading.Thread(target=send) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(results) == 8
        assert len({r.reference for r in results}) == 1
