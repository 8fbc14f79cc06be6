"""The unit of work the services run in: storage's own, plus an outbox fed by the aggregates.

Aggregates (orders, complaints, technicians' applications) raise domain events as they
change. The services never write those events themselves: this unit of work remembers
every aggregate it handed out or was given, and on
:meth:`~EventCollectingUnitOfWork.commit` adds one outbox message per new event before
committing, in the same transaction (the pattern of *Architecture Patterns with Python*,
chapters 8–9). A command that fails leaves neither its changes nor its events.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any, Protocol, Self

import cattrs

from booking_core.events import DomainEvent, event_name
from booking_core.ids import CustomerId, OrderId, TechnicianId
from booking_core.onboarding.application import ApplicationState, TechnicianApplication
from booking_core.orders.complaint import Complaint
from booking_core.orders.order import Order
from booking_core.outbox import OutboxMessage
from booking_core.ports.ids import IdSource
from booking_core.ports.storage import (
    ApplicationRepository,
    ComplaintRepository,
    OrderRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)

__all__ = ["EventCollectingUnitOfWork", "EventCollectingUnits"]


class _RaisesEvents(Protocol):
    def pull_events(self) -> list[DomainEvent]: ...


class _Seen:
    """The aggregates one unit of work handed out, once each, in the order first seen."""

    def __init__(self) -> None:
        self._by_id: dict[int, _RaisesEvents] = {}

    def note(self, aggregate: _RaisesEvents) -> None:
        self._by_id.setdefault(id(aggregate), aggregate)

    def events(self) -> Iterator[DomainEvent]:
        for aggregate in self._by_id.values():
            yield from aggregate.pull_events()

    def drop_events(self) -> None:
        for aggregate in self._by_id.values():
            aggregate.pull_events()


class _SeenOrders:
    """Storage's orders, noting each order handed out or added."""

    def __init__(self, inner: OrderRepository, seen: _Seen) -> None:
        self._inner = inner
        self._seen = seen

    def add(self, order: Order) -> None:
        self._inner.add(order)
        self._seen.note(order)

    def get(self, order_id: OrderId) -> Order:
        order = self._inner.get(order_id)
        self._seen.note(order)
        return order

    def get_by_number(self, number: str) -> Order:
        order = self._inner.get_by_number(number)
        self._seen.note(order)
        return order

    def list_for_customer(self, customer_id: CustomerId) -> list[Order]:
        orders = self._inner.list_for_customer(customer_id)
        for order in orders:
            self._seen.note(order)
        return orders

    def __getattr__(self, name: str) -> Any:
        # lock, save, next_sequence: nothing to note.
        return getattr(self._inner, name)


class _SeenComplaints:
    """Storage's complaints, noting each complaint handed out or added."""

    def __init__(self, inner: ComplaintRepository, seen: _Seen) -> None:
        self._inner = inner
        self._seen = seen

    def add(self, complaint: Complaint) -> None:
        self._inner.add(complaint)
        self._seen.note(complaint)

    def get(self, complaint_id: str) -> Complaint:
        complaint = self._inner.get(complaint_id)
        self._seen.note(complaint)
        return complaint

    def for_order(self, order_id: OrderId) -> list[Complaint]:
        return self._noted(self._inner.for_order(order_id))

    def list_pending(self) -> list[Complaint]:
        return self._noted(self._inner.list_pending())

    def _noted(self, complaints: list[Complaint]) -> list[Complaint]:
        for complaint in complaints:
            self._seen.note(complaint)
        return complaints

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _SeenApplications:
    """Storage's technicians' applications, noting each one handed out or added."""

    def __init__(self, inner: ApplicationRepository, seen: _Seen) -> None:
        self._inner = inner
        self._seen = seen

    def add(self, application: TechnicianApplication) -> None:
        self._inner.add(application)
        self._seen.note(application)

    def get(self, application_id: str) -> TechnicianApplication:
        application = self._inner.get(application_id)
        self._seen.note(application)
        return application

    def list_by_state(self, *states: ApplicationState) -> list[TechnicianApplication]:
        applications = self._inner.list_by_state(*states)
        for application in applications:
            self._seen.note(application)
        return applications

    def latest_for(self, technician_id: TechnicianId) -> TechnicianApplication | None:
        application = self._inner.latest_for(technician_id)
        if application is not None:
            self._seen.note(application)
        return application

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class EventCollectingUnitOfWork:
    """Storage's unit of work whose commit first writes the new events of every order,
    complaint and technician's application it handed out or was given to the outbox.

    Every other repository is storage's own (delegated unchanged).
    """

    def __init__(self, inner: UnitOfWork, converter: cattrs.Converter, ids: IdSource) -> None:
        self._inner = inner
        self._converter = converter
        self._ids = ids
        self._seen = _Seen()
        self.orders = _SeenOrders(inner.orders, self._seen)
        self.complaints = _SeenComplaints(inner.complaints, self._seen)
        self.applications = _SeenApplications(inner.applications, self._seen)

    def __getattr__(self, name: str) -> Any:
        # The other repositories hand out nothing that raises events.
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        """Add the new events to the outbox, then commit storage's transaction."""
        outbox = self._inner.outbox
        for event in self._seen.events():
            outbox.add(
                OutboxMessage(
                    id=self._ids.new_id("msg"),
                    name=event_name(event),
                    payload=self._converter.unstructure(event),
                    created_at=event.occurred_at,
                )
            )
        self._inner.commit()

    def rollback(self) -> None:
        """Discard storage's changes; events raised since are dropped with them."""
        self._seen.drop_events()
        self._inner.rollback()


def _write_event(
    uow: UnitOfWork, event: DomainEvent, converter: cattrs.Converter, *, message_id: str
) -> None:
    """Write the event of something that is no aggregate (a value such as a withdrawal,
    which cannot hold events until commit) to the outbox of ``uow``, now, under
    ``message_id`` — as :meth:`EventCollectingUnitOfWork.commit` writes an aggregate's.
    Private to the service layer: this module stays the one place that writes events
    (``PayoutService`` calls it for the withdrawal events)."""
    uow.outbox.add(
        OutboxMessage(
            id=message_id,
            name=event_name(event),
            payload=converter.unstructure(event),
            created_at=event.occurred_at,
        )
    )


class EventCollectingUnits:
    """A unit-of-work factory making :class:`EventCollectingUnitOfWork` over storage's."""

    def __init__(
        self, storage: UnitOfWorkFactory, converter: cattrs.Converter, ids: IdSource
    ) -> None:
        self.storage = storage
        self._converter = converter
        self._ids = ids

    def __call__(self) -> UnitOfWork:
        return EventCollectingUnitOfWork(self.storage(), self._converter, self._ids)
