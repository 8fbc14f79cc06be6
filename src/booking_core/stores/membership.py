"""Membership rules: a technician belongs to at most one store at a time (FEATURES S2).

His store is his ``TechnicianProfile.store_id``; these functions say how it may change and
keep his copy of the store's own prices (``store_prices``) with it, so the booking path
reads them with him and prices never need a second read.
"""

from __future__ import annotations

import attrs

from booking_core.errors import MembershipConflict
from booking_core.scheduling.profile import TechnicianProfile
from booking_core.stores.store import Store

__all__ = ["join", "leave", "transfer", "with_store_prices"]


def join(profile: TechnicianProfile, store: Store) -> TechnicianProfile:
    """His profile as a member of ``store``.

    Raises:
        MembershipConflict: he is a member of it already, or of another store (he leaves
            it first, or the platform transfers him).
    """
    if profile.store_id == store.id:
        raise MembershipConflict(
            f"The technician is a member of store {store.id} already.",
            details={"store_id": store.id},
        )
    if profile.store_id is not None:
        raise MembershipConflict(
            f"The technician belongs to store {profile.store_id}; he leaves it before joining "
            f"{store.id} (or the platform transfers him).",
            details={"store_id": profile.store_id, "joining": store.id},
        )
    return transfer(profile, store)


def leave(profile: TechnicianProfile, store: Store) -> TechnicianProfile:
    """His profile without ``store``. Raises MembershipConflict: he is not its member."""
    if profile.store_id != store.id:
        raise MembershipConflict(
            f"The technician is not a member of store {store.id}.",
            details={"store_id": store.id},
        )
    return attrs.evolve(profile, store_id=None, store_prices={})


def transfer(profile: TechnicianProfile, store: Store) -> TechnicianProfile:
    """His profile as a member of ``store`` whatever his store was (the platform's move)."""
    return attrs.evolve(profile, store_id=store.id, store_prices=store.prices)


def with_store_prices(profile: TechnicianProfile, store: Store) -> TechnicianProfile:
    """His copy of his store's prices brought up to date."""
    if profile.store_id != store.id:
        return profile
    return attrs.evolve(profile, store_prices=store.prices)
