"""The chart of accounts: what money is held, owed, earned and spent."""

from __future__ import annotations

from enum import StrEnum

import attrs

from booking_core.errors import InvalidLedgerEntry
from booking_core.ids import StoreId, TechnicianId

__all__ = ["Account", "AccountKind"]


class AccountKind(StrEnum):
    """The kinds of account, in the order reports and tie-breaks list them."""

    PAYMENTS_CLEARING = "payments_clearing"
    """Asset: customer money captured through the gateway and not refunded."""
    CUSTOMER_FUNDS = "customer_funds"
    """Liability: money paid for orders not yet completed (owed back or to be settled)."""
    TECHNICIAN_PAYABLE = "technician_payable"
    """Liability, per technician: earnings owed to the technician."""
    STORE_PAYABLE = "store_payable"
    """Liability, per store: earnings owed to the store."""
    PLATFORM_REVENUE = "platform_revenue"
    """Revenue: the platform's share of completed orders."""
    PROMOTION_EXPENSE = "promotion_expense"
    """Expense: platform-funded discounts (coupons, campaigns, 满减, points as cash)."""
    WITHDRAWALS_IN_FLIGHT = "withdrawals_in_flight"
    """Liability, per payee: withdrawals requested and not yet paid out (or returned)."""
    WITHDRAWAL_FEES = "withdrawal_fees"
    """Revenue: fees the platform keeps on withdrawals."""
    COMMISSION_FROZEN = "commission_frozen"
    """Liability, per beneficiary: referral commissions of paid orders, not yet settled."""
    COMMISSION_PAYABLE = "commission_payable"
    """Liability, per beneficiary: settled referral commissions owed (withdrawable)."""
    COMMISSION_EXPENSE = "commission_expense"
    """Expense: what referral commissions cost the platform."""
    PREPAID_PACKAGES = "prepaid_packages"
    """Liability: money paid for package visits (套餐) not yet used."""

    @property
    def debit_normal(self) -> bool:
        """True for assets and expenses, whose balance grows with debits."""
        return self in (
            AccountKind.PAYMENTS_CLEARING,
            AccountKind.PROMOTION_EXPENSE,
            AccountKind.COMMISSION_EXPENSE,
        )

    @property
    def per_owner(self) -> bool:
        """True for the accounts kept one per technician, store or beneficiary."""
        return self in (
            AccountKind.TECHNICIAN_PAYABLE,
            AccountKind.STORE_PAYABLE,
            AccountKind.WITHDRAWALS_IN_FLIGHT,
            AccountKind.COMMISSION_FROZEN,
            AccountKind.COMMISSION_PAYABLE,
        )


_ORDER = {kind: position for position, kind in enumerate(AccountKind)}


@attrs.frozen
class Account:
    """One account: a kind, and for payables the technician or store it is owed to."""

    kind: AccountKind
    owner: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, AccountKind):
            raise InvalidLedgerEntry(f"Unknown account kind {self.kind!r}.")
        if self.kind.per_owner and not (isinstance(self.owner, str) and self.owner.strip()):
            raise InvalidLedgerEntry(f"A {self.kind.value} account names whom it is owed to.")
        if not self.kind.per_owner and self.owner:
            raise InvalidLedgerEntry(f"The {self.kind.value} account has no owner.")

    @classmethod
    def payments_clearing(cls) -> Account:
        """Captured customer money."""
        return cls(AccountKind.PAYMENTS_CLEARING)

    @classmethod
    def customer_funds(cls) -> Account:
        """Money held for orders not yet completed."""
        return cls(AccountKind.CUSTOMER_FUNDS)

    @classmethod
    def technician_payable(cls, technician_id: TechnicianId) -> Account:
        """What the platform owes ``technician_id``."""
        return cls(AccountKind.TECHNICIAN_PAYABLE, technician_id)

    @classmethod
    def store_payable(cls, store_id: StoreId) -> Account:
        """What the platform owes ``store_id``."""
        return cls(AccountKind.STORE_PAYABLE, store_id)

    @classmethod
    def platform_revenue(cls) -> Account:
        """The platform's earnings."""
        return cls(AccountKind.PLATFORM_REVENUE)

    @classmethod
    def prepaid_packages(cls) -> Account:
        """Money paid for package visits not yet used (owed as visits, or refunded)."""
        return cls(AccountKind.PREPAID_PACKAGES)

    @classmethod
    def promotion_expense(cls) -> Account:
        """What platform-funded discounts cost."""
        return cls(AccountKind.PROMOTION_EXPENSE)

    @classmethod
    def withdrawals_in_flight(cls, owner: str) -> Account:
        """What ``owner`` (a payee's key, such as ``technician:tec_1``) asked to withdraw and
        is not yet paid out or returned."""
        return cls(AccountKind.WITHDRAWALS_IN_FLIGHT, owner)

    @classmethod
    def withdrawal_fees(cls) -> Account:
        """The fees the platform keeps on withdrawals."""
        return cls(AccountKind.WITHDRAWAL_FEES)

    @classmethod
    def commission_frozen(cls, owner: str) -> Account:
        """Referral commissions held for ``owner`` (``"customer:<id>"`` or
        ``"technician:<id>"``) until they settle."""
        return cls(AccountKind.COMMISSION_FROZEN, owner)

    @classmethod
    def commission_payable(cls, owner: str) -> Account:
        """Settled referral commissions owed to ``owner``."""
        return cls(AccountKind.COMMISSION_PAYABLE, owner)

    @classmethod
    def commission_expense(cls) -> Account:
        """What referral commissions cost the platform."""
        return cls(AccountKind.COMMISSION_EXPENSE)

    @property
    def sort_key(self) -> tuple[int, str]:
        """A stable order: by kind as listed in :class:`AccountKind`, then owner."""
        return _ORDER[self.kind], self.owner

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.owner}" if self.owner else self.kind.value
