"""Technicians' applications: one row each, key columns plus the converter document."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Row, bindparam, select, update

from booking_core.ids import TechnicianId
from booking_core.onboarding.application import ApplicationState, TechnicianApplication
from booking_core.serialization import make_converter
from booking_core_sqlalchemy.repositories._base import Repository, insert_or_nothing
from booking_core_sqlalchemy.tables import technician_applications

__all__ = ["SqlAlchemyApplicationRepository", "application_to_domain", "application_to_row"]

_CONVERTER: Final = make_converter()
_T: Final = technician_applications

_INSERT: Final = insert_or_nothing(_T)
_BY_FILING: Final = select(_T).order_by(_T.c.submitted_at, _T.c.id)
_ONE: Final = select(_T).where(_T.c.id == bindparam("application_id"))
_IN_STATES: Final = _BY_FILING.where(_T.c.state.in_(bindparam("states", expanding=True)))
_LATEST: Final = (
    select(_T)
    .where(_T.c.technician_id == bindparam("technician_id"))
    .order_by(_T.c.submitted_at.desc(), _T.c.id.desc())
    .limit(1)
)
_CAS: Final = (
    update(_T)
    .where(_T.c.id == bindparam("cas_id"), _T.c.version == bindparam("cas_version"))
    .values(
        state=bindparam("new_state"),
        document=bindparam("new_document", type_=_T.c.document.type),
        version=_T.c.version + 1,
    )
)


def application_to_row(application: TechnicianApplication) -> dict[str, Any]:
    """Column values of an application: key columns and the converter document."""
    document = _CONVERTER.unstructure(application, TechnicianApplication)
    del document["version"]
    return {
        "id": application.id,
        "technician_id": application.technician_id,
        "state": application.state,
        "submitted_at": application.submitted_at,
        "version": application.version,
        "document": document,
    }


def application_to_domain(row: Row[Any]) -> TechnicianApplication:
    """The application in ``row``."""
    return _CONVERTER.structure({**row.document, "version": row.version}, TechnicianApplication)


class SqlAlchemyApplicationRepository(Repository):
    """Applications in ``technician_applications``, compare-and-set on version."""

    entity = "application"

    def add(self, application: TechnicianApplication) -> None:
        """Store a new application. Raises DuplicateEntity (``application_exists``)."""
        self._insert_new(_INSERT, application_to_row(application), application.id)

    def get(self, application_id: str) -> TechnicianApplication:
        """The application. Raises NotFound (``application_not_found``)."""
        return application_to_domain(
            self._one(_ONE, {"application_id": application_id}, application_id)
        )

    def save(self, application: TechnicianApplication) -> None:
        """Compare-and-set on ``version``, then increment ``application.version``.

        Raises:
            ConcurrentUpdate: if someone saved the application since it was loaded.
            NotFound: if it was never added.
        """
        values = application_to_row(application)
        params = {"cas_id": application.id, "cas_version": application.version,
                  "new_state": values["state"], "new_document": values["document"]}  # fmt: skip
        self._compare_and_set(_CAS, params, application.id, self.get)
        application.version += 1

    def list_by_state(self, *states: ApplicationState) -> list[TechnicianApplication]:
        """The applications in any of ``states``, first submitted first."""
        if not states:
            return []
        rows = self._conn.execute(_IN_STATES, {"states": [s.value for s in states]})
        return [application_to_domain(row) for row in rows]

    def latest_for(self, technician_id: TechnicianId) -> TechnicianApplication | None:
        """The technician's last submitted application, or None."""
        row = self._conn.execute(_LATEST, {"technician_id": technician_id}).first()
        return None if row is None else application_to_domain(row)
