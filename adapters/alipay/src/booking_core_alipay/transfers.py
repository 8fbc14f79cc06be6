"""Alipay transfers as a :class:`~booking_core.ports.payouts.PayoutGateway`.

``alipay.fund.trans.uni.transfer`` (product ``TRANS_ACCOUNT_NO_PWD``, scene
``DIRECT_TRANSFER``) pays an Alipay account, idempotent by ``out_biz_no`` (the payout key,
encoded as :mod:`booking_core_alipay.keys` does); ``alipay.fund.trans.common.query`` reads
it back. Alipay requires certificate mode for transfers in production: configure the three
certificates of :class:`~booking_core_alipay.config.AlipayConfig`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from booking_core.errors import IdempotencyConflict, InvalidPayoutDestination, PaymentError
from booking_core.payouts import Payee, Wallet, WalletProvider
from booking_core.ports.payouts import PayoutRequest, PayoutResult, PayoutStatus
from booking_core_alipay.amounts import to_yuan
from booking_core_alipay.client import SUCCESS, AlipayClient, GatewayRefused, NoAnswer, Reply
from booking_core_alipay.config import AlipayConfig
from booking_core_alipay.keys import encode_key

__all__ = ["AlipayTransfers", "PayeeName"]

PayeeName = Callable[[Payee, Wallet], str | None]
"""The real name of the wallet's holder (Alipay checks it against a login-id payee)."""

_USER_ID: Final = re.compile(r"^2088\d{12}$")
_PRODUCT: Final = {"product_code": "TRANS_ACCOUNT_NO_PWD", "biz_scene": "DIRECT_TRANSFER"}
_STATUSES: Final = {
    "SUCCESS": PayoutStatus.PAID,
    "DEALING": PayoutStatus.ACCEPTED,
    "WAIT_PAY": PayoutStatus.ACCEPTED,
    "INIT": PayoutStatus.ACCEPTED,
    "FAIL": PayoutStatus.FAILED,
    "REFUND": PayoutStatus.FAILED,
    "CLOSED": PayoutStatus.FAILED,
}


class AlipayTransfers:
    """Pays withdrawals to Alipay wallets.

    Args:
        config: The app's ids, keys (certificate mode in production) and URLs.
        payee_name: The holder's real name for a wallet given by login id (an e-mail or a
            phone number): Alipay refuses such a transfer without it. A wallet given by
            Alipay user id (``2088…``, 16 digits) needs none.
    """

    def __init__(self, config: AlipayConfig, *, payee_name: PayeeName | None = None) -> None:
        self._client = AlipayClient(config)
        self._payee_name = payee_name

    def send(self, request: PayoutRequest) -> PayoutResult:
        """Transfer, or answer for the transfer made before under ``request.key``.

        Raises:
            InvalidPayoutDestination: not an Alipay wallet, or a login id without a name.
            IdempotencyConflict: the key was sent with another amount or payee.
            PaymentError: no answer from Alipay (``query`` tells), or a refusal.
        """
        wallet = request.destination
        if not isinstance(wallet, Wallet) or wallet.provider is not WalletProvider.ALIPAY:
            raise InvalidPayoutDestination(
                "Alipay transfers pay Alipay wallets only; pay bank cards and WeChat wallets "
                "through another payout gateway.",
                details={"destination": type(wallet).__name__},
            )
        payee_info = {"identity": wallet.account_id, "identity_type": "ALIPAY_USER_ID"}
        if not _USER_ID.match(wallet.account_id):
            name = self._payee_name(request.payee, wallet) if self._payee_name else None
            if not name:
                raise InvalidPayoutDestination(
                    "Alipay pays a login id only with its holder's real name; give the "
                    "gateway a payee_name, or the wallet's 2088… user id.",
                    details={"field": "account_id"},
                )
            payee_info = {
                "identity": wallet.account_id,
                "identity_type": "ALIPAY_LOGON_ID",
                "name": name,
            }
        biz = {
            "out_biz_no": encode_key(request.key),
            "trans_amount": to_yuan(request.amount),
            **_PRODUCT,
            "order_title": "提现 Withdrawal",
            "payee_info": payee_info,
            "remark": f"withdrawal {request.key}"[:200],
        }
        reply = self._call("alipay.fund.trans.uni.transfer", biz)
        if reply.get("code") == SUCCESS:
            result = self._result(request.key, reply)
            if result.status is PayoutStatus.FAILED:
                return self.query(request.key) or result  # the query tells why
            return result
        if reply.get("sub_code") == "PAYMENT_INFO_INCONSISTENCY":
            raise IdempotencyConflict(
                f"Payout {request.key!r} was sent with another amount or payee.",
                details={"key": request.key},
            )
        raise PaymentError(
            f"Alipay refused the transfer ({reply.get('sub_code')}: {reply.get('sub_msg')}).",
            details={"sub_code": str(reply.get("sub_code"))},
        )

    def query(self, key: str) -> PayoutResult | None:
        """The transfer made under ``key``; None if Alipay has none.

        Raises:
            PaymentError: Alipay could not be asked.
        """
        reply = self._call(
            "alipay.fund.trans.common.query", {"out_biz_no": encode_key(key), **_PRODUCT}
        )
        if reply.get("code") == SUCCESS:
            return self._result(key, reply)
        if reply.get("sub_code") == "ORDER_NOT_EXIST":
            return None
        raise PaymentError(
            f"Alipay did not tell the transfer ({reply.get('sub_code')}: {reply.get('sub_msg')})."
        )

    def _call(self, method: str, biz: dict[str, Any]) -> Reply:
        try:
            return self._client.call(method, biz)
        except (NoAnswer, GatewayRefused) as exc:
            raise PaymentError(f"Alipay did not answer the transfer call: {exc}") from exc

    @staticmethod
    def _result(key: str, reply: Reply) -> PayoutResult:
        status = _STATUSES.get(str(reply.get("status", "")))
        if status is None:
            raise PaymentError(
                f"Alipay answered an unknown transfer status {reply.get('status')!r}."
            )
        reason = None
        if status is PayoutStatus.FAILED:
            reason = str(reply.get("fail_reason") or reply.get("error_code") or "failed")
        reference = reply.get("order_id")
        return PayoutResult(key, status, None if reference is None else str(reference), reason)
