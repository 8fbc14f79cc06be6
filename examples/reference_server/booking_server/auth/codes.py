"""One-time codes sent to a phone: making them and what is stored for them.

A code is 6 digits from :mod:`secrets`. Storage keeps an HMAC-SHA256 of it, keyed with the
server's token secret and bound to the phone and purpose: a million possible codes are too
few for a plain hash to hide them, and without the key a stolen table reveals none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["code_hash", "new_code"]


def new_code(digits: int = 6) -> str:
    """A random code of ``digits`` digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_hash(key: str, phone: str, purpose: str, code: str) -> str:
    """What is stored for ``code`` sent to ``phone`` for ``purpose``."""
    message = f"{purpose}\x00{phone}\x00{code}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
