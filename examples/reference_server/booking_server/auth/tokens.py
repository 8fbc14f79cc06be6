"""Access tokens (signed JWTs) and refresh tokens (opaque, rotating).

An **access token** is a PyJWT HS256 token with the claims ``sub`` (account id), ``sid``
(session id), ``role``, ``actor``, ``staff``, ``iat``, ``exp``, ``iss`` and ``aud``. It lives
15 minutes by default; every request that carries it is still checked against storage (the
session live, the account enabled), so logging out takes effect at once.

A **refresh token** is ``<session id>.<random secret>``: the secret comes from
:mod:`secrets` and only its SHA-256 is stored (``LoginSession.refresh_hash``), so a copy of
the database signs nobody in. Expiry is read from the injected clock, not the wall clock,
so a frozen clock in tests and the demo governs tokens as it governs everything else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Final

import attrs
import jwt
from pendulum import DateTime, Duration

from booking_core.accounts import Account, AccountId, LoginSession, SessionId
from booking_core.ports.clock import Clock
from booking_server.auth.config import AuthConfig
from booking_server.problems import Unauthenticated

__all__ = [
    "AccessClaims",
    "IssuedAccess",
    "TokenSigner",
    "new_refresh_token",
    "refresh_hash",
    "same_hash",
    "split_refresh_token",
]

_ALGORITHM: Final = "HS256"
_CLAIMS: Final = ("sub", "sid", "role", "actor", "iat", "exp", "iss", "aud")
_SIGN_IN: Final = "Sign in again (POST /auth/token) and send the new access token."


@attrs.frozen
class AccessClaims:
    """What a verified access token says."""

    account_id: AccountId
    session_id: SessionId
    expires_at: DateTime


@attrs.frozen
class IssuedAccess:
    """A new access token and how many seconds it is good for."""

    token: str
    expires_in: int


class TokenSigner:
    """Signs and verifies access tokens with the server's secret."""

    def __init__(self, config: AuthConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock

    def issue(
        self, account: Account, session: LoginSession, *, lifetime: Duration | None = None
    ) -> IssuedAccess:
        """An access token for ``account`` in ``session`` (never beyond the session's end)."""
        now = self._clock.now()
        expires = min(now + (lifetime or self._config.access_lifetime), session.expires_at)
        claims: dict[str, Any] = {
            "sub": account.id,
            "sid": session.id,
            "role": account.role.value,
            "actor": account.actor_id,
            "staff": None if account.staff is None else account.staff.value,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "iss": self._config.issuer,
            "aud": self._config.audience,
        }
        token = jwt.encode(claims, self._config.token_secret, algorithm=_ALGORITHM)
        return IssuedAccess(token, max(0, int(expires.timestamp()) - int(now.timestamp())))

    def verify(self, token: str) -> AccessClaims:
        """The claims of ``token`` if its signature, issuer, audience and expiry hold.

        Raises:
            Unauthenticated: anything else (a forged, expired or foreign token).
        """
        try:
            claims = jwt.decode(
                token,
                self._config.token_secret,
                algorithms=[_ALGORITHM],
                audience=self._config.audience,
                issuer=self._config.issuer,
                # Expiry is checked below against the injected clock.
                options={"require": list(_CLAIMS), "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as exc:
            # The reason stays out of the answer: "bad signature" helps only a forger.
            raise Unauthenticated(f"The access token is not valid. {_SIGN_IN}") from exc
        sub, sid, exp = claims["sub"], claims["sid"], claims["exp"]
        if not isinstance(sub, str) or not isinstance(sid, str) or not isinstance(exp, int):
            raise Unauthenticated(f"The access token is not valid. {_SIGN_IN}")
        expires_at = DateTime.fromtimestamp(exp, tz=self._clock.now().tz)
        if self._clock.now() >= expires_at:
            raise Unauthenticated(
                "The access token has expired: refresh it (POST /auth/refresh) or sign in again."
            )
        return AccessClaims(AccountId(sub), SessionId(sid), expires_at)


def refresh_hash(secret: str) -> str:
    """What is stored for a refresh secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_token(session_id: SessionId) -> tuple[str, str]:
    """A new refresh token for the session and the hash to store for it."""
    secret = secrets.token_urlsafe(32)
    return f"{session_id}.{secret}", refresh_hash(secret)


def split_refresh_token(token: str) -> tuple[SessionId, str] | None:
    """The session id and secret of a refresh token; None if it is not shaped like one."""
    session_id, dot, secret = token.rpartition(".")
    if not dot or not session_id or not secret or len(token) > 512:
        return None
    return SessionId(session_id), secret


def same_hash(stored: str, presented: str) -> bool:
    """Compare two hashes in constant time."""
    return hmac.compare_digest(stored.encode(), presented.encode())
