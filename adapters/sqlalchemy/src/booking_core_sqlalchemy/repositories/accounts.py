"""Sign-in accounts in ``accounts``, their sessions in ``login_sessions`` and one-time codes
in ``one_time_codes``; every write is compare-and-set on ``version``.

The database enforces the unique keys of an account (login, phone, WeChat openid, actor);
when one is taken, a second statement finds which, so the error can say.
"""

from __future__ import annotations

from typing import Any, Final

import attrs
from pendulum import DateTime
from sqlalchemy import ColumnElement, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

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
from booking_core.timerange import ensure_aware
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import (
    PerDialect,
    Repository,
    insert_or_nothing,
    new_values,
    rowcount,
    update_columns,
)
from booking_core_sqlalchemy.tables import accounts, login_sessions, one_time_codes

__all__ = ["SqlAlchemyAccountRepository"]

_a, _s, _c = accounts.c, login_sessions.c, one_time_codes.c

# Without a conflict target: a taken id or any taken unique key inserts nothing.
_INSERT: Final = insert_or_nothing(accounts)
_ACCOUNT: Final = select(accounts).where(_a.id == bindparam("account_id"))
_FIND: Final = {
    "login": select(accounts).where(_a.login == bindparam("key")),
    "phone": select(accounts).where(_a.phone == bindparam("key")),
    "wechat_openid": select(accounts).where(_a.wechat_openid == bindparam("key")),
    "actor": select(accounts).where(_a.role == bindparam("role"), _a.actor_id == bindparam("key")),
}
# The accounts (other than ``own``) holding one of an account's keys; NULL matches nothing.
_TAKEN: Final = select(accounts).where(
    or_(
        _a.id == bindparam("key_id"),
        _a.login == bindparam("key_login"),
        _a.phone == bindparam("key_phone"),
        _a.wechat_openid == bindparam("key_wechat_openid"),
        (_a.role == bindparam("key_role")) & (_a.actor_id == bindparam("key_actor_id")),
    ),
    _a.id != bindparam("own"),
)


def _cas(table: Any, where: ColumnElement[bool], keep: tuple[str, ...]) -> Any:
    # Every column but the key ones set from new_<column>; version from new_version too.
    return update_columns(table, where & (table.c.version == bindparam("cas_version")), keep=keep)


_SAVE: Final = _cas(accounts, _a.id == bindparam("cas_id"), ("id",))

_INSERT_SESSION: Final = insert_or_nothing(login_sessions)
_SESSION: Final = select(login_sessions).where(_s.id == bindparam("session_id"))
_SAVE_SESSION: Final = _cas(login_sessions, _s.id == bindparam("cas_id"), ("id",))
# Only the live ones: a revoked session keeps its first reason, an expired one is left be.
_REVOKE: Final = (
    update(login_sessions)
    .where(
        _s.account_id == bindparam("of_account"),
        _s.revoked_at.is_(None),
        _s.expires_at > bindparam("revoke_at", type_=_s.expires_at.type),
    )
    .values(
        revoked_at=bindparam("revoke_at", type_=_s.revoked_at.type),
        revoked_reason=bindparam("revoke_reason"),
        version=_s.version + 1,
    )
)

_CODE_KEY: Final = (_c.phone == bindparam("cas_phone")) & (_c.purpose == bindparam("cas_purpose"))
_CODE: Final = select(one_time_codes).where(_CODE_KEY)
_SAVE_CODE: Final = _cas(one_time_codes, _CODE_KEY, ("phone", "purpose"))
_DELETE_CODE: Final = delete(one_time_codes).where(_CODE_KEY)


def _put_code(dialect: Any) -> Any:
    # One statement, so two senders at once cannot both insert: the second replaces the
    # first, and the version goes on counting (a save of the replaced code then fails).
    insert = dialect.insert(one_time_codes)
    return insert.on_conflict_do_update(
        index_elements=["phone", "purpose"],
        set_={
            "code_hash": insert.excluded.code_hash,
            "sent_at": insert.excluded.sent_at,
            "expires_at": insert.excluded.expires_at,
            "attempts": insert.excluded.attempts,
            "version": one_time_codes.c.version + 1,
        },
    ).returning(one_time_codes.c.version)


