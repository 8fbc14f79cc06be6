"""The id source port: mints new identifiers."""

from __future__ import annotations

from typing import Protocol

__all__ = ["IdSource"]


class IdSource(Protocol):
    """Mints identifiers that are unique across the whole deployment."""

    def new_id(self, prefix: str) -> str:
        """A new unique id; ``prefix`` names the entity (``"ord"``) for readability."""
        ...
