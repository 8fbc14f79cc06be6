"""Placing orders and reading them with their timeline and dispatch state (FEATURES C6–C8,
P5).

Who sees what of an order's dispatch state (:meth:`DispatchOut.from_domain`): everyone who
may see the order sees its mode, whether it still waits, when dispatch opened and how its
technician came; only dispatchers (the platform, a store) see when it was escalated, whose
calendar holds it, the offers, who refused and whom a grab broadcast reached — a customer
is not told which technicians turned his order down, nor a technician who else was asked
(he sees an offer made to himself).
"""

from __future__ import annotations

import pendulum
from pendulum import DateTime
from pydantic import AwareDatetime, Field

from booking_core.catalog.service import MAX_TECHNICIANS_NEEDED
from booking_core.orders import Actor, Order, Role, TransitionRecord
from booking_core.orders.dispatching import DispatchMode, DispatchState
from booking_core.orders.policy import PaymentMode
from booking_server.paging import NextCursor
from booking_server.schemas.availability import Address, SlotOut
from booking_server.schemas.common import EntityId, InModel, Instant, MoneyOut, OutModel, in_zone

__all__ = [
    "ActorOut",
    "DispatchOut",
    "OfferOut",
    "OrderList",
    "OrderOut",
    "PartyOut",
    "PartyPlacementOut",
    "PlaceOrderIn",
    "PlacePartyIn",
    "TransitionIn",
    "TransitionOut",
    "sees_dispatch",
]


class PlaceOrderIn(InModel):
    """Book a service with a technician at one of the offered slot starts, at an address,
    paid in one of the modes the platform offers, optionally with a coupon. Without a
    technician, dispatch finds one near the address."""

    technician_id: EntityId | None = Field(
        default=None,
        description="Who serves it. Omitted or null: dispatch finds a technician near the "
        "address (which is then required: address or address_id), at the catalog price "
        "(409 no_technician_available when nobody near is free then).",
    )
    service_id: EntityId
    start: Instant = Field(
        description="A start from GET /technicians/{id}/slots, ISO 8601 with offset.",
        examples=["2026-03-03T10:00:00+08:00"],
    )
    coupon_id: EntityId | None = Field(
        default=None,
        description="One of the customer's coupons (GET /me/coupons) to price the order "
        "with; it is reserved for the order. 422 coupon_not_applicable when it does not "
        "apply (POST /quotes says why).",
    )
    payment_mode: PaymentMode = Field(
        default=PaymentMode.FULL,
        description="full: the whole price now; deposit: a deposit now, the rest before "
        "completion; on_arrival: nothing now (the order waits for acceptance at once), "
        "everything once the technician is there.",
    )
    address: Address | None = Field(
        default=None,
        description="Where the service happens: checked against the technician's service "
        "area (422 outside_service_area) and his travel between orders.",
    )
    address_id: EntityId | None = Field(
        default=None,
        description="An entry of the customer's address book (POST /customers/me/addresses): "
        "the order keeps a copy of it and of whom to call there, and is served at its point "
        "(give it instead of address; 404 address_not_found for an id not in the book).",
    )
    holding_id: EntityId | None = Field(
        default=None,
        description="One of the customer's bought packages (GET /customers/{id}/"
        "package-holdings): a visit of it pays the order at once, at the visit's value, and "
        "the order waits for acceptance. Not with coupon_id or a payment_mode other than "
        "full (422 invalid_input); 409 package_not_redeemable when no visit of the service "
        "is left, the package expired or holds none (details.reason).",
    )

    def start_instant(self) -> DateTime:
        """The start as the pendulum DateTime the core works with."""
        return pendulum.instance(self.start)


