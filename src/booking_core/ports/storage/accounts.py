"""Storage of accounts, their login sessions and the one-time codes sent to phones."""

from __future__ import annotations

from typing import Protocol

from pendulum import DateTime

from booking_core.accounts import Account, AccountId, LoginSession, OneTimeCode, SessionId
from booking_core.orders.actor import Role

__all__ = ["AccountRepository", "AccountStore"]


class AccountRepository(Protocol):
    """Accounts, sessions and codes: what the edge's sign-in reads and writes.

    Every ``save*`` is compare-and-set on ``version``: of two writers that read the same
    version one wins, the other gets :class:`~booking_core.errors.ConcurrentUpdate` (a
    refresh token rotates once; a code's wrong guesses are all counted).
    """

    def add(self, account: Account) -> Account:
        """Store a new account (version 0); return it at version 1.

        Raises:
            DuplicateEntity: ``account_exists`` when its id, login, phone, WeChat openid or
                actor (role and actor id) is taken; ``details["field"]`` names which
                (``id``, ``login``, ``phone``, ``wechat_openid``, ``actor``).
        """
        ...

    def get(self, account_id: AccountId) -> Account:
        """The account. Raises NotFound (``account_not_found``)."""
        ...

    def find(
        self,
        *,
        login: str | None = None,
        phone: str | None = None,
        wechat_openid: str | None = None,
        actor: tuple[Role, str] | None = None,
    ) -> Account | None:
        """The account with this key (exactly one given; a login is compared casefolded),
        None when there is none. Raises ValueError unless exactly one key is given."""
        ...

    def save(self, account: Account) -> Account:
        """Store ``account`` if the stored version still equals ``account.version``; return
        it at the next version.

        Raises:
            NotFound: no such account.
            ConcurrentUpdate: someone saved it since it was read.
            DuplicateEntity: as :meth:`add`, for a key another account holds.
        """
        ...

    def add_session(self, session: LoginSession) -> LoginSession:
        """Store a new session (version 0); return it at version 1.
        Raises DuplicateEntity (``session_exists``)."""
        ...

    def session(self, session_id: SessionId) -> LoginSession:
        """The session. Raises NotFound (``session_not_found``)."""
        ...

    def save_session(self, session: LoginSession) -> LoginSession:
        """Compare-and-set on ``version``; the session at the next version.

        Raises:
            NotFound: no such session.
            ConcurrentUpdate: someone saved it since it was read (a rotation lost).
        """
        ...

    def revoke_sessions(self, account_id: AccountId, *, at: DateTime, reason: str) -> int:
        """Revoke every session of the account still live at ``at`` (not revoked, not
        expired), each at its next version; how many. Other sessions stay as they are."""
        ...

    def put_code(self, code: OneTimeCode) -> OneTimeCode:
        """Store ``code`` as the code of its (phone, purpose), replacing any; return it with
        the version after the replaced one's (1 when there was none)."""
        ...

    def code(self, phone: str, purpose: str) -> OneTimeCode | None:
        """The code of (phone, purpose), expired or not; None when there is none."""
        ...

    def save_code(self, code: OneTimeCode) -> OneTimeCode:
        """Compare-and-set on ``version``; the code at the next version.

        Raises:
            NotFound: no code for (phone, purpose) (``one_time_code_not_found``).
            ConcurrentUpdate: someone changed or replaced it since it was read.
        """
        ...

    def delete_code(self, phone: str, purpose: str) -> None:
        """Remove the code of (phone, purpose), if any."""
        ...


class AccountStore(Protocol):
    """The accounts part of a unit of work."""

    @property
    def accounts(self) -> AccountRepository: ...
