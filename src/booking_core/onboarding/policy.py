"""The platform's verification rules: which documents are required, when to remind."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import attrs
from pendulum import Date

from booking_core.errors import InvalidApplication, InvalidInput
from booking_core.onboarding.document import DocumentKind, QualificationDocument

__all__ = ["VerificationPolicy"]

#: The most documents one application carries.
MAX_DOCUMENTS: Final = 20


def _kinds(value: Iterable[DocumentKind]) -> frozenset[DocumentKind]:
    return frozenset(DocumentKind(k) for k in value)


def _days(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(
            f"reminder_days is a whole number of days, 0 or more; got {value!r}.",
            details={"field": "reminder_days"},
        )


@attrs.frozen
class VerificationPolicy:
    """What an application must carry and when a technician hears his documents expire.

    Attributes:
        required_kinds: Document kinds every application needs (default: all three).
        reminder_days: How many days before the earliest required document expires the
            reminder is sent (default 30; 0: on the day it expires).
    """

    required_kinds: frozenset[DocumentKind] = attrs.field(
        default=frozenset(DocumentKind), converter=_kinds
    )
    reminder_days: int = attrs.field(default=30, validator=_days)

    def check(
        self, documents: Sequence[QualificationDocument], today: Date
    ) -> tuple[QualificationDocument, ...]:
        """``documents``, if they make an application on the applicant's local ``today``.

        Raises:
            InvalidApplication: none or too many documents, a required kind missing, or a
                document expired already (on or before ``today``).
        """
        if not documents or len(documents) > MAX_DOCUMENTS:
            raise InvalidApplication(
                f"An application carries 1–{MAX_DOCUMENTS} documents; got {len(documents)}.",
                details={"field": "documents"},
            )
        for document in documents:
            if not isinstance(document, QualificationDocument):
                raise InvalidApplication(
                    f"Documents are QualificationDocument values; got {document!r}.",
                    details={"field": "documents"},
                )
            if document.expires_on is not None and document.expires_on <= today:
                raise InvalidApplication(
                    f"The {document.kind.value.replace('_', ' ')} expired on "
                    f"{document.expires_on}; upload a valid one.",
                    details={"field": "expires_on", "kind": document.kind.value},
                )
        missing = sorted(self.required_kinds - {d.kind for d in documents})
        if missing:
            raise InvalidApplication(
                f"Missing documents: {', '.join(k.value for k in missing)}.",
                details={"field": "documents", "missing": [k.value for k in missing]},
            )
        return tuple(documents)

    def expiries(self, documents: Iterable[QualificationDocument]) -> dict[DocumentKind, Date]:
        """For each required kind that expires, when: the latest expiry among its
        documents (a kind with one document that never expires is left out)."""
        days: dict[DocumentKind, list[Date | None]] = {}
        for document in documents:
            if document.kind in self.required_kinds:
                days.setdefault(document.kind, []).append(document.expires_on)
        return {
            kind: max(d for d in found if d is not None)
            for kind, found in days.items()
            if None not in found
        }
