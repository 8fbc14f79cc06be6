"""Where a promotion applies: services, categories, stores, and exclusions."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from booking_core.ids import CategoryId, ServiceId, StoreId

__all__ = ["Scope"]


@attrs.frozen
class Scope:
    """The lines a promotion may touch.

    A line is covered when all of these hold:

    * its service and its category are not excluded (exclusions always win);
    * ``stores`` is empty, or the cart's store is one of them;
    * ``services`` and ``categories`` are both empty (everything), or the line's service is
      in ``services`` or its category is in ``categories``.
    """

    services: frozenset[ServiceId] = frozenset()
    categories: frozenset[CategoryId] = frozenset()
    stores: frozenset[StoreId] = frozenset()
    excluded_services: frozenset[ServiceId] = frozenset()
    excluded_categories: frozenset[CategoryId] = frozenset()

    @classmethod
    def everything(cls) -> Scope:
        """A scope covering every line."""
        return cls()

    @classmethod
    def of(
        cls,
        *,
        services: Iterable[ServiceId] = (),
        categories: Iterable[CategoryId] = (),
        stores: Iterable[StoreId] = (),
        excluded_services: Iterable[ServiceId] = (),
        excluded_categories: Iterable[CategoryId] = (),
    ) -> Scope:
        """A scope from any iterables of ids."""
        return cls(
            services=frozenset(services),
            categories=frozenset(categories),
            stores=frozenset(stores),
            excluded_services=frozenset(excluded_services),
            excluded_categories=frozenset(excluded_categories),
        )

    def covers(
        self, service_id: ServiceId, category_id: CategoryId, store_id: StoreId | None
    ) -> bool:
        """Whether a line of ``service_id`` in ``category_id`` sold by ``store_id`` is in scope."""
        if service_id in self.excluded_services or category_id in self.excluded_categories:
            return False
        if self.stores and store_id not in self.stores:
            return False
        if not self.services and not self.categories:
            return True
        return service_id in self.services or category_id in self.categories
