"""Who sees the customer's phone and address (FEATURES P11, INVARIANTS I25).

The rule, decided from the order's timeline and an instant (so it answers for the past as
well as for now — "what did he see at 10:05?"):

* The technician assigned to the order sees the full phone and address from the instant
  the order is *accepted* through ``accepted``, ``departed``, ``arrived``, ``in_service``
  and ``completed``, and for :attr:`PrivacyPolicy.reveal_after_completion_minutes` after
  the completion (whatever refunds follow it: a refund is not a cancellation).
* A cancellation (``cancel`` or ``no_show``), a rejection or a reassignment ends it at the
  instant it is recorded — a reassignment even to the same technician, who must accept
  again. The technician who takes over sees it once *he* accepts.
* Any other technician, and everyone at any instant before the acceptance, sees masked
  data: :func:`mask_phone` and :func:`mask_address`.

Each window is half-open, ``[accepted at, ended at)``: at the very instant of the
acceptance the technician sees it, at the very instant of the cancellation he no longer
does. The timeline's instants never go back (the services stamp them from one clock); an
instant after the last record is answered as if nothing more happens.

Which technician a past window belongs to: the timeline records who *fired* each event,
not who was assigned. The current assignment is ``Order.technician_id``; an earlier one
(ended by a rejection or a reassignment) is known from the records its technician fired
himself — his acceptance, departure, rejection... If the platform did everything on his
behalf, the window is attributed to no one and reveals nothing (fail closed).

Everything here is pure; :func:`contact_for` is what a service calls to show contact data
to an actor. A platform operator sees masked data unless he gives a reason; the full view
then carries an :class:`AuditedReveal` the caller must store (storage of audit records
comes later — this value is the seam).
"""

from __future__ import annotations

import re
from typing import Final, Protocol

import attrs
from pendulum import DateTime

from booking_core.errors import InvalidInput, InvalidOrderPolicy
from booking_core.ids import OrderId, TechnicianId
from booking_core.orders.actor import Actor, Role
from booking_core.orders.order import Order, OrderState
from booking_core.scheduling.geo import GeoPoint

__all__ = [
    "AuditedReveal",
    "ContactView",
    "PostalAddress",
    "PrivacyPolicy",
    "RevealWindow",
    "contact_for",
    "mask_address",
    "mask_phone",
    "reveal_windows",
    "reveals_contact",
]

_S = OrderState
#: The states in which the assigned technician sees the contact (completion aside).
_REVEALING: Final = frozenset({_S.ACCEPTED, _S.DEPARTED, _S.ARRIVED, _S.IN_SERVICE})
#: The events that change who is assigned: they end a window even if the state stayed.
_ASSIGNMENT_EVENTS: Final = frozenset({"reject", "reassign"})


