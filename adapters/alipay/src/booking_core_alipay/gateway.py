"""Alipay as a :class:`~booking_core.ports.payments.PaymentGateway`.

* H5, web and app payments are order strings the SDK signs: nothing exists at Alipay until
  the customer opens them (``alipay.trade.wap.pay``, ``.page.pay``, ``.app.pay``). A QR
  payment is a server call (``alipay.trade.precreate``) whose trade exists once scanned.
* The domain key maps reversibly onto ``out_trade_no`` / ``out_request_no``
  (:mod:`booking_core_alipay.keys`); amounts cross as exact yuan strings.
* A timeout, connection error, 5xx or ``ACQ.SYSTEM_ERROR`` on a create or a refund is
  ``UNKNOWN``; on a query it is a :class:`~booking_core.errors.PaymentError`.
* It is a :class:`~booking_core.ports.payments.StatementSource`: the daily trade bill
  (``alipay.data.dataservice.bill.downloadurl.query``, read by
  :mod:`booking_core_alipay.statements`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final
from urllib.parse import parse_qsl

import attrs
from pendulum import Date

from booking_core.errors import (
    IdempotencyConflict,
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
from booking_core_alipay.amounts import CURRENCY, from_yuan, to_yuan
from booking_core_alipay.client import (
    SUCCESS,
    UNAVAILABLE,
    AlipayClient,
    GatewayRefused,
    NoAnswer,
    Reply,
)
from booking_core_alipay.config import CHANNELS, AlipayConfig
from booking_core_alipay.keys import decode_key, encode_key
from booking_core_alipay.records import PaymentRecord, Records, RefundRecord
from booking_core_alipay.statements import STATEMENT_ZONE, read_trade_bill

__all__ = ["AlipayGateway"]

#: Alipay's clock for ``time_expire`` (China has no daylight saving time).
_BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
_PRODUCT_CODES: Final = {
    PaymentChannel.H5: "QUICK_WAP_WAY",
    PaymentChannel.WEB: "FAST_INSTANT_TRADE_PAY",
    PaymentChannel.APP: "QUICK_MSECURITY_PAY",
    PaymentChannel.QR: "FACE_TO_FACE_PAYMENT",
}
_STATUSES: Final = {
    "WAIT_BUYER_PAY": PaymentStatus.REQUIRES_ACTION,
    "TRADE_SUCCESS": PaymentStatus.CAPTURED,
    "TRADE_FINISHED": PaymentStatus.CAPTURED,
    "TRADE_CLOSED": PaymentStatus.CANCELLED,
}
_TRADE_NOT_EXIST: Final = "ACQ.TRADE_NOT_EXIST"
#: The answers after which a money-moving call's outcome is unknown.
_SYSTEM_ERRORS: Final = frozenset({"ACQ.SYSTEM_ERROR", "isp.unknow-error"})
_FORM: Final = "application/x-www-form-urlencoded"
_BASE64: Final = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_REFUND_FIELDS: Final = ("refund_fee", "gmt_refund", "out_biz_no")
_BILL_QUERY: Final = "alipay.data.dataservice.bill.downloadurl.query"
#: "No bill (yet)": Alipay makes a day's bill the next morning (usually before 09:00).
_BILL_NOT_EXIST: Final = frozenset({"isp.bill_not_exist", "isv.bill_not_exist", "BILL_NOT_EXIST"})

_CAPABILITIES: Final = Capabilities(
    manual_capture=False,  # ordinary trades capture at payment; 预授权 is another product
    partial_capture=False,
    partial_refund=True,
    asynchronous_refund=False,  # alipay.trade.refund answers with the refund done
    preauthorization=False,
    authorization_ttl_minutes=None,
    currencies=frozenset({CURRENCY}),
)


def _failure(reply: Reply) -> str:
    code = reply.get("sub_code") or reply.get("code")
    return f"{code}: {reply.get('sub_msg') or reply.get('msg')}"


def _unknown(reply: Reply) -> bool:
    return reply.get("code") == UNAVAILABLE or reply.get("sub_code") in _SYSTEM_ERRORS


class AlipayGateway:
    """Payments, refunds and notifications of one Alipay app.

    Args:
        config: The app's ids, keys and URLs.
        now: The clock (``time_expire`` of payment links); UTC-aware.
    """

    def __init__(self, config: AlipayConfig, *, now: Callable[[], datetime] | None = None) -> None:
        self._config = config
        self._client = AlipayClient(config)
        self._records = Records()
        self._now = now or (lambda: datetime.now(UTC))

    @property
    def name(self) -> str:
        """``"alipay"``."""
        return "alipay"

    @property
    def capabilities(self) -> Capabilities:
        """Captures at payment, refunds in part and at once, CNY only; a payment exists at
        Alipay only once its link or code is opened, and stays payable for the configured
        ``payment_ttl_minutes`` (the core waits that long before closing one it cannot find)."""
        return attrs.evolve(_CAPABILITIES, link_ttl_minutes=self._config.payment_ttl_minutes)

    # -- payments ------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> PaymentResult:
        """Sign the channel's order string (H5, web, app) or precreate a QR code.

        Raises:
            IdempotencyConflict: the key was used for another amount or order.
            PaymentError: a currency other than CNY, a channel Alipay has not, a refusal.
        """
        key = request.idempotency_key
        channel = request.channel or self._config.default_channel
        if channel not in CHANNELS:
            raise PaymentError(
                f"Alipay pays through {', '.join(CHANNELS)}, not {channel}.",
                details={"channel": str(channel)},
            )
        to_yuan(request.amount)  # refuses other currencies before anything is remembered
        encode_key(key)
        expire = (self._now() + timedelta(minutes=self._config.payment_ttl_minutes)).astimezone(
            _BEIJING
        )
        asked = PaymentRecord(
            key, request.order_id, request.amount, channel, expire.strftime("%Y-%m-%d %H:%M:%S")
        )
        # Remembered before Alipay is asked: after a lost reply the payment is still ours.
        record = self._records.keep_payment(asked)
        if (record.amount, record.order_id) != (request.amount, request.order_id):
            raise _conflict(key)
        try:
            return self._create(request, record)
        except PaymentError:
            if record is asked:  # refused outright: nothing was created
                self._records.forget_payment(key)
            raise

    def _create(self, request: PaymentRequest, record: PaymentRecord) -> PaymentResult:
        key = request.idempotency_key
        total = to_yuan(request.amount)
        out_trade_no = encode_key(key)
        unknown = PaymentResult(key, PaymentStatus.UNKNOWN, request.amount, out_trade_no)
        # A trade may exist already: the customer opened the link, or another process made it.
        try:
            trade = self._query(out_trade_no)
        except NoAnswer:
            return unknown
        except GatewayRefused as exc:
            raise PaymentError(str(exc), details={"code": exc.code}) from exc
        if trade is not None:
            if _total(trade) != request.amount:
                raise _conflict(key)
            known = self._result(key, trade, record)
            if known.status is not PaymentStatus.REQUIRES_ACTION:
                return known
        elif record.cancelled:
            return self._unopened(record)
        biz: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "total_amount": total,
            "subject": (request.description or f"Order {request.order_id}")[:256],
            "product_code": _PRODUCT_CODES[record.channel],
            "time_expire": record.time_expire,
        }
        if record.channel is PaymentChannel.QR:
            action = self._precreate(key, biz, unknown)
            if isinstance(action, PaymentResult):
                return action
        else:
            action = self._order_string(record.channel, biz)
        record = attrs.evolve(record, next_action=action)
        self._records.update_payment(record)
        reference = str(trade["trade_no"]) if trade and trade.get("trade_no") else out_trade_no
        return PaymentResult(
            key, PaymentStatus.REQUIRES_ACTION, request.amount, reference, next_action=action
        )

    def _precreate(
        self, key: str, biz: dict[str, Any], unknown: PaymentResult
    ) -> NextAction | PaymentResult:
        try:
            reply = self._client.call("alipay.trade.precreate", biz)
        except NoAnswer:
            return unknown
        except GatewayRefused as exc:
            raise PaymentError(str(exc), details={"code": exc.code}) from exc
        if reply.get("code") == SUCCESS and reply.get("qr_code"):
            return NextAction("qr_code", {"qr_code": str(reply["qr_code"])})
        if _unknown(reply):
            return unknown
        if reply.get("sub_code") == "ACQ.CONTEXT_INCONSISTENT":
            raise _conflict(key)
        if reply.get("sub_code") in ("ACQ.TRADE_HAS_SUCCESS", "ACQ.TRADE_HAS_CLOSE"):
            return self.get_payment(key)  # paid or closed meanwhile
        raise PaymentError(f"Alipay refused the payment ({_failure(reply)}).")

    def _order_string(self, channel: PaymentChannel, biz: dict[str, Any]) -> NextAction:
        params = {}
        if self._config.notify_url:
            params["notify_url"] = self._config.notify_url
        if self._config.return_url and channel is not PaymentChannel.APP:
            params["return_url"] = self._config.return_url
        signed = self._client.sign(CHANNELS[channel], biz, **params)
        if channel is PaymentChannel.APP:
            return NextAction("alipay_app", {"order_string": signed})
        return NextAction("redirect", {"url": f"{self._client.gateway}?{signed}"})

    def get_payment(self, idempotency_key: str) -> PaymentResult:
        """The trade's status at Alipay (``alipay.trade.query``).

        Raises:
            NotFound: (``payment_not_found``) Alipay has no trade and this gateway created
                no payment under the key.
            PaymentError: Alipay could not be asked.
        """
        record = self._records.payment(idempotency_key)
        out_trade_no = _encode(idempotency_key, "payment")
        trade = self._trade(out_trade_no)
        reopened = trade is not None and trade.get("trade_status") == "WAIT_BUYER_PAY"
        if reopened and record and record.cancelled:
            # Opened after we cancelled it: close it now, as promised.
            with contextlib.suppress(NoAnswer, GatewayRefused):
                self._client.call("alipay.trade.close", {"out_trade_no": out_trade_no})
            trade = self._trade(out_trade_no)
        if trade is not None:
            return self._result(idempotency_key, trade, record)
        if record is None:
            raise NotFound("payment", idempotency_key)
        return self._unopened(record)

    def capture(self, idempotency_key: str, amount: Money | None = None) -> PaymentResult:
        """Alipay's ordinary trades capture when the customer pays: nothing to capture.

        Raises:
            PaymentError: always.
        """
        raise PaymentError(
            "Alipay captures when the customer pays; there is no authorization to capture.",
            details={"key": idempotency_key},
        )

    def cancel(self, idempotency_key: str) -> PaymentResult:
        """Close the trade (``alipay.trade.close``) and tell what it is now: a trade paid
        meanwhile stays captured.

        Raises:
            NotFound: (``payment_not_found``) no such payment.
            PaymentError: Alipay could not be asked, or would not close an unpaid trade.
        """
        out_trade_no = _encode(idempotency_key, "payment")
        try:
            reply = self._client.call("alipay.trade.close", {"out_trade_no": out_trade_no})
        except (NoAnswer, GatewayRefused) as exc:
            raise PaymentError(f"Could not close the Alipay trade: {exc}") from exc
        if reply.get("sub_code") == _TRADE_NOT_EXIST:
            record = self._records.payment(idempotency_key)
            if record is None:
                raise NotFound("payment", idempotency_key)
            # Never opened: Alipay has nothing to close. The link stays payable until its
            # time_expire; a late payment shows as captured and is refunded by the core.
            record = attrs.evolve(record, cancelled=True, next_action=None)
            self._records.update_payment(record)
            return self._unopened(record)
        result = self.get_payment(idempotency_key)
        if reply.get("code") != SUCCESS and result.status is PaymentStatus.REQUIRES_ACTION:
            raise PaymentError(f"Alipay would not close the trade ({_failure(reply)}).")
        return result

    def _trade(self, out_trade_no: str) -> Reply | None:
        """The trade at Alipay, or None if it has none (PaymentError without an answer)."""
        try:
            return self._query(out_trade_no)
        except (NoAnswer, GatewayRefused) as exc:
            raise PaymentError(f"Could not ask Alipay about the trade: {exc}") from exc

    def _query(self, out_trade_no: str) -> Reply | None:
        reply = self._client.call("alipay.trade.query", {"out_trade_no": out_trade_no})
        if reply.get("code") == SUCCESS:
            return reply
        if reply.get("sub_code") == _TRADE_NOT_EXIST:
            return None
        if _unknown(reply):
            raise NoAnswer(_failure(reply))
        raise PaymentError(f"Alipay did not tell the trade's status ({_failure(reply)}).")

    def _result(self, key: str, trade: Reply, record: PaymentRecord | None) -> PaymentResult:
        state = str(trade.get("trade_status", ""))
        if state not in _STATUSES:
            raise PaymentError(f"Alipay answered an unknown trade status {state!r}.")
        status = _STATUSES[state]
        if status is PaymentStatus.CANCELLED and _was_paid(trade):
            status = PaymentStatus.CAPTURED  # paid, then refunded in full: closed
        action = record.next_action if record else None
        return PaymentResult(
            key,
            status,
            _total(trade),
            str(trade.get("trade_no") or trade.get("out_trade_no")),
            next_action=action if status is PaymentStatus.REQUIRES_ACTION else None,
        )

    @staticmethod
    def _unopened(record: PaymentRecord) -> PaymentResult:
        if record.cancelled:
            return PaymentResult(
                record.key, PaymentStatus.CANCELLED, record.amount, encode_key(record.key)
            )
        return PaymentResult(
            record.key,
            PaymentStatus.REQUIRES_ACTION,
            record.amount,
            encode_key(record.key),
            next_action=record.next_action,
        )

    # -- refunds -------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refund part or all of a paid trade (``alipay.trade.refund``); Alipay answers with
        the refund done, so the result is ``SUCCEEDED`` (or ``UNKNOWN`` without an answer).

        Raises:
            IdempotencyConflict: the refund key was used with another amount or payment.
            PaymentError: more than remains refundable, an unpaid trade, a refusal.
        """
        key = request.idempotency_key
        amount = to_yuan(request.amount)
        out_trade_no = _encode(request.payment_key, "payment")
        out_request_no = _encode(key, "refund")
        record = self._records.keep_refund(RefundRecord(key, request.payment_key, request.amount))
        if (record.payment_key, record.amount) != (request.payment_key, request.amount):
            raise _conflict(key)
        unknown = RefundResult(key, RefundStatus.UNKNOWN, request.amount)
        biz = {
            "out_trade_no": out_trade_no,
            "refund_amount": amount,
            "out_request_no": out_request_no,
        }
        if request.reason:
            biz["refund_reason"] = request.reason[:256]
        try:
            reply = self._client.call("alipay.trade.refund", biz)
        except NoAnswer:
            return unknown
        except GatewayRefused as exc:
            self._records.forget_refund(key)
            raise PaymentError(str(exc), details={"code": exc.code}) from exc
        if reply.get("code") == SUCCESS:
            return RefundResult(
                key,
                RefundStatus.SUCCEEDED,
                request.amount,
                _refund_reference(reply, out_request_no),
            )
        if _unknown(reply):
            return unknown
        sub_code = reply.get("sub_code")
        if sub_code == "ACQ.DISCORDANT_REPEAT_REQUEST":
            raise _conflict(key)
        self._records.forget_refund(key)
        raise PaymentError(
            f"Alipay refused the refund ({_failure(reply)}).",
            details={"sub_code": str(sub_code)},
        )

    def get_refund(self, idempotency_key: str) -> RefundResult:
        """The refund at Alipay (``alipay.trade.fastpay.refund.query``).

        Raises:
            NotFound: (``refund_not_found``) no refund under the key — also for a refund
                asked by another process: the query needs its trade; asking for the refund
                again under the same key is safe (Alipay answers for the one made).
            PaymentError: Alipay could not be asked.
        """
        record = self._records.refund(idempotency_key)
        if record is None:
            raise NotFound("refund", idempotency_key)
        reply = self._refund_query(
            _encode(record.payment_key, "payment"), _encode(idempotency_key, "refund")
        )
        if reply is None:
            raise NotFound("refund", idempotency_key)
        amount, reference = reply
        return RefundResult(idempotency_key, RefundStatus.SUCCEEDED, amount, reference)

    def _refund_query(self, out_trade_no: str, out_request_no: str) -> tuple[Money, str] | None:
        try:
            reply = self._client.call(
                "alipay.trade.fastpay.refund.query",
                {"out_trade_no": out_trade_no, "out_request_no": out_request_no},
            )
        except (NoAnswer, GatewayRefused) as exc:
            raise PaymentError(f"Could not ask Alipay about the refund: {exc}") from exc
        if reply.get("sub_code") == _TRADE_NOT_EXIST:
            return None
        if reply.get("code") != SUCCESS:
            raise PaymentError(f"Alipay did not tell the refund's status ({_failure(reply)}).")
        # Alipay answers success without refund fields for a refund it has not made.
        if not reply.get("refund_amount") or reply.get("refund_status", "REFUND_SUCCESS") != (
            "REFUND_SUCCESS"
        ):
            return None
        try:
            amount = from_yuan(str(reply["refund_amount"]))
        except ValueError as exc:
            raise PaymentError("Alipay answered a malformed refund amount.") from exc
        return amount, _refund_reference(reply, out_request_no)

    # -- the daily statement -------------------------------------------------------------

    @property
    def statement_zone(self) -> str:
        """``Asia/Shanghai``: Alipay's days are Beijing days."""
        return STATEMENT_ZONE

    def statement(self, day: Date) -> list[StatementEntry]:
        """The trade bill of ``day`` (``bill_type=trade``): every payment and refund Alipay
        lists, as :mod:`booking_core_alipay.statements` reads them.

        The signed reply of ``alipay.data.dataservice.bill.downloadurl.query`` gives a
        link (pre-signed by Alipay, valid for about 30 seconds) to the bill's zip, which is
        downloaded at once. A day not over in Beijing is not asked for: Alipay makes a
        day's bill the next morning.

        Raises:
            PaymentError: (reason ``statement_not_ready``) the day is not over, or Alipay
                has no bill of it yet (``isp.bill_not_exist``); (reason
                ``statement_unreachable``) no answer or no file; (reason
                ``statement_unreadable``) not a trade bill; a refusal of Alipay's.
        """
        bill_date = day.isoformat()
        if day >= self._now().astimezone(_BEIJING).date():
            raise _not_ready(bill_date, "the day is not over in Beijing")
        try:
            reply = self._client.call(_BILL_QUERY, {"bill_type": "trade", "bill_date": bill_date})
        except NoAnswer as exc:
            raise _unreachable(bill_date, exc) from exc
        except GatewayRefused as exc:  # not signed up for it, a key Alipay does not know …
            raise PaymentError(str(exc), details={"code": exc.code, "day": bill_date}) from exc
        if reply.get("code") != SUCCESS:
            if reply.get("sub_code") in _BILL_NOT_EXIST:
                raise _not_ready(bill_date, str(reply.get("sub_code")))
            if _unknown(reply):  # 20000, a system error: ask again later
                raise _unreachable(bill_date, NoAnswer(_failure(reply)))
            raise PaymentError(
                f"Alipay did not give the trade bill of {bill_date} ({_failure(reply)}).",
                details={"sub_code": str(reply.get("sub_code")), "day": bill_date},
            )
        url = reply.get("bill_download_url")
        if not isinstance(url, str) or not url:
            raise PaymentError(
                f"Alipay's answer for the trade bill of {bill_date} has no bill_download_url.",
                details={"reason": "statement_unreadable", "day": bill_date},
            )
        try:
            archive = self._client.download(url)
        except NoAnswer as exc:
            raise _unreachable(bill_date, exc) from exc
        return read_trade_bill(archive)

    # -- webhooks ------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> ParsedWebhook:
        """Verify an asynchronous notification (a form POST signed RSA2 by Alipay) and
        normalize it; the ack is the text ``success`` Alipay waits for.

        A notification carrying refund fields (``out_biz_no``, ``refund_fee``) is a refund:
        its amount is that refund's, asked of Alipay (``refund_fee`` is the trade's total).

        Raises:
            InvalidWebhook: not a form post, no or a wrong signature, another app's.
            PaymentError: Alipay could not be asked about a refund (answer 5xx: Alipay
                posts the notification again).
        """
        lowered = {k.lower(): v for k, v in headers.items()}
        if not lowered.get("content-type", "").lower().startswith(_FORM):
            raise InvalidWebhook("An Alipay notification is a form post; this is not one.")
        try:
            text = body.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidWebhook("The notification is not a form.") from exc
        params = dict(pairs)
        signature = params.pop("sign", "")
        if len(params) + 1 != len(pairs) or not _BASE64.fullmatch(signature):
            raise InvalidWebhook("The notification has no signature (or repeats a field).")
        if params.get("sign_type") != "RSA2" or not self._client.verify(params, signature):
            raise InvalidWebhook("The notification's signature is not Alipay's; ignored.")
        if params.get("app_id") != self._config.app_id:
            raise InvalidWebhook("The notification is another app's.")
        try:
            event = self._event(params)
        except (KeyError, ValueError) as exc:
            raise InvalidWebhook("The notification is not a trade notification.") from exc
        return ParsedWebhook(
            gateway=self.name,
            events=() if event is None else (event,),
            ack=WebhookAck(200, "success", "text/plain"),
            raw=text,
        )

    def _event(self, params: dict[str, str]) -> WebhookEvent | None:
        event_id = params["notify_id"]
        out_trade_no = params["out_trade_no"]
        payment_key = decode_key(out_trade_no)
        if any(params.get(field) for field in _REFUND_FIELDS):
            out_request_no = params["out_biz_no"]
            found = self._refund_query(out_trade_no, out_request_no)
            if found is None:
                raise InvalidWebhook("The notification names a refund Alipay has not made.")
            return WebhookEvent(
                event_id,
                WebhookKind.REFUND_SUCCEEDED,
                payment_key,
                found[0],
                refund_key=decode_key(out_request_no),
            )
        kind = {
            "TRADE_SUCCESS": WebhookKind.PAYMENT_CAPTURED,
            "TRADE_FINISHED": WebhookKind.PAYMENT_CAPTURED,
            "TRADE_CLOSED": WebhookKind.PAYMENT_CANCELLED,
        }.get(params.get("trade_status", ""))
        if kind is None:
            return None  # WAIT_BUYER_PAY: nothing happened yet
        return WebhookEvent(event_id, kind, payment_key, from_yuan(params["total_amount"]))


