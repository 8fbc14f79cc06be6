"""A wire-level fake of Alipay's open-API gateway on 127.0.0.1, for tests.

It speaks what python-alipay-sdk speaks: a GET (or form POST) to ``/gateway.do`` whose
parameters are signed RSA2 with the app's private key — verified here with the app's public
key, an ``error_response`` answering a wrong signature — and a JSON reply whose
``<method>_response`` object is signed with the "Alipay" private key the test generated.

Trades and refunds follow Alipay's rules as documented: an order string (H5, web, app)
creates nothing until the customer opens it, a precreated QR code nothing until scanned;
``out_request_no`` makes refunds idempotent (``ACQ.DISCORDANT_REPEAT_REQUEST`` for other
parameters); never more than the total is refunded (``ACQ.REFUND_AMT_NOT_EQUAL_TOTAL``); a
trade refunded in full is closed. Transfers likewise by ``out_biz_no``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

__all__ = ["FakeAlipay", "cert_sn", "sign_params"]

_MONEY_MOVING = frozenset(
    {"alipay.trade.precreate", "alipay.trade.refund", "alipay.fund.trans.uni.transfer"}
)
_OUT_NO = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_YUAN = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


def _rsa2(key: rsa.RSAPrivateKey, message: str) -> str:
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def _check(key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        key.verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except Exception:  # InvalidSignature, binascii.Error
        return False
    return True


def _content(params: dict[str, str], *without: str) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in without)


def sign_params(params: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    """``params`` plus ``sign``: RSA2 over the sorted pairs without sign and sign_type, as
    Alipay signs its asynchronous notifications."""
    return {**params, "sign": _rsa2(key, _content(params, "sign", "sign_type"))}


def cert_sn(cert: x509.Certificate) -> str:
    """Alipay's serial number of a certificate: md5 of its issuer (CN, OU, O, C) and serial."""

    def part(oid: x509.ObjectIdentifier) -> str:
        found = cert.issuer.get_attributes_for_oid(oid)
        return str(found[0].value) if found else "None"

    name = ",".join(
        f"{label}={part(oid)}"
        for label, oid in (
            ("CN", x509.NameOID.COMMON_NAME),
            ("OU", x509.NameOID.ORGANIZATIONAL_UNIT_NAME),
            ("O", x509.NameOID.ORGANIZATION_NAME),
            ("C", x509.NameOID.COUNTRY_NAME),
        )
    )
    return hashlib.md5((name + str(cert.serial_number)).encode()).hexdigest()


def _fen(yuan: str) -> int:
    return int(Decimal(yuan) * 100)


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


@dataclass
class _Trade:
    out_trade_no: str
    trade_no: str
    total: int  # fen
    subject: str
    status: str = "WAIT_BUYER_PAY"
    paid_at: str | None = None
    refunds: dict[str, int] = field(default_factory=dict)  # out_request_no -> fen

    @property
    def refunded(self) -> int:
        return sum(self.refunds.values())


@dataclass
class _Transfer:
    out_biz_no: str
    order_id: str
    amount: str
    identity_type: str
    identity: str
    status: str = "SUCCESS"


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _failed(sub_code: str, sub_msg: str) -> dict[str, str]:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


