"""The rules: which outbox event tells whom what.

A rule reads an event's payload (and, for order events, :class:`OrderFacts`) and returns
:class:`Notice` s — recipient, template, parameters. Apps change who hears what by passing
their own table to ``build(notification_rules=…)``; :data:`DEFAULT_RULES` is the platform
default documented in ``docs/notifications.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs
import pendulum

from booking_core.money import Money
from booking_core.notifications.facts import OrderFacts
from booking_core.notifications.notification import Recipient

__all__ = ["DEFAULT_RULES", "Notice", "Rule", "order_event"]


@attrs.frozen
class Notice:
    """One message a rule decided on (the relay turns it into a stored notification)."""

    recipient: Recipient
    template: str
    params: dict[str, str]
    subject: str
    urgent: bool = False


Rule = Callable[[Mapping[str, Any], OrderFacts | None], list[Notice]]
"""``(payload, facts) -> notices``; ``facts`` is None for events not about an order."""

#: Events whose payload names an order (``order_id``): the relay reads its facts first.
_ORDER_EVENTS = frozenset(
    {
        "OrderPlaced",
        "PaymentCaptured",
        "OrderStateChanged",
        "OrderModified",
        "OrderOffered",
        "OrderBroadcast",
        "OrderRefunded",
        "OrderNeedsAttention",
        "ComplaintFiled",
        "ComplaintStateChanged",
        "TipReceived",
        "OrderReviewed",
        "ReviewReplied",
        "ReviewFollowedUp",
        "ReviewHidden",
        "ReviewAppealed",
        "ReviewAppealDecided",
    }
)

OPERATIONS = Recipient("platform", "operations")
CUSTOMER_SERVICE = Recipient("platform", "customer_service")
FINANCE = Recipient("platform", "finance")


def order_event(name: str) -> bool:
    """Whether the event ``name``'s rules need the order's facts."""
    return name in _ORDER_EVENTS


def _customer(facts: OrderFacts) -> Recipient:
    return Recipient("customer", facts.customer_id)


def _serving(facts: OrderFacts) -> list[Recipient]:
    # The technician, and the store that employs him (stores follow their people's orders).
    found = []
    if facts.technician_id is not None:
        found.append(Recipient("technician", facts.technician_id))
    if facts.store_id is not None:
        found.append(Recipient("store", facts.store_id))
    return found


def _money(value: Mapping[str, Any]) -> str:
    return str(Money(int(value["amount"]), str(value["currency"])))


def _need(facts: OrderFacts | None) -> OrderFacts:
    if facts is None:  # the relay reads facts for every order event
        raise ValueError("an order event's rule needs the order's facts")
    return facts


def _placed(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    if not payload["technician_id"]:
        # Placed for dispatch: whoever takes it is told then (order_assigned). The facts
        # are read when the message is relayed, maybe after dispatch seated someone, who
        # would otherwise hear of the order twice.
        return []
    return [Notice(r, "order_placed", f.params(), f.order_id) for r in _serving(f)]


def _paid(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    params = f.params(amount=_money(payload["amount"]))
    return [Notice(_customer(f), "order_paid", params, f.order_id)]


_TO_CUSTOMER = {
    "accepted": ("order_accepted", False),
    "departed": ("technician_departed", True),
    "arrived": ("technician_arrived", True),
}


def _state_changed(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    to_state = payload["to_state"]
    if to_state in _TO_CUSTOMER:
        template, urgent = _TO_CUSTOMER[to_state]
        params = f.params(technician=f.technician)
        return [Notice(_customer(f), template, params, f.order_id, urgent=urgent)]
    if to_state == "completed":
        return [Notice(_customer(f), "order_completed", f.params(), f.order_id)]
    if to_state == "cancelled":
        params = f.params(reason=payload["reason"] or payload["event"])
        told = [_customer(f), *_serving(f)]
        return [Notice(r, "order_cancelled", params, f.order_id, urgent=True) for r in told]
    return []


def _modified(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    if payload["change"] == "technician":
        return _reassigned(payload, f)
    if payload["change"] != "time":
        return []
    # The order wrote its old start as ISO 8601 in its own zone: keep that zone's clock.
    parsed = pendulum.parse(payload["before"])
    if not isinstance(parsed, pendulum.DateTime):
        raise ValueError(f"OrderModified.before is not an instant: {payload['before']!r}")
    previous = parsed.format("YYYY-MM-DD HH:mm")
    params = f.params(previous_start=previous)
    told = [_customer(f), *_serving(f)]
    return [Notice(r, "order_rescheduled", params, f.order_id) for r in told]


def _reassigned(payload: Mapping[str, Any], f: OrderFacts) -> list[Notice]:
    # Both sides: who comes now (and his store), who no longer does, and the customer.
    notices = [Notice(r, "order_assigned", f.params(), f.order_id) for r in _serving(f)]
    if not payload["before"]:
        # Dispatch seated the first technician: nothing changed for the customer, who
        # hears who comes when he accepts (order_accepted).
        return notices
    previous = Recipient("technician", payload["before"])
    notices.append(Notice(previous, "order_unassigned", f.params(), f.order_id, urgent=True))
    params = f.params(technician=f.technician)
    notices.append(Notice(_customer(f), "technician_changed", params, f.order_id))
    return notices


def _offered(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    if f.technician_id is not None:  # relayed after the order found its technician
        return []
    # Urgent: the offer lapses within minutes, quiet hours or not.
    params = f.params(deadline=_local_instant(payload["expires_at"], f.time_zone))
    offered = Recipient("technician", payload["technician_id"])
    return [Notice(offered, "order_offered", params, f.order_id, urgent=True)]


def _broadcast(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    if f.technician_id is not None:  # relayed after someone grabbed it: nothing to grab
        return []
    # Urgent like an offer: the first to grab wins, so a message held till morning is
    # news of an order long gone. Broadcasts reach online technicians only; each is told
    # once, in the broadcast's order.
    told = [Recipient("technician", t) for t in dict.fromkeys(payload["technician_ids"])]
    return [Notice(r, "order_open_for_grab", f.params(), f.order_id, urgent=True) for r in told]


def _local_instant(iso: str, time_zone: str) -> str:
    """An ISO 8601 instant of an event as read in the order's zone, to the second."""
    parsed = pendulum.parse(iso)
    if not isinstance(parsed, pendulum.DateTime):
        raise ValueError(f"not an instant: {iso!r}")
    return parsed.in_timezone(time_zone).format("YYYY-MM-DD HH:mm:ss")


