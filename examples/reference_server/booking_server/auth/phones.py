"""Full phone number validation at the edge (``phonenumbers``).

The core checks only the E.164 shape; whether a number can exist (its length and prefixes
for its country) is checked here, before a code is sent or an account stores it.
"""

from __future__ import annotations

import phonenumbers

from booking_server.auth.errors import InvalidPhone

__all__ = ["normalize_phone"]


def normalize_phone(text: str, region: str = "CN") -> str:
    """``text`` as an E.164 number (``+8613812345678``) if it is a valid phone number.

    A number without ``+`` is read in ``region``.

    Raises:
        InvalidPhone: it is not a valid number (the number stays out of the message).
    """
    message = (
        "That is not a valid phone number; write it with the country code "
        "(+8613812345678) or as a mainland number (13812345678)."
    )
    if len(text) > 32:
        raise InvalidPhone(message, details={"field": "phone"})
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(message, details={"field": "phone"}) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(message, details={"field": "phone"})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
