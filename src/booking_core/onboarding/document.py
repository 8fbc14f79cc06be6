"""A qualification document: what kind it is, where its file is stored, when it expires."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import attrs
from pendulum import Date

from booking_core.errors import InvalidApplication

__all__ = ["DocumentKind", "QualificationDocument"]

#: The longest file reference kept (a storage key or URL, never the file itself).
MAX_FILE_REFERENCE: Final = 500


class DocumentKind(StrEnum):
    """The kinds of document a technician proves his qualification with (FEATURES T1)."""

    ID_CARD = "id_card"
    HEALTH_CERTIFICATE = "health_certificate"
    SKILL_CERTIFICATE = "skill_certificate"  # a massage licence, a beautician's certificate


def _kind(value: str) -> DocumentKind:
    try:
        return DocumentKind(value)
    except ValueError:
        raise InvalidApplication(
            f"{value!r} is not a document kind; use one of "
            f"{', '.join(k.value for k in DocumentKind)}.",
            details={"field": "kind"},
        ) from None


def _reference(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FILE_REFERENCE:
        raise InvalidApplication(
            "A document names its stored file (a key or URL of 1–"
            f"{MAX_FILE_REFERENCE} characters); upload the file first.",
            details={"field": "file_reference"},
        )


@attrs.frozen
class QualificationDocument:
    """One document of an application: a reference to a file the app stored, not its bytes.

    Attributes:
        kind: What it proves.
        file_reference: Where the uploaded file is (a storage key or URL of your app).
        expires_on: The local day from which the document is no longer valid (None: it
            does not expire). A technician is not verified from that day on.
    """

    kind: DocumentKind = attrs.field(converter=_kind)
    file_reference: str = attrs.field(validator=_reference)
    expires_on: Date | None = None