def _encode(key: str, entity: str) -> str:
    try:
        return encode_key(key)
    except InvalidInput as exc:  # a key too long to be Alipay's: no such thing there
        raise NotFound(entity, key) from exc


def _not_ready(bill_date: str, why: str) -> PaymentError:
    return PaymentError(
        f"Alipay's trade bill of {bill_date} is not ready ({why}); Alipay makes it the next "
        "morning, usually before 09:00 Beijing time.",
        details={"reason": "statement_not_ready", "day": bill_date},
    )


def _unreachable(bill_date: str, exc: Exception) -> PaymentError:
    return PaymentError(
        f"Could not fetch Alipay's trade bill of {bill_date} ({exc}); try again.",
        details={"reason": "statement_unreachable", "day": bill_date},
    )


def _conflict(key: str) -> IdempotencyConflict:
    return IdempotencyConflict(
        f"Key {key!r} was used with another amount or order.", details={"key": key}
    )


def _total(trade: Reply) -> Money:
    try:
        return from_yuan(str(trade["total_amount"]))
    except (KeyError, ValueError) as exc:
        raise PaymentError("Alipay answered a trade without a readable total.") from exc


def _was_paid(trade: Reply) -> bool:
    if trade.get("send_pay_date"):
        return True
    try:
        return from_yuan(str(trade.get("buyer_pay_amount") or "0")).amount > 0
    except ValueError:
        return False


def _refund_reference(reply: Reply, out_request_no: str) -> str:
    return f"{reply.get('trade_no', '')}/{out_request_no}"
