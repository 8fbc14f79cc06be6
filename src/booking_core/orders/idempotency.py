"""Idempotency keys of order placement (the IETF ``Idempotency-Key`` draft's semantics).

A client that may retry a request (a timeout, a killed app) sends a key it made up, the same
on every retry. The first request under a key stores an :class:`IdempotencyRecord` in the
transaction that stores the order, so a crash leaves both or neither. A retry with the same
request gets the same order back; the same key with another request is refused
(:class:`~booking_core.errors.IdempotencyKeyReused`); a retry while the first request still
runs is refused too (:class:`~booking_core.errors.IdempotencyKeyInFlight`), and may be sent
again once it has ended. Keys are scoped to the actor: two customers may use the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidIdempotencyKey
from booking_core.ids import OrderId

__all__ = ["IDEMPOTENCY_KEY_MAX_LENGTH", "IdempotencyRecord", "fingerprint", "valid_key"]

#: The longest key accepted (a UUID is 36 characters; the draft recommends one).
IDEMPOTENCY_KEY_MAX_LENGTH: Final = 255


def valid_key(key: str) -> str:
    """``key`` if it is 1 to :data:`IDEMPOTENCY_KEY_MAX_LENGTH` visible ASCII characters
    (``!`` to ``~``).

    Raises:
        InvalidIdempotencyKey: anything else (empty, too long, spaces, control characters,
            non-ASCII), so a key is stored the same on every database.
    """
    if not isinstance(key, str) or not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidIdempotencyKey(
            f"An idempotency key is 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters long (a UUID "
            "is a good choice).",
            details={"max_length": IDEMPOTENCY_KEY_MAX_LENGTH},
        )
    if not all("!" <= char <= "~" for char in key):
        raise InvalidIdempotencyKey(
            "An idempotency key holds only visible ASCII characters (no spaces or control "
            "characters); a UUID is a good choice.",
            details={"max_length": IDEMPOTENCY_KEY_MAX_LENGTH},
        )
    return key


def fingerprint(document: Mapping[str, Any]) -> str:
    """A stable hash of a request in its canonical form (a converter document): SHA-256 of
    its JSON with sorted keys and no spaces, in hex. Equal documents, equal fingerprints."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


@attrs.frozen
class IdempotencyRecord:
    """One use of an idempotency key: which request (its fingerprint) made which order.

    Attributes:
        actor_id: Whose key it is (the customer who placed the order).
        key: The client's key.
        fingerprint: :func:`fingerprint` of the request, to tell a retry from a reuse.
        order_id: The order the request made.
        created_at: When the key was first used.
        expires_at: From then on the record is ignored and the key may be used afresh.
    """

    actor_id: str
    key: str
    fingerprint: str
    order_id: OrderId
    created_at: DateTime
    expires_at: DateTime

    def is_live(self, at: DateTime) -> bool:
        """Whether the record still binds its key at ``at`` (it expires at ``expires_at``)."""
        return at < self.expires_at

    def same_request(self, other: IdempotencyRecord) -> bool:
        """Whether ``other`` is a retry of this record's request (same fingerprint)."""
        return self.fingerprint == other.fingerprint
