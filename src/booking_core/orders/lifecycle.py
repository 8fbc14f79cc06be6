"""The order lifecycle as a python-statemachine chart.

The chart only decides which transitions exist; :class:`~booking_core.orders.order.Order`
owns the state (a plain string), the guards on actors and the timeline.
"""

from __future__ import annotations

from statemachine import State, StateChart

__all__ = ["OrderLifecycle"]


class OrderLifecycle(StateChart):  # type: ignore[misc]
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
    # Final for now; after-sales (complaints, refunds) will lead out of both.
    completed = State("Completed", value="completed", final=True)
    cancelled = State("Cancelled", value="cancelled", final=True)

    pay = pending_payment.to(pending_acceptance)
    accept = pending_acceptance.to(accepted)
    depart = accepted.to(departed)
    arrive = departed.to(arrived)
    start_service = arrived.to(in_service)
    complete = in_service.to(completed)
    cancel = (
        pending_payment.to(cancelled)
        | pending_acceptance.to(cancelled)
        | accepted.to(cancelled)
        | departed.to(cancelled)
        | arrived.to(cancelled)
    )
