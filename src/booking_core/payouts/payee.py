"""Whom a withdrawal pays: a technician or a store, each with a payable account of its own."""

from __future__ import annotations

from enum import StrEnum

import attrs

from booking_core.errors import InvalidInput
from booking_core.ids import StoreId, TechnicianId
from booking_core.ledger import Account

__all__ = ["Payee", "PayeeKind"]


class PayeeKind(StrEnum):
    """Who earns from completed orders and may withdraw."""

    TECHNICIAN = "technician"
    STORE = "store"


@attrs.frozen
class Payee:
    """A technician or a store, as the books know it.

    Attributes:
        kind: Technician or store.
        id: The technician's or the store's id.
    """

    kind: PayeeKind
    id: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, PayeeKind):
            raise InvalidInput(f"Unknown payee kind {self.kind!r}.")
        if not isinstance(self.id, str) or not self.id.strip():
            raise InvalidInput("A payee has an id.")

    @classmethod
    def technician(cls, technician_id: TechnicianId | str) -> Payee:
        """The technician ``technician_id``."""
        return cls(PayeeKind.TECHNICIAN, technician_id)

    @classmethod
    def store(cls, store_id: StoreId | str) -> Payee:
        """The store ``store_id``."""
        return cls(PayeeKind.STORE, store_id)

    @property
    def key(self) -> str:
        """``<kind>:<id>``: one string naming the payee (its in-flight account's owner, its
        lock, its rows)."""
        return f"{self.kind.value}:{self.id}"

    @property
    def payable(self) -> Account:
        """What the platform owes the payee: credited by completed orders, debited by
        withdrawals."""
        if self.kind is PayeeKind.TECHNICIAN:
            return Account.technician_payable(TechnicianId(self.id))
        return Account.store_payable(StoreId(self.id))

    @property
    def commissions(self) -> Account:
        """His settled referral commissions (``commission_payable:<key>``): withdrawable
        like the payable. Only technicians earn commissions (a referral member is a
        customer or a technician, named like a payee: ``technician:<id>``); a store's stays
        empty."""
        return Account.commission_payable(self.key)

    @property
    def frozen_commissions(self) -> Account:
        """His referral commissions not yet settled (``commission_frozen:<key>``)."""
        return Account.commission_frozen(self.key)

    @property
    def earnings_accounts(self) -> frozenset[Account]:
        """Where his earnings are: :attr:`payable` and :attr:`commissions`."""
        return frozenset({self.payable, self.commissions})

    @property
    def in_flight(self) -> Account:
        """The payee's withdrawals requested and neither paid out nor returned."""
        return Account.withdrawals_in_flight(self.key)

    def __str__(self) -> str:
        return self.key
