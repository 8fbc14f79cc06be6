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
  notifications signed with the platform key and encrypted (AES-256-GCM) with the APIv3 key.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import re
import secrets
import ssl
import tempfile
import threading
import time
import uuid
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

Answer = tuple[int, dict[str, Any] | None]


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
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).isoformat(timespec="seconds")


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

    def mark_paid(self, out_trade_no: str) -> None:
        """The customer pays the order."""
        with self._lock:
            order = self.orders[out_trade_no]
            assert order["trade_state"] in ("NOTPAY", "USERPAYING"), order["trade_state"]
            order["trade_state"] = "SUCCESS"
            order["trade_state_desc"] = "支付成功"
            order["transaction_id"] = "42000" + secrets.token_hex(12)
            order["success_time"] = _now()

    def settle_refunds(self, status: str = "SUCCESS") -> list[str]:
        """Every PROCESSING refund ends ``status``; the out_refund_nos settled."""
        with self._lock:
            settled = []
            for number, refund in self.refunds.items():
                if refund["status"] == "PROCESSING":
                    refund["status"] = status
                    refund["success_time"] = _now()
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
        route = path.split("?", 1)[0]
        data: dict[str, Any] = json.loads(body) if body else {}
        with self._lock:
            self.calls.append(f"{method} {route}")
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
            "create_time": _now(),
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
        text = "" if payload is None else json.dumps(payload, ensure_ascii=False)
        raw = text.encode()
        try:
            self.send_response(status)
            for name, value in fake.reply_headers(text).items():
                self.send_header(name, value)
            if raw:
                self.send_header("Content-Type", "application/json; charset=utf-8")
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