class PlacePartyIn(InModel):
    """Book a service that several technicians serve together (a couple's massage) with
    each of ``technician_ids`` at one start: one order per technician, all or none."""

    service_id: EntityId
    technician_ids: list[EntityId] = Field(
        min_length=2,
        max_length=MAX_TECHNICIANS_NEEDED,
        description="Who serves it, one seat each, as many as the service needs "
        "(technicians_needed; GET /slots lists who is free together).",
    )
    start: Instant = Field(
        description="A start from GET /slots for the service, ISO 8601 with offset.",
        examples=["2026-03-03T12:00:00+08:00"],
    )
    payment_mode: PaymentMode = Field(
        default=PaymentMode.FULL, description="As for POST /orders; each order is paid alone."
    )
    address: Address | None = Field(
        default=None, description="Where the service happens, as for POST /orders."
    )
    address_id: EntityId | None = Field(
        default=None, description="An entry of the customer's address book, as for POST /orders."
    )

    def start_instant(self) -> DateTime:
        """The start as the pendulum DateTime the core works with."""
        return pendulum.instance(self.start)


class PartyPlacementOut(OutModel):
    """A party's orders by seat."""

    party_id: str
    orders: list[OrderOut]


class TransitionIn(InModel):
    """Optional reason for a lifecycle action (kept on the order's timeline)."""

    reason: str = Field(default="", max_length=500)


#: Who sees the whole dispatch state of an order (the others see its outline).
_DISPATCHERS = frozenset({Role.PLATFORM, Role.STORE, Role.SYSTEM})


def sees_dispatch(viewer: Actor) -> bool:
    """Whether ``viewer`` sees the whole dispatch state: holder, offers, refusals."""
    return viewer.role in _DISPATCHERS


class OfferOut(OutModel):
    """An order offered to one technician until ``expires_at`` (派单)."""

    technician_id: str
    number: int = Field(description="Which offer of the order this is (1 for the first).")
    made_at: AwareDatetime
    expires_at: AwareDatetime = Field(description="When it times out unanswered.")


class DispatchOut(OutModel):
    """How an order placed without a technician finds one, and where that stands.

    The last six fields are shown to dispatchers (the platform, a store) only; for a
    customer or a technician they are null (a technician sees an offer made to himself).
    """

    mode: DispatchMode = Field(
        description="auto: the best candidate gets it; offer: offered to one at a time; "
        "grab: broadcast, the first valid grab wins; manual: a dispatcher assigns it."
    )
    waiting: bool = Field(description="true while the order waits for a technician.")
    opened_at: AwareDatetime | None = Field(
        description="When dispatch started looking (once paid); null before."
    )
    assigned_by: DispatchMode | None = Field(
        description="How its technician came (auto, offer, grab, manual); null while waiting."
    )
    escalated_at: AwareDatetime | None = Field(
        description="When it was handed to a dispatcher (dispatchers only)."
    )
    holder: str | None = Field(
        description="Whose calendar holds the order's time while nobody is assigned "
        "(dispatchers only)."
    )
    offers: int | None = Field(description="Offers made so far (dispatchers only).")
    offer: OfferOut | None = Field(
        description="The standing offer (dispatchers, and the technician it is made to)."
    )
    refused: list[str] | None = Field(
        description="Technicians who refused it or let an offer time out: never asked "
        "again (dispatchers only)."
    )
    broadcast: list[str] | None = Field(
        description="Whom the grab broadcast reached, best first (dispatchers only)."
    )

    @classmethod
    def from_domain(cls, state: DispatchState, time_zone: str, viewer: Actor) -> DispatchOut:
        """``state`` as ``viewer`` may see it, times in ``time_zone``."""
        offer = state.offer
        full = sees_dispatch(viewer)
        shown_offer = None
        if offer is not None and (full or offer.technician_id == viewer.id):
            shown_offer = OfferOut(
                technician_id=offer.technician_id,
                number=offer.number,
                made_at=in_zone(offer.made_at, time_zone),
                expires_at=in_zone(offer.expires_at, time_zone),
            )
        escalated = state.escalated_at
        return cls(
            mode=state.mode,
            waiting=state.waiting,
            opened_at=None if state.opened_at is None else in_zone(state.opened_at, time_zone),
            assigned_by=state.assigned_by,
            escalated_at=in_zone(escalated, time_zone) if full and escalated else None,
            holder=state.holder if full else None,
            offers=state.offers if full else None,
            offer=shown_offer,
            refused=sorted(state.refused) if full else None,
            broadcast=list(state.broadcast) if full else None,
        )


