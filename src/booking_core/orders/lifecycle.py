"""The order lifecycle as a python-statemachine chart.

The chart decides which transitions exist and checks the guards that depend on the order's
own facts (money captured, technician assigned) and on the clock (not setting off, starting
or completing too early). :class:`~booking_core.orders.order.Order` owns the state (a plain
string), the roles allowed per event and the timeline; the remaining rules that depend on
policy and time (cancellation notice, lateness, no-show wait) live in the services.

Guards (methods of the model, :class:`~booking_core.orders.order.Order`):

* ``upfront_covered`` — what is due at checkout (full price, deposit or nothing) is captured;
* ``has_technician`` — a technician is assigned (not after a rejection until reassigned);
* ``arrival_settled`` — a pay-on-arrival order is paid in full before the service starts;
* ``fully_paid`` — the whole price is captured and not refunded (the balance of a deposit
  order, too);
* ``fully_refunded`` — everything captured has been refunded.

Time guards (also methods of the model; they read the ``at`` and ``policy`` the order passes
to ``send``, see :mod:`booking_core.orders.timing`):

* ``lead_time_reached`` — the technician sets off no earlier than the lead time before the
  start;
* ``start_tolerance_reached`` — the service starts no earlier than the tolerance before it;
* ``minimum_service_time_reached`` — the service is completed no earlier than a minimum share
  of its duration after its recorded start.
"""

from __future__ import annotations

from typing import Final

from statemachine import State, StateChart

__all__ = ["GUARD_EXPLANATIONS", "OrderLifecycle"]

#: What a failed guard means, in words a person can act on.
GUARD_EXPLANATIONS: Final[dict[str, str]] = {
    "upfront_covered": "the amount due at checkout has not been captured",
    "has_technician": "no technician is assigned (it was rejected; reassign it first)",
    "arrival_settled": "a pay-on-arrival order must be paid in full before the service starts",
    "fully_paid": "the balance has not been paid",
    "fully_refunded": "not everything captured has been refunded",
}


class OrderLifecycle(StateChart):  # type: ignore[type-arg]
    """States and transitions of an at-home order.

    Built per command around one order (``OrderLifecycle(model=order)``); building costs
    about half a millisecond, so never build one per row when listing.
    """

    # StateChart defaults ignore unknown events and swallow callback errors; we want both loud.
    allow_event_without_transition = False
    catch_errors_as_events = False

    pending_payment = State("Pending payment", initial=True, value="pending_payment")
    pending_acceptance = State("Pending acceptance", value="pending_acceptance")
    accepted = State("Accepted", value="accepted")
    departed = State("Technician departed", value="departed")
    arrived = State("Technician arrived", value="arrived")
    in_service = State("In service", value="in_service")
    completed = State("Completed", value="completed")
    cancelled = State("Cancelled", value="cancelled")
    refunding = State("Refunding", value="refunding")
    partially_refunded = State("Partially refunded", value="partially_refunded")
    refunded = State("Refunded", value="refunded", final=True)

    pay = pending_payment.to(pending_acceptance, cond="upfront_covered")
    accept = pending_acceptance.to(accepted, cond="has_technician")
    # A refusal sends the order back to wait for a technician; the refusal is on the timeline.
    reject = (
        pending_acceptance.to.itself(internal=True, cond="has_technician")  # type: ignore[no-untyped-call]
        | accepted.to(pending_acceptance)
    )
    # Another technician: before payment nothing changes; otherwise the new one must accept.
    reassign = (
        pending_payment.to.itself(internal=True)  # type: ignore[no-untyped-call]
        | pending_acceptance.to.itself(internal=True)  # type: ignore[no-untyped-call]
        | accepted.to(pending_acceptance)
    )
    # Dispatch seats a technician on an order waiting for one (he still accepts).
    assign = (
        pending_payment.to.itself(internal=True)  # type: ignore[no-untyped-call]
        | pending_acceptance.to.itself(internal=True)  # type: ignore[no-untyped-call]
    )
    # A new time or another service, before the technician sets off.
    modify = (
        pending_payment.to.itself(internal=True)  # type: ignore[no-untyped-call]
        | pending_acceptance.to.itself(internal=True)  # type: ignore[no-untyped-call]
        | accepted.to.itself(internal=True)  # type: ignore[no-untyped-call]
    )
    depart = accepted.to(departed, cond="lead_time_reached")
    arrive = departed.to(arrived)
    start_service = arrived.to(in_service, cond=["arrival_settled", "start_tolerance_reached"])
    complete = in_service.to(completed, cond=["fully_paid", "minimum_service_time_reached"])
    cancel = (
        pending_payment.to(cancelled)
        | pending_acceptance.to(cancelled)
        | accepted.to(cancelled)
        | departed.to(cancelled)
        | arrived.to(cancelled)
    )
    no_show = arrived.to(cancelled)
    refund = cancelled.to(refunding) | completed.to(refunding) | partially_refunded.to(refunding)
    settle_refund = refunding.to(refunded, cond="fully_refunded") | refunding.to(
        partially_refunded, unless="fully_refunded"
    )
