"""A login session: one signed-in device, whose refresh token rotates within it."""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

import attrs
from pendulum import DateTime

from booking_core.accounts._checks import non_negative, text
from booking_core.accounts.account import AccountId
from booking_core.errors import InvalidInput
from booking_core.timerange import ensure_aware

__all__ = ["LoginSession", "RevokeReason", "SessionId", "check_revoke_reason"]

SessionId = NewType("SessionId", str)


class RevokeReason(StrEnum):
    """Why a session ended before it expired (``revoked_reason``)."""

    #: The person signed out on this device.
    LOGOUT = "logout"
    #: A spent refresh secret came back: it was copied, so the whole session goes.
    REUSE = "reuse"
    #: The account was disabled.
    DISABLED = "disabled"
    #: The person signed out everywhere.
    LOGOUT_ALL = "logout_all"


def _start(value: object) -> DateTime:
    return ensure_aware(value, "session's start")


def _end(value: object) -> DateTime:
    return ensure_aware(value, "session's end")


def _optional_instant(value: object) -> DateTime | None:
    return None if value is None else ensure_aware(value, "revocation time")


def check_revoke_reason(reason: str) -> RevokeReason:
    """``reason`` as a :class:`RevokeReason`; :class:`InvalidInput` if it is none."""
    try:
        return RevokeReason(reason)
    except ValueError:
        raise InvalidInput(
            f"A session is revoked for one of {', '.join(RevokeReason)}; got {reason!r}.",
            details={"field": "revoked_reason"},
        ) from None


def _optional_reason(value: str | None) -> RevokeReason | None:
    return None if value is None else check_revoke_reason(value)


@attrs.frozen
class LoginSession:
    """One signed-in device.

    The edge gives the device a refresh secret and stores only its hash; each refresh
    replaces the secret (``generation`` + 1), saved compare-and-set so that of two
    refreshes with the same secret one wins. A secret of an older generation coming back
    means it was copied: the edge revokes the session (``reuse``).

    Attributes:
        id: Its id (``ses_…``), written into the tokens.
        account_id: Whose.
        refresh_hash: The hash of the current refresh secret (the edge computes it).
        generation: How many times the secret was replaced.
        created_at: When the person signed in.
        expires_at: Its absolute end, however often it is refreshed.
        revoked_at / revoked_reason: When and why it ended early (both or neither).
        version: Compare-and-set counter of storage (0 until first stored).
    """

    id: SessionId = attrs.field(validator=text(64))
    account_id: AccountId = attrs.field(validator=text(64))
    refresh_hash: str = attrs.field(validator=text(1024))
    generation: int = attrs.field(validator=non_negative)
    created_at: DateTime = attrs.field(converter=_start)
    expires_at: DateTime = attrs.field(converter=_end)
    revoked_at: DateTime | None = attrs.field(default=None, converter=_optional_instant)
    revoked_reason: RevokeReason | None = attrs.field(default=None, converter=_optional_reason)
    version: int = attrs.field(default=0, validator=non_negative)

    def __attrs_post_init__(self) -> None:
        if self.expires_at <= self.created_at:
            raise InvalidInput("A session ends after it starts.", details={"field": "expires_at"})
        if (self.revoked_at is None) != (self.revoked_reason is None):
            raise InvalidInput(
                "A revoked session has both a revocation time and a reason; a live one neither.",
                details={"field": "revoked_reason"},
            )

    def live(self, now: DateTime) -> bool:
        """Not revoked, and ``now`` is before its end."""
        return self.revoked_at is None and now < self.expires_at

    def rotated(self, refresh_hash: str) -> LoginSession:
        """The session with a new refresh secret (the next generation)."""
        return attrs.evolve(self, refresh_hash=refresh_hash, generation=self.generation + 1)

    def revoked(self, at: DateTime, reason: str) -> LoginSession:
        """The session ended at ``at`` for ``reason`` (a :class:`RevokeReason`)."""
        return attrs.evolve(self, revoked_at=at, revoked_reason=reason)
