"""Signing in and managing accounts: the reference server's account service.

Every way in ends in a **session** (one signed-in device) and a pair of tokens: a
short-lived access token and a rotating refresh token (:mod:`booking_server.auth.tokens`).

* Customers sign up themselves: with a login and a password (:meth:`AccountService.sign_up`),
  with a phone and a one-time code (:meth:`AccountService.code_login` on a new number), or
  through WeChat (:meth:`AccountService.wechat_login` with a new openid).
* The platform creates staff accounts (needs ``Permission.STAFF``: a super admin),
  technicians' and stores' accounts (``TECHNICIANS`` / ``STORES``) and disables accounts.

A customer's sign-up writes two records in two units of work: the account, then the
customer (through ``CustomerService.register``). The customer id is derived from the
account id, and every sign-in of a customer account registers the customer if he is
missing, so a retry after a crash between the two converges instead of leaving an orphan.
"""

from __future__ import annotations

import math
from typing import Final

import attrs
from pendulum import Duration, duration

from booking_core.accounts import Account, AccountId, LoginSession, OneTimeCode, SessionId
from booking_core.api import require_permission
from booking_core.customers import CustomerDetails
from booking_core.errors import (
    ConcurrentUpdate,
    DuplicateEntity,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from booking_core.ids import CustomerId, StoreId, TechnicianId
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.notifier import Message, Notifier
from booking_core.ports.storage import UnitOfWorkFactory
from booking_core.services.customers import CustomerService
from booking_core.services.stores import StoreService
from booking_core.services.technicians import TechnicianService
from booking_core.staff import Permission, StaffRole
from booking_server.auth.codes import code_hash, new_code
from booking_server.auth.config import AuthConfig
from booking_server.auth.errors import (
    AccountDisabled,
    CodeResendTooSoon,
    InvalidCode,
    InvalidCredentials,
    InvalidRefreshToken,
)
from booking_server.auth.passwords import Passwords
from booking_server.auth.phones import normalize_phone
from booking_server.auth.tokens import (
    TokenSigner,
    new_refresh_token,
    refresh_hash,
    same_hash,
    split_refresh_token,
)
from booking_server.auth.wechat import WeChatLogin
from booking_server.problems import Unauthenticated

__all__ = ["LOGIN_CODE", "AccountService", "CodeSent", "Directory", "IssuedTokens", "SignedIn"]

#: The purpose of sign-in codes (one live code per phone and purpose).
LOGIN_CODE: Final = "login"
_WRONG: Final = "The login or the password is wrong."


@attrs.frozen
class IssuedTokens:
    """What a sign-in or a refresh answers: the OAuth2 token response."""

    access_token: str
    expires_in: int
    refresh_token: str
    account: Account
    session_id: SessionId
    token_type: str = "bearer"


@attrs.frozen
class SignedIn:
    """The account and session behind a verified access token."""

    account: Account
    session: LoginSession

    @property
    def actor(self) -> Actor:
        """Who the request acts as."""
        return self.account.actor()


@attrs.frozen
class CodeSent:
    """A code is on its way: good for ``expires_in`` s; the next one in ``resend_in`` s."""

    expires_in: int
    resend_in: int


@attrs.frozen
class Directory:
    """The core services sign-up and account creation use: customers are registered
    through ``customers``; technicians and stores must exist before they get an account."""

    customers: CustomerService
    technicians: TechnicianService
    stores: StoreService


def _customer_id(account_id: AccountId) -> CustomerId:
    # Derived, not drawn: a retried sign-up finds the same customer id (see module doc).
    return CustomerId(f"cus_{account_id.removeprefix('acc_')}")


def _technician_id(account_id: AccountId) -> TechnicianId:
    # Fixed with the account: the applicant's id before he is on the platform.
    return TechnicianId(f"tec_{account_id.removeprefix('acc_')}")


class AccountService:
    """Signs people in and out, and keeps their accounts (constructor-injected)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdSource,
        *,
        passwords: Passwords,
        tokens: TokenSigner,
        notifier: Notifier,
        wechat: WeChatLogin,
        config: AuthConfig,
        directory: Directory,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._passwords = passwords
        self._tokens = tokens
        self._notifier = notifier
        self._wechat = wechat
        self._config = config
        self._directory = directory

    # --- verifying a request -------------------------------------------------------------

    def authenticate(self, access_token: str) -> SignedIn:
        """The account and session of a valid access token whose session is live.

        Raises:
            Unauthenticated: a forged, expired or foreign token; a session that ended; a
                disabled account.
        """
        claims = self._tokens.verify(access_token)
        now = self._clock.now()
        with self._uow() as uow:
            try:
                session = uow.accounts.session(claims.session_id)
                account = uow.accounts.get(session.account_id)
            except NotFound as exc:
                raise Unauthenticated("This session does not exist; sign in again.") from exc
        if session.account_id != claims.account_id or not session.live(now):
            raise Unauthenticated("This session has ended; sign in again.")
        if account.disabled:
            raise Unauthenticated("This account is disabled.")
        return SignedIn(account, session)

    # --- signing in ---------------------------------------------------------------------

    def password_login(self, username: str, password: str) -> IssuedTokens:
        """Sign in with a login (or a phone number) and a password.

        Raises:
            InvalidCredentials: no such account, no password set, or the wrong password
                (which one is not said).
            AccountDisabled: the credentials are right but the account is disabled.
        """
        account = self._find_by_username(username)
        if account is None or account.password_hash is None:
            self._passwords.verify_nothing(password)
            raise InvalidCredentials(_WRONG)
        if not self._passwords.verify(password, account.password_hash):
            raise InvalidCredentials(_WRONG)
        return self._sign_in(account)

    def sign_up(self, login: str, password: str, nickname: str | None = None) -> IssuedTokens:
        """Create a customer with a login and a password, and sign him in.

        A retry of a sign-up that failed halfway (same login and password) completes it.

        Raises:
            WeakPassword: the password breaks the rule.
            InvalidInput: the login or nickname breaks its rule.
            DuplicateEntity: (``account_exists``) the login is taken.
        """
        details = CustomerDetails(nickname=nickname or login[:40])
        return self._sign_in(self.register_customer(login, password, details), details)

    def sign_up_technician(self, login: str, password: str) -> IssuedTokens:
        """Create the account of a technician who is not on the platform yet, and sign him
        in: his technician id is fixed now (derived from the account's), and he applies with
        it (``POST /technician-applications``); he is bookable once the platform approves.

        Raises:
            WeakPassword: the password breaks the rule.
            InvalidInput: the login breaks its rule.
            DuplicateEntity: (``account_exists``) the login is taken.
        """
        account_id = AccountId(self._ids.new_id("acc"))
        account = Account(
            account_id,
            Role.TECHNICIAN,
            _technician_id(account_id),
            login=login,
            password_hash=self._passwords.hash(password),
            created_at=self._clock.now(),
        )
        with self._uow() as uow:
            stored = uow.accounts.add(account)
            uow.commit()
        return self._sign_in(stored)

    def register_customer(self, login: str, password: str, details: CustomerDetails) -> Account:
        """Create a customer's account and the customer; no session (see :meth:`sign_up`).

        A retry of one that failed halfway (same login and password) completes it.
        """
        account_id = AccountId(self._ids.new_id("acc"))
        account = Account(
            account_id,
            Role.CUSTOMER,
            _customer_id(account_id),
            login=login,
            password_hash=self._passwords.hash(password),
            created_at=self._clock.now(),
        )
        try:
            with self._uow() as uow:
                stored = uow.accounts.add(account)
                uow.commit()
        except DuplicateEntity as exc:
            existing = self._find_by_username(login)
            same_person = (
                existing is not None
                and existing.role is Role.CUSTOMER
                and existing.password_hash is not None
                and self._passwords.verify(password, existing.password_hash)
            )
            if existing is None or not same_person:
                raise exc from None
            stored = existing  # a retry: finish what the first attempt began
        self._ensure_customer(stored, details)
        return stored

    def send_code(self, phone: str) -> CodeSent:
        """Send a sign-in code to ``phone`` (SMS through the notifier).

        Raises:
            InvalidPhone: not a valid number.
            CodeResendTooSoon: the last code went out less than the resend interval ago.
        """
        number = normalize_phone(phone, self._config.phone_region)
        now = self._clock.now()
        code = new_code(self._config.code_digits)
        with self._uow() as uow:
            last = uow.accounts.code(number, LOGIN_CODE)
            if last is not None:
                wait = last.sent_at.add(seconds=self._config.code_resend_seconds) - now
                seconds = math.ceil(wait.total_seconds())
                if seconds > 0:
                    raise CodeResendTooSoon(
                        f"A code was sent less than {self._config.code_resend_seconds} s ago; "
                        f"wait {seconds} s before asking for another.",
                        retry_after_seconds=seconds,
                    )
            uow.accounts.put_code(
                OneTimeCode(
                    number,
                    LOGIN_CODE,
                    code_hash(self._config.token_secret, number, LOGIN_CODE, code),
                    now,
                    now + self._config.code_lifetime,
                )
            )
            uow.commit()
        # Sent after the commit: a code that was never stored is never sent.
        self._notifier.send(
            Message(
                template="login_code",
                recipient=number,
                channel="sms",
                params={"code": code},
                dedupe_key=f"login_code:{number}:{now.isoformat()}",
            )
        )
        return CodeSent(
            expires_in=int(self._config.code_lifetime.total_seconds()),
            resend_in=self._config.code_resend_seconds,
        )

    def code_login(self, phone: str, code: str) -> IssuedTokens:
        """Sign in with the code sent to ``phone``; a new number signs up a customer.

        A code works once; after too many wrong guesses it is void.

        Raises:
            InvalidPhone: not a valid number.
            InvalidCode: no live code for the number, or the wrong one.
            AccountDisabled: the number's account is disabled.
        """
        number = normalize_phone(phone, self._config.phone_region)
        now = self._clock.now()
        presented = code_hash(self._config.token_secret, number, LOGIN_CODE, code.strip())
        with self._uow() as uow:
            stored = uow.accounts.code(number, LOGIN_CODE)
            if stored is None or not stored.live(now):
                raise InvalidCode("No code for this number is waiting; ask for a new one.")
            if not same_hash(stored.code_hash, presented):
                left = self._config.code_max_attempts - stored.attempts - 1
                if left <= 0:
                    uow.accounts.delete_code(number, LOGIN_CODE)
                else:
                    uow.accounts.save_code(stored.with_attempt())
                uow.commit()
                raise InvalidCode(
                    f"That code is wrong; {left} more tries."
                    if left > 0
                    else "That code is wrong and now void; ask for a new one.",
                    details={"attempts_left": max(left, 0)},
                )
            uow.accounts.delete_code(number, LOGIN_CODE)  # a code works once
            account = uow.accounts.find(phone=number)
            uow.commit()
        if account is None:
            account = self._new_customer_account(phone=number)
        nickname = f"用户{number[-4:]}"
        return self._sign_in(account, CustomerDetails(nickname=nickname, phone=number))

    def wechat_login(self, js_code: str) -> IssuedTokens:
        """Sign in with a WeChat mini-program login code; a new openid signs up a customer.

        Raises:
            WeChatLoginFailed: WeChat refused the code.
            AccountDisabled: the openid's account is disabled.
        """
        identity = self._wechat.code2session(js_code)
        with self._uow() as uow:
            account = uow.accounts.find(wechat_openid=identity.openid)
        if account is None:
            account = self._new_customer_account(wechat_openid=identity.openid)
        return self._sign_in(account, CustomerDetails(nickname="微信用户"))

    def refresh(self, refresh_token: str) -> IssuedTokens:
        """New tokens for a refresh token; the refresh token is spent (rotation).

        A refresh token that was already spent coming back means it was copied: the whole
        session is revoked (``reuse``), for the thief and the owner alike.

        Raises:
            InvalidRefreshToken: malformed, unknown, expired, revoked or spent.
        """
        parts = split_refresh_token(refresh_token)
        if parts is None:
            raise InvalidRefreshToken("That is not a refresh token; sign in again.")
        session_id, secret = parts
        try:
            return self._rotate(session_id, secret)
        except ConcurrentUpdate:
            # Another refresh with the same token won the race: this one now presents a
            # spent token, and the second attempt treats it as such.
            return self._rotate(session_id, secret)

    def _rotate(self, session_id: SessionId, secret: str) -> IssuedTokens:
        now = self._clock.now()
        with self._uow() as uow:
            try:
                session = uow.accounts.session(session_id)
            except NotFound as exc:
                raise InvalidRefreshToken("This session does not exist; sign in again.") from exc
            if not session.live(now):
                raise InvalidRefreshToken("This session has ended; sign in again.")
            if not same_hash(session.refresh_hash, refresh_hash(secret)):
                uow.accounts.save_session(session.revoked(now, "reuse"))
                uow.commit()
                raise InvalidRefreshToken(
                    "This refresh token was already used, so the session is ended for safety; "
                    "sign in again."
                )
            account = uow.accounts.get(session.account_id)
            if account.disabled:
                raise InvalidRefreshToken("This account is disabled.")
            token, new_hash = new_refresh_token(session.id)
            rotated = uow.accounts.save_session(session.rotated(new_hash))
            uow.commit()
        access = self._tokens.issue(account, rotated)
        return IssuedTokens(access.token, access.expires_in, token, account, rotated.id)

    # --- signing out and passwords --------------------------------------------------------

    def logout(self, signed_in: SignedIn) -> None:
        """End the caller's session (its tokens stop working at once)."""
        now = self._clock.now()
        with self._uow() as uow:
            session = uow.accounts.session(signed_in.session.id)
            if session.live(now):
                uow.accounts.save_session(session.revoked(now, "logout"))
            uow.commit()

    def logout_all(self, signed_in: SignedIn) -> int:
        """End every session of the caller's account; how many were live."""
        with self._uow() as uow:
            count = uow.accounts.revoke_sessions(
                signed_in.account.id, at=self._clock.now(), reason="logout_all"
            )
            uow.commit()
        return count

    def change_password(self, signed_in: SignedIn, current: str | None, new: str) -> IssuedTokens:
        """Set a new password; every session ends, and a new one starts for the caller.

        ``current`` may be omitted only while the account has no password (signed up by
        code or WeChat).

        Raises:
            InvalidCredentials: ``current`` is wrong or missing.
            WeakPassword: ``new`` breaks the password rule.
        """
        account = signed_in.account
        if account.password_hash is not None and (
            current is None or not self._passwords.verify(current, account.password_hash)
        ):
            raise InvalidCredentials("The current password is wrong.")
        new_hash = self._passwords.hash(new)
        with self._uow() as uow:
            stored = uow.accounts.get(account.id)
            saved = uow.accounts.save(attrs.evolve(stored, password_hash=new_hash))
            # Whoever knew the old password is signed out everywhere.
            uow.accounts.revoke_sessions(account.id, at=self._clock.now(), reason="logout_all")
            uow.commit()
        return self._start_session(saved)

    # --- the platform's account management ---------------------------------------------

    def create_account(
        self,
        actor: Actor,
        *,
        role: Role,
        login: str | None = None,
        password: str | None = None,
        phone: str | None = None,
        staff: StaffRole | None = None,
        actor_id: str | None = None,
    ) -> Account:
        """Create a staff member's, a technician's or a store's account.

        Staff accounts need ``Permission.STAFF`` (a super admin); technicians' and stores'
        accounts ``TECHNICIANS`` / ``STORES`` and the id of an existing technician or store.

        Raises:
            PermissionDenied: the actor may not create this kind of account.
            InvalidInput: the role, login, password or phone breaks its rule.
            NotFound: no such technician or store.
            DuplicateEntity: (``account_exists``) the login, phone or actor has an account.
        """
        if role in (Role.TECHNICIAN, Role.STORE) and not actor_id:
            raise InvalidInput(
                f"A {role.value}'s account names the {role.value} (actor_id).",
                details={"field": "actor_id"},
            )
        account_id = AccountId(self._ids.new_id("acc"))
        if role is Role.PLATFORM:
            require_permission(actor, Permission.STAFF, "creates staff accounts")
            actor_id = f"stf_{account_id.removeprefix('acc_')}"
            staff = staff or StaffRole.OPERATIONS
        elif role is Role.TECHNICIAN:
            require_permission(actor, Permission.TECHNICIANS, "creates technicians' accounts")
            self._directory.technicians.get(TechnicianId(actor_id or ""))
            staff = None
        elif role is Role.STORE:
            require_permission(actor, Permission.STORES, "creates stores' accounts")
            self._directory.stores.get(StoreId(actor_id or ""))
            staff = None
        else:
            raise PermissionDenied(
                "Customers sign up themselves (POST /auth/signup, a code or WeChat); the "
                "platform creates staff, technician and store accounts.",
                details={"role": role.value},
            )
        assert actor_id is not None
        account = Account(
            account_id,
            role,
            actor_id,
            staff=staff,
            login=login,
            phone=None if phone is None else normalize_phone(phone, self._config.phone_region),
            password_hash=None if password is None else self._passwords.hash(password),
            created_at=self._clock.now(),
        )
        with self._uow() as uow:
            stored = uow.accounts.add(account)
            uow.commit()
        return stored

    def disable(self, actor: Actor, account_id: AccountId) -> Account:
        """Disable an account and end its sessions (needs ``Permission.STAFF``).

        Raises:
            PermissionDenied: the actor is not a super admin.
            NotFound: (``account_not_found``) no such account.
        """
        require_permission(actor, Permission.STAFF, "disables accounts")
        with self._uow() as uow:
            account = uow.accounts.get(account_id)
            saved = account
            if not account.disabled:
                saved = uow.accounts.save(attrs.evolve(account, disabled=True))
            uow.accounts.revoke_sessions(account_id, at=self._clock.now(), reason="disabled")
            uow.commit()
        return saved

    # --- for tests, docs and the demo -----------------------------------------------------

    def session_for(self, actor: Actor, *, lifetime_days: int = 3650) -> IssuedTokens:
        """Tokens of a new session of ``actor``'s account, made without a password.

        The account is created (or its staff sub-role set to the actor's) when needed, and
        the tokens live ``lifetime_days`` of the app's clock, so a test that moves a frozen
        clock forward keeps acting. Only code holding the app object can call this; it is
        no door over HTTP (see :func:`booking_server.credentials.headers_for`).
        """
        with self._uow() as uow:
            account = uow.accounts.find(actor=(actor.role, actor.id))
            if account is None:
                account = uow.accounts.add(
                    Account(
                        AccountId(self._ids.new_id("acc")),
                        actor.role,
                        actor.id,
                        staff=actor.staff,
                        created_at=self._clock.now(),
                    )
                )
            elif account.staff is not actor.staff or account.disabled:
                account = uow.accounts.save(
                    attrs.evolve(account, staff=actor.staff, disabled=False)
                )
            uow.commit()
        return self._start_session(account, lifetime=duration(days=lifetime_days))

    def find_login(self, login: str) -> Account | None:
        """The account signing in with ``login`` (case ignored), if any."""
        return self._find_by_username(login)

    # --- inner steps -------------------------------------------------------------------

    def _find_by_username(self, username: str) -> Account | None:
        name = username.strip()
        with self._uow() as uow:
            if name.startswith("+"):
                return uow.accounts.find(phone=name)
            return uow.accounts.find(login=name.casefold())

    def _new_customer_account(
        self, *, phone: str | None = None, wechat_openid: str | None = None
    ) -> Account:
        account_id = AccountId(self._ids.new_id("acc"))
        account = Account(
            account_id,
            Role.CUSTOMER,
            _customer_id(account_id),
            phone=phone,
            wechat_openid=wechat_openid,
            created_at=self._clock.now(),
        )
        try:
            with self._uow() as uow:
                stored = uow.accounts.add(account)
                uow.commit()
        except DuplicateEntity:
            # Two first sign-ins of one number at once: the other made the account.
            with self._uow() as uow:
                found = (
                    uow.accounts.find(phone=phone)
                    if phone is not None
                    else uow.accounts.find(wechat_openid=wechat_openid)
                )
            if found is None:
                raise
            return found
        return stored

    def _sign_in(self, account: Account, details: CustomerDetails | None = None) -> IssuedTokens:
        if account.disabled:
            raise AccountDisabled("This account is disabled; ask the platform to enable it.")
        if account.role is Role.CUSTOMER:
            self._ensure_customer(account, details or CustomerDetails(nickname="用户"))
        return self._start_session(account)

    def _ensure_customer(self, account: Account, details: CustomerDetails) -> None:
        customers = self._directory.customers
        actor = account.actor()
        try:
            customers.get(CustomerId(actor.id), actor)
        except NotFound:
            try:
                customers.register(details, actor)
            except DuplicateEntity as exc:
                if exc.error_code != "customer_exists":
                    raise
                # Registered meanwhile by a concurrent sign-in: done.

    def _start_session(self, account: Account, *, lifetime: Duration | None = None) -> IssuedTokens:
        # ``lifetime`` (tests, docs, the demo) sets both the session's and the access
        # token's; a sign-in gets the configured ones.
        now = self._clock.now()
        session_id = SessionId(self._ids.new_id("ses"))
        token, token_hash = new_refresh_token(session_id)
        ends = now + (lifetime or self._config.session_lifetime)
        session = LoginSession(session_id, account.id, token_hash, 0, now, ends)
        with self._uow() as uow:
            stored = uow.accounts.add_session(session)
            uow.commit()
        access = self._tokens.issue(account, stored, lifetime=lifetime)
        return IssuedTokens(access.token, access.expires_in, token, account, stored.id)
