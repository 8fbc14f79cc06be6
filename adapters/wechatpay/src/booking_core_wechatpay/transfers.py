"""WeChat Pay 商家转账到零钱 (transfer batches) behind booking_core's payout port."""

from __future__ import annotations

from typing import Any, Final

from booking_core.errors import IdempotencyConflict, InvalidPayoutDestination, PaymentError
from booking_core.payouts import Wallet, WalletProvider
from booking_core.ports.payouts import PayoutRequest, PayoutResult, PayoutStatus
from booking_core_wechatpay.client import Reply, Unreachable, WeChatPayClient
from booking_core_wechatpay.config import WeChatPayConfig
from booking_core_wechatpay.keys import out_batch_no, out_detail_no

__all__ = ["WeChatPayTransfers"]

_DETAIL_STATES: Final = {
    "SUCCESS": PayoutStatus.PAID,
    "FAIL": PayoutStatus.FAILED,
    "INIT": PayoutStatus.ACCEPTED,
    "WAIT_PAY": PayoutStatus.ACCEPTED,  # waiting for the merchant's confirmation
    "PROCESSING": PayoutStatus.ACCEPTED,
}
_NOT_FOUND: Final = frozenset({"NOT_FOUND", "RESOURCE_NOT_EXISTS"})


class WeChatPayTransfers:
    """A :class:`~booking_core.ports.payouts.PayoutGateway` paying withdrawals into WeChat
    wallets (``Wallet(WalletProvider.WECHAT, openid)``), one transfer batch per payout.

    The payout key becomes the batch's ``out_batch_no`` and its one detail's
    ``out_detail_no`` (:mod:`booking_core_wechatpay.keys`), so a retried send finds the
    batch sent before instead of paying twice.

    Args:
        config: The merchant; ``appid`` must be the app the openids belong to.
        scene_id: The ``transfer_scene_id`` agreed with WeChat Pay (e.g. ``"1000"``), if any.
        batch_name: The batch's name in the merchant platform.
        remark: What the recipient reads with the money (≤ 32 characters).
    """

    def __init__(
        self,
        config: WeChatPayConfig,
        *,
        scene_id: str | None = None,
        batch_name: str = "提现",
        remark: str = "提现到账",
    ) -> None:
        self._client = WeChatPayClient(config)
        self._scene_id = scene_id
        self._batch_name = batch_name
        self._remark = remark

    def send(self, request: PayoutRequest) -> PayoutResult:
        """Send the payout, or answer for the one sent before under ``request.key``.

        Raises:
            InvalidPayoutDestination: not a WeChat wallet.
            IdempotencyConflict: the key was sent with another amount or wallet.
            PaymentError: not CNY; WeChat Pay refused, or could not be reached (the batch
                may or may not have been taken — :meth:`query` tells).
        """
        destination = request.destination
        if not isinstance(destination, Wallet) or destination.provider is not WalletProvider.WECHAT:
            raise InvalidPayoutDestination(
                "WeChat Pay transfers pay WeChat wallets only (Wallet(WECHAT, openid)), "
                f"not {destination!r}.",
                details={"field": "destination"},
            )
        if request.amount.currency != "CNY" or request.amount.amount <= 0:
            raise PaymentError(f"WeChat Pay transfers pay positive CNY, not {request.amount}.")
        known = self._find(request.key)
        if known is not None:
            return self._same(request, *known)
        fen = request.amount.amount
        detail = {
            "out_detail_no": out_detail_no(request.key),
            "transfer_amount": fen,
            "transfer_remark": self._remark,
            "openid": destination.account_id,
        }
        try:
            reply = self._client.call(
                lambda: self._client.sdk.transfer_batch(
                    out_batch_no=out_batch_no(request.key),
                    batch_name=self._batch_name,
                    batch_remark=self._remark,
                    total_amount=fen,
                    total_num=1,
                    transfer_detail_list=[detail],
                    transfer_scene_id=self._scene_id,
                )
            )
        except Unreachable as exc:
            raise PaymentError(
                f"Could not reach WeChat Pay ({exc}); the payout may have been taken: query it."
            ) from exc
        if reply.ok:
            return PayoutResult(
                request.key, PayoutStatus.ACCEPTED, reference=_text(reply.body.get("batch_id"))
            )
        # ALREADY_EXISTS (a concurrent send won) or a refusal: what does WeChat Pay hold?
        known = self._find(request.key)
        if known is None:
            raise PaymentError(
                f"WeChat Pay refused the transfer: {reply.code or reply.status} {reply.message}",
                details={"code": reply.code},
            )
        return self._same(request, *known)

    def query(self, key: str) -> PayoutResult | None:
        """The transfer's state; None if no batch was sent under ``key``.

        Raises:
            PaymentError: WeChat Pay could not be reached.
        """
        known = self._find(key)
        return None if known is None else known[0]

    def _find(self, key: str) -> tuple[PayoutResult, dict[str, Any]] | None:
        """The payout under ``key`` and WeChat Pay's record of it (detail, else batch)."""
        batch_no = out_batch_no(key)
        detail = self._get(
            lambda: self._client.sdk.transfer_query_out_detail_no(
                out_detail_no=out_detail_no(key), out_batch_no=batch_no
            )
        )
        if detail is not None:
            state = str(detail.get("detail_status", ""))
            status = _DETAIL_STATES.get(state)
            if status is None:
                raise PaymentError(f"WeChat Pay answered an unknown detail_status {state!r}.")
            reason = _text(detail.get("fail_reason")) or "FAIL"
            return (
                PayoutResult(
                    key,
                    status,
                    reference=_text(detail.get("batch_id")),
                    reason=reason if status is PayoutStatus.FAILED else None,
                ),
                {"amount": detail.get("transfer_amount"), "openid": detail.get("openid")},
            )
        # Details appear a little after the batch is accepted: ask for the batch itself.
        body = self._get(lambda: self._client.sdk.transfer_query_out_batch_no(batch_no))
        if body is None:
            return None
        batch = body.get("transfer_batch") or {}
        closed = batch.get("batch_status") == "CLOSED"
        return (
            PayoutResult(
                key,
                PayoutStatus.FAILED if closed else PayoutStatus.ACCEPTED,
                reference=_text(batch.get("batch_id")),
                reason=(_text(batch.get("close_reason")) or "CLOSED") if closed else None,
            ),
            {"amount": batch.get("total_amount"), "openid": None},
        )

    def _get(self, request: Any) -> dict[str, Any] | None:
        try:
            reply: Reply = self._client.call(request)
        except Unreachable as exc:
            raise PaymentError(f"Could not reach WeChat Pay ({exc}); try again.") from exc
        if reply.status == 404 or reply.code in _NOT_FOUND:
            return None
        if not reply.ok:
            raise PaymentError(
                f"WeChat Pay refused the transfer query: {reply.code} {reply.message}",
                details={"code": reply.code},
            )
        return reply.body

    @staticmethod
    def _same(request: PayoutRequest, result: PayoutResult, record: dict[str, Any]) -> PayoutResult:
        assert isinstance(request.destination, Wallet)
        openid = record.get("openid")
        if record.get("amount") != request.amount.amount or openid not in (
            None,
            request.destination.account_id,
        ):
            raise IdempotencyConflict(
                f"Payout key {request.key!r} was sent with another amount or wallet.",
                details={"key": request.key},
            )
        return result


def _text(value: object) -> str | None:
    return str(value) if value else None
