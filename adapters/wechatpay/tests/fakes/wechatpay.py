"""A fake WeChat Pay API v3 server on 127.0.0.1, reached as the SDK's HTTPS proxy.

The ``wechatpayv3`` SDK always calls ``https://api.mch.weixin.qq.com``; its documented
``proxy`` setting is the one way to send it elsewhere. So this server answers ``CONNECT``,
terminates TLS for that host with a certificate from a CA the test generates (the client
trusts it through ``REQUESTS_CA_BUNDLE``), and then speaks WeChat Pay's API:

* every request's ``Authorization`` signature is checked with the merchant's public key
  (401 ``SIGN_ERROR`` if wrong), every reply is signed with the platform key the test made;
* orders: the same ``out_trade_no`` with the same parameters returns the same prepay id,
  with other parameters ``OUT_TRADE_NO_USED``, once paid ``ORDERPAID``, once closed
  ``ORDER_CLOSED``; :meth:`FakeWeChatPay.mark_paid` is the customer paying;
* refunds: never more than the order's total less earlier refunds; the same
  ``out_refund_no`` returns the same refund (another amount is refused); a refund is
  ``PROCESSING`` until :meth:`FakeWeChatPay.settle_refunds` makes it ``SUCCESS``;
* transfer batches (商家转账到零钱): one ``out_batch_no`` once (``ALREADY_EXISTS`` after);
  its detail is ``PROCESSING`` until :meth:`FakeWeChatPay.settle_transfer`;
* :meth:`FakeWeChatPay.lose_next_reply` performs the next money-moving call and then
  answers 500 or stalls past the client's timeout;
* :meth:`FakeWeChatPay.payment_notice` / :meth:`FakeWeChatPay.refund_notice` build
  notifications signed with the platform key and encrypted (AES-256-GCM) with the APIv3 key;
* trade bills (交易账单): ``GET /v3/bill/tradebill`` answers a ``download_url`` and the SHA1
  of the bill, made from the orders paid and refunds accepted that Beijing day, as WeChat
  Pay writes it (backtick-prefixed fields, a summary); the download is gzip and unsigned.
  Bills are ready at 10:00 the next day (``STATEMENT_CREATING`` before), a day without a
  row has none (``NO_STATEMENT_EXIST``); :meth:`FakeWeChatPay.plant_bill_row`,
  :meth:`FakeWeChatPay.drop_from_bill` and ``tamper_bills`` change what is served;
  :meth:`FakeWeChatPay.set_time` fixes the fake's clock for payment and refund times.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gzip
import hashlib
import json
import re
import secrets
import ssl
import tempfile
import threading
import time
import urllib.parse
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

HOST = "api.mch.weixin.qq.com"
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
_NOT_FOUND = {"code": "RESOURCE_NOT_EXISTS", "message": "资源不存在"}

Answer = tuple[int, dict[str, Any] | bytes | None]  # bytes: a file (a bill), unsigned
BEIJING = dt.timezone(dt.timedelta(hours=8))
#: The columns of a trade bill of type ALL, in WeChat Pay's order.
BILL_COLUMNS = (
    "交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号",
    "用户标识", "交易类型", "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额",
    "微信退款单号", "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态",
    "商品名称", "商户数据包", "手续费", "费率", "订单金额", "申请退款金额", "费率备注",
)  # fmt: skip
BILL_SUMMARY = (
    "总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额",
    "订单总金额", "申请退款总金额",
)  # fmt: skip


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def pem_public(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def rsa_signature(key: rsa.RSAPrivateKey, message: str) -> str:
    raw = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def signed_headers(key: rsa.RSAPrivateKey, serial: str, body: str) -> dict[str, str]:
    """WeChat Pay's reply / notification signature headers over ``body``."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_signature(key, f"{timestamp}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def encrypt_resource(apiv3_key: str, plain: dict[str, Any], original_type: str) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay's
    associated = original_type
    cipher = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), json.dumps(plain, ensure_ascii=False).encode(), associated.encode()
    )
    return {
        "original_type": original_type,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(cipher).decode(),
        "associated_data": associated,
        "nonce": nonce,
    }


