"""Who may fire which event on an order or a complaint: one check for both tables."""

from __future__ import annotations

from collections.abc import Mapping, Set

from booking_core.errors import PermissionDenied, TransitionNotAllowed
from booking_core.orders.actor import Actor, Role

__all__ = ["check_event"]


def check_event(
    roles_by_event: Mapping[str, Set[Role]],
    event: str,
    actor: Actor,
    *,
    kind: str,
    subject_id: str,
    visible: bool,
) -> None:
    """Raise unless ``event`` is in the table and ``actor``'s role may fire it on the
    ``kind`` (``"order"``, ``"complaint"``) ``subject_id``, which ``visible`` says the actor
    may see.

    Raises:
        TransitionNotAllowed: ``event`` is not an action of this kind.
        PermissionDenied: the actor may not fire it here.
    """
    roles = roles_by_event.get(event)
    if roles is None:
        article = "an" if kind[0] in "aeiou" else "a"
        raise TransitionNotAllowed(
            f"{event!r} is not {article} {kind} action; use one of {', '.join(roles_by_event)}.",
            details={"event": event},
        )
    if actor.role not in roles or not visible:
        raise PermissionDenied(
            f"A {actor.role.value} cannot {event.replace('_', ' ')} {kind} {subject_id}.",
            details={"event": event, f"{kind}_id": subject_id, "role": actor.role.value},
        )