def _whole_minutes(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int or value < 0:
        raise InvalidOrderPolicy(
            f"{attribute.name} is a whole number of minutes ≥ 0; got {value!r}.",
            details={"field": attribute.name},
        )


@attrs.frozen
class PrivacyPolicy:
    """How long contact data stays visible.

    Attributes:
        reveal_after_completion_minutes: How long after the completion the technician still
            sees the phone and address (24 hours: a forgotten item, a question about the
            visit). Whole minutes of elapsed time, like the other time limits of
            :class:`~booking_core.orders.policy.OrderPolicy` — no calendar days, so no DST
            ambiguity; 0 masks them at the completion.

    Raises:
        InvalidOrderPolicy: the duration is not a whole number ≥ 0.
    """

    reveal_after_completion_minutes: int = attrs.field(default=24 * 60, validator=_whole_minutes)


@attrs.frozen
class RevealWindow:
    """When one technician saw (or sees) the customer's contact on one order.

    Attributes:
        technician_id: Whose window it is (None: the assignment cannot be attributed from
            the timeline, so it reveals to no one).
        start: The acceptance (included).
        end: When it ended (excluded): the cancellation, rejection or reassignment, or the
            completion plus the policy's minutes. None: still open.
    """

    technician_id: TechnicianId | None
    start: DateTime
    end: DateTime | None

    def contains(self, at: DateTime) -> bool:
        """Whether ``at`` lies in the window."""
        return self.start <= at and (self.end is None or at < self.end)


def reveal_windows(order: Order, policy: PrivacyPolicy) -> tuple[RevealWindow, ...]:
    """Every window in which a technician sees the order's contact, oldest first.

    Read from ``order.timeline`` alone (see the module docstring for how each window is
    attributed); an order never accepted has none.
    """
    windows: list[RevealWindow] = []
    opened: DateTime | None = None
    # Windows of the current assignment, and who fired a record during it.
    pending: list[tuple[DateTime, DateTime | None]] = []
    acting: set[str] = set()
    for record in order.timeline:
        if record.actor.role is Role.TECHNICIAN:
            acting.add(record.actor.id)
        ends_assignment = record.event in _ASSIGNMENT_EVENTS
        if opened is not None and (ends_assignment or record.to_state not in _REVEALING):
            end = record.at
            if record.to_state == _S.COMPLETED:
                end = record.at.add(minutes=policy.reveal_after_completion_minutes)
            pending.append((opened, end))
            opened = None
        if ends_assignment:
            # Only the assigned technician may fire an event, so one who did is the one.
            who = TechnicianId(acting.pop()) if len(acting) == 1 else None
            windows.extend(RevealWindow(who, start, end) for start, end in pending)
            pending, acting = [], set()
        if opened is None and record.to_state in _REVEALING and not ends_assignment:
            opened = record.at
    if opened is not None:
        pending.append((opened, None))
    windows.extend(RevealWindow(order.technician_id, start, end) for start, end in pending)
    return tuple(windows)


def reveals_contact(
    order: Order, technician_id: TechnicianId, at: DateTime, policy: PrivacyPolicy
) -> bool:
    """Whether technician ``technician_id`` sees the customer's full phone and address on
    ``order`` at the instant ``at`` (past, present or future as the timeline stands).

    Raises:
        InvalidInput: ``at`` has no time zone.
    """
    _ensure_aware(at)
    return any(
        w.technician_id == technician_id and w.contains(at) for w in reveal_windows(order, policy)
    )


# -- masking -------------------------------------------------------------------------------

#: The shape ``booking_core.customers`` accepts too: 7 to 15 digits, the first not 0.
_E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")
#: The two-digit country codes of ITU-T E.164; 1 and 7 are the one-digit ones, all others
#: have three digits (the codes are prefix-free, so this table splits any number).
_TWO_DIGIT_CODES: Final = frozenset(
    [
        "20",
        "27",
        "30",
        "31",
        "32",
        "33",
        "34",
        "36",
        "39",
        "40",
        "41",
        "43",
        "44",
        "45",
        "46",
        "47",
        "48",
        "49",
        "51",
        "52",
        "53",
        "54",
        "55",
        "56",
        "57",
        "58",
        "60",
        "61",
        "62",
        "63",
        "64",
        "65",
        "66",
        "81",
        "82",
        "84",
        "86",
        "90",
        "91",
        "92",
        "93",
        "94",
        "95",
        "98",
    ]
)
_SHOWN_HEAD, _SHOWN_TAIL, _MIN_HIDDEN = 3, 4, 4


def _national_number(e164: object) -> str:
    if not isinstance(e164, str) or _E164.fullmatch(e164) is None:
        # The value itself stays out of the message: it may be a real number, and
        # messages end up in logs.
        shown = f"{len(e164)} characters" if isinstance(e164, str) else type(e164).__name__
        raise InvalidInput(
            "A phone number is written in E.164: '+', the country code and the number, "
            f"7 to 15 digits, no spaces (like '+8613812345678'); got {shown}.",
            details={"field": "phone"},
        )
    digits = e164[1:]
    if digits[0] in "17":
        code = 1
    elif digits[:2] in _TWO_DIGIT_CODES:
        code = 2
    else:
        code = 3
    return digits[code:]  # at least 4 digits: the country code has at most 3


def mask_phone(e164: str) -> str:
    """The national number of an E.164 phone number with its middle digits starred.

    The country code is dropped; of the national number the first 3 and last 4 digits are
    shown and the rest starred, one star per digit — but at least 4 digits are always
    hidden, taken from the head first, then the tail. So ``+8613812345678`` gives
    ``138****5678``, ``+14155550123`` gives ``41****0123``, ``+6581234567`` gives
    ``****4567`` and a national number of 4 digits is all stars.

    Raises:
        InvalidInput: ``e164`` is not E.164 as :mod:`booking_core.customers` accepts it
            (``+``, 7 to 15 digits, no leading 0, no spaces or dashes;
            ``details["field"] == "phone"``; the message does not repeat the number).
    """
    national = _national_number(e164)
    shown = max(0, len(national) - _MIN_HIDDEN)
    tail = min(_SHOWN_TAIL, shown)
    head = min(_SHOWN_HEAD, shown - tail)
    hidden = len(national) - head - tail
    return national[:head] + "*" * hidden + national[len(national) - tail :]


class PostalAddress(Protocol):
    """What :func:`mask_address` and :func:`contact_for` read of an address: any object
    with these four text attributes (the customer's address value, for one)."""

    @property
    def province(self) -> str:
        """The province (or a municipality: 上海市)."""

    @property
    def city(self) -> str:
        """The city (the same as the province for a municipality)."""

    @property
    def district(self) -> str:
        """The district (区/县)."""

    @property
    def detail(self) -> str:
        """Street, building, floor and door: what masking hides."""


def _joined(*parts: str) -> str:
    kept: list[str] = []
    for part in (p.strip() for p in parts):
        if part and (not kept or kept[-1] != part):  # 上海市 上海市 黄浦区 → 上海市 黄浦区
            kept.append(part)
    return " ".join(kept)


def mask_address(address: PostalAddress) -> str:
    """The address down to its district only: province, city and district joined by
    spaces (empty parts left out, a city equal to its province written once);
    ``detail`` is never read."""
    return _joined(address.province, address.city, address.district)


def _full_address(address: PostalAddress) -> str:
    return _joined(address.province, address.city, address.district, address.detail)


# -- the view an actor is shown ------------------------------------------------------------


@attrs.frozen
class AuditedReveal:
    """A platform operator saw a customer's full contact: who, on which order, why, when.

    The caller must store it (an audit record store comes later; until then this value is
    the seam — keep it with the request's log).
    """

    actor: Actor
    order_id: OrderId
    reason: str
    at: DateTime


@attrs.frozen
class ContactView:
    """The customer's contact as one actor is shown it on one order.

    Attributes:
        order_id: The order.
        viewer: Who is shown it.
        revealed: True: the full values; False: masked ones.
        phone: The E.164 number, or :func:`mask_phone` of it (None: none is known).
        address: Province, city, district and detail, or :func:`mask_address` of it.
        location: The order's destination point when revealed (None when masked: a point
            locates the door as well as the address does).
        audit: Set when a platform operator gave a reason to see the full values: the
            record the caller must store.
    """

    order_id: OrderId
    viewer: Actor
    revealed: bool
    phone: str | None
    address: str
    location: GeoPoint | None = None
    audit: AuditedReveal | None = None


def contact_for(
    order: Order,
    viewer: Actor,
    at: DateTime,
    policy: PrivacyPolicy,
    *,
    phone: str | None,
    address: PostalAddress,
    reason: str = "",
) -> ContactView:
    """The customer's phone and address as ``viewer`` is shown them on ``order`` at ``at``.

    * the order's customer: full (it is his own);
    * a technician: full while :func:`reveals_contact` says so, masked otherwise;
    * the platform (customer service) and the system: masked, unless a non-empty
      ``reason`` is given — then full, with an :class:`AuditedReveal` in ``audit`` that the
      caller must store;
    * anyone else (another customer, the technician's store — it opens his orders, not his
      customers' doors): masked.

    Whether the viewer may see the order at all is :meth:`Order.can_be_seen_by`'s question,
    asked by the service first; this only decides full or masked.

    Raises:
        InvalidInput: ``phone`` is not E.164, or ``at`` has no time zone.
    """
    _ensure_aware(at)
    # Validates the number whoever looks.
    masked_phone = None if phone is None else mask_phone(phone)
    why = reason.strip()
    audit = None
    if viewer.role is Role.CUSTOMER:
        revealed = viewer.id == order.customer_id
    elif viewer.role is Role.TECHNICIAN:
        revealed = reveals_contact(order, TechnicianId(viewer.id), at, policy)
    elif viewer.role in (Role.PLATFORM, Role.SYSTEM) and why:
        revealed = True
        audit = AuditedReveal(actor=viewer, order_id=order.id, reason=why, at=at)
    else:
        revealed = False
    if not revealed:
        return ContactView(order.id, viewer, False, masked_phone, mask_address(address))
    return ContactView(
        order.id, viewer, True, phone, _full_address(address), order.destination, audit
    )


def _ensure_aware(at: DateTime) -> None:
    if at.tzinfo is None:
        raise InvalidInput(
            "An instant needs a time zone to be compared with the order's timeline.",
            details={"field": "at"},
        )