class ActorOut(OutModel):
    """Who did something."""

    id: str
    role: str


class TransitionOut(OutModel):
    """One line of an order's timeline."""

    sequence: int
    event: str
    from_state: str
    to_state: str
    actor: ActorOut
    at: AwareDatetime
    reason: str

    @classmethod
    def from_domain(cls, record: TransitionRecord, time_zone: str) -> TransitionOut:
        """From a domain TransitionRecord, times in ``time_zone``."""
        return cls(
            sequence=record.sequence,
            event=record.event,
            from_state=record.from_state,
            to_state=record.to_state,
            actor=ActorOut(id=record.actor.id, role=record.actor.role.value),
            at=in_zone(record.at, time_zone),
            reason=record.reason,
        )


class PartyOut(OutModel):
    """The party an order fills a seat of: the orders of one booking of a service that
    several technicians serve together (GET /parties/{party_id})."""

    id: str
    size: int = Field(description="How many seats (technicians) the party has.")
    seat: int = Field(description="This order's seat, 0 to size - 1.")


class OrderOut(OutModel):
    """An order with its state and timeline; times in the technician's zone."""

    id: str
    state: str = Field(
        description="pending_payment, pending_acceptance, accepted, departed, arrived, "
        "in_service, completed, cancelled, refunding, partially_refunded or refunded."
    )
    customer_id: str
    technician_id: str | None = Field(
        description="Null while the order waits for a technician to take it."
    )
    service_id: str
    booking_id: str = Field(description="The technician's time it holds (for rescheduling).")
    slot: SlotOut
    time_zone: str
    price: MoneyOut = Field(description="What the customer pays, after every discount.")
    coupon_id: str | None = Field(default=None, description="The coupon the order holds.")
    paid: MoneyOut | None
    held: MoneyOut | None = Field(
        default=None,
        description="Authorized on the customer's card and not yet captured (a hold with a "
        "manual-capture provider: it secures the order like a payment); null: none.",
    )
    placed_at: AwareDatetime
    timeline: list[TransitionOut]
    dispatch: DispatchOut | None = Field(
        description="How an order placed without a technician finds one (null: placed "
        "with a chosen technician). Dispatchers see all of it, others its outline.",
    )
    party: PartyOut | None = Field(
        default=None,
        description="The party it is a seat of (a service for several technicians at "
        "once, POST /parties); null: a service for one.",
    )
    holding_id: str | None = Field(
        default=None,
        description="The bought package whose visit paid the order; null: paid with money.",
    )

    @classmethod
    def from_domain(cls, order: Order, viewer: Actor) -> OrderOut:
        """From the domain Order, as ``viewer`` may see it."""
        zone = order.time_zone
        dispatch = order.dispatch
        return cls(
            id=order.id,
            state=order.state,
            customer_id=order.customer_id,
            technician_id=order.technician_id,
            service_id=order.service_id,
            booking_id=order.booking_id,
            slot=SlotOut.from_domain(order.slot, zone),
            time_zone=zone,
            price=MoneyOut.from_domain(order.price),
            coupon_id=order.coupon_id,
            paid=MoneyOut.from_domain(order.paid) if order.paid is not None else None,
            held=MoneyOut.from_domain(order.held_amount) if order.held_amount.amount else None,
            placed_at=in_zone(order.placed_at, zone),
            timeline=[TransitionOut.from_domain(r, zone) for r in order.timeline],
            dispatch=None if dispatch is None else DispatchOut.from_domain(dispatch, zone, viewer),
            party=None
            if order.party is None
            else PartyOut(id=order.party.id, size=order.party.size, seat=order.party.seat),
            holding_id=order.holding_id,
        )


class OrderList(OutModel):
    """Orders, one page, in the order asked for (newest placed first by default)."""

    items: list[OrderOut]
    next_cursor: NextCursor = None
