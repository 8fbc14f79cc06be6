"""Demo accounts: one per role, with documented demo-only passwords.

The runnable server seeds them in demo mode only (no ``BOOKING_CORE_TOKEN_SECRET``) and
prints them at start, so a newcomer can sign in on ``/docs`` (*Authorize*) at once. They
are demo data, not secrets: anyone who reads this file knows them, which is why a server
with a configured token secret never gets them.
"""

from __future__ import annotations

from typing import Final

import attrs

from booking_core.bootstrap import BookingApp
from booking_core.customers import CustomerDetails
from booking_core.ids import StoreId
from booking_core.orders import Role
from booking_core.scheduling import WeeklyHours
from booking_core.scheduling.geo import GeoPoint
from booking_core.staff import StaffRole
from booking_core.stores import StoreAddress, StoreDetails
from booking_server.auth import AccountService
from booking_server.demo_data import DEMO_ADMIN, SHANGHAI, TECHNICIANS

__all__ = ["DEMO_ACCOUNTS", "DemoAccount", "demo_accounts_text", "ensure_demo_accounts"]


@attrs.frozen
class DemoAccount:
    """A demo account: sign in with ``login`` and ``password``."""

    login: str
    password: str
    role: Role
    who: str
    staff: StaffRole | None = None


#: The demo accounts (demo-only passwords: never use them anywhere else).
DEMO_ACCOUNTS: Final = (
    DemoAccount("customer", "customer-demo", Role.CUSTOMER, "a customer, 张小姐 Ms Zhang"),
    DemoAccount("technician", "technician-demo", Role.TECHNICIAN, f"{TECHNICIANS[0].name}"),
    DemoAccount("store", "store-demo", Role.STORE, "the admin of the 静安店 Jing'an store"),
    DemoAccount(
        "operations", "operations-demo", Role.PLATFORM, "platform operations", StaffRole.OPERATIONS
    ),
    DemoAccount("finance", "finance-demo", Role.PLATFORM, "platform finance", StaffRole.FINANCE),
    DemoAccount(
        "service",
        "service-demo",
        Role.PLATFORM,
        "platform customer service",
        StaffRole.CUSTOMER_SERVICE,
    ),
    DemoAccount(
        "admin", "admin-demo", Role.PLATFORM, "platform super admin", StaffRole.SUPER_ADMIN
    ),
)

_STORE: Final = StoreDetails(
    "静安店 Jing'an",
    StoreAddress("上海市", "静安区", "南京西路 1 号", GeoPoint(31.2287, 121.4468)),
    SHANGHAI,
    WeeklyHours.every_day("10:00", "22:00"),
)


def ensure_demo_accounts(booking_app: BookingApp, accounts: AccountService) -> list[DemoAccount]:
    """Create the demo accounts that are missing; the ones that exist now.

    The technician's account is Li Wei's, when the demo technicians were seeded; the store
    account's store is created with it.
    """
    technicians = {t.name: t.id for t in booking_app.technicians.list()}
    present: list[DemoAccount] = []
    for spec in DEMO_ACCOUNTS:
        if accounts.find_login(spec.login) is not None:
            present.append(spec)
            continue
        if spec.role is Role.CUSTOMER:
            accounts.register_customer(
                spec.login, spec.password, CustomerDetails(nickname="张小姐 Ms Zhang")
            )
        elif spec.role is Role.TECHNICIAN:
            technician_id = technicians.get(TECHNICIANS[0].name)
            if technician_id is None:
                continue  # no demo technicians in this database
            accounts.create_account(
                DEMO_ADMIN,
                role=Role.TECHNICIAN,
                actor_id=technician_id,
                login=spec.login,
                password=spec.password,
            )
        elif spec.role is Role.STORE:
            store = booking_app.stores.create(_STORE, DEMO_ADMIN)
            accounts.create_account(
                DEMO_ADMIN,
                role=Role.STORE,
                actor_id=StoreId(store.id),
                login=spec.login,
                password=spec.password,
            )
        else:
            accounts.create_account(
                DEMO_ADMIN,
                role=Role.PLATFORM,
                staff=spec.staff,
                login=spec.login,
                password=spec.password,
            )
        present.append(spec)
    return present


def demo_accounts_text(present: list[DemoAccount]) -> str:
    """The table printed at start: login, password and who each account is."""
    lines = [
        "Demo accounts (demo data with demo-only passwords, not secrets; sign in at /docs → "
        "Authorize, or POST /auth/token):",
        *(f"  {a.login:<11} {a.password:<16} {a.who}" for a in present),
    ]
    return "\n".join(lines)
