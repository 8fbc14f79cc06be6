"""How the server's sign-in behaves: the token secret, lifetimes and the one-time code rules."""

from __future__ import annotations

import secrets
from typing import Final

import attrs
from pendulum import Duration, duration

__all__ = ["MIN_TOKEN_SECRET_LENGTH", "AuthConfig"]

#: The shortest token secret accepted: an HMAC key shorter than this is guessable.
MIN_TOKEN_SECRET_LENGTH: Final = 32


def _secret(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or len(value) < MIN_TOKEN_SECRET_LENGTH:
        # Never echo the value: it is a secret even when it is a bad one.
        raise ValueError(f"The token secret must be at least {MIN_TOKEN_SECRET_LENGTH} characters.")


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be a positive whole number; got {value!r}.")


@attrs.frozen
class AuthConfig:
    """The secret that signs access tokens and the rules of sessions and one-time codes.

    The repr leaves the secret out. :meth:`demo` makes one with a random secret: tokens
    then stop working when the process ends, which is what demo mode wants.
    """

    token_secret: str = attrs.field(repr=False, validator=_secret)
    access_token_minutes: int = attrs.field(default=15, validator=_positive)
    session_days: int = attrs.field(default=30, validator=_positive)
    #: ``iss`` and ``aud`` of the access tokens: a token for another service is refused.
    issuer: str = "booking-core-reference-server"
    audience: str = "booking-core-api"
    code_digits: int = attrs.field(default=6, validator=_positive)
    code_valid_minutes: int = attrs.field(default=5, validator=_positive)
    code_max_attempts: int = attrs.field(default=5, validator=_positive)
    code_resend_seconds: int = attrs.field(default=60, validator=_positive)
    #: The region a phone number written without ``+`` is read in (``138…`` → ``+86138…``).
    phone_region: str = "CN"

    @classmethod
    def demo(cls) -> AuthConfig:
        """Default rules with a random secret made now (never shown)."""
        return cls(token_secret=secrets.token_urlsafe(48))

    @property
    def access_lifetime(self) -> Duration:
        """How long an access token is good for."""
        return duration(minutes=self.access_token_minutes)

    @property
    def session_lifetime(self) -> Duration:
        """How long a session lives at most, however often it is refreshed."""
        return duration(days=self.session_days)

    @property
    def code_lifetime(self) -> Duration:
        """How long a one-time code is good for."""
        return duration(minutes=self.code_valid_minutes)
