"""Signing in and out, tokens and accounts (the reference server's own accounts).

``POST /auth/token`` is OAuth2's password grant (a form with ``username`` and
``password``), so the ``/docs`` page's *Authorize* button signs in with it. Every way in
answers the same token response; see :mod:`booking_server.auth` and docs/accounts.md.
Sign-in and code routes count against the rate limits ``login`` and ``codes``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from booking_core.accounts import AccountId
from booking_core.orders import Role
from booking_server.actors import CurrentActor
from booking_server.auth.current import Accounts, CurrentSignIn
from booking_server.auth.phones import normalize_phone
from booking_server.problems import problem_responses
from booking_server.ratelimit import RATE_LIMITED_RESPONSES, enforce
from booking_server.schemas import (
    AccountIn,
    AccountOut,
    CodeIn,
    CodeLoginIn,
    CodeSentOut,
    LogoutAllOut,
    MeOut,
    PasswordIn,
    RefreshIn,
    SignUpIn,
    TechnicianSignUpIn,
    TokenOut,
    WeChatLoginIn,
)

__all__ = ["router"]

router = APIRouter(tags=["auth"], responses=problem_responses(422))

_SIGN_IN = {**problem_responses(401, 403), **RATE_LIMITED_RESPONSES}


@router.post("/auth/token", summary="Sign in with a password", responses=_SIGN_IN)
def sign_in(
    username: Annotated[str, Form(min_length=1, max_length=256)],
    password: Annotated[str, Form(min_length=1)],  # too long is a wrong one: 401
    accounts: Accounts,
    request: Request,
) -> TokenOut:
    """OAuth2 password grant: a form with ``username`` (a login, or a phone number with
    ``+``) and ``password`` (the other OAuth2 fields, ``grant_type=password``, ``scope``
    and the client's, may be sent and are ignored). 401 ``invalid_credentials`` when either
    is wrong (which one is not said); 403 ``account_disabled``."""
    # Declared field by field rather than with OAuth2PasswordRequestForm: its fields take an
    # empty string that FastAPI then reports missing, so the schema and the route disagreed.
    enforce(request, "login", username.strip().casefold())
    return TokenOut.from_domain(accounts.password_login(username, password))


@router.post(
    "/auth/signup",
    status_code=status.HTTP_201_CREATED,
    summary="Sign up as a customer with a password",
    responses={**problem_responses(409), **RATE_LIMITED_RESPONSES},
)
def sign_up(body: SignUpIn, accounts: Accounts, request: Request) -> TokenOut:
    """Create a customer account with a login and a password (8+ characters) and sign in.
    409 ``account_exists`` when the login is taken; 422 ``weak_password``."""
    enforce(request, "login", body.login.casefold())
    return TokenOut.from_domain(accounts.sign_up(body.login, body.password, body.nickname))


@router.post(
    "/auth/technician-signup",
    status_code=status.HTTP_201_CREATED,
    summary="Sign up as a technician who will apply",
    responses={**problem_responses(409), **RATE_LIMITED_RESPONSES},
)
def sign_up_technician(body: TechnicianSignUpIn, accounts: Accounts, request: Request) -> TokenOut:
    """Create a technician's account with a login and a password and sign in. He is not on
    the platform yet: with this token he applies (``POST /technician-applications``), and
    is bookable once the platform approves. 409 ``account_exists`` when the login is taken;
    422 ``weak_password``."""
    enforce(request, "login", body.login.casefold())
    return TokenOut.from_domain(accounts.sign_up_technician(body.login, body.password))


@router.post(
    "/auth/codes",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a sign-in code to a phone",
    responses={
        429: {
            **RATE_LIMITED_RESPONSES[429],
            "description": "Too many codes (`rate_limited`), or the last one went out less "
            "than a minute ago (`code_resend_too_soon`); try again after `Retry-After` s.",
        }
    },
)
def send_code(body: CodeIn, accounts: Accounts, request: Request) -> CodeSentOut:
    """Text a 6-digit code to the phone, good for 5 minutes; a new one no sooner than 60 s
    later (429 ``code_resend_too_soon``). 422 ``invalid_phone`` for a number that cannot
    exist. A number without an account may sign up with it."""
    phone = normalize_phone(body.phone)
    enforce(request, "codes", phone)
    return CodeSentOut.from_domain(accounts.send_code(phone))


@router.post(
    "/auth/code-login",
    summary="Sign in with a phone and its code",
    responses=_SIGN_IN,
)
def code_login(body: CodeLoginIn, accounts: Accounts, request: Request) -> TokenOut:
    """Sign in with the code sent to the phone; a new number signs up a customer. A code
    works once and is void after 5 wrong tries (401 ``invalid_code``)."""
    phone = normalize_phone(body.phone)
    enforce(request, "login", phone)
    return TokenOut.from_domain(accounts.code_login(phone, body.code))


@router.post(
    "/auth/wechat-login",
    summary="Sign in from a WeChat mini-program",
    responses=_SIGN_IN,
)
def wechat_login(body: WeChatLoginIn, accounts: Accounts, request: Request) -> TokenOut:
    """Trade the mini-program's ``wx.login()`` code for tokens (WeChat's ``code2session``);
    a new WeChat user signs up a customer. 401 ``wechat_login_failed``."""
    enforce(request, "login", f"wechat:{body.js_code}")
    return TokenOut.from_domain(accounts.wechat_login(body.js_code))


@router.post("/auth/refresh", summary="New tokens for a refresh token", responses=_SIGN_IN)
def refresh(body: RefreshIn, accounts: Accounts) -> TokenOut:
    """Spend the refresh token for new tokens. A spent one coming back ends the whole
    session (401 ``invalid_refresh_token``): it was copied."""
    return TokenOut.from_domain(accounts.refresh(body.refresh_token))


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out (this session)",
    responses=problem_responses(401),
)
def logout(signed_in: CurrentSignIn, accounts: Accounts) -> Response:
    """End the caller's session: its access and refresh tokens stop working at once."""
    accounts.logout(signed_in)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/logout-all",
    summary="Sign out everywhere",
    responses=problem_responses(401),
)
def logout_all(signed_in: CurrentSignIn, accounts: Accounts) -> LogoutAllOut:
    """End every session of the caller's account, this one included."""
    return LogoutAllOut(revoked=accounts.logout_all(signed_in))


