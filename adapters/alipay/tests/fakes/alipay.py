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

The daily trade bill (``alipay.data.dataservice.bill.downloadurl.query``) answers a link on
this server to a zip of GBK CSV files (业务明细 and its 汇总, GBK file names, ``#`` comment
lines around the table), made from the trades paid and the refunds made on that Beijing day
by :attr:`FakeAlipay.clock`; a test may withhold a day's bill, plant rows or drop them.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import itertools
import json
import re
import secrets
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

__all__ = ["BillRow", "FakeAlipay", "cert_sn", "sign_params"]

_MONEY_MOVING = frozenset(
    {"alipay.trade.precreate", "alipay.trade.refund", "alipay.fund.trans.uni.transfer"}
)
_OUT_NO = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_YUAN = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
_BEIJING = timezone(timedelta(hours=8))
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ACCOUNT = "20881021778468800156"  # the merchant's PID and 0156, as bills name it
_BILL_PATH = "/downloadBillFile.resource"
_BILL_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,"
    "终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
    "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
    "退款批次号/请求号,服务费（元）,分润（元）,备注"
)
_SUMMARY_HEADER = (
    "门店编号,门店名称,交易订单总笔数,退款订单总笔数,已收入金额（元）,支付宝红包（元）,集分宝（元）,"
    "支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,券核销金额（元）,商家红包消费金额（元）,"
    "服务费（元）,分润（元）,实收净额（元）"
)
_RULE = "-" * 41


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
    created_at: str = "2026-12-07 11:59:00"
    status: str = "WAIT_BUYER_PAY"
    paid_at: str | None = None
    refunds: dict[str, int] = field(default_factory=dict)  # out_request_no -> fen
    refunded_at: dict[str, str] = field(default_factory=dict)  # out_request_no -> time

    @property
    def refunded(self) -> int:
        return sum(self.refunds.values())