_PUT_CODE: Final = PerDialect(sqlite=_put_code(sqlite), postgres=_put_code(postgresql))


def _taken_field(account: Account, other: Any) -> str:
    """Which key of ``account`` the stored account ``other`` holds too."""
    if other.id == account.id:
        return "id"
    for field in ("login", "phone", "wechat_openid"):
        mine = getattr(account, field)
        if mine is not None and getattr(other, field) == mine:
            return field
    return "actor"


class SqlAlchemyAccountRepository(Repository):
    """Accounts, sessions and codes (one column per field)."""

    entity = "account"

    # -- accounts --------------------------------------------------------------------------

    def _taken(self, account: Account, *, own: str) -> DuplicateEntity | None:
        """The error for the first key of ``account`` another account holds, if any."""
        params = {
            "key_id": account.id if not own else None,
            "key_login": account.login,
            "key_phone": account.phone,
            "key_wechat_openid": account.wechat_openid,
            "key_role": account.role.value,
            "key_actor_id": account.actor_id,
            "own": own,
        }
        others = self._conn.execute(_TAKEN, params).all()
        if not others:
            return None
        fields = {_taken_field(account, other) for other in others}
        order = ("id", "login", "phone", "wechat_openid", "actor")
        return account_exists(account.id, next(f for f in order if f in fields))

    def add(self, account: Account) -> Account:
        """Store a new account; it at version 1. Raises DuplicateEntity (``account_exists``,
        ``details["field"]`` says which key is taken)."""
        stored = attrs.evolve(account, version=1)
        values = mapping.login_account_to_row(stored)
        if rowcount(self._conn.execute(_INSERT.on(self._postgres), values)):
            return stored
        raise self._taken(account, own="") or account_exists(account.id, "id")

    def get(self, account_id: AccountId) -> Account:
        """The account. Raises NotFound (``account_not_found``)."""
        return mapping.login_account_to_domain(
            self._one(_ACCOUNT, {"account_id": account_id}, account_id)
        )

    def find(
        self,
        *,
        login: str | None = None,
        phone: str | None = None,
        wechat_openid: str | None = None,
        actor: tuple[Role, str] | None = None,
    ) -> Account | None:
        """The account with the one key given (a login compared casefolded), or None."""
        keys: list[tuple[str, str]] = [
            (field, value)
            for field, value in (
                ("login", None if login is None else login.casefold()),
                ("phone", phone),
                ("wechat_openid", wechat_openid),
                ("actor", None if actor is None else actor[1]),
            )
            if value is not None
        ]
        if len(keys) != 1:
            raise ValueError(
                "Find an account by exactly one of login, phone, wechat_openid, actor."
            )
        [(field, key)] = keys
        params = {"key": key, "role": None if actor is None else Role(actor[0]).value}
        row = self._conn.execute(_FIND[field], params).first()
        return None if row is None else mapping.login_account_to_domain(row)

    def save(self, account: Account) -> Account:
        """Compare-and-set on ``version``; it at the next version.

        Raises:
            NotFound: no such account.
            ConcurrentUpdate: someone saved it since it was read.
            DuplicateEntity: another account holds one of its keys.
        """
        stored = attrs.evolve(account, version=account.version + 1)
        values = mapping.login_account_to_row(stored)
        del values["id"]
        params = new_values(values, cas_id=account.id, cas_version=account.version)
        conn = self._conn
        try:
            # A taken key fails the statement: the savepoint keeps the transaction usable.
            with conn.begin_nested():
                changed = rowcount(conn.execute(_SAVE, params))
        except IntegrityError as exc:
            taken = self._taken(account, own=account.id)
            if taken is None:
                raise
            raise taken from exc
        if not changed:
            self.get(account.id)
            raise ConcurrentUpdate(
                f"Account {account.id} was changed by someone else; reload it and try again.",
                details={"account_id": account.id},
            )
        return stored

    # -- sessions --------------------------------------------------------------------------

    def add_session(self, session: LoginSession) -> LoginSession:
        """Store a new session; it at version 1. Raises DuplicateEntity (``session_exists``)."""
        stored = attrs.evolve(session, version=1)
        values = mapping.login_session_to_row(stored)
        if not rowcount(self._conn.execute(_INSERT_SESSION.on(self._postgres), values)):
            raise DuplicateEntity("session", session.id)
        return stored

    def session(self, session_id: SessionId) -> LoginSession:
        """The session. Raises NotFound (``session_not_found``)."""
        row = self._conn.execute(_SESSION, {"session_id": session_id}).first()
        if row is None:
            raise NotFound("session", session_id)
        return mapping.login_session_to_domain(row)

    def save_session(self, session: LoginSession) -> LoginSession:
        """Compare-and-set on ``version``; it at the next version.

        Raises:
            NotFound: no such session.
            ConcurrentUpdate: someone saved it since it was read (a rotation lost).
        """
        stored = attrs.evolve(session, version=session.version + 1)
        values = mapping.login_session_to_row(stored)
        del values["id"]
        params = new_values(values, cas_id=session.id, cas_version=session.version)
        if not rowcount(self._conn.execute(_SAVE_SESSION, params)):
            self.session(session.id)
            raise ConcurrentUpdate(
                f"Session {session.id} was changed by someone else; reload it and try again.",
                details={"session_id": session.id},
            )
        return stored

    def revoke_sessions(self, account_id: AccountId, *, at: DateTime, reason: str) -> int:
        """Revoke the account's sessions live at ``at``; how many."""
        at = ensure_aware(at, "revocation time")
        why = check_revoke_reason(reason).value
        params = {"of_account": account_id, "revoke_at": at, "revoke_reason": why}
        return rowcount(self._conn.execute(_REVOKE, params))

    # -- one-time codes --------------------------------------------------------------------

    def put_code(self, code: OneTimeCode) -> OneTimeCode:
        """Insert or replace the code of its (phone, purpose); it at the next version."""
        values = mapping.one_time_code_to_row(attrs.evolve(code, version=1))
        version = self._conn.execute(_PUT_CODE.on(self._postgres), values).scalar_one()
        return attrs.evolve(code, version=version)

    def code(self, phone: str, purpose: str) -> OneTimeCode | None:
        """The code of (phone, purpose), or None."""
        row = self._conn.execute(_CODE, {"cas_phone": phone, "cas_purpose": purpose}).first()
        return None if row is None else mapping.one_time_code_to_domain(row)

    def save_code(self, code: OneTimeCode) -> OneTimeCode:
        """Compare-and-set on ``version``; it at the next version.

        Raises:
            NotFound: no code for (phone, purpose) (``one_time_code_not_found``).
            ConcurrentUpdate: someone changed or replaced it since it was read.
        """
        stored = attrs.evolve(code, version=code.version + 1)
        values = mapping.one_time_code_to_row(stored)
        del values["phone"], values["purpose"]
        params = new_values(
            values, cas_phone=code.phone, cas_purpose=code.purpose, cas_version=code.version
        )
        if not rowcount(self._conn.execute(_SAVE_CODE, params)):
            if self.code(code.phone, code.purpose) is None:
                raise NotFound("one_time_code", code.purpose)
            raise ConcurrentUpdate(
                f"The {code.purpose} code was changed by someone else; reload it and try again.",
                details={"purpose": code.purpose},
            )
        return stored

    def delete_code(self, phone: str, purpose: str) -> None:
        """Remove the code of (phone, purpose), if any."""
        self._conn.execute(_DELETE_CODE, {"cas_phone": phone, "cas_purpose": purpose})
