"""Platform sub-roles and their permissions, in one table.

A platform actor acts in one :class:`StaffRole`; what he may do is the set of
:class:`Permission` the table :data:`PERMISSIONS` gives that role. Reading what the
platform sees (orders, customers, technicians, stores) needs no permission: every staff
member reads; changing something, seeing the books or the audit log, or revealing a
customer's contact does.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = ["PERMISSIONS", "Permission", "StaffRole", "permissions_of"]


class StaffRole(StrEnum):
    """The platform's sub-roles."""

    OPERATIONS = "operations"
    FINANCE = "finance"
    CUSTOMER_SERVICE = "customer_service"
    SUPER_ADMIN = "super_admin"


class Permission(StrEnum):
    """What a platform action needs."""

    #: Categories, services, catalog prices.
    CATALOG = "catalog"
    #: Register technicians, review applications, moderate ratings.
    TECHNICIANS = "technicians"
    #: Create stores, allow store prices, add members.
    STORES = "stores"
    #: Coupon templates, issuing coupons, campaigns.
    PROMOTIONS = "promotions"
    #: Membership tiers and other customer facts set by hand.
    CUSTOMERS = "customers"
    #: Cancel, reschedule or reassign an order on someone's behalf.
    ORDERS = "orders"
    #: Take up, resolve and reject complaints (with the refund a resolution grants).
    COMPLAINTS = "complaints"
    #: Refund a payment outside a complaint.
    REFUNDS = "refunds"
    #: Read the ledger: balances, entries, reconciliation.
    BOOKS = "books"
    #: See a customer's full phone and address, with a recorded reason.
    CONTACT = "contact"
    #: Create staff accounts and change their sub-roles.
    STAFF = "staff"
    #: Read the audit log.
    AUDIT = "audit"
    #: See, retry and discard the work the workers gave up on (dead letters).
    JOBS = "jobs"
    #: Approve and reject withdrawals; see any payee's earnings, balance and withdrawals.
    PAYOUTS = "payouts"


PERMISSIONS: Final[Mapping[StaffRole, frozenset[Permission]]] = MappingProxyType(
    {
        StaffRole.OPERATIONS: frozenset(
            {
                Permission.CATALOG,
                Permission.TECHNICIANS,
                Permission.STORES,
                Permission.PROMOTIONS,
                Permission.CUSTOMERS,
                Permission.ORDERS,
                Permission.JOBS,
            }
        ),
        StaffRole.FINANCE: frozenset({Permission.BOOKS, Permission.REFUNDS, Permission.PAYOUTS}),
        StaffRole.CUSTOMER_SERVICE: frozenset(
            {Permission.COMPLAINTS, Permission.ORDERS, Permission.CONTACT}
        ),
        StaffRole.SUPER_ADMIN: frozenset(Permission),
    }
)


def permissions_of(staff: StaffRole) -> frozenset[Permission]:
    """What ``staff`` may do."""
    return PERMISSIONS[staff]
