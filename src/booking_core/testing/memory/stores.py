"""In-memory stores and announcements."""

from __future__ import annotations

from collections.abc import Collection

import attrs

from booking_core.errors import ConcurrentUpdate
from booking_core.ids import StoreId
from booking_core.stores import Announcement, Audience, Store
from booking_core.testing.memory.table import Table

__all__ = ["InMemoryAnnouncements", "InMemoryStores"]


class InMemoryStores(Table):
    """:class:`~booking_core.ports.storage.StoreRepository` over a snapshot."""

    def add(self, store: Store) -> Store:
        stored = attrs.evolve(store, version=1)
        self._insert(store.id, stored)
        return stored

    def get(self, store_id: StoreId) -> Store:
        found: Store = self._get(store_id)
        return found

    def list(self) -> list[Store]:
        stores: list[Store] = list(self.rows.values())
        return sorted(stores, key=lambda s: (s.details.name, s.id))

    def save(self, store: Store) -> Store:
        if self.get(store.id).version != store.version:
            raise ConcurrentUpdate(
                f"Store {store.id} was changed by someone else; reload and try again.",
                details={"store_id": store.id},
            )
        stored = attrs.evolve(store, version=store.version + 1)
        self.rows[store.id] = stored
        return stored


class InMemoryAnnouncements(Table):
    """:class:`~booking_core.ports.storage.AnnouncementRepository` over a snapshot."""

    def add(self, announcement: Announcement) -> None:
        self._insert(announcement.id, announcement)

    def list(
        self, store_id: StoreId, audiences: Collection[Audience], *, limit: int = 50
    ) -> list[Announcement]:
        mine: list[Announcement] = [
            a for a in self.rows.values() if a.store_id == store_id and a.audience in audiences
        ]
        mine.sort(key=lambda a: (a.published_at, a.id), reverse=True)
        return mine[:limit]
