"""How an order without a chosen technician is dispatched, and where it stands: its mode,
the standing offer, who refused, whether a person must step in. Kept on the order, so the
order's compare-and-set guards it too."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import attrs
import pendulum
from pendulum import DateTime

from booking_core.errors import InvalidInput
from booking_core.ids import TechnicianId

__all__ = ["DispatchMode", "DispatchState", "Offer", "OfferEnd"]


def _ids(value: Iterable[TechnicianId]) -> frozenset[TechnicianId]:
    return frozenset(value)


def _broadcast(value: Iterable[TechnicianId]) -> tuple[TechnicianId, ...]:
    return tuple(value)


class DispatchMode(StrEnum):
    """Who decides which technician takes an order the customer placed without choosing.

    * ``auto`` — the best candidate gets it at once (he accepts or rejects as usual);
    * ``offer`` — offered to one candidate at a time, each with a timeout (派单);
    * ``grab`` — broadcast to the best candidates; the first valid grab wins (抢单);
    * ``manual`` — it waits on the dispatcher's board for a person to assign it.
    """

    AUTO = "auto"
    OFFER = "offer"
    GRAB = "grab"
    MANUAL = "manual"


class OfferEnd(StrEnum):
    """How an offer ended."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    TIMED_OUT = "timed_out"
    WITHDRAWN = "withdrawn"  # the order was assigned otherwise, or cancelled


@attrs.frozen
class Offer:
    """An order offered to one technician until ``expires_at`` (派单).

    Attributes:
        technician_id: Who it is offered to; the order's time is held on his calendar.
        number: Which offer of the order this is (1 for the first).
        made_at: When it was made.
        expires_at: When it times out unanswered.
    """

    technician_id: TechnicianId
    number: int
    made_at: DateTime
    expires_at: DateTime


@attrs.frozen
class DispatchState:
    """The dispatch side of an order placed without a chosen technician.

    Attributes:
        mode: How it is dispatched (a dispatcher may turn it to ``manual``).
        holder: Whose calendar holds the order's time while nobody is assigned (the
            provisional booking dispatch moves: to each offered technician, to the winner
            of a grab); None once the booking was released (a rejection).
        opened_at: When dispatch started looking (the order was paid); None before.
        rounds: Dispatch rounds started (each round is a job of its own).
        offers: Offers made so far.
        offer: The standing offer (None: none).
        refused: Technicians who refused or let an offer time out, or rejected the order:
            never asked again for it.
        broadcast: Who the grab broadcast reached, best first.
        escalated_at: When it was handed to a dispatcher (None: not escalated).
        assigned_by: How its technician came (``auto``, ``offer``, ``grab``, ``manual``);
            None while it waits.
    """

    mode: DispatchMode
    holder: TechnicianId | None = None
    opened_at: DateTime | None = None
    rounds: int = 0
    offers: int = 0
    offer: Offer | None = None
    refused: frozenset[TechnicianId] = attrs.field(default=frozenset(), converter=_ids)
    broadcast: tuple[TechnicianId, ...] = attrs.field(default=(), converter=_broadcast)
    escalated_at: DateTime | None = None
    assigned_by: DispatchMode | None = None

    @property
    def waiting(self) -> bool:
        """True while the order waits for a technician."""
        return self.assigned_by is None

    def opened(self, at: DateTime) -> DispatchState:
        """Dispatch starts looking at ``at`` (kept from the first time)."""
        return self if self.opened_at is not None else attrs.evolve(self, opened_at=at)

    def next_round(self) -> DispatchState:
        """One more round started."""
        return attrs.evolve(self, rounds=self.rounds + 1)

    def held_by(self, technician_id: TechnicianId | None) -> DispatchState:
        """The order's time now held on ``technician_id``'s calendar (None: on nobody's)."""
        return attrs.evolve(self, holder=technician_id)

    def offered(self, technician_id: TechnicianId, at: DateTime, seconds: int) -> DispatchState:
        """A new offer to ``technician_id`` standing ``seconds`` from ``at``.

        Raises:
            InvalidInput: an offer stands already, or he refused this order before.
        """
        if self.offer is not None:
            raise InvalidInput(
                f"An offer to {self.offer.technician_id} stands; end it before offering again.",
                details={"technician_id": self.offer.technician_id},
            )
        if technician_id in self.refused:
            raise InvalidInput(
                f"{technician_id} refused this order already; offer it to someone else.",
                details={"technician_id": technician_id},
            )
        offer = Offer(technician_id, self.offers + 1, at, at + pendulum.duration(seconds=seconds))
        return attrs.evolve(self, offer=offer, offers=offer.number, holder=technician_id)

    def offer_ended(self, end: OfferEnd) -> DispatchState:
        """The standing offer ended; a refusal or a timeout is remembered."""
        if self.offer is None:
            return self
        refused = self.refused
        if end in (OfferEnd.REFUSED, OfferEnd.TIMED_OUT):
            refused = refused | {self.offer.technician_id}
        return attrs.evolve(self, offer=None, refused=refused)

    def rejected_by(self, technician_id: TechnicianId) -> DispatchState:
        """An assigned technician rejected the order: it waits again, without him."""
        return attrs.evolve(
            self, assigned_by=None, holder=None, refused=self.refused | {technician_id}
        )

    def broadcast_to(self, technician_ids: Iterable[TechnicianId]) -> DispatchState:
        """The grab broadcast reached these technicians."""
        return attrs.evolve(self, broadcast=tuple(technician_ids))

    def escalated(self, at: DateTime) -> DispatchState:
        """Handed to a dispatcher at ``at``: no more automatic offers (kept from the first)."""
        if self.escalated_at is not None:
            return self
        return attrs.evolve(self, escalated_at=at, offer=None)

    def as_mode(self, mode: DispatchMode) -> DispatchState:
        """Dispatched from now on in ``mode``."""
        return attrs.evolve(self, mode=mode)

    def assigned(self, how: DispatchMode) -> DispatchState:
        """A technician was assigned (``how``): the wait is over."""
        return attrs.evolve(self, assigned_by=how, offer=None)
