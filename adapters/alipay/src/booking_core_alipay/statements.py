"""Alipay's daily trade bill (对账单, ``bill_type=trade``) as booking_core's statement lines.

The bill is a zip of CSV files in GBK (as Alipay writes them, file names included): the
business details (业务明细, one row per payment or refund) and a summary (业务明细(汇总)),
each framed by ``#`` comment lines. The detail file is told by its columns, not by its name
(the names are GBK bytes that zip readers do not agree on); the summary is not read.
Alipay writes a tab after text fields (so spreadsheets keep long numbers as text); every
field is stripped.

* A ``交易`` row is a payment: the key is our key decoded from ``商户订单号``
  (``out_trade_no``); the amount is ``订单金额（元）`` — the trade's ``total_amount``, what we
  asked and recorded. ``商家实收（元）`` is less by the merchant-funded discounts (商家优惠,
  merchant coupons and red packets), so it would disagree with a payment paid in full.
* A ``退款`` row is a refund: the key is our refund key decoded from ``退款批次号/请求号``
  (``out_request_no``); the amount is the absolute value of that row's ``订单金额（元）``,
  which Alipay writes negative — the ``refund_amount`` we asked for (again, ``商家实收`` is
  less by the merchant-funded part).
* A row that is not ours (another system on the same app, the merchant's console) keeps
  Alipay's merchant number as its key, so it is reported as money we never applied
  instead of vanishing. A refund without a request number of its own is keyed by the
  reference ``<支付宝交易号>/<退款批次号>``, never by its trade's key.
* Rows of other business types are left out: the trade bill of the payment products this
  adapter uses lists payments and refunds only.

Times (``完成时间``) are Beijing time; yuan become fen exactly (``Decimal``). The references
are the ones the gateway's results carry: ``trade_no`` for a payment, ``trade_no/out_request_no``
for a refund.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Final

import pendulum

from booking_core.errors import PaymentError
from booking_core.money import Money
from booking_core.orders.statements import EntryKind, StatementEntry
from booking_core_alipay.amounts import from_yuan
from booking_core_alipay.keys import decode_key

__all__ = ["STATEMENT_ZONE", "read_trade_bill"]

#: Alipay's days are Beijing days.
STATEMENT_ZONE: Final = "Asia/Shanghai"

_TRADE_NO: Final = "支付宝交易号"
_OUT_TRADE_NO: Final = "商户订单号"
_TYPE: Final = "业务类型"
_CREATED: Final = "创建时间"
_FINISHED: Final = "完成时间"
_TOTAL: Final = "订单金额（元）"
_REQUEST_NO: Final = "退款批次号/请求号"
_REQUIRED: Final = (_TRADE_NO, _OUT_TRADE_NO, _TYPE, _FINISHED, _TOTAL, _REQUEST_NO)
_KINDS: Final = {"交易": EntryKind.PAYMENT, "退款": EntryKind.REFUND}
_TIME_FORMAT: Final = "YYYY-MM-DD HH:mm:ss"


def read_trade_bill(archive: bytes) -> list[StatementEntry]:
    """The payments and refunds of the bill zip ``archive``, in our keys.

    Raises:
        PaymentError: (reason ``statement_unreadable``) not a zip, no detail file in it, a
            file that is not GBK, or a row that cannot be read — a bill read in part would
            report the rest as missing.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            files = [bundle.read(info) for info in bundle.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise _unreadable("is not a zip file") from exc
    entries: list[StatementEntry] = []
    details = 0
    for raw in files:
        try:
            text = raw.decode("gb18030")  # GBK's superset: decodes whatever GBK wrote
        except UnicodeDecodeError as exc:
            raise _unreadable("holds a file that is not GBK text") from exc
        rows = _rows(text)
        header = [_column(name) for name in rows[0]] if rows else []
        if _TRADE_NO not in header or _TYPE not in header:
            continue  # the summary (汇总) file
        details += 1
        columns = {name: i for i, name in enumerate(header)}
        missing = [name for name in _REQUIRED if name not in columns]
        if missing:
            raise _unreadable(f"lacks the columns {', '.join(missing)}")
        for number, row in enumerate(rows[1:], start=2):
            entry = _entry(row, columns, number)
            if entry is not None:
                entries.append(entry)
    if not details:
        raise _unreadable("holds no business details (业务明细) file")
    return entries


def _rows(text: str) -> list[list[str]]:
    """The CSV rows of ``text`` without the ``#`` comment lines and blank lines."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [[field.strip() for field in row] for row in csv.reader(lines)]


def _column(name: str) -> str:
    # Full-width parentheses, as Alipay names its amount columns.
    return name.strip().replace("(", "（").replace(")", "）")


def _entry(row: Sequence[str], columns: Mapping[str, int], number: int) -> StatementEntry | None:
    if len(row) <= max(columns[name] for name in _REQUIRED):
        raise _unreadable(f"has a short row (line {number} of its table)")

    def cell(name: str) -> str:
        i = columns.get(name, len(row))
        return row[i] if i < len(row) else ""

    kind = _KINDS.get(cell(_TYPE))
    if kind is None:
        return None
    trade_no, out_trade_no = cell(_TRADE_NO), cell(_OUT_TRADE_NO)
    amount = _amount(cell(_TOTAL), number)
    when = cell(_FINISHED) or cell(_CREATED)
    try:
        at = pendulum.from_format(when, _TIME_FORMAT, tz=STATEMENT_ZONE)
    except ValueError as exc:
        raise _unreadable(f"has an unreadable time {when!r} (line {number})") from exc
    if kind is EntryKind.PAYMENT:
        return StatementEntry(kind, _ours(out_trade_no) or trade_no, amount, at, trade_no)
    request_no = cell(_REQUEST_NO)
    reference = f"{trade_no}/{request_no}"
    # Without a request number of its own a refund would share its trade's key.
    key = _ours(request_no) if request_no and request_no != out_trade_no else reference
    return StatementEntry(kind, key, amount, at, reference)


def _ours(number: str) -> str:
    """Our key behind one of Alipay's merchant numbers; another system's number as is."""
    try:
        return decode_key(number) if number else number
    except ValueError:
        return number


def _amount(text: str, number: int) -> Money:
    magnitude = text.removeprefix("-")  # refunds are written negative
    try:
        if magnitude.startswith("-"):
            raise ValueError(text)
        return from_yuan(magnitude)
    except ValueError as exc:
        raise _unreadable(f"has an unreadable amount {text!r} (line {number})") from exc


def _unreadable(why: str) -> PaymentError:
    return PaymentError(
        f"Alipay's trade bill {why}; it was not read.",
        details={"reason": "statement_unreadable"},
    )
