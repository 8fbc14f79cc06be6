"""Storage of stores and their announcements."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from booking_core.ids import StoreId
from booking_core.stores import Announcement, Audience, Store

__all__ = ["AnnouncementRepository", "StoreRepository", "StoreStore"]


class StoreRepository(Protocol):
    """Stores. Their members are the technicians whose profile names them."""

    def add(self, store: Store) -> Store:
        """Store a new store (version 0); return it at version 1.
        Raises DuplicateEntity (``store_exists``)."""
        ...

    def get(self, store_id: StoreId) -> Store:
        """The store. Raises NotFound (``store_not_found``)."""
        ...

    def list(self) -> list[Store]:
        """Every store, by name then id."""
        ...

    def save(self, store: Store) -> Store:
        """Store ``store`` if the stored version still equals ``store.version``; return it
        with the version incremented.

        Raises:
            NotFound: no such store.
            ConcurrentUpdate: someone saved it since it was read.
        """
        ...


class AnnouncementRepository(Protocol):
    """Stores' announcements, append only."""

    def add(self, announcement: Announcement) -> None:
        """Store a new announcement. Raises DuplicateEntity (``announcement_exists``)."""
        ...

    def list(
        self, store_id: StoreId, audiences: Collection[Audience], *, limit: int = 50
    ) -> list[Announcement]:
        """The store's ``limit`` latest announcements for one of ``audiences``, newest first
        (ties: id descending)."""
        ...


class StoreStore(Protocol):
    """The stores part of a unit of work."""

    @property
    def stores(self) -> StoreRepository: ...

    @property
    def announcements(self) -> AnnouncementRepository: ...