class FakeAlipay:
    """Alipay's gateway for one app; :meth:`start` serves it, :attr:`url` is its address."""

    def __init__(
        self,
        app_id: str,
        app_public_key: rsa.RSAPublicKey,
        alipay_private_key: rsa.RSAPrivateKey,
        *,
        app_cert_sn: str | None = None,
        root_cert_sn: str | None = None,
        stall_seconds: float = 1.0,
    ) -> None:
        self.app_id = app_id
        self._app_key = app_public_key
        self._alipay_key = alipay_private_key
        self._app_cert_sn = app_cert_sn
        self._root_cert_sn = root_cert_sn
        self._stall = stall_seconds
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.trades: dict[str, _Trade] = {}
        self.precreates: dict[str, tuple[int, str, str]] = {}  # out_trade_no -> total, qr, subj
        self.transfers: dict[str, _Transfer] = {}
        self.calls: list[str] = []
        self._lose: str | None = None
        self._lose_any = False
        self._failures: dict[str, str] = {}
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "alipay.trade.precreate": self._precreate,
            "alipay.trade.query": self._query,
            "alipay.trade.close": self._close,
            "alipay.trade.refund": self._refund,
            "alipay.trade.fastpay.refund.query": self._refund_query,
            "alipay.fund.trans.uni.transfer": self._transfer,
            "alipay.fund.trans.common.query": self._transfer_query,
        }
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/gateway.do"

    def start(self) -> FakeAlipay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- the test's levers ---------------------------------------------------------------

    @contextlib.contextmanager
    def losing_next_reply(self, mode: str = "stall", *, any_call: bool = False) -> Iterator[None]:
        """While open, the next money-moving call (with ``any_call``: the next call) is
        performed but its reply is lost: the server stalls past the client's timeout
        (``stall``) or answers 500 (``500``)."""
        with self._lock:
            self._lose = mode
            self._lose_any = any_call
        try:
            yield
        finally:
            with self._lock:
                self._lose = None

    def fail_next(self, method: str, sub_code: str = "ACQ.SYSTEM_ERROR") -> None:
        """The next call of ``method`` is not performed: Alipay answers ``sub_code``."""
        with self._lock:
            self._failures[method] = sub_code

    def open(self, action: dict[str, str]) -> str:
        """The customer opens a payment (a redirect URL, an app order string, a QR code):
        Alipay creates the trade, waiting for the buyer; returns its out_trade_no."""
        if "qr_code" in action:
            with self._lock:
                for out_trade_no, (total, qr, subject) in self.precreates.items():
                    if qr == action["qr_code"]:
                        return self._new_trade(out_trade_no, total, subject)
            raise LookupError("no such QR code")
        signed = action.get("order_string") or urlsplit(action["url"]).query
        params = dict(parse_qsl(signed, keep_blank_values=True))
        sign = params.pop("sign", "")
        if not _check(self._app_key, _content(params), sign):
            raise ValueError("the order string's signature is not the app's")
        biz = json.loads(params["biz_content"])
        with self._lock:
            return self._new_trade(biz["out_trade_no"], _fen(biz["total_amount"]), biz["subject"])

    def pay(self, out_trade_no: str) -> None:
        """The buyer pays the trade."""
        with self._lock:
            trade = self.trades[out_trade_no]
            if trade.status != "WAIT_BUYER_PAY":
                raise ValueError(f"trade is {trade.status}")
            trade.status = "TRADE_SUCCESS"
            trade.paid_at = "2026-12-07 12:00:00"

    def pay_via(self, action: dict[str, str]) -> str:
        """Open and pay; returns the out_trade_no."""
        out_trade_no = self.open(action)
        self.pay(out_trade_no)
        return out_trade_no

    def notification(
        self, out_trade_no: str, *, out_request_no: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """A trade notification as Alipay posts it (about the trade's state, or about one of
        its refunds), signed with the Alipay key."""
        with self._lock:
            trade = self.trades[out_trade_no]
            params = {
                "notify_id": f"2026120700222{next(self._ids):08d}",
                "notify_type": "trade_status_sync",
                "notify_time": "2026-12-07 12:00:05",
                "app_id": self.app_id,
                "auth_app_id": self.app_id,
                "charset": "utf-8",
                "version": "1.0",
                "sign_type": "RSA2",
                "trade_no": trade.trade_no,
                "out_trade_no": trade.out_trade_no,
                "trade_status": trade.status,
                "total_amount": _yuan(trade.total),
                "receipt_amount": _yuan(trade.total),
                "buyer_pay_amount": _yuan(trade.total),
                "subject": trade.subject,
                "buyer_id": "2088102177846880",
                "gmt_create": "2026-12-07 11:59:00",
                "gmt_payment": trade.paid_at or "",
            }
            if out_request_no is not None:
                if out_request_no not in trade.refunds:
                    raise LookupError("no such refund")
                params["out_biz_no"] = out_request_no
                params["refund_fee"] = _yuan(trade.refunded)  # the trade's total refunded
                params["gmt_refund"] = "2026-12-07 12:30:00.123"
        params = {k: v for k, v in params.items() if v}
        body = urlencode(sign_params(params, self._alipay_key)).encode()
        return {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body

    def set_transfer_status(self, out_biz_no: str, status: str) -> None:
        with self._lock:
            self.transfers[out_biz_no].status = status

    # -- the wire ------------------------------------------------------------------------

    @Request.application  # type: ignore[misc]
    def _app(self, request: Request) -> Response:
        params = {**request.args.to_dict(), **request.form.to_dict()}
        method = params.get("method", "")
        self.calls.append(method)
        sign = params.pop("sign", "")
        if not _check(self._app_key, _content(params), sign):
            return self._error("isv.invalid-signature", "验签出错")
        if params.get("app_id") != self.app_id:
            return self._error("isv.invalid-app-id", "无效的AppID参数")
        if self._root_cert_sn is not None and (
            params.get("app_cert_sn") != self._app_cert_sn
            or params.get("alipay_root_cert_sn") != self._root_cert_sn
        ):
            return self._error("isv.app-cert-sn-invalid", "应用公钥证书序列号不匹配")
        handler = self._handlers.get(method)
        if handler is None:
            return self._error("isv.invalid-method", "不存在的方法名")
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            return self._error("isv.invalid-parameter", "biz_content 不是 JSON")
        with self._lock:
            failure = self._failures.pop(method, None)
            content = _failed(failure, "系统错误") if failure else handler(biz)
            lose = self._lose if self._lose_any or method in _MONEY_MOVING else None
            if lose is not None:
                self._lose = None
        if lose == "500":
            return Response("Internal Server Error", 500)
        if lose == "stall":
            time.sleep(self._stall)  # performed; the client has given up by now
        return self._signed(method.replace(".", "_") + "_response", content)

    def _signed(self, response_type: str, content: dict[str, Any]) -> Response:
        inner = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        text = f'{{"{response_type}":{inner},"sign":"{_rsa2(self._alipay_key, inner)}"}}'
        return Response(text, content_type="text/html;charset=utf-8")

    @staticmethod
    def _error(sub_code: str, sub_msg: str) -> Response:
        body = {"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code}
        text = json.dumps({"error_response": {**body, "sub_msg": sub_msg}}, ensure_ascii=False)
        return Response(text, content_type="text/html;charset=utf-8")

    # -- trades (called under the lock) --------------------------------------------------

    def _new_trade(self, out_trade_no: str, total: int, subject: str) -> str:
        trade = self.trades.get(out_trade_no)
        if trade is None:
            trade_no = f"2026120722001{next(self._ids):015d}"
            self.trades[out_trade_no] = _Trade(out_trade_no, trade_no, total, subject)
        elif trade.total != total:
            raise ValueError("交易信息被篡改")
        return out_trade_no

    def _precreate(self, biz: dict[str, Any]) -> dict[str, Any]:
        out_trade_no = str(biz.get("out_trade_no", ""))
        total = str(biz.get("total_amount", ""))
        if not _OUT_NO.match(out_trade_no) or not _YUAN.match(total) or _fen(total) <= 0:
            return _failed("ACQ.INVALID_PARAMETER", "参数无效")
        trade = self.trades.get(out_trade_no)
        known = self.precreates.get(out_trade_no)
        if (trade and trade.total != _fen(total)) or (known and known[0] != _fen(total)):
            return _failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        if trade and trade.status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            return _failed("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        if trade and trade.status == "TRADE_CLOSED":
            return _failed("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        if known is None:
            known = (_fen(total), f"https://qr.alipay.com/bax0{next(self._ids):06d}", "")
            self.precreates[out_trade_no] = (known[0], known[1], str(biz.get("subject", "")))
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": out_trade_no,
            "qr_code": known[1],
        }

    def _query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(str(biz.get("out_trade_no", "")))
        if trade is None:
            return _failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        paid = trade.paid_at is not None
        reply = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status,
            "total_amount": _yuan(trade.total),
            "buyer_pay_amount": _yuan(trade.total if paid else 0),
            "buyer_logon_id": "lil***@example.com",
        }
        if paid:
            reply["send_pay_date"] = trade.paid_at
        return reply

    def _close(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(str(biz.get("out_trade_no", "")))
        if trade is None:
            return _failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if trade.status != "WAIT_BUYER_PAY":
            return _failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = "TRADE_CLOSED"
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
        }

    def _refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(str(biz.get("out_trade_no", "")))
        amount = str(biz.get("refund_amount", ""))
        out_request_no = str(biz.get("out_request_no") or biz.get("out_trade_no", ""))
        if not _YUAN.match(amount) or _fen(amount) <= 0 or not _OUT_NO.match(out_request_no):
            return _failed("ACQ.INVALID_PARAMETER", "参数无效")
        if trade is None:
            return _failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        fund_change = "N"
        if out_request_no in trade.refunds:
            if trade.refunds[out_request_no] != _fen(amount):
                return _failed("ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求")
        elif trade.status == "TRADE_CLOSED":
            return _failed("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        elif trade.status != "TRADE_SUCCESS":
            return _failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        elif _fen(amount) > trade.total - trade.refunded:
            return _failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        else:
            trade.refunds[out_request_no] = _fen(amount)
            fund_change = "Y"
            if trade.refunded == trade.total:
                trade.status = "TRADE_CLOSED"
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "lil***@example.com",
            "fund_change": fund_change,
            "refund_fee": _yuan(trade.refunded),
        }

    def _refund_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(str(biz.get("out_trade_no", "")))
        if trade is None:
            return _failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        out_request_no = str(biz.get("out_request_no", ""))
        reply = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
        }
        if out_request_no in trade.refunds:  # an unknown refund: success, no refund fields
            reply |= {
                "out_request_no": out_request_no,
                "total_amount": _yuan(trade.total),
                "refund_amount": _yuan(trade.refunds[out_request_no]),
                "refund_status": "REFUND_SUCCESS",
            }
        return reply

    # -- transfers -----------------------------------------------------------------------

    def _transfer(self, biz: dict[str, Any]) -> dict[str, Any]:
        out_biz_no = str(biz.get("out_biz_no", ""))
        amount = str(biz.get("trans_amount", ""))
        payee = biz.get("payee_info") or {}
        identity_type = str(payee.get("identity_type", ""))
        identity = str(payee.get("identity", ""))
        if (
            not _OUT_NO.match(out_biz_no)
            or not _YUAN.match(amount)
            or biz.get("product_code") != "TRANS_ACCOUNT_NO_PWD"
            or biz.get("biz_scene") != "DIRECT_TRANSFER"
            or identity_type not in ("ALIPAY_USER_ID", "ALIPAY_LOGON_ID")
            or not identity
        ):
            return _failed("INVALID_PARAMETER", "参数有误")
        if identity_type == "ALIPAY_LOGON_ID" and not payee.get("name"):
            return _failed("PAYEE_NAME_EMPTY", "收款方姓名不能为空")
        known = self.transfers.get(out_biz_no)
        if known is None:
            known = _Transfer(
                out_biz_no, f"2026120711007{next(self._ids):015d}", amount, identity_type, identity
            )
            if identity.startswith("closed"):
                known.status = "FAIL"
            self.transfers[out_biz_no] = known
        elif (known.amount, known.identity_type, known.identity) != (
            amount,
            identity_type,
            identity,
        ):
            return _failed(
                "PAYMENT_INFO_INCONSISTENCY", "两次请求商户单号一样，但是收款人或金额不一致"
            )
        return {
            "code": "10000",
            "msg": "Success",
            "out_biz_no": out_biz_no,
            "order_id": known.order_id,
            "pay_fund_order_id": known.order_id.replace("11007", "11008"),
            "status": known.status,
            "trans_date": "2026-12-07 12:00:00",
        }

    def _transfer_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        known = self.transfers.get(str(biz.get("out_biz_no", "")))
        if known is None:
            return _failed("ORDER_NOT_EXIST", "转账订单不存在")
        reply = {
            "code": "10000",
            "msg": "Success",
            "out_biz_no": known.out_biz_no,
            "order_id": known.order_id,
            "pay_fund_order_id": known.order_id.replace("11007", "11008"),
            "status": known.status,
            "trans_amount": known.amount,
        }
        if known.status == "FAIL":
            reply |= {"fail_reason": "收款账户状态异常", "error_code": "PAYEE_ACCOUNT_STATUS_ERROR"}
        return reply
