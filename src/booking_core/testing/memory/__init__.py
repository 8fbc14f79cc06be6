"""In-memory storage: a unit of work over dicts, serialized by one lock.

Each unit of work takes the store's lock for its whole life, so commands run one at a
time — the same guarantee SQLite gives by serializing writers — and works on a snapshot
that :meth:`InMemoryUnitOfWork.commit` swaps in atomically. Every lock the port asks for
(``uow.locks.take``, ``uow.orders.lock``) is therefore held already.

One module per area, as the port (``booking_core.ports.storage``): ``catalog``,
``scheduling``, ``orders``, ``payments``, ``promotions``, ``ledger``, ``messaging``,
``dispatch``;
``store`` holds the store and its unit of work, ``table`` the rows every repository reads.
"""

from booking_core.testing.memory.store import InMemoryStore, InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]
