"""Store use cases: profile, members, own prices, announcements (FEATURES S1, S2, S7).

Who may do what:

* the platform creates stores, allows or forbids their own prices, and may do anything a
  store or a technician may; it alone adds a technician without his consent, or moves him
  from one store to another (``add_member(..., transfer=True)``);
* a store (``Role.STORE``, ``actor.id`` its id) edits its profile, invites technicians,
  removes its members, sets its own prices when allowed and publishes announcements;
* a store withdraws an invitation, and approves or declines a technician's request to join;
* a technician accepts an invitation, asks to join a store (or withdraws his request) and
  leaves his store;
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
from collections.abc import Callable, Mapping

import attrs

from booking_core.errors import CurrencyMismatch, NotFound, PermissionDenied
from booking_core.ids import ServiceId, StoreId, TechnicianId
from booking_core.money import Money
from booking_core.orders import Actor, Role
from booking_core.ports.clock import Clock
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import LockKey, UnitOfWork, UnitOfWorkFactory
from booking_core.scheduling import Technician
from booking_core.services._access import require_permission
from booking_core.services.steps.audit import AuditTrail
from booking_core.staff import Permission
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


def _require_store(actor: Actor, store_id: StoreId, doing: str, *, reading: bool = False) -> None:
    if actor.role is Role.PLATFORM:
        # Every staff member reads; changing a store needs the stores permission.
        if not reading:
            require_permission(actor, Permission.STORES, doing)
        return
    if _is_store(actor, store_id):
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

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdSource, *, audit: AuditTrail
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._audit = audit

    # -- the store ---------------------------------------------------------------------

    def create(
        self, details: StoreDetails, actor: Actor, *, own_prices_allowed: bool = False
    ) -> Store:
        """Create a store (platform staff with the stores permission only). Raises
        PermissionDenied."""
        require_permission(actor, Permission.STORES, "creates stores")
        store = Store(
            StoreId(self._ids.new_id("sto")), details, own_prices_allowed=own_prices_allowed
        )
        with self._uow() as uow:
            stored = uow.stores.add(store)
            self._audit.record(uow, actor, "store.create", ("store", stored.id), after=stored)
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
            before = uow.stores.get(store_id)
            stored = uow.stores.save(attrs.evolve(before, details=details))
            self._audit.record(
                uow, actor, "store.update_details", ("store", store_id),
                before=before, after=stored,
            )  # fmt: skip
            uow.commit()
        return stored

    def allow_own_prices(self, store_id: StoreId, allowed: bool, actor: Actor) -> Store:
        """Allow or forbid the store its own prices (the platform only); forbidding drops
        them, from its members' profiles too."""
        require_permission(actor, Permission.STORES, "allows stores their own prices")
        with self._uow() as uow:
            before = uow.stores.get(store_id)
            stored = self._reprice(uow, before.with_own_prices_allowed(allowed))
            self._audit.record(
                uow, actor, "store.allow_own_prices", ("store", store_id),
                before=before, after=stored,
            )  # fmt: skip
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
            before = uow.stores.get(store_id)
            stored = self._reprice(uow, before.with_prices(prices))
            self._audit.record(
                uow, actor, "store.set_prices", ("store", store_id), before=before, after=stored
            )
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
        _require_store(actor, store_id, "lists the store's technicians", reading=True)
        with self._uow() as uow:
            uow.stores.get(store_id)
            return _members(uow, store_id)

    def invite(self, store_id: StoreId, technician_id: TechnicianId, actor: Actor) -> Store:
        """Invite a technician to join (the store or the platform); he accepts with
        :meth:`accept`. Raises NotFound (store or technician)."""
        _require_store(actor, store_id, "invites technicians")
        with self._uow() as uow:
            uow.technicians.get(technician_id)
            before = uow.stores.get(store_id)
            stored = uow.stores.save(before.inviting(technician_id))
            self._audit.record(
                uow, actor, "store.invite", ("store", store_id), before=before, after=stored
            )
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
            PermissionDenied: the actor is not platform staff with the stores permission.
            MembershipConflict: he is a member already, or of another store without
                ``transfer``.
        """
        require_permission(actor, Permission.STORES, "adds technicians to stores")
        return self._join(store_id, technician_id, invited=False, moving=transfer, actor=actor)

    def _join(
        self,
        store_id: StoreId,
        technician_id: TechnicianId,
        *,
        invited: bool,
        moving: bool,
        actor: Actor | None = None,
        requested: bool = False,
    ) -> Technician:
        with self._uow() as uow:
            # Every change of his store queues here: of two joins of his, the second sees
            # the first's store and is refused.
            uow.locks.take(LockKey.technician(technician_id))
            technician = uow.technicians.get(technician_id)
            store = uow.stores.get(store_id)
            if invited:
                store = store.without_invitation(technician_id)
            if requested:
                store = store.without_join_request(technician_id)
            if moving and technician.profile.store_id != store.id:
                profile = transfer(technician.profile, store)
            else:
                profile = join(technician.profile, store)
            changed = attrs.evolve(technician, profile=profile)
            uow.technicians.save(changed)
            # Saved (a new version) even without an invitation used, so that a price change
            # that read the store before this join fails instead of missing him. Nothing
            # stays pending for a member: neither an invitation nor his request.
            uow.stores.save(store.settled(technician_id))
            if actor is not None:
                self._audit.record(
                    uow, actor, "store.add_member", ("technician", technician_id),
                    before={"store_id": technician.profile.store_id},
                    after={"store_id": changed.profile.store_id},
                )  # fmt: skip
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
            self._audit.record(
                uow, actor, "store.remove_member", ("technician", technician_id),
                before={"store_id": technician.profile.store_id},
                after={"store_id": changed.profile.store_id},
            )  # fmt: skip
            uow.commit()
        return changed

    def withdraw_invitation(
        self, store_id: StoreId, technician_id: TechnicianId, actor: Actor
    ) -> Store:
        """Take back an invitation he has not accepted (the store or the platform).

        Raises:
            PermissionDenied: anyone else.
            NotFound: no such store.
            MembershipConflict: he has no invitation from it.
        """
        _require_store(actor, store_id, "withdraws the store's invitations")
        return self._change_store(
            actor, store_id, lambda s: s.without_invitation(technician_id),
            "store.withdraw_invitation",
        )  # fmt: skip

    def _change_store(
        self, actor: Actor, store_id: StoreId, change: Callable[[Store], Store], action: str
    ) -> Store:
        """Save ``change`` of the store, audited as ``action`` when staff make it."""
        with self._uow() as uow:
            before = uow.stores.get(store_id)
            stored = uow.stores.save(change(before))
            self._audit.record(uow, actor, action, ("store", store_id), before=before, after=stored)
            uow.commit()
        return stored

    def request_to_join(
        self, store_id: StoreId, technician_id: TechnicianId, actor: Actor
    ) -> Store:
        """The technician asks to join the store (himself only); the store approves
        (:meth:`approve_join_request`) or declines (:meth:`decline_join_request`).

        Raises:
            PermissionDenied: the actor is not that technician.
            NotFound: no such store or technician.
            MembershipConflict: he is its member already, or another store's (he leaves it
                first).
        """
        if actor.role is not Role.TECHNICIAN or actor.id != technician_id:
            raise PermissionDenied(
                "A technician asks to join a store only for himself.",
                details={"technician_id": technician_id, "role": actor.role.value},
            )
        with self._uow() as uow:
            store = uow.stores.get(store_id)
            # Checked now for a quick answer; the approval checks again under his lock.
            join(uow.technicians.get(technician_id).profile, store)
            stored = uow.stores.save(store.requested_by(technician_id))
            uow.commit()
        return stored

    def approve_join_request(
        self, store_id: StoreId, technician_id: TechnicianId, actor: Actor
    ) -> Technician:
        """The store (or the platform) takes him in, as accepting an invitation does: under
        his lock, so he still belongs to at most one store.

        Raises:
            PermissionDenied: anyone else.
            MembershipConflict: he has not asked, or has joined a store meanwhile.
        """
        _require_store(actor, store_id, "approves requests to join the store")
        return self._join(
            store_id, technician_id, invited=False, moving=False, actor=actor, requested=True
        )

    def decline_join_request(
        self, store_id: StoreId, technician_id: TechnicianId, actor: Actor
    ) -> Store:
        """The store (or the platform) declines his request, or he withdraws it.

        Raises:
            PermissionDenied: anyone else.
            MembershipConflict: he has not asked to join it.
        """
        if not (actor.role is Role.TECHNICIAN and actor.id == technician_id):
            _require_store(actor, store_id, "declines requests to join the store")
        return self._change_store(
            actor, store_id, lambda s: s.without_join_request(technician_id),
            "store.decline_join_request",
        )  # fmt: skip

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
            self._audit.record(
                uow, actor, "store.announcement.publish", ("announcement", announcement.id),
                after=announcement,
            )  # fmt: skip
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