@router.get("/auth/me", summary="My account and session", responses=problem_responses(401))
def me(signed_in: CurrentSignIn) -> MeOut:
    """The caller's account (who he acts as) and session."""
    return MeOut.from_domain(signed_in)


@router.post(
    "/auth/password",
    summary="Change my password",
    responses=problem_responses(401),
)
def change_password(body: PasswordIn, signed_in: CurrentSignIn, accounts: Accounts) -> TokenOut:
    """Set a new password; every session of the account ends and the answer carries tokens
    of a new one. 401 ``invalid_credentials`` when ``current_password`` is wrong."""
    return TokenOut.from_domain(
        accounts.change_password(signed_in, body.current_password, body.new_password)
    )


@router.post(
    "/auth/accounts",
    status_code=status.HTTP_201_CREATED,
    summary="Create a staff, technician or store account (platform)",
    responses=problem_responses(401, 403, 404, 409),
)
def create_account(body: AccountIn, actor: CurrentActor, accounts: Accounts) -> AccountOut:
    """Staff accounts need the ``staff`` permission (super admin); technicians' and stores'
    accounts ``technicians`` / ``stores`` and the id of an existing technician or store
    (404 otherwise). 409 ``account_exists`` for a taken login, phone or actor."""
    account = accounts.create_account(
        actor,
        role=Role(body.role.value),
        login=body.login,
        password=body.password,
        phone=body.phone,
        staff=body.staff,
        actor_id=body.actor_id,
    )
    return AccountOut.from_domain(account)


@router.post(
    "/auth/accounts/{account_id}/disable",
    summary="Disable an account (super admin)",
    responses=problem_responses(401, 403, 404),
)
def disable_account(account_id: str, actor: CurrentActor, accounts: Accounts) -> AccountOut:
    """Disable the account and end its sessions; it signs in no more."""
    return AccountOut.from_domain(accounts.disable(actor, AccountId(account_id)))
