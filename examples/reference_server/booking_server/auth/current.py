"""Who is signed in: the bearer token of a request, verified (a FastAPI dependency).

The security scheme is OAuth2's password flow, so the ``/docs`` page's *Authorize* button
signs in through ``POST /auth/token`` and sends the token with every try-out.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer

from booking_server.auth.accounts import AccountService, SignedIn
from booking_server.problems import Unauthenticated

__all__ = ["BEARER", "Accounts", "CurrentSignIn", "account_service", "current_sign_in"]

BEARER: Final = OAuth2PasswordBearer(
    tokenUrl="/auth/token",
    scheme_name="OAuth2PasswordBearer",
    description="An access token from POST /auth/token (or /auth/code-login, "
    "/auth/wechat-login, /auth/refresh), sent as `Authorization: Bearer <token>`.",
    auto_error=False,
)


async def account_service(request: Request) -> AccountService:
    """The account service of this app (kept on ``app.state``, never a global)."""
    service = request.app.state.accounts
    if not isinstance(service, AccountService):  # pragma: no cover - a wiring mistake
        raise TypeError("create_app() stores an AccountService on app.state.accounts")
    return service


Accounts = Annotated[AccountService, Depends(account_service)]


def current_sign_in(accounts: Accounts, token: Annotated[str | None, Security(BEARER)]) -> SignedIn:
    """The account and session of the request's access token.

    A plain ``def``: it reads the session from storage, so FastAPI runs it in the thread
    pool like the endpoints.

    Raises:
        Unauthenticated: no token, or one that is forged, expired, for another audience,
            of an unknown or ended session, or of a disabled account.
    """
    if not token:
        raise Unauthenticated(
            "Sign in first: POST /auth/token (or /auth/code-login, /auth/wechat-login) and "
            "send the access token as 'Authorization: Bearer <token>'."
        )
    return accounts.authenticate(token)


CurrentSignIn = Annotated[SignedIn, Depends(current_sign_in)]
