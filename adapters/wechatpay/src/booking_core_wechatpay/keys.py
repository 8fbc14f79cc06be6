"""Our idempotency keys as WeChat Pay's own merchant numbers.

* ``out_trade_no`` (≤ 32 of ``[0-9A-Za-z_-|*]``): ``"bc"`` + the first 30 hex digits of the
  SHA-256 of the payment key. It depends on the key alone, so a retry after a timeout names
  the same order at WeChat Pay; the key itself travels in ``attach`` and comes back in
  queries and notifications.
* ``out_refund_no`` (≤ 64 of ``[0-9A-Za-z_-|*@]``): the refund key, reversibly: letters,
  digits, ``_`` and ``-`` stay, ``:`` becomes ``*``, any other byte ``@`` and two hex digits
  (``ord_c1:rf:1`` → ``ord_c1*rf*1``). Refund notices carry only it, and
  :func:`refund_key_of` turns it back. Not ``|`` for ``:``: the refund query puts the number
  in the URL path, where ``requests`` percent-encodes ``|`` after the SDK signed it raw, and
  WeChat Pay would refuse the signature.
* ``out_batch_no`` / ``out_detail_no`` (≤ 32 letters and digits): ``"B"`` / ``"D"`` + the
  first 30 hex digits of the SHA-256 of the payout key.
"""

from __future__ import annotations

import hashlib
import re
import string
from typing import Final

from booking_core.errors import InvalidIdempotencyKey

__all__ = [
    "out_batch_no",
    "out_detail_no",
    "out_refund_no",
    "out_trade_no",
    "refund_key_of",
]

_KEPT: Final = frozenset(string.ascii_letters + string.digits + "_-")
_ESCAPED: Final = re.compile(r"@([0-9A-F]{2})")


def _digest(key: str) -> str:
    if not key:
        raise InvalidIdempotencyKey("An idempotency key is empty.")
    return hashlib.sha256(key.encode()).hexdigest()[:30]


def out_trade_no(payment_key: str) -> str:
    """WeChat Pay's ``out_trade_no`` for the payment made under ``payment_key``."""
    return "bc" + _digest(payment_key)


def out_refund_no(refund_key: str) -> str:
    """WeChat Pay's ``out_refund_no`` for the refund made under ``refund_key``."""
    if not refund_key:
        raise InvalidIdempotencyKey("An idempotency key is empty.")
    parts: list[str] = []
    for char in refund_key:
        if char in _KEPT:
            parts.append(char)
        elif char == ":":
            parts.append("*")
        else:
            parts.extend(f"@{byte:02X}" for byte in char.encode())
    encoded = "".join(parts)
    if len(encoded) > 64:
        raise InvalidIdempotencyKey(
            f"Refund key {refund_key!r} is too long for WeChat Pay's out_refund_no (64).",
            details={"key": refund_key},
        )
    return encoded


def refund_key_of(out_refund: str) -> str:
    """The refund key an ``out_refund_no`` was made from (:func:`out_refund_no` undone)."""
    raw = _ESCAPED.sub(lambda m: chr(0xE000 + int(m.group(1), 16)), out_refund.replace("*", ":"))
    # Escaped bytes were parked in the private-use area; turn them back into UTF-8 bytes.
    data = bytearray()
    for char in raw:
        code = ord(char)
        if 0xE000 <= code <= 0xE0FF:
            data.append(code - 0xE000)
        else:
            data.extend(char.encode())
    return data.decode(errors="replace")


def out_batch_no(payout_key: str) -> str:
    """WeChat Pay's ``out_batch_no`` for the payout sent under ``payout_key``."""
    return "B" + _digest(payout_key)


def out_detail_no(payout_key: str) -> str:
    """WeChat Pay's ``out_detail_no`` (the batch's one transfer) for ``payout_key``."""
    return "D" + _digest(payout_key)