def decrypt_resource(apiv3_key: str, resource: dict[str, str]) -> dict[str, Any]:
    plain = AESGCM(apiv3_key.encode()).decrypt(
        resource["nonce"].encode(),
        base64.b64decode(resource["ciphertext"]),
        resource["associated_data"].encode(),
    )
    loaded: dict[str, Any] = json.loads(plain)
    return loaded


def _now() -> str:
    return dt.datetime.now(BEIJING).isoformat(timespec="seconds")


def yuan(fen: int) -> str:
    """Fen as the bill writes them: yuan with two decimals."""
    return f"{Decimal(fen).scaleb(-2):.2f}"


def _tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for :data:`HOST` it signed; (ca, cert, key) PEM paths."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "booking_core test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    host_key = ec.generate_private_key(ec.SECP256R1())
    host = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(host_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (directory / n for n in ("ca.pem", "host.pem", "host.key"))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(host.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        host_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


class FakeWeChatPay:
    """The merchant's WeChat Pay account, in memory (see the module docstring)."""

    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        merchant_public_key: rsa.RSAPublicKey,
        merchant_serial: str,
        platform_key: rsa.RSAPrivateKey,
        platform_key_id: str,
        apiv3_key: str,
    ) -> None:
        self.mchid = mchid
        self.appid = appid
        self._merchant_public_key = merchant_public_key
        self._merchant_serial = merchant_serial
        self._platform_key = platform_key
        self.platform_key_id = platform_key_id
        self._apiv3_key = apiv3_key
        self._lock = threading.Lock()
        self.orders: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []  # "POST /v3/…" of every request that passed the signature
        self._lose: str | None = None
        self.stall_seconds = 1.0
        self.hide_details = False  # details not generated yet: only the batch answers
        self.reply_key: rsa.RSAPrivateKey | None = None  # sign replies with another key
        self._time: dt.datetime | None = None  # None: the real time
        self.planted_rows: list[dict[str, str]] = []
        self.dropped_from_bill: set[str] = set()
        self.tamper_bills = False  # serve a file that differs from the hash in the reply
        self._downloads: dict[str, bytes] = {}
        self._directory = tempfile.TemporaryDirectory(prefix="fake-wechatpay-")
        self.ca_bundle, cert, key = _tls_files(Path(self._directory.name))
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert, key)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._server.tls = self._tls  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._directory.cleanup()

    @property
    def proxy_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        with self._lock:
            self.orders.clear()
            self.refunds.clear()
            self.transfers.clear()
            self.calls.clear()
            self._lose = None
            self.hide_details = False
            self.reply_key = None
            self._time = None
            self.planted_rows.clear()
            self.dropped_from_bill.clear()
            self.tamper_bills = False
            self._downloads.clear()

    # -- what the test drives ----------------------------------------------------------

    def lose_next_reply(self, how: str = "500") -> None:
        """Perform the next money-moving call, then answer 500 (``"500"``) or stall past
        the client's timeout (``"stall"``)."""
        assert how in ("500", "stall")
        with self._lock:
            self._lose = how

    def keep_replies(self) -> None:
        """Forget a :meth:`lose_next_reply` no call used."""
        with self._lock:
            self._lose = None

    def set_time(self, when: dt.datetime | None) -> None:
        """Stamp payments and refunds at ``when`` from now on (None: the real time); bills
        are ready by this clock too. Signatures keep the real time."""
        with self._lock:
            self._time = when

    def _stamp(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    def _clock(self) -> dt.datetime:
        return (self._time or dt.datetime.now(BEIJING)).astimezone(BEIJING)

    def plant_bill_row(self, fields: dict[str, str]) -> None:
        """Add a row (column → value, without backticks) to the trade bill of its
        ``交易时间``'s day; unnamed columns are empty."""
        assert set(fields) <= set(BILL_COLUMNS), set(fields) - set(BILL_COLUMNS)
        assert "交易时间" in fields
        with self._lock:
            self.planted_rows.append(dict(fields))

    def drop_from_bill(self, number: str) -> None:
        """Leave the order (``out_trade_no``) or refund (``out_refund_no``) off the bills."""
        with self._lock:
            self.dropped_from_bill.add(number)

    def mark_paid(self, out_trade_no: str) -> None:
        """The customer pays the order."""
        with self._lock:
            order = self.orders[out_trade_no]
            assert order["trade_state"] in ("NOTPAY", "USERPAYING"), order["trade_state"]
            order["trade_state"] = "SUCCESS"
            order["trade_state_desc"] = "支付成功"
            order["transaction_id"] = "42000" + secrets.token_hex(12)
            order["success_time"] = self._stamp()

    def settle_refunds(self, status: str = "SUCCESS") -> list[str]:
        """Every PROCESSING refund ends ``status``; the out_refund_nos settled."""
        with self._lock:
            settled = []
            for number, refund in self.refunds.items():
                if refund["status"] == "PROCESSING":
                    refund["status"] = status
                    refund["success_time"] = self._stamp()
                    if status != "SUCCESS":  # the money goes back to the order
                        self.orders[refund["out_trade_no"]]["refunded"] -= refund["amount"][
                            "refund"
                        ]
                    settled.append(number)
            return settled

    def settle_transfer(self, out_batch_no: str, *, success: bool = True) -> None:
        with self._lock:
            detail = self.transfers[out_batch_no]["detail"]
            detail["detail_status"] = "SUCCESS" if success else "FAIL"
            if not success:
                detail["fail_reason"] = "ACCOUNT_FROZEN"
            detail["update_time"] = _now()
            self.transfers[out_batch_no]["batch_status"] = "FINISHED"

    # -- notifications -----------------------------------------------------------------

    def payment_notice(self, out_trade_no: str) -> tuple[dict[str, str], bytes]:
        """TRANSACTION.SUCCESS about a paid order, as WeChat Pay posts it."""
        with self._lock:
            resource = self._transaction(self.orders[out_trade_no])
        assert resource["trade_state"] in ("SUCCESS", "REFUND")
        return self.notice("TRANSACTION.SUCCESS", "transaction", resource, "支付成功")

    def refund_notice(self, out_refund_no: str) -> tuple[dict[str, str], bytes]:
        """REFUND.<status> about a settled refund."""
        with self._lock:
            refund = dict(self.refunds[out_refund_no])
        assert refund["status"] != "PROCESSING", "settle the refund first"
        amount = refund["amount"]
        resource = {
            "mchid": self.mchid,
            "out_trade_no": refund["out_trade_no"],
            "transaction_id": refund["transaction_id"],
            "out_refund_no": out_refund_no,
            "refund_id": refund["refund_id"],
            "refund_status": refund["status"],
            "success_time": refund.get("success_time"),
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": amount["total"],
                "refund": amount["refund"],
                "payer_total": amount["total"],
                "payer_refund": amount["refund"],
            },
        }
        return self.notice(f"REFUND.{refund['status']}", "refund", resource, "退款状态变更")

    def notice(
        self, event_type: str, original_type: str, resource: dict[str, Any], summary: str
    ) -> tuple[dict[str, str], bytes]:
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "create_time": _now(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": encrypt_resource(self._apiv3_key, resource, original_type),
            },
            ensure_ascii=False,
        )
        return signed_headers(self._platform_key, self.platform_key_id, body), body.encode()

    # -- the API -------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, body: str) -> tuple[Answer, float]:
        """One request: the answer and how long to stall before sending it."""
        if not self._signed_by_merchant(method, path, headers.get("Authorization", ""), body):
            return (401, {"code": "SIGN_ERROR", "message": "签名错误"}), 0.0
        route, _, query = path.partition("?")
        data: dict[str, Any] = json.loads(body) if body else {}
        with self._lock:
            self.calls.append(f"{method} {route}")
            if method == "GET" and route.startswith("/v3/bill"):
                answer = self._bill_route(route, dict(urllib.parse.parse_qsl(query)))
            else:
                answer = self._route(method, route, data)
            lose, self._lose = (
                (self._lose, None)
                if self._moves_money(method, route)
                else (
                    None,
                    self._lose,
                )
            )
        if lose == "500":
            return (500, {"code": "SYSTEM_ERROR", "message": "系统错误"}), 0.0
        if lose == "stall":
            return answer, self.stall_seconds
        return answer, 0.0

    # -- trade bills -----------------------------------------------------------------------

    def _bill_route(self, route: str, query: dict[str, str]) -> Answer:
        if route == "/v3/billdownload/file":
            content = self._downloads.get(query.get("token", ""))
            if content is None:
                return 400, {"code": "INVALID_REQUEST", "message": "下载地址已失效"}
            return 200, content
        if route != "/v3/bill/tradebill":
            return 404, {"code": "NOT_FOUND", "message": f"no route GET {route}"}
        try:
            day = dt.date.fromisoformat(query.get("bill_date", ""))
        except ValueError:
            return 400, {"code": "PARAM_ERROR", "message": "bill_date 格式错误"}
        bill_type = query.get("bill_type", "ALL")
        tar_type = query.get("tar_type")
        if bill_type not in ("ALL", "SUCCESS", "REFUND") or tar_type not in (None, "GZIP"):
            return 400, {"code": "PARAM_ERROR", "message": "参数错误"}
        ready = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(10), BEIJING)
        if self._clock() < ready:
            return 400, {"code": "STATEMENT_CREATING", "message": "账单生成中"}
        rows = [r for r in self._bill_rows(day) if bill_type == "ALL" or r["交易状态"] == bill_type]
        if not rows:
            return 400, {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"}
        raw = _bill_file(rows)
        served = raw.replace(b"`", b"`1", 1) if self.tamper_bills else raw
        token = secrets.token_hex(16)
        self._downloads[token] = gzip.compress(served, mtime=0) if tar_type else served
        return 200, {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(raw).hexdigest(),
            "download_url": f"https://{HOST}/v3/billdownload/file?token={token}",
        }

    def _bill_rows(self, day: dt.date) -> list[dict[str, str]]:
        """The day's rows: payments by their success time, refunds by when they were
        accepted (the bill is a snapshot: a refund shows the status it had then)."""
        rows: list[tuple[str, dict[str, str]]] = []
        for number, order in self.orders.items():
            if "success_time" not in order or number in self.dropped_from_bill:
                continue
            rows.append((order["success_time"], self._payment_row(order)))
        for number, refund in self.refunds.items():
            if number not in self.dropped_from_bill:
                rows.append((refund["create_time"], self._refund_row(refund)))
        rows += [(_iso(r["交易时间"]), {c: r.get(c, "") for c in BILL_COLUMNS})
                 for r in self.planted_rows]  # fmt: skip
        kept = [(at, row) for at, row in rows if dt.datetime.fromisoformat(at).date() == day]
        return [row for _, row in sorted(kept, key=lambda pair: pair[0])]

    def _payment_row(self, order: dict[str, Any]) -> dict[str, str]:
        params = order["params"]
        total = params["amount"]["total"]
        return self._row(
            order,
            time=order["success_time"],
            state="SUCCESS",
            settled=yuan(total),
            fee=yuan(round(total * 0.006)),
            ordered=yuan(total),
        )

    def _refund_row(self, refund: dict[str, Any]) -> dict[str, str]:
        order = self.orders[refund["out_trade_no"]]
        amount = refund["amount"]["refund"]
        return self._row(
            order,
            time=refund["create_time"],
            state="REFUND",
            fee="-" + yuan(round(amount * 0.006)),
            refund_id=refund["refund_id"],
            refund_no=refund["out_refund_no"],
            refunded=yuan(amount),
            refund_type="ORIGINAL",
            refund_status=refund["status"],
            requested=yuan(amount),
        )

    def _row(
        self,
        order: dict[str, Any],
        *,
        time: str,
        state: str,
        fee: str,
        settled: str = "0.00",
        ordered: str = "0.00",
        refund_id: str = "0",
        refund_no: str = "0",
        refunded: str = "0.00",
        refund_type: str = "",
        refund_status: str = "",
        requested: str = "0.00",
    ) -> dict[str, str]:
        params = order["params"]
        values = (
            _bill_time(time), params["appid"], params["mchid"], "0", "",
            order["transaction_id"], params["out_trade_no"],
            (params.get("payer") or {}).get("openid", "o-fake-payer"), order["trade_type"],
            state, "OTHERS", "CNY", settled, "0.00", refund_id, refund_no, refunded, "0.00",
            refund_type, refund_status, params.get("description", ""),
            params.get("attach", ""), fee, "0.60%", ordered, requested, "",
        )  # fmt: skip
        return dict(zip(BILL_COLUMNS, values, strict=True))

    def reply_headers(self, body: str) -> dict[str, str]:
        return signed_headers(self.reply_key or self._platform_key, self.platform_key_id, body)

    @staticmethod
    def _moves_money(method: str, route: str) -> bool:
        return method == "POST" and (
            (route.startswith("/v3/pay/transactions/") and not route.endswith("/close"))
            or route in ("/v3/refund/domestic/refunds", "/v3/transfer/batches")
        )

    def _signed_by_merchant(self, method: str, path: str, authorization: str, body: str) -> bool:
        scheme, _, rest = authorization.partition(" ")
        fields = dict(_AUTH_FIELD.findall(rest))
        if scheme != "WECHATPAY2-SHA256-RSA2048" or fields.get("mchid") != self.mchid:
            return False
        if fields.get("serial_no") != self._merchant_serial:
            return False
        message = (
            f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{body}\n"
        )
        try:
            self._merchant_public_key.verify(
                base64.b64decode(fields.get("signature", "")),
                message.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return abs(time.time() - int(fields.get("timestamp", "0"))) < 300

    def _route(self, method: str, route: str, data: dict[str, Any]) -> Answer:
        parts = route.strip("/").split("/")
        if method == "POST" and parts[:3] == ["v3", "pay", "transactions"] and len(parts) == 4:
            return self._create_order(parts[3], data)
        if parts[:4] == ["v3", "pay", "transactions", "out-trade-no"] and len(parts) >= 5:
            order = self.orders.get(parts[4])
            if order is None:
                return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
            if method == "GET" and len(parts) == 5:
                return 200, self._transaction(order)
            if method == "POST" and parts[5:] == ["close"]:
                if order["trade_state"] in ("SUCCESS", "REFUND"):
                    return 400, {"code": "ORDERPAID", "message": "订单已支付"}
                order["trade_state"] = "CLOSED"
                order["trade_state_desc"] = "订单已关闭"
                return 204, None
        if route == "/v3/refund/domestic/refunds" and method == "POST":
            return self._create_refund(data)
        if parts[:4] == ["v3", "refund", "domestic", "refunds"] and len(parts) == 5:
            refund = self.refunds.get(parts[4])
            return (200, self._refund(refund)) if refund else (404, _NOT_FOUND)
        if route == "/v3/transfer/batches" and method == "POST":
            return self._create_batch(data)
        if (
            method == "GET"
            and parts[:4] == ["v3", "transfer", "batches", "out-batch-no"]
            and len(parts) == 5
        ):
            batch = self.transfers.get(parts[4])
            if batch is None:
                return 404, {"code": "NOT_FOUND", "message": "记录不存在"}
            return 200, {"transfer_batch": self._batch(batch)}
        if (
            method == "GET"
            and parts[:4] == ["v3", "transfer", "batches", "out-batch-no"]
            and len(parts) == 8
            and parts[5:7] == ["details", "out-detail-no"]
        ):
            batch = self.transfers.get(parts[4])
            if batch is None or batch["detail"]["out_detail_no"] != parts[7] or self.hide_details:
                return 404, {"code": "NOT_FOUND", "message": "记录不存在"}
            return 200, dict(batch["detail"])
        return 404, {"code": "NOT_FOUND", "message": f"no route {method} {route}"}

    def _create_order(self, trade_type: str, data: dict[str, Any]) -> Answer:
        if trade_type not in ("jsapi", "native", "app"):
            return 404, {"code": "NOT_FOUND", "message": trade_type}
        if data.get("mchid") != self.mchid or data.get("appid") != self.appid:
            return 400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid和mch_id不匹配"}
        amount = data.get("amount") or {}
        if not isinstance(amount.get("total"), int) or amount["total"] <= 0:
            return 400, {"code": "PARAM_ERROR", "message": "amount.total 无效"}
        if trade_type == "jsapi" and not (data.get("payer") or {}).get("openid"):
            return 400, {"code": "PARAM_ERROR", "message": "缺少参数 payer.openid"}
        number = data["out_trade_no"]
        if not re.fullmatch(r"[0-9A-Za-z_\-|*]{6,32}", number):
            return 400, {"code": "PARAM_ERROR", "message": "out_trade_no 格式错误"}
        params = {k: v for k, v in data.items() if k != "notify_url"} | {"type": trade_type}
        known = self.orders.get(number)
        if known is not None:
            if known["trade_state"] in ("SUCCESS", "REFUND"):
                return 400, {"code": "ORDERPAID", "message": "该订单已支付"}
            if known["trade_state"] == "CLOSED":
                return 400, {"code": "ORDER_CLOSED", "message": "订单已关闭"}
            if known["params"] != params:
                return 403, {"code": "OUT_TRADE_NO_USED", "message": "商户订单号重复"}
            return 200, dict(known["reply"])
        if trade_type == "native":
            reply = {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(6)}"}
        else:
            reply = {"prepay_id": "wx" + secrets.token_hex(14)}
        self.orders[number] = {
            "params": params,
            "reply": reply,
            "trade_type": trade_type.upper(),
            "trade_state": "NOTPAY",
            "trade_state_desc": "订单未支付",
            "refunded": 0,
        }
        return 200, dict(reply)

    def _transaction(self, order: dict[str, Any]) -> dict[str, Any]:
        params = order["params"]
        state = order["trade_state"]
        if state == "SUCCESS" and order["refunded"]:
            state = "REFUND"
        out: dict[str, Any] = {
            "appid": params["appid"],
            "mchid": params["mchid"],
            "out_trade_no": params["out_trade_no"],
            "trade_type": order["trade_type"],
            "trade_state": state,
            "trade_state_desc": order["trade_state_desc"],
            "attach": params.get("attach", ""),
            "amount": {"total": params["amount"]["total"], "currency": "CNY"},
        }
        if "transaction_id" in order:
            out["transaction_id"] = order["transaction_id"]
            out["success_time"] = order["success_time"]
            out["bank_type"] = "OTHERS"
            out["amount"] |= {"payer_total": params["amount"]["total"], "payer_currency": "CNY"}
            out["payer"] = params.get("payer") or {"openid": "o-fake-payer"}
        return out

    def _create_refund(self, data: dict[str, Any]) -> Answer:
        number = data.get("out_refund_no", "")
        if not re.fullmatch(r"[0-9A-Za-z_\-|*@]{1,64}", number):
            return 400, {"code": "PARAM_ERROR", "message": "out_refund_no 格式错误"}
        amount = data.get("amount") or {}
        known = self.refunds.get(number)
        if known is not None:
            same = (known["amount"]["refund"], known["out_trade_no"]) == (
                amount.get("refund"),
                data.get("out_trade_no"),
            )
            if not same:
                return 400, {
                    "code": "INVALID_REQUEST",
                    "message": "同一个out_refund_no退款金额要一致",
                }
            return 200, self._refund(known)
        order = self.orders.get(data.get("out_trade_no", ""))
        if order is None:
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
        if order["trade_state"] != "SUCCESS":
            return 400, {"code": "INVALID_REQUEST", "message": "订单未支付"}
        total = order["params"]["amount"]["total"]
        if amount.get("total") != total or amount.get("currency", "CNY") != "CNY":
            return 400, {"code": "PARAM_ERROR", "message": "订单金额与实际不一致"}
        refund = amount.get("refund")
        if not isinstance(refund, int) or refund <= 0:
            return 400, {"code": "PARAM_ERROR", "message": "退款金额无效"}
        if refund > total - order["refunded"]:
            return 400, {"code": "INVALID_REQUEST", "message": "申请退款金额超过订单可退金额"}
        order["refunded"] += refund
        record = {
            "refund_id": "50300" + secrets.token_hex(12),
            "out_refund_no": number,
            "out_trade_no": data["out_trade_no"],
            "transaction_id": order["transaction_id"],
            "status": "PROCESSING",
            "create_time": self._stamp(),
            "amount": {"total": total, "refund": refund, "currency": "CNY"},
        }
        self.refunds[number] = record
        return 200, self._refund(record)

    @staticmethod
    def _refund(record: dict[str, Any]) -> dict[str, Any]:
        amount = record["amount"]
        return {
            "refund_id": record["refund_id"],
            "out_refund_no": record["out_refund_no"],
            "transaction_id": record["transaction_id"],
            "out_trade_no": record["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": record["create_time"],
            "success_time": record.get("success_time"),
            "status": record["status"],
            "funds_account": "AVAILABLE",
            "amount": {
                "total": amount["total"],
                "refund": amount["refund"],
                "payer_total": amount["total"],
                "payer_refund": amount["refund"],
                "settlement_total": amount["total"],
                "settlement_refund": amount["refund"],
                "discount_refund": 0,
                "currency": "CNY",
            },
        }

    def _batch(self, batch: dict[str, Any]) -> dict[str, Any]:
        detail = batch["detail"]
        return {
            "mchid": self.mchid,
            "out_batch_no": detail["out_batch_no"],
            "batch_id": batch["batch_id"],
            "appid": self.appid,
            "batch_status": batch["batch_status"],
            "batch_type": "API",
            "batch_name": batch["batch_name"],
            "batch_remark": batch["batch_remark"],
            "total_amount": detail["transfer_amount"],
            "total_num": 1,
            "create_time": detail["initiate_time"],
        }

    def _create_batch(self, data: dict[str, Any]) -> Answer:
        number = data.get("out_batch_no", "")
        details = data.get("transfer_detail_list") or []
        if not re.fullmatch(r"[0-9A-Za-z]{5,32}", number) or len(details) != data.get("total_num"):
            return 400, {"code": "PARAM_ERROR", "message": "参数错误"}
        if sum(d.get("transfer_amount", 0) for d in details) != data.get("total_amount"):
            return 400, {"code": "PARAM_ERROR", "message": "转账总金额与明细不一致"}
        if data.get("appid") != self.appid:
            return 400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid和mch_id不匹配"}
        if number in self.transfers:
            return 400, {"code": "ALREADY_EXISTS", "message": "商户批次单号已存在"}
        if len(details) != 1:
            return 400, {"code": "PARAM_ERROR", "message": "the fake takes one detail"}
        detail = details[0]
        batch_id = "1030000" + secrets.token_hex(16)
        self.transfers[number] = {
            "batch_id": batch_id,
            "batch_status": "ACCEPTED",
            "batch_name": data.get("batch_name"),
            "batch_remark": data.get("batch_remark"),
            "detail": {
                "mchid": self.mchid,
                "out_batch_no": number,
                "batch_id": batch_id,
                "appid": self.appid,
                "out_detail_no": detail["out_detail_no"],
                "detail_id": "1040000" + secrets.token_hex(16),
                "detail_status": "PROCESSING",
                "transfer_amount": detail["transfer_amount"],
                "transfer_remark": detail["transfer_remark"],
                "openid": detail["openid"],
                "initiate_time": _now(),
                "update_time": _now(),
            },
        }
        return 200, {
            "out_batch_no": number,
            "batch_id": batch_id,
            "create_time": _now(),
            "batch_status": "ACCEPTED",
        }


def _bill_time(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _iso(bill_time: str) -> str:
    return dt.datetime.strptime(bill_time, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).isoformat()


def _bill_file(rows: list[dict[str, str]]) -> bytes:
    """A trade bill as WeChat Pay writes it: a BOM, the header, rows whose fields each
    start with a backtick, the summary header and its row; CRLF line ends."""

    def fen(text: str) -> int:
        return int(Decimal(text or "0").scaleb(2))

    def total(column: str) -> str:
        return yuan(sum(fen(r[column]) for r in rows))

    summary = (
        str(len(rows)), total("应结订单金额"), total("退款金额"), total("充值券退款金额"),
        total("手续费"), total("订单金额"), total("申请退款金额"),
    )  # fmt: skip
    lines = [
        ",".join(BILL_COLUMNS),
        *(",".join("`" + row[c] for c in BILL_COLUMNS) for row in rows),
        ",".join(BILL_SUMMARY),
        ",".join("`" + value for value in summary),
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    _tls_socket: ssl.SSLSocket | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet tests

    def do_CONNECT(self) -> None:
        if self.path.split(":")[0] != HOST:
            self.send_error(403, "this proxy only reaches WeChat Pay")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        try:
            tls = self.server.tls.wrap_socket(  # type: ignore[attr-defined]
                self.connection, server_side=True
            )
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self._tls_socket = tls
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.close_connection = False

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake: FakeWeChatPay = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        (status, payload), stall = fake.handle(method, self.path, self.headers, body)
        if stall:
            time.sleep(stall)
        if isinstance(payload, bytes):  # a file: WeChat Pay hashes it, does not sign it
            headers = {"Content-Type": "application/octet-stream"}
            raw = payload
        else:
            text = "" if payload is None else json.dumps(payload, ensure_ascii=False)
            raw = text.encode()
            headers = fake.reply_headers(text)
            if raw:
                headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up (a stalled reply)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        if self._tls_socket is not None:
            self._tls_socket.close()
