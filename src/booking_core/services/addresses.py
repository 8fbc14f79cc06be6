"""The default address book: a person's account says where he is reached."""

from __future__ import annotations

from booking_core.notifications import Recipient
from booking_core.orders.actor import Role
from booking_core.ports.storage import UnitOfWorkFactory

__all__ = ["AccountAddressBook"]

_FIELDS = {"sms": "phone", "email": "email", "wechat": "wechat_openid"}
_ROLES = {role.value: role for role in (Role.CUSTOMER, Role.TECHNICIAN, Role.STORE)}


class AccountAddressBook:
    """:class:`~booking_core.ports.notifier.AddressBook` over accounts: ``sms`` → phone,
    ``email`` → e-mail, ``wechat`` → the WeChat openid. Platform groups and other channels
    (webhooks) have no address here: wire an address book of your own for those."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def address(self, recipient: Recipient, channel: str) -> str | None:
        """The recipient's account's address for ``channel``, None if he has none."""
        role, field = _ROLES.get(recipient.role), _FIELDS.get(channel)
        if role is None or field is None:
            return None
        with self._uow() as uow:
            account = uow.accounts.find(actor=(role, recipient.id))
        if account is None or account.disabled:
            return None
        value: str | None = getattr(account, field)
        return value
