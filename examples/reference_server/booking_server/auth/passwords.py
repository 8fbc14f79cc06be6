"""Passwords: the rule for a new one, argon2 hashing (pwdlib) and verifying.

A wrong login and a wrong password look the same to the caller (``invalid_credentials``),
and take about as long: when there is no account to check, :meth:`Passwords.verify_nothing`
verifies against a dummy hash, so the answer's timing does not tell which was wrong.
"""

from __future__ import annotations

from typing import Final

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

from booking_server.auth.errors import WeakPassword

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "Passwords"]

MIN_PASSWORD_LENGTH: Final = 8
#: Argon2 takes any length, but hashing megabytes on request would be a cheap attack.
MAX_PASSWORD_LENGTH: Final = 256


class Passwords:
    """Hashes and verifies passwords with ``hasher`` (argon2 by default)."""

    def __init__(self, hasher: PasswordHash | None = None) -> None:
        self._hasher = hasher or PasswordHash((Argon2Hasher(),))
        # Made on first need (hashing is slow on purpose), then kept: verifying against it
        # costs what verifying a real hash costs.
        self._dummy: str | None = None

    def check_rule(self, password: str) -> None:
        """Raise :class:`WeakPassword` unless ``password`` is 8 to 256 characters, not blank."""
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH or not password.strip():
            raise WeakPassword(
                f"A password is {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters "
                "(not only spaces); choose a longer one.",
                details={"field": "password"},
            )

    def hash(self, password: str) -> str:
        """The hash to store for a new ``password`` (which must follow the rule)."""
        self.check_rule(password)
        return self._hasher.hash(password)

    def verify(self, password: str, password_hash: str) -> bool:
        """True when ``password`` is the one ``password_hash`` was made from."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        try:
            return self._hasher.verify(password, password_hash)
        except PwdlibError:  # a hash this hasher cannot read: never a match
            return False

    def verify_nothing(self, password: str) -> None:
        """Spend the time of a verification when there is no account to verify against."""
        if self._dummy is None:
            self._dummy = self._hasher.hash("no account has this password")
        self._hasher.verify(password[:MAX_PASSWORD_LENGTH], self._dummy)
