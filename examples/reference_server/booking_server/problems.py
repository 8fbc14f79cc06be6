"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error response of the server has the same shape::

    {
      "type": "https://booking-core.dev/problems/slot_taken",
      "title": "Slot taken",
      "status": 409,
      "detail": "Li Wei is already booked around 2026-03-03T10:00:00+08:00; pick another slot.",
      "code": "slot_taken",
      "details": {"technician_id": "tec_0003", "start": "2026-03-03T10:00:00+08:00"},
      "request_id": "5f0c8e6b9a2d4c71b3e4f0a1d2c3b4a5"
    }

* ``code`` is the stable ``error_code`` of the booking_core error (or one of the server's own
  codes below); clients branch on it, never on ``detail``.
* ``type`` is ``<problem base URI><code>``; the base is configurable in
  :func:`booking_server.app.create_app` (default ``https://booking-core.dev/problems/``).
* ``title`` is the same for every problem of one ``type``; ``detail`` says what went wrong
  with this request and what to do about it.
* ``request_id`` is the id of the request (also in the ``X-Request-ID`` response header); the
  server's log names it next to any error it logs, so a report can be matched to the log.

Family → status: InvalidInput 422, NotFound 404, Conflict 409, PermissionDenied 403,
PaymentError 402, StorageUnavailable 503 (with ``Retry-After``), CalendarUnavailable 502.
The server's own codes:
``invalid_input`` (422, request validation, with ``details.errors``), ``unauthenticated``
(401), ``not_found`` (404, no such route), ``method_not_allowed`` (405, its ``Allow``
naming every method of the path), ``http_error`` (other HTTP errors) and
``internal_error`` (500, no internals disclosed);
:mod:`booking_server.edge` adds ``request_too_large`` (413) and ``invalid_text`` (422).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from booking_core.errors import (
    BookingError,
    CalendarUnavailable,
    Conflict,
    DateOutOfRange,
    InvalidInput,
    InvalidText,
    NotFound,
    PaymentError,
    PermissionDenied,
    StorageUnavailable,
)

__all__ = [
    "DEFAULT_PROBLEM_BASE",
    "PROBLEM_MEDIA_TYPE",
    "SPECIFIC_VALIDATION_CODES",
    "FieldError",
    "Problem",
    "ProblemResponse",
    "Unauthenticated",
    "allowed_methods",
    "current_request_id",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
    "request_id_var",
    "status_for",
]

logger = logging.getLogger("booking_server")

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
_HTTP_METHODS: Final = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")
DEFAULT_PROBLEM_BASE: Final = "https://booking-core.dev/problems/"

#: The id of the request being served (set by :class:`booking_server.edge.RequestGuard`).
request_id_var: ContextVar[str | None] = ContextVar("booking_server_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served, if the request guard gave it one."""
    return request_id_var.get()


#: Field-error types that become the problem's code (see ``install_problem_handlers``).
SPECIFIC_VALIDATION_CODES: Final = frozenset({DateOutOfRange.code, InvalidText.code})

#: booking_core error family → HTTP status (most specific family first).
_FAMILY_STATUS: Final[tuple[tuple[type[BookingError], int], ...]] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (PermissionDenied, 403),
    (PaymentError, 402),
    (StorageUnavailable, 503),
    # An outside calendar (a gateway we read for the client) failed: 502 Bad Gateway.
    (CalendarUnavailable, 502),
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
    request_id: str | None = Field(
        default=None,
        description="The request's id, as in the `X-Request-ID` header; the log names it.",
    )


class ProblemResponse(JSONResponse):
    """A JSON response with the ``application/problem+json`` media type."""

    media_type = PROBLEM_MEDIA_TYPE


class Unauthenticated(Exception):
    """The request does not say who is acting (or says it in a way we cannot accept).

    Answered 401 with ``WWW-Authenticate: Bearer``; ``code`` is ``unauthenticated`` unless
    a subclass names the failed sign-in more precisely (``invalid_credentials`` …).
    """

    code: str = "unauthenticated"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})


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


def problem_response(
    base: str,
    *,
    status: int,
    code: str,
    detail: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """A problem+json response; it carries the id of the request being served."""
    body = Problem(
        type=f"{base}{code}",
        title=title_for(code),
        status=status,
        detail=detail,
        code=code,
        details=dict(details or {}),
        request_id=current_request_id(),
    )
    return ProblemResponse(
        body.model_dump(mode="json"), status_code=status, headers=dict(headers or {})
    )


_problem = problem_response


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
    # ``async`` though they await nothing: Starlette runs a plain ``def`` handler in the
    # thread pool, a round trip per error answer.

    async def booking_error(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, BookingError)
        # A stalled database is temporary: say when to come back (RFC 9110 Retry-After).
        retry = (
            {"Retry-After": str(exc.retry_after_seconds)}
            if isinstance(exc, StorageUnavailable)
            else None
        )
        return _problem(
            base,
            status=status_for(exc),
            code=exc.error_code,
            detail=exc.message,
            details=_jsonable(exc.details),
            headers=retry,
        )

    async def validation_error(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _field_errors(exc.errors())
        where = ", ".join(".".join(str(p) for p in e["location"]) for e in errors[:5])
        # A validator that raises one of the core's specific codes (e.g. date_out_of_range)
        # names it as the problem's code when it is the only kind of error in the request.
        kinds = {e["type"] for e in errors}
        (only,) = kinds if len(kinds) == 1 else ("",)
        return _problem(
            base,
            status=422,
            code=only if only in SPECIFIC_VALIDATION_CODES else InvalidInput.code,
            detail=f"The request is not valid: {where or 'see details.errors'}.",
            details={"errors": errors},
        )

    async def unauthenticated(_: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, Unauthenticated)
        return _problem(
            base,
            status=401,
            code=exc.code,
            detail=exc.message,
            details=exc.details,
            headers={"WWW-Authenticate": 'Bearer realm="booking-core reference server"'},
        )

    async def http_error(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "not_found", 405: "method_not_allowed"}
        code = codes.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return _problem(
            base,
            status=exc.status_code,
            code=code,
            detail=detail,
            headers=headers,
        )

    async def unexpected(_: Request, exc: Exception) -> ProblemResponse:
        # Not logged here: the request guard logs every error once, with the request id;
        # an error that escapes it is re-raised by Starlette and logged by the server.
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


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at the request's path (for the ``Allow`` of a 405).

    Starlette answers 405 from the first route whose path matches and names only that
    route's methods; a path served by one route per method needs all of them. Each method
    is tried through the routes' public ``matches`` (FastAPI may nest its routers).
    """
    routes = request.app.router.routes
    return [
        method
        for method in _HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


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
