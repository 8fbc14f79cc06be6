"""Store use cases: profile, members, own prices, announcements (FEATURES S1, S2, S7).

Who may do what:

* the platform creates stores, allows or forbids their own prices, and may do anything a
  store or a technician may; it alone adds a technician without his consent, or moves him
  from one store to another (``add_member(..., transfer=True)``);
* a store (``Role.STORE``, ``actor.id`` its id) edits its profile, invites technicians,
  removes its members, sets its own prices when allowed and publishes announcements;
* a technician accepts an invitation and leaves his store;
* anyone reads a store's public profile and the announcements meant for customers; its
  members read those meant for technicians.

A technician belongs to at most one store: his store is the one field
``TechnicianProfile.store_id``, changed here under his lock. Joining while a member of
another store raises :class:`~booking_core.errors.MembershipConflict`.

A store's own prices are copied onto each member's profile (``store_prices``) in the same
transaction, so checkout and quotes read them with the technician, in the read they make
anyway. Precedence: the technician's own price, else his store's, else the catalog's.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping

import attrs

from booking_core.errors import CurrencyMismatch, NotFound, PermissionDenied
from booking_core.ids import ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Technician
from booking_core.services._access import require_role
from booking_core.stores import (
    Announcement,
    Audience,
    Store,
    StoreDetails,
    join,
    leave,
    transfer,
    with_store_prices,
)

__all__ = ["StoreService"]

#: The most announcements one listing returns.
_MAX_ANNOUNCEMENTS = 100


def _is_store(actor: Actor, store_id: StoreId) -> bool:
    return actor.role is Role.STORE and actor.id == store_id


def _require_store(actor: Actor, store_id: StoreId, doing: str) -> None:
    if actor.role is Role.PLATFORM or _is_store(actor, store_id):
        return
    raise PermissionDenied(
        f"Only store {store_id} or the platform {doing}; you act as a {actor.role.value}.",
        details={"store_id": store_id, "role": actor.role.value},
    )


def _check_prices(uow: UnitOfWork, prices: Mapping[ServiceId, Money]) -> None:
    for service_id, price in sorted(prices.items()):
        catalog = uow.services.get(service_id).price
        if price.currency != catalog.currency:
            raise CurrencyMismatch(
                f"The price for {service_id} is in {price.currency}; the service sells in "
                f"{catalog.currency}.",
                details={"field": "prices", "service_id": service_id},
            )


def _members(uow: UnitOfWork, store_id: StoreId) -> list[Technician]:
    return [t for t in uow.technicians.list() if t.profile.store_id == store_id]


def _member_of(uow: UnitOfWork, actor: Actor, store_id: StoreId) -> bool:
    try:
        return uow.technicians.get(TechnicianId(actor.id)).profile.store_id == store_id
    except NotFound:
        return False


class StoreService:
    """Keeps stores, their members, prices and announcements."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdSource) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    # -- the store ---------------------------------------------------------------------

    def create(
        self, details: StoreDetails, actor: Actor, *, own_prices_allowed: bool = False
    ) -> Store:
        """Create a store (the platform only). Raises PermissionDenied."""
        require_role(actor, Role.PLATFORM, "creates stores")
        store = Store(
            StoreId(self._ids.new_id("sto")), details, own_prices_allowed=own_prices_allowed
        )
        with self._uow() as uow:
            stored = uow.stores.add(store)
            uow.commit()
        return stored

    def get(self, store_id: StoreId) -> Store:
        """One store (anyone; what is public of it is the entry point's choice).
        Raises NotFound (``store_not_found``)."""
        with self._uow() as uow:
            return uow.stores.get(store_id)

    def list(self) -> list[Store]:
        """Every store, by name then id."""
        with self._uow() as uow:
            return uow.stores.list()

    def update_details(self, store_id: StoreId, details: StoreDetails, actor: Actor) -> Store:
        """Replace its profile (the store itself or the platform)."""
        _require_store(actor, store_id, "edits the store's profile")
        with self._uow() as uow:
            stored = uow.stores.save(attrs.evolve(uow.stores.get(store_id), details=details))
            uow.commit()
        return stored

    def allow_own_prices(self, store_id: StoreId, allowed: bool, actor: Actor) -> Store:
        """Allow or forbid the store its own prices (the platform only); forbidding drops
        them, from its members' profiles too."""
        require_role(actor, Role.PLATFORM, "allows stores their own prices")
        with self._uow() as uow:
            store = uow.stores.get(store_id).with_own_prices_allowed(allowed)
            stored = self._reprice(uow, store)
            uow.commit()
        return stored

    def set_prices(
        self, store_id: StoreId, prices: Mapping[ServiceId, Money], actor: Actor
    ) -> Store:
        """Replace the store's own prices (the store or the platform), and its members'
        copies of them, in one transaction.

        Raises:
            PermissionDenied: another actor, or the platform does not allow it own prices.
            NotFound: the store or a priced service does not exist.
            CurrencyMismatch: a price is not in the service's currency.
            ConcurrentUpdate: a technician joined it meanwhile (try again).
        """
        _require_store(actor, store_id, "sets the store's prices")
        with self._uow() as uow:
            _check_prices(uow, prices)
            stored = self._reprice(uow, uow.stores.get(store_id).with_prices(prices))
            uow.commit()
        return stored

    @staticmethod
    def _reprice(uow: UnitOfWork, store: Store) -> Store:
        # The store is read before its members and saved compare-and-set: a join committed
        # after that read fails this save (joining saves the store too), so no member keeps
        # old prices. Members' locks are taken before the store row is written, as a join
        # takes them, so the two never wait for each other in a cycle.
        members = sorted(t.id for t in _members(uow, store.id))
        if members:
            uow.locks.take(*(LockKey.technician(m) for m in members))
        stored = uow.stores.save(store)
        for technician_id in members:
            technician = uow.technicians.get(technician_id)
            profile = with_store_prices(technician.profile, stored)
            if profile != technician.profile:
                uow.technicians.save(attrs.evolve(technician, profile=profile))
        return stored

    # -- members -----------------------------------------------------------------------

    def members(self, store_id: StoreId, actor: Actor) -> builtins.list[Technician]:
        """Its technicians, by name then id (the store itself or the platform)."""
        _require_store(actor, store_id, "lists the store's technicians")
        with self._uow() as uow:
            uow.stores.get(store_id)
            return _members(uow, store_id)

    def invite(self, store_id: StoreId, technician_id: TechnicianId, actor: Actor) -> Store:
        """Invite a technician to join (the store or the platform); he accepts with
        :meth:`accept`. Raises NotFound (store or technician)."""
        _require_store(actor, store_id, "invites technicians")
        with self._uow() as uow:
            uow.technicians.get(technician_id)
            stored = uow.stores.save(uow.stores.get(store_id).inviting(technician_id))
            uow.commit()
        return stored

    def accept(self, store_id: StoreId, technician_id: TechnicianId, actor: Actor) -> Technician:
        """The technician accepts the store's invitation and joins it (himself only).

        Raises:
            PermissionDenied: the actor is not that technician.
            MembershipConflict: no invitation; he is a member already, or of another store
                (he leaves it first).
        """
        if actor.role is not Role.TECHNICIAN or actor.id != technician_id:
            raise PermissionDenied(
                "Only the invited technician accepts a store's invitation.",
                details={"technician_id": technician_id, "role": actor.role.value},
            )
        return self._join(store_id, technician_id, invited=True, moving=False)

    def add_member(
        self,
        store_id: StoreId,
        technician_id: TechnicianId,
        actor: Actor,
        *,
        transfer: bool = False,
    ) -> Technician:
        """Make a technician the store's member without an invitation (the platform only);
        with ``transfer`` he is moved out of his store if he has one.

        Raises:
            PermissionDenied: the actor is not the platform.
            MembershipConflict: he is a member already, or of another store without
                ``transfer``.
        """
        require_role(actor, Role.PLATFORM, "adds technicians to stores")
        return self._join(store_id, technician_id, invited=False, moving=transfer)

    def _join(
        self, store_id: StoreId, technician_id: TechnicianId, *, invited: bool, moving: bool
    ) -> Technician:
        with self._uow() as uow:
            # Every change of his store queues here: of two joins of his, the second sees
            # the first's store and is refused.
            uow.locks.take(LockKey.technician(technician_id))
            technician = uow.technicians.get(technician_id)
            store = uow.stores.get(store_id)
            if invited:
                store = store.without_invitation(technician_id)
            if moving and technician.profile.store_id != store.id:
                profile = transfer(technician.profile, store)
            else:
                profile = join(technician.profile, store)
            changed = attrs.evolve(technician, profile=profile)
            uow.technicians.save(changed)
            # Saved (a new version) even without an invitation used, so that a price change
            # that read the store before this join fails instead of missing him.
            uow.stores.save(store)
            uow.commit()
        return changed

    def leave(self, store_id: StoreId, technician_id: TechnicianId, actor: Actor) -> Technician:
        """He leaves the store: by himself, removed by the store, or by the platform.

        Raises:
            PermissionDenied: anyone else.
            MembershipConflict: he is not its member.
        """
        if not (actor.role is Role.TECHNICIAN and actor.id == technician_id):
            _require_store(actor, store_id, "removes its technicians")
        with self._uow() as uow:
            uow.locks.take(LockKey.technician(technician_id))
            technician = uow.technicians.get(technician_id)
            store = uow.stores.get(store_id)
            changed = attrs.evolve(technician, profile=leave(technician.profile, store))
            uow.technicians.save(changed)
            uow.commit()
        return changed

    # -- announcements -----------------------------------------------------------------

    def publish(
        self, store_id: StoreId, audience: Audience, title: str, body: str, actor: Actor
    ) -> Announcement:
        """Publish an announcement (the store or the platform). Raises InvalidInput for an
        empty or over-long title or body, NotFound for an unknown store."""
        _require_store(actor, store_id, "publishes the store's announcements")
        announcement = Announcement(
            self._ids.new_id("ann"), store_id, audience, title, body, self._clock.now()
        )
        with self._uow() as uow:
            uow.stores.get(store_id)
            uow.announcements.add(announcement)
            uow.commit()
        return announcement

    def announcements(
        self, store_id: StoreId, actor: Actor, *, limit: int = 50
    ) -> builtins.list[Announcement]:
        """The latest announcements ``actor`` may read, newest first: all of them for the
        store and the platform; those for technicians for its members; those for customers
        for everyone else."""
        limit = max(1, min(limit, _MAX_ANNOUNCEMENTS))
        with self._uow() as uow:
            uow.stores.get(store_id)
            if actor.role is Role.PLATFORM or _is_store(actor, store_id):
                audiences = set(Audience)
            else:
                reader = Audience.CUSTOMERS
                if actor.role is Role.TECHNICIAN and _member_of(uow, actor, store_id):
                    reader = Audience.TECHNICIANS
                audiences = {a for a in Audience if a.reaches(reader)}
            return uow.announcements.list(store_id, audiences, limit=limit)
