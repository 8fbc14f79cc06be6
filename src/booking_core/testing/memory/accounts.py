"""In-memory accounts, login sessions and one-time codes."""

from __future__ import annotations

from typing import Any

import attrs
from pendulum import DateTime

from booking_core.accounts import (
    Account,
    AccountId,
    LoginSession,
    OneTimeCode,
    SessionId,
    account_exists,
    check_revoke_reason,
)
from booking_core.errors import ConcurrentUpdate, DuplicateEntity, NotFound
from booking_core.orders.actor import Role
from booking_core.testing.memory.table import Table
from booking_core.timerange import ensure_aware

__all__ = ["InMemoryAccounts"]

_SESSIONS = "login_sessions"
_CODES = "one_time_codes"


def _code_key(phone: str, purpose: str) -> str:
    return f"{phone} {purpose}"  # an E.164 phone holds no space


def _keys(account: Account) -> dict[str, object]:
    """The account's unique keys that are set, by the field ``account_exists`` names."""
    keys: dict[str, object] = {"actor": (account.role, account.actor_id)}
    for field in ("login", "phone", "wechat_openid"):
        value = getattr(account, field)
        if value is not None:
            keys[field] = value
    return keys


def _stale(what: str, key: str, details: dict[str, Any]) -> ConcurrentUpdate:
    return ConcurrentUpdate(
        f"{what} {key} was changed by someone else; reload it and try again.", details=details
    )


class InMemoryAccounts(Table):
    """:class:`~booking_core.ports.storage.AccountRepository` over a snapshot (accounts in
    its own table, sessions in ``login_sessions``, codes in ``one_time_codes``)."""

    # -- accounts --------------------------------------------------------------------------

    def _check_unique(self, account: Account) -> None:
        mine = _keys(account)
        for other in self.rows.values():
            if other.id == account.id:
                continue
            theirs = _keys(other)
            for field, value in mine.items():
                if theirs.get(field) == value:
                    raise account_exists(account.id, field)

    def add(self, account: Account) -> Account:
        if account.id in self.rows:
            raise account_exists(account.id, "id")
        self._check_unique(account)
        stored = attrs.evolve(account, version=1)
        self.rows[account.id] = stored
        return stored

    def get(self, account_id: AccountId) -> Account:
        found: Account = self._get(account_id)
        return found

    def find(
        self,
        *,
        login: str | None = None,
        phone: str | None = None,
        wechat_openid: str | None = None,
        actor: tuple[Role, str] | None = None,
    ) -> Account | None:
        given = {
            field: value
            for field, value in (
                ("login", login.casefold() if login is not None else None),
                ("phone", phone),
                ("wechat_openid", wechat_openid),
                ("actor", actor),
            )
            if value is not None
        }
        if len(given) != 1:
            raise ValueError(
                "Find an account by exactly one of login, phone, wechat_openid, actor."
            )
        [(field, value)] = given.items()
        for account in self.rows.values():
            if _keys(account).get(field) == value:
                found: Account = account
                return found
        return None

    def save(self, account: Account) -> Account:
        if self.get(account.id).version != account.version:
            raise _stale("Account", account.id, {"account_id": account.id})
        self._check_unique(account)
        stored = attrs.evolve(account, version=account.version + 1)
        self.rows[account.id] = stored
        return stored

    # -- sessions --------------------------------------------------------------------------

    def add_session(self, session: LoginSession) -> LoginSession:
        sessions = self.table(_SESSIONS)
        if session.id in sessions:
            raise DuplicateEntity("session", session.id)
        stored = attrs.evolve(session, version=1)
        sessions[session.id] = stored
        return stored

    def session(self, session_id: SessionId) -> LoginSession:
        try:
            found: LoginSession = self.table(_SESSIONS)[session_id]
        except KeyError:
            raise NotFound("session", session_id) from None
        return found

    def save_session(self, session: LoginSession) -> LoginSession:
        if self.session(session.id).version != session.version:
            raise _stale("Session", session.id, {"session_id": session.id})
        stored = attrs.evolve(session, version=session.version + 1)
        self.table(_SESSIONS)[session.id] = stored
        return stored

    def revoke_sessions(self, account_id: AccountId, *, at: DateTime, reason: str) -> int:
        at = ensure_aware(at, "revocation time")
        check_revoke_reason(reason)
        sessions = self.table(_SESSIONS)
        live = [s for s in sessions.values() if s.account_id == account_id and s.live(at)]
        for session in live:
            sessions[session.id] = attrs.evolve(
                session.revoked(at, reason), version=session.version + 1
            )
        return len(live)

    # -- one-time codes --------------------------------------------------------------------

    def put_code(self, code: OneTimeCode) -> OneTimeCode:
        codes = self.table(_CODES)
        key = _code_key(code.phone, code.purpose)
        replaced: OneTimeCode | None = codes.get(key)
        # The version continues over replacements: a save of the replaced code then fails.
        stored = attrs.evolve(code, version=(replaced.version if replaced else 0) + 1)
        codes[key] = stored
        return stored

    def code(self, phone: str, purpose: str) -> OneTimeCode | None:
        found: OneTimeCode | None = self.table(_CODES).get(_code_key(phone, purpose))
        return found

    def save_code(self, code: OneTimeCode) -> OneTimeCode:
        key = _code_key(code.phone, code.purpose)
        current = self.code(code.phone, code.purpose)
        if current is None:
            raise NotFound("one_time_code", code.purpose)
        if current.version != code.version:
            raise _stale("The code for", code.purpose, {"purpose": code.purpose})
        stored = attrs.evolve(code, version=code.version + 1)
        self.table(_CODES)[key] = stored
        return stored

    def delete_code(self, phone: str, purpose: str) -> None:
        self.table(_CODES).pop(_code_key(phone, purpose), None)