@dataclass(frozen=True)
class BillRow:
    """One row of the business details (业务明细) as Alipay writes it; amounts are yuan
    strings, negative on a refund row."""

    trade_no: str
    out_trade_no: str
    kind: str  # 交易 or 退款
    created: str
    finished: str
    total: str  # 订单金额
    received: str = ""  # 商家实收 (the total unless told)
    merchant_discount: str = "0.00"  # 商家优惠
    request_no: str = ""  # 退款批次号/请求号
    subject: str = "上门服务"

    def cells(self) -> list[str]:
        # Alipay writes a tab after text fields, so that spreadsheets keep them as text.
        tab = "\t"
        zero = "0.00"
        return [
            self.trade_no + tab, self.out_trade_no + tab, self.kind + tab, self.subject,
            self.created, self.finished, tab, tab, tab, tab, "**明(138******00)" + tab,
            self.total, self.received or self.total, zero, zero, zero, self.merchant_discount,
            zero, "", zero + tab, zero, self.request_no + tab, zero, zero, "",
        ]  # fmt: skip


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
        #: Alipay's clock (aware): when trades are created, paid and refunded.
        self.clock: Callable[[], datetime] = lambda: datetime(2026, 12, 7, 12, tzinfo=_BEIJING)
        self._withheld: set[str] = set()
        self._planted: dict[str, list[BillRow]] = {}
        self._dropped: set[tuple[str, str]] = set()
        self._bill_links: dict[str, str] = {}  # token -> day
        self._download_fails = False
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
            "alipay.data.dataservice.bill.downloadurl.query": self._bill_link,
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
            trade.paid_at = self._now()

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

    def withhold_bill(self, day: str) -> None:
        """The bill of ``day`` (``YYYY-MM-DD``) is not made yet: ``isp.bill_not_exist``."""
        with self._lock:
            self._withheld.add(day)

    def plant_bill_row(self, day: str, row: BillRow) -> None:
        """Add ``row`` to the bill of ``day`` (money this platform never saw …)."""
        with self._lock:
            self._planted.setdefault(day, []).append(row)

    def drop_bill_rows(self, day: str, out_trade_no: str) -> None:
        """Leave the rows of the trade ``out_trade_no`` (its payment and refunds) off the
        bill of ``day``."""
        with self._lock:
            self._dropped.add((day, out_trade_no))

    def fail_next_download(self) -> None:
        """The next bill download answers 404, as an expired link does."""
        with self._lock:
            self._download_fails = True

    def bill_rows(self, day: str) -> list[BillRow]:
        """The business details of ``day``: payments by ``gmt_payment``, refunds by when
        they were made, both in Beijing time; then the planted rows."""
        with self._lock:
            rows = []
            for trade in self.trades.values():
                if (day, trade.out_trade_no) in self._dropped:
                    continue
                if trade.paid_at and trade.paid_at.startswith(day):
                    rows.append(self._bill_row(trade, "交易", trade.total, trade.paid_at))
                for request_no, at in trade.refunded_at.items():
                    if at.startswith(day):
                        fen = -trade.refunds[request_no]
                        rows.append(self._bill_row(trade, "退款", fen, at, request_no))
            return [*sorted(rows, key=lambda r: r.finished), *self._planted.get(day, [])]

    def bill(self, day: str) -> bytes:
        """The bill zip of ``day`` as Alipay serves it."""
        rows = self.bill_rows(day)
        start = date.fromisoformat(day)
        compact = start.strftime("%Y%m%d")
        period = (
            f"#起始日期：[{start:%Y年%m月%d日} 00:00:00]   "
            f"终止日期：[{start + timedelta(days=1):%Y年%m月%d日} 00:00:00]"
        )
        exported = f"#导出时间：[{start + timedelta(days=1):%Y年%m月%d日} 08:12:30]"
        payments = [r for r in rows if r.kind == "交易"]
        refunds = [r for r in rows if r.kind == "退款"]

        def total(group: list[BillRow]) -> str:
            return _yuan(sum(_signed_fen(r.received or r.total) for r in group))

        details: list[str | list[str]] = [
            "#支付宝业务明细查询",
            f"#账号：[{_ACCOUNT}]",
            period,
            f"#{_RULE}业务明细列表{_RULE}",
            _BILL_HEADER,
            *(r.cells() for r in rows),
            f"#{_RULE}业务明细列表结束{_RULE[:-5]}",
            f"#交易合计：{len(payments)}笔，商家实收共{total(payments)}元，商家优惠共0.00元",
            f"#退款合计：{len(refunds)}笔，商家实收退款共{total(refunds)}元，商家优惠退款共0.00元",
            exported,
        ]
        net = _yuan(sum(_signed_fen(r.received or r.total) for r in rows))
        summary: list[str | list[str]] = [
            "#支付宝业务汇总查询",
            f"#账号：[{_ACCOUNT}]",
            period,
            f"#{_RULE}业务汇总列表{_RULE}",
            _SUMMARY_HEADER,
            ["合计", "", str(len(payments)), str(len(refunds)), net, *["0.00"] * 9, net],
            f"#{_RULE}业务汇总列表结束{_RULE[:-5]}",
            exported,
        ]
        return _zip_gbk(
            {
                f"{_ACCOUNT}_{compact}_业务明细.csv": _csv_gbk(details),
                f"{_ACCOUNT}_{compact}_业务明细(汇总).csv": _csv_gbk(summary),
            }
        )

    # -- the wire ------------------------------------------------------------------------

    @Request.application  # type: ignore[misc]
    def _app(self, request: Request) -> Response:
        if request.path == _BILL_PATH:
            return self._download(request)
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

    def _download(self, request: Request) -> Response:
        # The link is Alipay's own pre-signed one: no app signature, a token instead.
        with self._lock:
            day = self._bill_links.get(request.args.get("token", ""))
            fails, self._download_fails = self._download_fails, False
        if day is None or fails:
            return Response("链接已失效", 404, content_type="text/plain;charset=utf-8")
        return Response(self.bill(day), content_type="application/oct-stream")

    def _now(self) -> str:
        return self.clock().astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M:%S")

    # -- trades (called under the lock) --------------------------------------------------

    def _new_trade(self, out_trade_no: str, total: int, subject: str) -> str:
        trade = self.trades.get(out_trade_no)
        if trade is None:
            trade_no = f"2026120722001{next(self._ids):015d}"
            self.trades[out_trade_no] = _Trade(
                out_trade_no, trade_no, total, subject, created_at=self._now()
            )
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
            trade.refunded_at[out_request_no] = self._now()
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

    def _bill_row(
        self, trade: _Trade, kind: str, fen: int, at: str, request_no: str = ""
    ) -> BillRow:
        return BillRow(
            trade.trade_no, trade.out_trade_no, kind, trade.created_at, at, _yuan(fen),
            request_no=request_no, subject=trade.subject,
        )  # fmt: skip

    # -- the bill ------------------------------------------------------------------------

    def _bill_link(self, biz: dict[str, Any]) -> dict[str, Any]:
        day = str(biz.get("bill_date", ""))
        if biz.get("bill_type") != "trade" or not _DAY.match(day):
            return _failed("isv.invalid-arguments", "参数不合法")
        today = self.clock().astimezone(_BEIJING).date()
        if day in self._withheld or date.fromisoformat(day) >= today:
            return _failed("isp.bill_not_exist", "账单不存在")
        token = secrets.token_hex(8)
        self._bill_links[token] = day
        compact = day.replace("-", "")
        url = (
            f"http://127.0.0.1:{self._server.server_port}{_BILL_PATH}?bizType=trade"
            f"&userId={_ACCOUNT}&fileType=csv.zip&bizDates={compact}"
            f"&downloadFileName={_ACCOUNT}_{compact}.csv.zip&token={token}"
        )
        return {"code": "10000", "msg": "Success", "bill_download_url": url}

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


def _signed_fen(yuan: str) -> int:
    return -_fen(yuan[1:]) if yuan.startswith("-") else _fen(yuan)


def _csv_gbk(lines: list[str | list[str]]) -> bytes:
    out = io.StringIO()
    # Comment lines and headers are written as they are; rows as CSV (quoted if they must).
    writer = csv.writer(out, lineterminator="\r\n")
    for line in lines:
        if isinstance(line, str):
            out.write(line + "\r\n")
        else:
            writer.writerow(line)
    return out.getvalue().encode("gbk")


def _zip_gbk(files: dict[str, bytes]) -> bytes:
    """A zip whose member names are GBK bytes without the UTF-8 flag, as Alipay's are.

    ``zipfile`` writes a non-ASCII name as UTF-8 (and flags it), so each name is written as
    an ASCII stand-in of the same length and its bytes swapped in afterwards (a name is in
    no checksum).
    """
    buffer = io.BytesIO()
    names = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for n, (name, data) in enumerate(files.items()):
            raw = name.encode("gbk")
            stand_in = f"{n:02d}".ljust(len(raw), "~")
            names[stand_in.encode()] = raw
            bundle.writestr(stand_in, data)
    packed = buffer.getvalue()
    for stand_in, raw in names.items():
        packed = packed.replace(stand_in, raw)
    return packed
