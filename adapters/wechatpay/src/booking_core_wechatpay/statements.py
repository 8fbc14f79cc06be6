"""WeChat Pay's trade bill (交易账单, ``bill_type=ALL``) as booking_core's statement lines.

The file is CSV as WeChat Pay writes it: a header row naming the columns, one row per
payment or refund with every field prefixed by a backtick (so that spreadsheets keep long
numbers as text), then a summary header (``总交易单数,…``) and one summary row. Columns are
found by their names, not their places; bills of merchants still on the older settlement
(``总金额`` instead of ``订单金额``, no ``申请退款金额``) are read too.

* A ``SUCCESS`` row is a payment: the key is ``商户数据包`` (our ``attach``) when
  ``out_trade_no(attach)`` is the row's ``商户订单号``; the amount is ``订单金额`` — the
  order's ``amount.total``, what we asked and recorded. ``应结订单金额`` is less by the
  merchant-funded (免充值) coupons, so it would disagree with a payment paid in full.
* A ``REFUND`` row is a refund: the key is ``refund_key_of(商户退款单号)``; the amount is
  ``申请退款金额`` — the ``amount.refund`` we asked for. ``退款金额`` is less by the part that
  went back to a merchant-funded coupon. ``退款状态`` is a snapshot taken when the bill was
  made (WeChat Pay lists a refund on the day it accepted it) and is not read.
* A row that is not ours (another system on the same merchant number) keeps WeChat Pay's
  own number as its key (``商户订单号``, or ``商户退款单号`` for a refund), so it is reported
  as money we never applied instead of vanishing. A ``REVOKED`` row (a payment-code sale
  revoked, which this adapter never makes) is such a foreign payment line.

Times are Beijing time (``Asia/Shanghai``); yuan become fen exactly (``Decimal``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import pendulum
from pendulum import DateTime

from booking_core.errors import InvalidMoney, PaymentError
from booking_core.money import Money
from booking_core.orders.statements import EntryKind, StatementEntry
from booking_core_wechatpay.keys import out_trade_no, refund_key_of

__all__ = ["STATEMENT_ZONE", "read_trade_bill"]

#: The zone of WeChat Pay's days and of the times in its bills.
STATEMENT_ZONE: Final = "Asia/Shanghai"

_TIME: Final = "交易时间"
_TRANSACTION_ID: Final = "微信订单号"
_TRADE_NO: Final = "商户订单号"
_STATE: Final = "交易状态"
_CURRENCY: Final = "货币种类"
_REFUND_ID: Final = "微信退款单号"
_REFUND_NO: Final = "商户退款单号"
_ATTACH: Final = "商户数据包"
_ORDER_AMOUNT: Final = ("订单金额", "总金额")  # the second in bills of the older settlement
_REFUND_AMOUNT: Final = ("申请退款金额", "退款金额")
_REQUIRED: Final = (_TIME, _TRANSACTION_ID, _TRADE_NO, _STATE, _REFUND_NO, _ATTACH)
_SUMMARY: Final = "总交易单数"
_OURS: Final = re.compile(r"bc[0-9a-f]{30}")
_YUAN: Final = re.compile(r"[0-9]+(\.[0-9]+)?")


def read_trade_bill(data: bytes, zone: str = STATEMENT_ZONE) -> list[StatementEntry]:
    """The statement lines of a trade bill (already unzipped and checked against its hash).

    Raises:
        PaymentError: (reason ``statement_unreadable``) the file is not a trade bill as
            WeChat Pay writes it: no header, a row with the wrong number of fields, an
            unknown state, an amount or time that does not parse.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable("it is not UTF-8") from exc
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    if not lines:
        raise _unreadable("it is empty")
    header = [name.strip().lstrip("\ufeff") for name in lines[0].split(",")]
    missing = [name for name in _REQUIRED if name not in header]
    if missing or not any(n in header for n in _ORDER_AMOUNT):
        raise _unreadable(f"its header lacks {', '.join(missing) or _ORDER_AMOUNT[0]}")
    entries: list[StatementEntry] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.startswith("`"):
            if line.split(",", 1)[0].strip() != _SUMMARY:
                raise _unreadable(f"line {number} is neither a row nor the summary")
            break  # the summary: the rows are over
        # Every field starts with a backtick, so ",`" splits even a name holding a comma.
        fields = line[1:].split(",`")
        if len(fields) != len(header):
            raise _unreadable(f"line {number} has {len(fields)} fields, not {len(header)}")
        row = dict(zip(header, (f.strip() for f in fields), strict=True))
        entry = _entry(row, zone, number)
        if entry is not None:
            entries.append(entry)
    else:
        raise _unreadable("it has no summary (cut short?)")
    return entries


def _entry(row: Mapping[str, str], zone: str, number: int) -> StatementEntry | None:
    state = row[_STATE]
    trade_no = row[_TRADE_NO]
    attach = row[_ATTACH]
    at = _time(row[_TIME], zone, number)
    currency = row.get(_CURRENCY) or "CNY"
    if state in ("SUCCESS", "REVOKED"):
        ours = state == "SUCCESS" and bool(attach) and out_trade_no(attach) == trade_no
        return StatementEntry(
            EntryKind.PAYMENT,
            attach if ours else trade_no,
            _amount(row, _ORDER_AMOUNT, currency, number),
            at,
            row[_TRANSACTION_ID] or None,
        )
    if state == "REFUND":
        refund_no = row[_REFUND_NO]
        if not refund_no:
            raise _unreadable(f"line {number} is a refund without 商户退款单号")
        # The refund row repeats the order's attach; without one, our "bc…" numbers say it.
        ours = out_trade_no(attach) == trade_no if attach else bool(_OURS.fullmatch(trade_no))
        return StatementEntry(
            EntryKind.REFUND,
            refund_key_of(refund_no) if ours else refund_no,
            _amount(row, _REFUND_AMOUNT, currency, number),
            at,
            row[_REFUND_ID] or None,
        )
    raise _unreadable(f"line {number} has the unknown state {state!r}")


def _amount(row: Mapping[str, str], names: tuple[str, ...], currency: str, number: int) -> Money:
    column = next(name for name in names if name in row)
    value = row[column]
    try:
        if not _YUAN.fullmatch(value):
            raise InvalidMoney(value)
        return Money.of(value, currency)  # Decimal: "1234.56" is 123456 fen exactly
    except InvalidMoney as exc:
        raise _unreadable(f"line {number}: {column} {value!r} is not an amount") from exc


def _time(value: str, zone: str, number: int) -> DateTime:
    try:
        return pendulum.from_format(value, "YYYY-MM-DD HH:mm:ss", tz=zone)
    except ValueError as exc:
        raise _unreadable(f"line {number}: {_TIME} {value!r} is not a time") from exc


def _unreadable(why: str) -> PaymentError:
    return PaymentError(
        f"WeChat Pay's trade bill could not be read: {why}.",
        details={"reason": "statement_unreadable"},
    )
