"""Domain idempotency keys as Alipay's merchant numbers (``out_trade_no``, ``out_request_no``,
``out_biz_no``): at most 64 letters, digits and underscores, derived reversibly.

Letters and digits stay as they are; every other character becomes an escape that starts
with ``_``: ``__`` for ``_``, ``_C`` for ``:``, ``_D`` for ``-``, ``_P`` for ``.``, and
``_X`` plus six hex digits for anything else. ``ord_0184a1b2:ful:1`` becomes
``ord__0184a1b2_Cful_C1``. Escapes have a fixed length, so decoding is unambiguous.
"""

from __future__ import annotations

import re
from typing import Final

from booking_core.errors import InvalidInput

__all__ = ["MAX_LENGTH", "decode_key", "encode_key"]

#: Alipay's limit for out_trade_no, out_request_no and out_biz_no.
MAX_LENGTH: Final = 64

_PLAIN = re.compile(r"[A-Za-z0-9]")
_ESCAPES: Final = {"_": "_", ":": "C", "-": "D", ".": "P"}
_UNESCAPES: Final = {v: k for k, v in _ESCAPES.items()}


def encode_key(key: str) -> str:
    """The Alipay merchant number for the domain key ``key``.

    Raises:
        InvalidInput: if the key is empty or its encoding is longer than 64 characters.
    """
    parts = []
    for char in key:
        if char.isascii() and _PLAIN.fullmatch(char):
            parts.append(char)
        elif char in _ESCAPES:
            parts.append("_" + _ESCAPES[char])
        else:
            parts.append(f"_X{ord(char):06x}")
    encoded = "".join(parts)
    if not encoded or len(encoded) > MAX_LENGTH:
        raise InvalidInput(
            f"The key {key!r} does not fit Alipay's {MAX_LENGTH}-character merchant number "
            f"(encoded: {len(encoded)} characters).",
            details={"key": key},
        )
    return encoded


def decode_key(encoded: str) -> str:
    """The domain key that :func:`encode_key` turned into ``encoded``.

    Raises:
        ValueError: if ``encoded`` is not such an encoding.
    """
    out = []
    i = 0
    while i < len(encoded):
        char = encoded[i]
        if char != "_":
            if not (char.isascii() and _PLAIN.fullmatch(char)):
                raise ValueError(f"{encoded!r} is not an encoded key")
            out.append(char)
            i += 1
            continue
        code = encoded[i + 1 : i + 2]
        if code in _UNESCAPES:
            out.append(_UNESCAPES[code])
            i += 2
        elif code == "X" and re.fullmatch(r"[0-9a-f]{6}", encoded[i + 2 : i + 8]):
            out.append(chr(int(encoded[i + 2 : i + 8], 16)))
            i += 8
        else:
            raise ValueError(f"{encoded!r} is not an encoded key")
    return "".join(out)
