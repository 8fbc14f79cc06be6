"""Signing in: tokens, one-time codes, WeChat login, accounts.

Tokens follow OAuth2's token response (RFC 6749 §5.1): ``access_token``, ``token_type``
(``bearer``), ``expires_in`` (seconds) and ``refresh_token``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from booking_core.accounts import Account
from booking_core.staff import StaffRole
from booking_server.auth.accounts import CodeSent, IssuedTokens, SignedIn
from booking_server.schemas.common import ID_PATTERN, InModel, OutModel

__all__ = [
    "AccountIn",
    "AccountKind",
    "AccountOut",
    "CodeIn",
    "CodeLoginIn",
    "CodeSentOut",
    "LogoutAllOut",
    "MeOut",
    "PasswordIn",
    "RefreshIn",
    "SignUpIn",
    "TokenOut",
    "WeChatLoginIn",
]

_LOGIN = r"^[A-Za-z0-9_.@-]{3,64}$"


class TokenOut(OutModel):
    """New tokens: send ``access_token`` as ``Authorization: Bearer …``; trade
    ``refresh_token`` for new ones at ``POST /auth/refresh`` before the session ends."""

    access_token: str
    token_type: str = Field(examples=["bearer"])
    expires_in: int = Field(description="Seconds the access token is good for.", examples=[900])
    refresh_token: str = Field(description="Single use: each refresh answers a new one.")

    @classmethod
    def from_domain(cls, tokens: IssuedTokens) -> TokenOut:
        """From the account service's answer."""
        return cls(
            access_token=tokens.access_token,
            token_type=tokens.token_type,
            expires_in=tokens.expires_in,
            refresh_token=tokens.refresh_token,
        )


class SignUpIn(InModel):
    """A new customer's login and password."""

    login: str = Field(pattern=_LOGIN, description="3–64 of a-z 0-9 _ . @ - (case ignored).")
    password: str = Field(min_length=8, max_length=256)
    nickname: str | None = Field(default=None, min_length=1, max_length=40, examples=["Alice"])


class TechnicianSignUpIn(InModel):
    """A new technician's login and password (he applies once signed in)."""

    login: str = Field(pattern=_LOGIN, description="3–64 of a-z 0-9 _ . @ - (case ignored).")
    password: str = Field(min_length=8, max_length=256)


class CodeIn(InModel):
    """Where to send a sign-in code."""

    phone: str = Field(
        min_length=1,
        max_length=32,
        description="With the country code (+8613812345678) or a mainland number.",
        examples=["+8613812345678"],
    )


class CodeSentOut(OutModel):
    """A code is on its way."""

    expires_in: int = Field(description="Seconds the code is good for.", examples=[300])
    resend_in: int = Field(description="Seconds before another code may be asked for.")

    @classmethod
    def from_domain(cls, sent: CodeSent) -> CodeSentOut:
        """From the account service's answer."""
        return cls(expires_in=sent.expires_in, resend_in=sent.resend_in)


class CodeLoginIn(InModel):
    """The phone and the code it received."""

    phone: str = Field(min_length=1, max_length=32, examples=["+8613812345678"])
    code: str = Field(pattern=r"^[0-9]{4,8}$", examples=["123456"])


class WeChatLoginIn(InModel):
    """The code a mini-program got from ``wx.login()``."""

    js_code: str = Field(min_length=1, max_length=128)


class RefreshIn(InModel):
    """A refresh token from an earlier sign-in or refresh."""

    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordIn(InModel):
    """Change the caller's password (``current_password`` may be left out only while the
    account has none)."""

    current_password: str | None = Field(default=None, min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class AccountKind(StrEnum):
    """The accounts the platform creates (customers sign up themselves)."""

    PLATFORM = "platform"
    TECHNICIAN = "technician"
    STORE = "store"


class AccountIn(InModel):
    """A staff member's, a technician's or a store's account."""

    role: AccountKind
    actor_id: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="The technician's or store's id (required for those; not for staff).",
    )
    staff: StaffRole | None = Field(
        default=None, description="A staff member's sub-role (default operations)."
    )
    login: str | None = Field(default=None, pattern=_LOGIN)
    password: str | None = Field(default=None, min_length=8, max_length=256)
    phone: str | None = Field(default=None, min_length=1, max_length=32)


class AccountOut(OutModel):
    """An account (never its password)."""

    id: str
    role: str
    actor_id: str
    staff: StaffRole | None
    login: str | None
    phone: str | None
    wechat_linked: bool
    has_password: bool
    disabled: bool
    created_at: dt.datetime

    @classmethod
    def from_domain(cls, account: Account) -> AccountOut:
        """From the stored account."""
        return cls(
            id=account.id,
            role=account.role.value,
            actor_id=account.actor_id,
            staff=account.staff,
            login=account.login,
            phone=account.phone,
            wechat_linked=account.wechat_openid is not None,
            has_password=account.password_hash is not None,
            disabled=account.disabled,
            created_at=account.created_at,
        )


class MeOut(OutModel):
    """The caller's account and session."""

    account: AccountOut
    session_id: str
    session_expires_at: dt.datetime

    @classmethod
    def from_domain(cls, signed_in: SignedIn) -> MeOut:
        """From the verified sign-in."""
        return cls(
            account=AccountOut.from_domain(signed_in.account),
            session_id=signed_in.session.id,
            session_expires_at=signed_in.session.expires_at,
        )


class LogoutAllOut(OutModel):
    """How many sessions ended."""

    revoked: int