def _refunded(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    params = f.params(amount=_money(payload["amount"]))
    return [Notice(_customer(f), "order_refunded", params, f.order_id)]


def _needs_attention(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    params = f.params(problem=payload["problem"], detail=payload["detail"])
    return [Notice(OPERATIONS, "order_needs_attention", params, f.order_id, urgent=True)]


def _complaint_filed(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    params = f.params(complaint_id=payload["complaint_id"])
    told = [CUSTOMER_SERVICE, *_serving(f)]
    return [Notice(r, "complaint_opened", params, payload["complaint_id"]) for r in told]


def _complaint_changed(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    if payload["to_state"] not in ("resolved", "rejected"):
        return []
    params = f.params(complaint_id=payload["complaint_id"], outcome=payload["to_state"])
    return [Notice(_customer(f), "complaint_resolved", params, payload["complaint_id"])]


def _application_decided(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    if payload["to_state"] not in ("approved", "rejected"):
        return []
    params = {
        "application_id": payload["application_id"],
        "outcome": payload["to_state"],
        "reason": payload["reason"],
    }
    technician = Recipient("technician", payload["technician_id"])
    return [Notice(technician, "application_decided", params, payload["application_id"])]


def _document_expiring(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    params = {
        "application_id": payload["application_id"],
        "documents": ", ".join(payload["kinds"]),
        "expires_on": str(payload["expires_on"]),
    }
    technician = Recipient("technician", payload["technician_id"])
    return [Notice(technician, "document_expiring", params, payload["application_id"])]


def _tipped(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    params = f.params(amount=_money(payload["amount"]))
    # The technician tipped (named by the event: the one serving when it was captured).
    tipped = Recipient("technician", payload["technician_id"])
    return [Notice(tipped, "tip_received", params, f.order_id)]


def _reviewed(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    # The technician reviewed; never who wrote it (a review may be anonymous).
    f = _need(facts)
    params = f.params(stars=str(payload["stars"]))
    reviewed = Recipient("technician", payload["technician_id"])
    return [Notice(reviewed, "review_received", params, f.order_id)]


def _review_told(template: str, whom: str, *more: str) -> Rule:
    """A rule telling ``whom`` (``"customer"``, ``"technician"`` — the review's — or
    ``"customer_service"``) of a review's later life, with the review's id and ``more``."""

    def rule(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
        f = _need(facts)
        params = f.params(review_id=payload["review_id"], **{m: str(payload[m]) for m in more})
        if whom == "customer":
            told = _customer(f)
        elif whom == "technician":
            told = Recipient("technician", payload["technician_id"])
        else:
            told = CUSTOMER_SERVICE
        return [Notice(told, template, params, payload["review_id"])]

    return rule


def _appeal_decided(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    f = _need(facts)
    outcome = "restored" if payload["restored"] else "kept_hidden"
    params = f.params(review_id=payload["review_id"], outcome=outcome)
    technician = Recipient("technician", payload["technician_id"])
    return [Notice(technician, "review_appeal_decided", params, payload["review_id"])]


def _withdrawal_params(payload: Mapping[str, Any], **more: str) -> dict[str, str]:
    return {
        "withdrawal_id": payload["withdrawal_id"],
        "amount": _money(payload["amount"]),
        "net": _money(payload["net"]),
        **more,
    }


def _payee(payload: Mapping[str, Any]) -> Recipient:
    return Recipient(payload["payee_kind"], payload["payee_id"])


def _withdrawal_requested(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
    if not payload["needs_approval"]:
        return []  # approved at once: WithdrawalApproved tells the payee
    params = _withdrawal_params(payload, payee=f"{payload['payee_kind']}:{payload['payee_id']}")
    return [Notice(FINANCE, "withdrawal_to_approve", params, payload["withdrawal_id"])]


def _withdrawal_told(template: str, *reason: str) -> Rule:
    def rule(payload: Mapping[str, Any], facts: OrderFacts | None) -> list[Notice]:
        params = _withdrawal_params(payload, **{r: payload[r] for r in reason})
        return [Notice(_payee(payload), template, params, payload["withdrawal_id"])]

    return rule


#: event name → rule. Events not named here (lateness …) notify nobody.
DEFAULT_RULES: Mapping[str, Rule] = MappingProxyType(
    {
        "OrderPlaced": _placed,
        "PaymentCaptured": _paid,
        "OrderStateChanged": _state_changed,
        "OrderModified": _modified,
        "OrderOffered": _offered,
        "OrderBroadcast": _broadcast,
        "OrderRefunded": _refunded,
        "OrderNeedsAttention": _needs_attention,
        "ComplaintFiled": _complaint_filed,
        "ComplaintStateChanged": _complaint_changed,
        "ApplicationStateChanged": _application_decided,
        "TechnicianDocumentExpiring": _document_expiring,
        "TipReceived": _tipped,
        "OrderReviewed": _reviewed,
        "ReviewReplied": _review_told("review_replied", "customer"),
        "ReviewFollowedUp": _review_told("review_followed_up", "technician"),
        "ReviewHidden": _review_told("review_hidden", "technician", "reason"),
        "ReviewAppealed": _review_told("review_appealed", "customer_service"),
        "ReviewAppealDecided": _appeal_decided,
        "WithdrawalRequested": _withdrawal_requested,
        "WithdrawalApproved": _withdrawal_told("withdrawal_approved"),
        "WithdrawalRejected": _withdrawal_told("withdrawal_rejected", "reason"),
        "WithdrawalPaid": _withdrawal_told("withdrawal_paid"),
        "WithdrawalFailed": _withdrawal_told("withdrawal_failed", "reason"),
    }
)
