"""AlipayTransfers (certificate mode) against the fake: the payout contract, and what it
does not cover."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from booking_core.errors import IdempotencyConflict, InvalidPayoutDestination, PaymentError
from booking_core.money import Money
from booking_core.payouts import BankCard, Payee, Wallet, WalletProvider
from booking_core.ports.payouts import PayoutRequest, PayoutStatus
from booking_core.testing.contracts import PayoutGatewayContract
from booking_core_alipay import AlipayConfig, AlipayTransfers, encode_key

from .fakes.alipay import FakeAlipay
from .fakes.keys import Certificates, Keys, certificates

APP_ID = "2021000000000001"
USER = Wallet(WalletProvider.ALIPAY, "2088102177846880")
LOGIN = Wallet(WalletProvider.ALIPAY, "lilei@example.com")


@pytest.fixture(scope="session")
def certs(keys: Keys) -> Certificates:
    return certificates(keys)


@pytest.fixture
def cert_fake(keys: Keys, certs: Certificates) -> Iterator[FakeAlipay]:
    server = FakeAlipay(
        APP_ID,
        keys.app.public_key(),
        keys.alipay,
        app_cert_sn=certs.app_cert_sn,
        root_cert_sn=certs.root_cert_sn,
    ).start()
    yield server
    server.stop()


@pytest.fixture
def transfer_config(keys: Keys, certs: Certificates, cert_fake: FakeAlipay) -> AlipayConfig:
    return AlipayConfig(
        app_id=APP_ID,
        app_private_key=Keys.private_pem(keys.app),
        app_public_cert=certs.app_cert,
        alipay_public_cert=certs.alipay_cert,
        alipay_root_cert=certs.root_cert,
        timeout=0.4,
        gateway_url=cert_fake.url,
    )


def _names(payee: Payee, wallet: Wallet) -> str | None:
    return {"tec_c1": "李雷"}.get(payee.id)


class TestAlipayTransfers(PayoutGatewayContract):
    destinations = (USER, LOGIN)

    @pytest.fixture
    def gateway(self, transfer_config: AlipayConfig) -> AlipayTransfers:
        return AlipayTransfers(transfer_config, payee_name=_names)


def _request(
    key: str = "wdr_1", destination: Wallet | BankCard = USER, amount: int = 9940
) -> PayoutRequest:
    return PayoutRequest(key, Payee.technician("tec_c1"), Money(amount, "CNY"), destination)


@pytest.fixture
def transfers(transfer_config: AlipayConfig) -> AlipayTransfers:
    return AlipayTransfers(transfer_config, payee_name=_names)


def test_the_transfer_is_an_account_transfer_in_yuan(
    transfers: AlipayTransfers, cert_fake: FakeAlipay
) -> None:
    result = transfers.send(_request(destination=LOGIN))

    made = cert_fake.transfers[encode_key("wdr_1")]
    assert (made.amount, made.identity_type, made.identity) == (
        "99.40",
        "ALIPAY_LOGON_ID",
        "lilei@example.com",
    )
    assert (result.status, result.reference) == (PayoutStatus.PAID, made.order_id)


@pytest.mark.parametrize(
    "destination",
    [
        BankCard("************1234", "李雷 Li Lei", "招商银行 China Merchants Bank"),
        Wallet(WalletProvider.WECHAT, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"),
    ],
)
def test_other_destinations_are_refused(
    transfers: AlipayTransfers, destination: BankCard | Wallet
) -> None:
    with pytest.raises(InvalidPayoutDestination, match="Alipay wallets only"):
        transfers.send(_request(destination=destination))


def test_a_login_id_without_a_name_is_refused(transfer_config: AlipayConfig) -> None:
    with pytest.raises(InvalidPayoutDestination, match="real name"):
        AlipayTransfers(transfer_config).send(_request(destination=LOGIN))


def test_a_failed_transfer_says_why(transfers: AlipayTransfers, cert_fake: FakeAlipay) -> None:
    closed = Wallet(WalletProvider.ALIPAY, "closed@example.com")

    result = transfers.send(_request(destination=closed))

    assert result.status is PayoutStatus.FAILED
    assert result.reason == "收款账户状态异常"
    assert transfers.query("wdr_1") == result


def test_a_transfer_being_dealt_with_is_accepted(
    transfers: AlipayTransfers, cert_fake: FakeAlipay
) -> None:
    transfers.send(_request())
    cert_fake.set_transfer_status(encode_key("wdr_1"), "DEALING")

    result = transfers.query("wdr_1")

    assert result is not None
    assert result.status is PayoutStatus.ACCEPTED


def test_a_lost_reply_is_a_payment_error_and_query_tells(
    transfers: AlipayTransfers, cert_fake: FakeAlipay
) -> None:
    with cert_fake.losing_next_reply("stall"), pytest.raises(PaymentError):
        transfers.send(_request())

    result = transfers.query("wdr_1")
    assert result is not None
    assert result.status is PayoutStatus.PAID
    assert transfers.send(_request()) == result


def test_the_same_key_for_another_payee_is_refused(transfers: AlipayTransfers) -> None:
    transfers.send(_request())

    with pytest.raises(IdempotencyConflict):
        transfers.send(_request(destination=LOGIN))


def test_the_certificate_numbers_are_the_sdks(certs: Certificates) -> None:
    import warnings

    from alipay import DCAliPay

    from booking_core_alipay.certificates import cert_sn, root_cert_sn

    with warnings.catch_warnings():
        # DCAliPay's pyOpenSSL calls are deprecated: the reason the adapter does not use it.
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = (
            DCAliPay.get_cert_sn(certs.app_cert),
            DCAliPay.get_root_cert_sn(certs.root_cert),
        )

    assert (cert_sn(certs.app_cert), root_cert_sn(certs.root_cert)) == expected
