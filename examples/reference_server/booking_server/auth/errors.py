"""The problems of signing in, each with a stable code.

Failed sign-ins are 401 (:class:`~booking_server.problems.Unauthenticated` with a more
precise code); a rule about the input is 422 (the core's ``InvalidInput`` family); sending
codes too often is 429 with ``Retry-After``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from booking_core.errors import InvalidInput, PermissionDenied
from booking_server.problems import ProblemResponse, Unauthenticated, problem_response

__all__ = [
    "AccountDisabled",
    "CodeResendTooSoon",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidPhone",
    "InvalidRefreshToken",
    "WeChatLoginFailed",
    "WeakPassword",
    "install_auth_handlers",
]


class InvalidCredentials(Unauthenticated):
    """The login or the password is wrong; which one is never said."""

    code = "invalid_credentials"


class InvalidCode(Unauthenticated):
    """No live one-time code for the phone, or not that one."""

    code = "invalid_code"


class InvalidRefreshToken(Unauthenticated):
    """The refresh token is malformed, unknown, expired, revoked or already used."""

    code = "invalid_refresh_token"


class WeChatLoginFailed(Unauthenticated):
    """WeChat did not accept the mini-program's login code."""

    code = "wechat_login_failed"


class AccountDisabled(PermissionDenied):
    """The credentials are right but the account is disabled."""

    code = "account_disabled"


class WeakPassword(InvalidInput):
    """A new password breaks the password rule."""

    code = "weak_password"


class InvalidPhone(InvalidInput):
    """Not a phone number that can receive a code."""

    code = "invalid_phone"


class CodeResendTooSoon(Exception):
    """A new code was asked for before the resend interval passed (429, ``Retry-After``)."""

    code = "code_resend_too_soon"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


def install_auth_handlers(app: FastAPI, *, base: str) -> None:
    """Answer :class:`CodeResendTooSoon` with a 429 problem and ``Retry-After``."""

    async def resend_too_soon(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, CodeResendTooSoon)
        return problem_response(
            base,
            status=429,
            code=exc.code,
            detail=exc.message,
            details={"retry_after_seconds": exc.retry_after_seconds},
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )

    app.add_exception_handler(CodeResendTooSoon, resend_too_soon)
