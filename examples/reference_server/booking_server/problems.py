"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error response of the server has the same shape::

    {
      "type": "https://booking-core.dev/problems/slot_taken",
      "title": "Slot taken",
      "status": 409,
      "detail": "Li Wei is already booked around 2026-03-03T10:00:00+08:00; pick another slot.",
      "code": "slot_taken",
      "details": {"technician_id": "tec_0003", "start": "2026-03-03T10:00:00+08:00"}
    }

* ``code`` is the stable ``error_code`` of the booking_core error (or one of the server's own
  codes below); clients branch on it, never on ``detail``.
* ``type`` is ``<problem base URI><code>``; the base is configurable in
  :func:`booking_server.app.create_app` (default ``https://booking-core.dev/problems/``).
* ``title`` is the same for every problem of one ``type``; ``detail`` says what went wrong
  with this request and what to do about it.

Family → status: InvalidInput 422, NotFound 404, Conflict 409, PermissionDenied 403,
PaymentError 402. The server's own codes: ``invalid_input`` (422, request validation, with
``details.errors``), ``unauthenticated`` (401), ``not_found`` (404, no such route),
``method_not_allowed`` (405), ``http_error`` (other HTTP errors) and ``internal_error``
(500, no internals disclosed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from booking_core.errors import (
    BookingError,
    Conflict,
    InvalidInput,
    NotFound,
    PaymentError,
    PermissionDenied,
)

__all__ = [
    "DEFAULT_PROBLEM_BASE",
    "PROBLEM_MEDIA_TYPE",
    "FieldError",
    "Problem",
    "ProblemResponse",
    "Unauthenticated",
    "install_problem_handlers",
    "problem_responses",
    "status_for",
]

logger = logging.getLogger("booking_server")

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
DEFAULT_PROBLEM_BASE: Final = "https://booking-core.dev/problems/"

#: booking_core error family → HTTP status (most specific family first).
_FAMILY_STATUS: Final[tuple[tuple[type[BookingError], int], ...]] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (PermissionDenied, 403),
    (PaymentError, 402),
)


class FieldError(BaseModel):
    """One field that failed request validation."""

    location: list[str | int] = Field(
        description="Where the field is: body, query, path or header, then the field path."
    )
    message: str
    type: str = Field(description="The validation error type, e.g. 'int_type', 'missing'.")


class Problem(BaseModel):
    """An RFC 9457 problem: every error response of this server."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "https://booking-core.dev/problems/slot_taken",
                "title": "Slot taken",
                "status": 409,
                "detail": "The technician is already booked around that time; pick another slot.",
                "code": "slot_taken",
                "details": {"technician_id": "tec_0003"},
            }
        }
    )

    type: str = Field(description="URI naming the problem type: the base URI plus `code`.")
    title: str = Field(description="Short summary, the same for every problem of one type.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, for a person.")
    code: str = Field(description="Stable machine-readable error code; branch on this.")
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="Machine-readable facts (ids, states; `errors` for field validation).",
    )


class ProblemResponse(JSONResponse):
    """A JSON response with the ``application/problem+json`` media type."""

    media_type = PROBLEM_MEDIA_TYPE


class Unauthenticated(Exception):
    """The request does not say who is acting (or says it in a way we cannot accept)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def status_for(error: BookingError) -> int:
    """The HTTP status of a booking_core error, by its family (400 for a bare root error)."""
    for family, status in _FAMILY_STATUS:
        if isinstance(error, family):
            return status
    return 400


def title_for(code: str) -> str:
    """The title of a problem type: its code in words (``slot_taken`` → ``Slot taken``)."""
    return code.replace("_", " ").capitalize()


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem+json answers for ``statuses``."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _problem(
    base: str,
    *,
    status: int,
    code: str,
    detail: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    body = Problem(
        type=f"{base}{code}",
        title=title_for(code),
        status=status,
        detail=detail,
        code=code,
        details=dict(details or {}),
    )
    return ProblemResponse(
        body.model_dump(mode="json"), status_code=status, headers=dict(headers or {})
    )


def _field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    # Keep location, message and type only: the raw input and the context may be large or
    # hold objects that are not JSON (and echoing input back is never needed).
    return [
        FieldError(
            location=[p if isinstance(p, int) else str(p) for p in error.get("loc", ())],
            message=str(error.get("msg", "")),
            type=str(error.get("type", "")),
        ).model_dump(mode="json")
        for error in errors
        if isinstance(error, Mapping)
    ]


def install_problem_handlers(app: FastAPI, *, base: str = DEFAULT_PROBLEM_BASE) -> None:
    """Register the handlers that turn every error into a problem+json response."""

    def booking_error(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, BookingError)
        return _problem(
            base,
            status=status_for(exc),
            code=exc.error_code,
            detail=exc.message,
            details=_jsonable(exc.details),
        )

    def validation_error(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _field_errors(exc.errors())
        where = ", ".join(".".join(str(p) for p in e["location"]) for e in errors[:5])
        return _problem(
            base,
            status=422,
            code=InvalidInput.code,
            detail=f"The request is not valid: {where or 'see details.errors'}.",
            details={"errors": errors},
        )

    def unauthenticated(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, Unauthenticated)
        return _problem(
            base,
            status=401,
            code="unauthenticated",
            detail=exc.message,
            headers={"WWW-Authenticate": 'X-Actor realm="booking-core reference server"'},
        )

    def http_error(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "not_found", 405: "method_not_allowed"}
        code = codes.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return _problem(
            base,
            status=exc.status_code,
            code=code,
            detail=detail,
            headers=exc.headers,
        )

    def unexpected(_: Request, exc: Exception) -> ProblemResponse:
        logger.error("unexpected error while serving a request", exc_info=exc)
        return _problem(
            base,
            status=500,
            code="internal_error",
            detail="An unexpected error occurred; it has been logged. Try again later.",
        )

    app.add_exception_handler(BookingError, booking_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Unauthenticated, unauthenticated)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _jsonable(details: Mapping[str, Any]) -> dict[str, Any]:
    # Error details are meant to be plain data; anything else is shown as its string form
    # rather than failing the error response itself.
    def plain(value: Any) -> Any:
        if value is None or isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [plain(v) for v in value]
        return str(value)

    return {str(k): plain(v) for k, v in details.items()}
