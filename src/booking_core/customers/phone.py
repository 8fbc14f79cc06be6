"""A phone number in E.164 form (``+8613812345678``)."""

from __future__ import annotations

import re

from booking_core.errors import InvalidInput

__all__ = ["check_phone"]

# The shape only: a plus, a country code not starting with 0, at most 15 digits in all.
# Whether the number exists in its country's plan is the server's or an identity
# adapter's job (e.g. with ``phonenumbers``): the core imports nothing for it.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def check_phone(value: str) -> str:
    """``value`` if it has the E.164 shape; else :class:`InvalidInput` (``field: phone``)."""
    if not isinstance(value, str) or not _E164.fullmatch(value):
        # The number itself stays out of the message: messages end up in logs.
        raise InvalidInput(
            "A phone number is written in E.164 form: a plus, the country code and the "
            "number, digits only, 8 to 16 characters (+8613812345678).",
            details={"field": "phone"},
        )
    return value
