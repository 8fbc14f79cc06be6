"""Storage of technicians' applications (onboarding and verification)."""

from __future__ import annotations

from typing import Protocol

from booking_core.ids import TechnicianId
from booking_core.onboarding.application import ApplicationState, TechnicianApplication

__all__ = ["ApplicationRepository", "OnboardingStore"]


class ApplicationRepository(Protocol):
    """Technicians' applications, saved with optimistic concurrency like complaints."""

    def add(self, application: TechnicianApplication) -> None:
        """Store a new application (its version must be 0).

        Raises:
            DuplicateEntity: (code ``application_exists``) if one with its id exists.
        """
        ...

    def get(self, application_id: str) -> TechnicianApplication:
        """The application with its documents and timeline.

        Raises:
            NotFound: (code ``application_not_found``) if there is none with this id.
        """
        ...

    def save(self, application: TechnicianApplication) -> None:
        """Store the changed application if its stored version still equals
        ``application.version``, then increment ``application.version``.

        Raises:
            ConcurrentUpdate: if someone saved the application since it was loaded.
            NotFound: if it was never added.
        """
        ...

    def list_by_state(self, *states: ApplicationState) -> list[TechnicianApplication]:
        """The applications in any of ``states``, first submitted first (then by id): the
        platform's review queue is ``list_by_state(SUBMITTED)``."""
        ...

    def latest_for(self, technician_id: TechnicianId) -> TechnicianApplication | None:
        """The technician's last submitted application (ties by id), or None."""
        ...


class OnboardingStore(Protocol):
    """The onboarding part of a unit of work."""

    @property
    def applications(self) -> ApplicationRepository: ...
