"""WeChat Pay (API v3) behind booking_core's payment gateway port."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import secrets
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from pendulum import Date
from wechatpayv3 import WeChatPayType  # type: ignore[import-untyped]

from booking_core.errors import (
    IdempotencyConflict,
    InvalidIdempotencyKey,
    InvalidInput,
    InvalidWebhook,
    NotFound,
    PaymentError,
)
from booking_core.money import Money
from booking_core.orders.statements import StatementEntry
from booking_core.ports.payments import (
    Capabilities,
    NextAction,
    ParsedWebhook,
    PaymentChannel,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
    WebhookAck,
    WebhookEvent,
    WebhookKind,
)
from booking_core_wechatpay.client import Reply, Unreachable, WeChatPayClient
from booking_core_wechatpay.config import WeChatPayConfig
from booking_core_wechatpay.keys import out_refund_no, out_trade_no, refund_key_of
from booking_core_wechatpay.statements import STATEMENT_ZONE, read_trade_bill

__all__ = ["WECHATPAY_CAPABILITIES", "WeChatPayGateway", "failure_ack"]

CNY: Final = "CNY"
_T = TypeVar("_T")

#: No hold exists for ordinary payments: a deposit is a real charge, refunded in part later.
WECHATPAY_CAPABILITIES: Final = Capabilities(
    manual_capture=False,
    partial_capture=False,
    partial_refund=True,
    asynchronous_refund=True,
    preauthorization=False,
    authorization_ttl_minutes=None,
    currencies=frozenset({CNY}),
)

_TRADE_STATES: Final = {
    "SUCCESS": PaymentStatus.CAPTURED,
    "REFUND": PaymentStatus.CAPTURED,  # paid, then refunded in part or whole
    "NOTPAY": PaymentStatus.REQUIRES_ACTION,
    "USERPAYING": PaymentStatus.REQUIRES_ACTION,
    "CLOSED": PaymentStatus.CANCELLED,
    "REVOKED": PaymentStatus.CANCELLED,
    "PAYERROR": PaymentStatus.DECLINED,
}
_REFUND_STATES: Final = {
    "SUCCESS": RefundStatus.SUCCEEDED,
    "PROCESSING": RefundStatus.PENDING,
    "ABNORMAL": RefundStatus.FAILED,  # e.g. the payer's card was closed: handled by hand
    "CLOSED": RefundStatus.FAILED,
}
_DUPLICATE_ORDER: Final = frozenset({"OUT_TRADE_NO_USED"})
_ORDER_FINISHED: Final = frozenset({"ORDERPAID", "ORDER_PAID", "ORDER_CLOSED", "ORDERCLOSED"})
_NOT_FOUND: Final = frozenset({"ORDER_NOT_EXIST", "ORDERNOTEXIST", "RESOURCE_NOT_EXISTS"})
_REFUND_EVENTS: Final = {
    "REFUND.SUCCESS": WebhookKind.REFUND_SUCCEEDED,
    "REFUND.ABNORMAL": WebhookKind.REFUND_FAILED,
    "REFUND.CLOSED": WebhookKind.REFUND_FAILED,
}
# 账单文件不存在 (before it is made, or a day without trades) and 账单生成中.
_BILL_NOT_READY: Final = "STATEMENT_CREATING"
#: WeChat Pay makes no bill for a day without trades: its statement is empty.
_NO_BILL: Final = "NO_STATEMENT_EXIST"
_SIGNATURE_HEADERS: Final = (
    "Wechatpay-Signature",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Serial",
)


def failure_ack(message: str = "失败") -> WebhookAck:
    """WeChat Pay's documented failure answer (it retries the notification later)."""
    body = json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False)
    return WebhookAck(500, body, "application/json")


