"""Accounts: how people sign in to a server in front of the core.

The core only stores them: hashing passwords and one-time codes, and signing tokens,
happen at the edge (the reference server), which hands the core opaque hashes.
"""

from booking_core.accounts.account import Account, AccountId, account_exists
from booking_core.accounts.code import OneTimeCode
from booking_core.accounts.session import (
    LoginSession,
    RevokeReason,
    SessionId,
    check_revoke_reason,
)

__all__ = [
    "Account",
    "AccountId",
    "LoginSession",
    "OneTimeCode",
    "RevokeReason",
    "SessionId",
    "account_exists",
    "check_revoke_reason",
]
