"""Stores in ``stores`` (compare-and-set on version) and their announcements in
``store_announcements``."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

import attrs
from sqlalchemy import bindparam, select, update

from booking_core.ids import StoreId
from booking_core.stores import Announcement, Audience, Store
from booking_core_sqlalchemy import mapping
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing
from booking_core_sqlalchemy.tables import store_announcements, stores

__all__ = ["SqlAlchemyAnnouncementRepository", "SqlAlchemyStoreRepository"]

_INSERT: Final = insert_or_nothing(stores)
_STORE: Final = select(stores).where(stores.c.id == bindparam("store_id"))
_ALL: Final = select(stores).order_by(stores.c.name, stores.c.id)
_CAS: Final = (
    update(stores)
    .where(stores.c.id == bindparam("cas_id"), stores.c.version == bindparam("cas_version"))
    .values(
        name=bindparam("new_name"),
        document=bindparam("new_document", type_=stores.c.document.type),
        version=stores.c.version + 1,
    )
)
_INSERT_ANNOUNCEMENT: Final = insert_or_nothing(store_announcements)
# Off the booking path: an expanding IN of at most three audiences.
_ANNOUNCEMENTS: Final = (
    select(store_announcements)
    .where(
        store_announcements.c.store_id == bindparam("store_id"),
        store_announcements.c.audience.in_(bindparam("audiences", expanding=True)),
    )
    .order_by(store_announcements.c.published_at.desc(), store_announcements.c.id.desc())
    .limit(bindparam("limit"))
)


class SqlAlchemyStoreRepository(Repository):
    """Stores (key columns and a converter document), compare-and-set on version."""

    entity = "store"

    def add(self, store: Store) -> Store:
        """Store a new store; it at version 1. Raises DuplicateEntity."""
        stored = attrs.evolve(store, version=1)
        self._insert_new(_INSERT, mapping.store_to_row(stored), store.id)
        return stored

    def get(self, store_id: StoreId) -> Store:
        """The store. Raises NotFound (``store_not_found``)."""
        return mapping.store_to_domain(self._one(_STORE, {"store_id": store_id}, store_id))

    def list(self) -> list[Store]:
        """Every store, by name then id."""
        return [mapping.store_to_domain(row) for row in self._conn.execute(_ALL)]

    def save(self, store: Store) -> Store:
        """Compare-and-set on ``version``; it at the next version.

        Raises:
            NotFound: no such store.
            ConcurrentUpdate: someone saved it since it was read.
        """
        values = mapping.store_to_row(store)
        params = {"cas_id": store.id, "cas_version": store.version,
                  "new_name": values["name"], "new_document": values["document"]}  # fmt: skip
        self._compare_and_set(_CAS, params, store.id, self.get)
        return attrs.evolve(store, version=store.version + 1)


class SqlAlchemyAnnouncementRepository(Repository):
    """Announcements, append only."""

    entity = "announcement"

    def add(self, announcement: Announcement) -> None:
        """Store a new announcement. Raises DuplicateEntity."""
        self._insert_new(
            _INSERT_ANNOUNCEMENT, mapping.announcement_to_row(announcement), announcement.id
        )

    def list(
        self, store_id: StoreId, audiences: Collection[Audience], *, limit: int = 50
    ) -> list[Announcement]:
        """The store's latest announcements for ``audiences``, newest first."""
        if not audiences:
            return []
        params = {
            "store_id": store_id,
            "audiences": sorted(a.value for a in audiences),
            "limit": limit,
        }
        return [
            mapping.announcement_to_domain(row)
            for row in self._conn.execute(_ANNOUNCEMENTS, params)
        ]