class WeChatPayGateway:
    """A :class:`~booking_core.ports.payments.PaymentGateway` over WeChat Pay API v3.

    Channels: ``MINI_PROGRAM`` → JSAPI (needs the payer's openid), ``QR`` → Native, ``APP``
    → App payment; others are refused. Amounts are integer fen, CNY only. Keys map onto
    WeChat Pay's numbers as :mod:`booking_core_wechatpay.keys` says. It is also a
    :class:`~booking_core.ports.payments.StatementSource`: its :meth:`statement` is the
    day's trade bill (对账单).
    """

    def __init__(self, config: WeChatPayConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._client = WeChatPayClient(config)
        self._clock = clock

    @property
    def name(self) -> str:
        """``"wechatpay"``."""
        return "wechatpay"

    @property
    def capabilities(self) -> Capabilities:
        """Captures at once, refunds in part and asynchronously, CNY only."""
        return WECHATPAY_CAPABILITIES

    # -- payments ------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> PaymentResult:
        """Place the order at WeChat Pay and return what the customer must do to pay.

        Raises:
            IdempotencyConflict: the key was used with another amount, order or payer.
            InvalidInput: a mini-program payment without the payer's openid.
            PaymentError: not CNY, a channel WeChat Pay cannot serve here, or a refusal.
        """
        key = request.idempotency_key
        amount = request.amount
        if amount.currency != CNY:
            raise PaymentError(f"WeChat Pay takes CNY only, not {amount.currency}.")
        if amount.amount <= 0:
            raise PaymentError(f"Cannot charge {amount}.")
        if len(key) > 128:
            raise InvalidIdempotencyKey(
                f"Payment key {key!r} is longer than WeChat Pay's attach (128).",
                details={"key": key},
            )
        channel = request.channel or self._config.default_channel
        trade_no = out_trade_no(key)
        params: dict[str, Any] = {
            "description": (request.description or f"Order {request.order_id}")[:127],
            "out_trade_no": trade_no,
            "amount": {"total": amount.amount, "currency": CNY},
            "attach": key,
        }
        if channel is PaymentChannel.MINI_PROGRAM:
            if not request.payer:
                raise InvalidInput(
                    "A WeChat mini-program payment needs the payer's openid (request.payer).",
                    details={"field": "payer"},
                )
            params["payer"] = {"openid": request.payer}
            params["pay_type"] = WeChatPayType.JSAPI
        elif channel is PaymentChannel.QR:
            params["pay_type"] = WeChatPayType.NATIVE
        elif channel is PaymentChannel.APP:
            params["pay_type"] = WeChatPayType.APP
        else:
            raise PaymentError(
                f"The WeChat Pay gateway takes mini-program, QR and app payments, not "
                f"{channel.value!r}.",
                details={"channel": channel.value},
            )
        try:
            reply = self._client.call(lambda: self._client.sdk.pay(**params))
        except Unreachable:
            return PaymentResult(key, PaymentStatus.UNKNOWN, amount, gateway_reference=trade_no)
        if reply.ok:
            return PaymentResult(
                key,
                PaymentStatus.REQUIRES_ACTION,
                amount,
                gateway_reference=trade_no,
                next_action=self._next_action(channel, reply.body),
            )
        if reply.code in _DUPLICATE_ORDER:
            raise IdempotencyConflict(
                f"Payment key {key!r} was used with other parameters.", details={"key": key}
            )
        if reply.code in _ORDER_FINISHED:
            # Paid or closed already: answer with its state, if it is the same payment.
            try:
                known = self.get_payment(key)
            except PaymentError:
                return PaymentResult(key, PaymentStatus.UNKNOWN, amount, gateway_reference=trade_no)
            if known.amount != amount:
                raise IdempotencyConflict(
                    f"Payment key {key!r} was used for {known.amount}.", details={"key": key}
                )
            return known
        raise _refused("the payment", reply)

    def get_payment(self, idempotency_key: str) -> PaymentResult:
        """Query the order by its ``out_trade_no``.

        Raises:
            NotFound: (``payment_not_found``) WeChat Pay has no such order.
            PaymentError: WeChat Pay could not be reached.
        """
        trade_no = out_trade_no(idempotency_key)
        reply = self._query(
            lambda: self._client.sdk.query(out_trade_no=trade_no), "payment", idempotency_key
        )
        body = reply.body
        attach = body.get("attach")
        if attach not in (None, "", idempotency_key):
            raise PaymentError(f"WeChat Pay's order {trade_no} belongs to another key.")
        state = str(body.get("trade_state", ""))
        status = _TRADE_STATES.get(state)
        if status is None:
            raise PaymentError(f"WeChat Pay answered an unknown trade_state {state!r}.")
        declined = status is PaymentStatus.DECLINED
        return PaymentResult(
            idempotency_key,
            status,
            _money(body.get("amount"), "total"),
            gateway_reference=trade_no,
            failure_code=state if declined else None,
            failure_message=str(body.get("trade_state_desc", "")) or None if declined else None,
        )

    def capture(self, idempotency_key: str, amount: Money | None = None) -> PaymentResult:
        """WeChat Pay captures at once; there is nothing to capture.

        Raises:
            PaymentError: always.
        """
        raise PaymentError(
            "WeChat Pay has no authorization to capture: its payments are captured when paid.",
            details={"key": idempotency_key},
        )

    def cancel(self, idempotency_key: str) -> PaymentResult:
        """Close the order so it can no longer be paid, then report its state (a payment
        that was paid meanwhile stays captured).

        Raises:
            NotFound: (``payment_not_found``) WeChat Pay has no such order.
            PaymentError: WeChat Pay could not be reached.
        """
        trade_no = out_trade_no(idempotency_key)
        reply = self._query(
            lambda: self._client.sdk.close(out_trade_no=trade_no), "payment", idempotency_key
        )
        del reply  # ORDERPAID and the like are fine: the query below says what holds
        return self.get_payment(idempotency_key)

    # -- refunds -------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundResult:
        """Ask WeChat Pay for a (domestic) refund under ``out_refund_no``.

        Raises:
            IdempotencyConflict: the refund key was used with another amount or payment.
            PaymentError: more than remains refundable, or the payment is not paid.
        """
        key = request.idempotency_key
        amount = request.amount
        if amount.currency != CNY:
            raise PaymentError(f"WeChat Pay refunds CNY only, not {amount.currency}.")
        refund_no = out_refund_no(key)
        trade_no = out_trade_no(request.payment_key)
        unknown = RefundResult(key, RefundStatus.UNKNOWN, amount)
        try:
            payment = self.get_payment(request.payment_key)
        except NotFound as exc:
            raise PaymentError(f"No payment under {request.payment_key!r} to refund.") from exc
        except PaymentError:
            return unknown
        if payment.status is not PaymentStatus.CAPTURED:
            raise PaymentError(
                f"Payment {request.payment_key!r} is {payment.status.value}, not paid: "
                "nothing to refund."
            )
        params: dict[str, Any] = {
            "out_refund_no": refund_no,
            "out_trade_no": trade_no,
            "amount": {"refund": amount.amount, "total": payment.amount.amount, "currency": CNY},
        }
        if request.reason:
            params["reason"] = request.reason[:80]
        try:
            reply = self._client.call(lambda: self._client.sdk.refund(**params))
        except Unreachable:
            return unknown
        if reply.ok:
            result = self._refund_result(key, reply.body)
            if result.amount != amount or reply.body.get("out_trade_no") not in (None, trade_no):
                raise _refund_conflict(key)
            return result
        # Refused: the same out_refund_no made before with other parameters, or too much.
        try:
            known = self.get_refund(key)
        except NotFound:
            raise _refused("the refund", reply) from None
        except PaymentError:
            raise _refused("the refund", reply) from None
        if known.amount != amount:
            raise _refund_conflict(key)
        return known

    def get_refund(self, idempotency_key: str) -> RefundResult:
        """Query the refund by its ``out_refund_no``.

        Raises:
            NotFound: (``refund_not_found``) WeChat Pay has no such refund.
            PaymentError: WeChat Pay could not be reached.
        """
        refund_no = out_refund_no(idempotency_key)
        reply = self._query(
            lambda: self._client.sdk.query_refund(out_refund_no=refund_no),
            "refund",
            idempotency_key,
        )
        return self._refund_result(idempotency_key, reply.body)

    # -- notifications -------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> ParsedWebhook:
        """Verify the ``Wechatpay-Signature`` and decrypt the resource (AES-256-GCM with
        the APIv3 key) through the SDK, then normalize it.

        The ack is 204 with no body; answer :func:`failure_ack` when this raises.

        Raises:
            InvalidWebhook: missing or wrong signature headers, a stale timestamp, a body
                that does not decrypt, or one that is not a WeChat Pay notification.
        """
        lowered = {name.lower(): value for name, value in headers.items()}
        signed = {name: lowered.get(name.lower(), "") for name in _SIGNATURE_HEADERS}
        if not all(signed.values()):
            raise InvalidWebhook("The notification has no Wechatpay-Signature headers.")
        signed["Wechatpay-Signature-Type"] = lowered.get("wechatpay-signature-type", "")
        key_id = self._config.platform_public_key_id
        if key_id is not None and signed["Wechatpay-Serial"] != key_id:
            # Checked here so that a stranger's serial never makes the SDK download certs.
            raise InvalidWebhook("The notification is signed with a key we do not know.")
        self._check_fresh(signed["Wechatpay-Timestamp"])
        try:
            data = self._client.callback(signed, body)
        except Exception as exc:  # the SDK raises bare Exception on odd algorithms
            raise InvalidWebhook("The notification could not be verified.") from exc
        if data is None:
            raise InvalidWebhook("The notification's signature or encryption does not verify.")
        try:
            events = self._events(data)
            raw = body.decode()
        except (KeyError, TypeError, ValueError, AttributeError, PaymentError) as exc:
            raise InvalidWebhook("The notification is not one WeChat Pay sends.") from exc
        return ParsedWebhook(gateway=self.name, events=events, ack=WebhookAck(204, ""), raw=raw)

    # -- the daily statement -------------------------------------------------------------

    @property
    def statement_zone(self) -> str:
        """``Asia/Shanghai``: WeChat Pay's days are Beijing days."""
        return STATEMENT_ZONE

    def statement(self, day: Date) -> list[StatementEntry]:
        """The trade bill of ``day`` (``bill_type=ALL``): every payment and refund WeChat
        Pay lists, as :mod:`booking_core_wechatpay.statements` reads them.

        WeChat Pay makes the bill after 10:00 the next day. The signed reply names the
        file and its SHA-1; the file (gzip) is unzipped and must match that hash.

        Raises:
            PaymentError: (reason ``statement_not_ready``) WeChat Pay is still making the
                bill of that day (``STATEMENT_CREATING``); a day without trades has none
                (``NO_STATEMENT_EXIST``): its statement is empty; (reason
                ``statement_unverified``) the file does not match its hash; (reason
                ``statement_unreadable``) it is not a trade bill; WeChat Pay could not be
                reached or refused.
        """
        bill_date = day.isoformat()
        reply = _reaching(
            lambda: self._client.call(
                lambda: self._client.sdk.trade_bill(
                    bill_date=bill_date, bill_type="ALL", tar_type="GZIP"
                )
            )
        )
        if reply.code == _NO_BILL:
            return []
        if reply.code == _BILL_NOT_READY:
            raise PaymentError(
                f"WeChat Pay has no trade bill of {bill_date} yet ({reply.code}): it is made "
                "after 10:00 the next day.",
                details={"reason": "statement_not_ready", "code": reply.code, "day": bill_date},
            )
        if not reply.ok:
            raise _refused(f"the trade bill of {bill_date}", reply)
        url = str(reply.body.get("download_url") or "")
        hash_type = str(reply.body.get("hash_type") or "")
        expected = str(reply.body.get("hash_value") or "").lower()
        if not url or hash_type.upper() != "SHA1" or not expected:
            raise PaymentError(
                f"WeChat Pay's trade bill reply lacks a download_url or a SHA1 hash "
                f"({hash_type!r}).",
                details={"reason": "statement_unreadable", "day": bill_date},
            )
        packed = _reaching(lambda: self._client.download(url))
        try:
            raw = gzip.decompress(packed)
        except (OSError, EOFError, zlib.error) as exc:
            raise _unverified(bill_date, "is not the gzip file asked for") from exc
        # The hash is of the bill itself (unzipped); the file came unsigned.
        if not hmac.compare_digest(hashlib.sha1(raw).hexdigest(), expected):
            raise _unverified(bill_date, "does not match the hash of the signed reply")
        return read_trade_bill(raw, STATEMENT_ZONE)

    # -- helpers -------------------------------------------------------------------------

    def _query(self, request: Callable[[], tuple[int, Any]], entity: str, key: str) -> Reply:
        try:
            reply = self._client.call(request)
        except Unreachable as exc:
            raise PaymentError(f"Could not reach WeChat Pay ({exc}); try again.") from exc
        if reply.status == 404 or reply.code in _NOT_FOUND:
            raise NotFound(entity, key)
        if not reply.ok and reply.code not in _ORDER_FINISHED:
            raise _refused(f"the {entity} query", reply)
        return reply

    def _next_action(self, channel: PaymentChannel, body: Mapping[str, Any]) -> NextAction:
        if channel is PaymentChannel.QR:
            return NextAction("qr_code", {"code_url": str(body["code_url"])})
        prepay_id = str(body["prepay_id"])
        timestamp = str(int(self._clock()))
        nonce = secrets.token_hex(16)
        appid = self._config.appid
        if channel is PaymentChannel.APP:
            return NextAction(
                "wechat_app",
                {
                    "appid": appid,
                    "partnerid": self._config.mchid,
                    "prepayid": prepay_id,
                    "package": "Sign=WXPay",
                    "noncestr": nonce,
                    "timestamp": timestamp,
                    "sign": self._client.sign([appid, timestamp, nonce, prepay_id]),
                },
            )
        package = f"prepay_id={prepay_id}"
        return NextAction(
            "wechat_jsapi",
            {
                "appId": appid,
                "timeStamp": timestamp,
                "nonceStr": nonce,
                "package": package,
                "signType": "RSA",
                "paySign": self._client.sign([appid, timestamp, nonce, package]),
            },
        )

    def _refund_result(self, key: str, body: Mapping[str, Any]) -> RefundResult:
        state = str(body.get("status", ""))
        status = _REFUND_STATES.get(state)
        if status is None:
            raise PaymentError(f"WeChat Pay answered an unknown refund status {state!r}.")
        return RefundResult(
            key,
            status,
            _money(body.get("amount"), "refund"),
            gateway_reference=str(body["refund_id"]) if body.get("refund_id") else None,
            failure_message=f"WeChat Pay reports the refund {state}."
            if status is RefundStatus.FAILED
            else None,
        )

    def _check_fresh(self, timestamp: str) -> None:
        tolerance = self._config.webhook_tolerance_seconds
        try:
            signed_at = int(timestamp)
        except ValueError:
            raise InvalidWebhook("The notification's timestamp is not a number.") from None
        if tolerance is not None and abs(self._clock() - signed_at) > tolerance:
            raise InvalidWebhook("The notification's timestamp is too old (a replay?).")

    def _events(self, data: Mapping[str, Any]) -> tuple[WebhookEvent, ...]:
        event_type = str(data["event_type"])
        event_id = str(data["id"])
        resource = data["resource"]
        if event_type == "TRANSACTION.SUCCESS":
            payment_key = str(resource["attach"])
            if out_trade_no(payment_key) != resource["out_trade_no"]:
                raise ValueError("attach and out_trade_no disagree")
            return (
                WebhookEvent(
                    event_id,
                    WebhookKind.PAYMENT_CAPTURED,
                    payment_key,
                    _money(resource["amount"], "total"),
                ),
            )
        kind = _REFUND_EVENTS.get(event_type)
        if kind is not None:
            return (
                WebhookEvent(
                    event_id,
                    kind,
                    "",  # a refund notice names the payment only by out_trade_no (a hash)
                    _money(resource["amount"], "refund"),
                    refund_key=refund_key_of(str(resource["out_refund_no"])),
                ),
            )
        return ()  # verified, but nothing the core follows


def _money(amount: object, field: str) -> Money:
    if not isinstance(amount, Mapping):
        raise PaymentError("WeChat Pay's answer has no amount.")
    value = amount.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise PaymentError(f"WeChat Pay's amount.{field} is not an integer.")
    return Money(value, str(amount.get("currency") or CNY))


def _refused(what: str, reply: Reply) -> PaymentError:
    return PaymentError(
        f"WeChat Pay refused {what}: {reply.code or reply.status} {reply.message}".rstrip(),
        details={"code": reply.code, "status": reply.status},
    )


def _reaching(request: Callable[[], _T]) -> _T:
    try:
        return request()
    except Unreachable as exc:
        raise PaymentError(
            f"Could not reach WeChat Pay ({exc}); try again.",
            details={"reason": "statement_unreachable"},
        ) from exc


def _unverified(day: str, why: str) -> PaymentError:
    return PaymentError(
        f"WeChat Pay's trade bill of {day} {why}; it was not read.",
        details={"reason": "statement_unverified", "day": day},
    )


def _refund_conflict(key: str) -> IdempotencyConflict:
    return IdempotencyConflict(
        f"Refund key {key!r} was used with other parameters.", details={"key": key}
    )
