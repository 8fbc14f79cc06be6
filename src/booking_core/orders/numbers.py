"""Human-friendly order numbers: ``260302-000127-4``.

The local date the order was placed (``YYMMDD``), a sequence storage hands out (at least six
digits), and a Damm check digit. The check digit catches every single mistyped digit and
every swap of two adjacent digits, so support staff can tell a typo from a wrong order
before looking anything up. Customers may type it with or without dashes or spaces.
"""

from __future__ import annotations

import re
from typing import Final

from pendulum import Date

from booking_core.errors import InvalidInput

__all__ = ["format_order_number", "normalize_order_number"]

# The Damm algorithm's quasigroup of order 10 (weakly totally anti-symmetric).
_DAMM: Final = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

_SHAPE: Final = re.compile(r"^(\d{6})(\d{6,})(\d)$")


def _check_digit(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def format_order_number(day: Date, sequence: int) -> str:
    """The number of the ``sequence``-th order, placed on local ``day``."""
    if type(sequence) is not int or sequence < 1:
        raise InvalidInput(f"An order sequence is a whole number ≥ 1; got {sequence!r}.")
    body = f"{day.year % 100:02d}{day.month:02d}{day.day:02d}{sequence:06d}"
    return f"{body[:6]}-{body[6:]}-{_check_digit(body)}"


def normalize_order_number(text: str) -> str:
    """The canonical form of a typed order number.

    Raises:
        InvalidInput: if it is not shaped like one or its check digit is wrong (a typo).
    """
    digits = re.sub(r"[\s-]", "", text or "")
    match = _SHAPE.match(digits)
    if match is None or _check_digit(digits) != 0:
        raise InvalidInput(
            f"{text!r} is not an order number; they look like 260302-000127-4.",
            details={"field": "number"},
        )
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
