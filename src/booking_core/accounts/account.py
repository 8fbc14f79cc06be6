"""An account: one way a person signs in, and the actor it signs in as."""

from __future__ import annotations

import re
from typing import Any, NewType

import attrs
from pendulum import DateTime

from booking_core.accounts._checks import non_negative, optional_text, text
from booking_core.customers.phone import check_phone
from booking_core.errors import DuplicateEntity, InvalidInput
from booking_core.orders.actor import Actor, Role
from booking_core.staff.roles import StaffRole
from booking_core.timerange import ensure_aware

__all__ = ["Account", "AccountId", "account_exists"]

AccountId = NewType("AccountId", str)

# After casefolding: what a user name may hold (also fits an e-mail address).
_LOGIN = re.compile(r"[a-z0-9_.@-]{3,64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _casefold(value: object) -> object:
    # Stored and compared casefolded: "Alice" and "alice" are one login.
    return value.casefold() if isinstance(value, str) else value


def _login(_: object, attribute: Any, value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _LOGIN.fullmatch(value)):
        raise InvalidInput(
            "A login is 3 to 64 characters: letters, digits and _ . @ - "
            f"(compared without case); got {value!r}.",
            details={"field": "login"},
        )


def _phone(_: object, attribute: Any, value: str | None) -> None:
    if value is not None:
        check_phone(value)


def _email(_: object, attribute: Any, value: str | None) -> None:
    # Only the shape: whether it reaches someone is the mail server's to say.
    if value is not None and (
        not isinstance(value, str) or len(value) > 254 or not _EMAIL.fullmatch(value)
    ):
        raise InvalidInput(
            f"An e-mail address looks like name@example.com; got {value!r}.",
            details={"field": "email"},
        )


def _role(_: object, attribute: Any, value: Role) -> None:
    if not isinstance(value, Role) or value is Role.SYSTEM:
        # System actors are jobs and callbacks: nobody signs in as one.
        raise InvalidInput(
            f"An account is a customer's, a technician's, a store's or the platform's; "
            f"got {value!r}.",
            details={"field": "role"},
        )


def _staff(account: Account, attribute: Any, value: StaffRole | None) -> None:
    if value is not None and account.role is not Role.PLATFORM:
        raise InvalidInput(
            f"Only a platform account has a staff role; this one is a {account.role}'s.",
            details={"field": "staff"},
        )


def _created_at(value: object) -> DateTime:
    return ensure_aware(value, "account's creation time")


def _disabled(_: object, attribute: Any, value: bool) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(
            f"disabled is true or false; got {value!r}.", details={"field": "disabled"}
        )


@attrs.frozen
class Account:
    """One person's way in, signing in as one actor.

    Each sign-in key (``login``, ``phone``, ``wechat_openid``) is unique over all accounts,
    and so is the actor (``role``, ``actor_id``); storage refuses a second one with
    :func:`account_exists`. An account with no key at all cannot sign in (yet).

    Attributes:
        id: Its id (``acc_…``).
        role: The actor's role: customer, technician, store or platform (never system).
        actor_id: The customer's, technician's or store's id, or the staff member's.
        staff: A platform account's sub-role (None: super admin, as for :class:`Actor`).
        login: A user name, stored casefolded: 3–64 of ``a-z 0-9 _ . @ -``.
        phone: E.164 (``+8613812345678``), for one-time codes.
        email: Where e-mail notifications go (not a sign-in key; None: no e-mail).
        password_hash: What the edge's password hasher made (never the password itself).
        wechat_openid: The WeChat mini-program user, for ``code2session`` sign-in.
        disabled: A disabled account signs in no more (its sessions are revoked with it).
        created_at: When it was made.
        version: Compare-and-set counter of storage (0 until first stored).
    """

    id: AccountId = attrs.field(validator=text(64))
    role: Role = attrs.field(validator=_role)
    actor_id: str = attrs.field(validator=text(64))
    staff: StaffRole | None = attrs.field(default=None, validator=_staff)
    login: str | None = attrs.field(default=None, converter=_casefold, validator=_login)
    phone: str | None = attrs.field(default=None, validator=_phone)
    password_hash: str | None = attrs.field(default=None, validator=optional_text(1024))
    wechat_openid: str | None = attrs.field(default=None, validator=optional_text(128))
    email: str | None = attrs.field(default=None, kw_only=True, validator=_email)
    disabled: bool = attrs.field(default=False, validator=_disabled)
    created_at: DateTime = attrs.field(kw_only=True, converter=_created_at)
    version: int = attrs.field(default=0, validator=non_negative)

    def actor(self) -> Actor:
        """Who this account acts as."""
        return Actor(self.actor_id, self.role, staff=self.staff)


def account_exists(account_id: str, field: str) -> DuplicateEntity:
    """The error storage raises when ``field`` of account ``account_id`` is taken
    (``account_exists``; ``details["field"]`` says which: ``id``, ``login``, ``phone``,
    ``wechat_openid`` or ``actor``)."""
    error = DuplicateEntity("account", account_id)
    if field != "id":
        # The taken value stays out of the message: messages end up in logs.
        what = {"actor": "the same actor"}.get(field, f"this {field.replace('_', ' ')}")
        error.message = f"Another account already has {what}; choose another."
        error.args = (error.message,)
    error.details["field"] = field
    return error
