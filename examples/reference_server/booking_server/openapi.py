"""The OpenAPI document: what FastAPI derives from the routes, completed with what it cannot see.

FastAPI documents each route's parameters, body and the responses the route declares (its
own 402, 404, 409 …). Some answers come from layers below the route, the same for every
operation they apply to; :func:`complete_openapi` adds them to each such operation, so the
document lists every status the server can answer (schemathesis checks it: ``nox -s api``):

======  =====================================================  ==============================
status  answered by                                            declared on
======  =====================================================  ==============================
400     Starlette, for a body it cannot parse at all           operations with a request body
401     :func:`booking_server.actors.current_actor`            operations that need an actor
403     a role that may not do this                            operations that need an actor
404     an unknown id in the path                              operations with path parameters
413     the request guard: a body over the size limit          operations with a request body
422     request validation and the request guard               every operation
500     an unexpected error (no internals disclosed)           every operation
503     the database is unavailable; ``Retry-After`` says      every operation
        when to try again
======  =====================================================  ==============================

It also states that security dependencies go together. FastAPI lists each security
dependency as its own requirement object, and OpenAPI reads a list of requirement objects as
alternatives; every security dependency of a FastAPI route runs, so all of them are needed:
they are merged into one requirement object (today there is one, the OAuth2 bearer token).

And no parameter is documented as ``null``: pydantic writes an optional ``str | None`` query
parameter as ``anyOf: [string, null]``, but a path, query or header parameter is absent or
text — never JSON null — so the ``null`` branch is dropped (a client generator or a fuzzer
would otherwise send values that vanish on the wire).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

from booking_server.problems import PROBLEM_MEDIA_TYPE

__all__ = ["RETRY_AFTER", "complete_openapi"]

_METHODS: Final = frozenset({"get", "put", "post", "delete", "patch", "options", "head", "trace"})
_PROBLEM_REF: Final = {"$ref": "#/components/schemas/Problem"}

#: The header of a 503: whole seconds to wait before trying again (RFC 9110 §10.2.3).
RETRY_AFTER: Final = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}

_DESCRIPTIONS: Final = {
    400: "The request body cannot be parsed.",
    401: "No valid access token: missing, forged, expired, or of an ended session or a "
    "disabled account (`unauthenticated`).",
    403: "The actor's role may not do this (`permission_denied`).",
    404: "No such object, or one the actor may not see.",
    413: "The request body is larger than the server takes (`request_too_large`).",
    422: "The request is not valid; `code` says why (`invalid_input` with `details.errors` "
    "for field validation).",
    500: "An unexpected error; it has been logged (`internal_error`).",
    503: "The database is unavailable; try again after `Retry-After` seconds.",
}


def _problem(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}},
    }
    if status == 503:
        response["headers"] = {"Retry-After": dict(RETRY_AFTER)}
    return response


def _below_the_route(operation: dict[str, Any]) -> list[int]:
    statuses = [422, 500, 503]
    if operation.get("security"):
        statuses += [401, 403]
    if "requestBody" in operation:
        statuses += [400, 413]
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        statuses.append(404)
    return sorted(statuses)


def _merged(requirements: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    merged: dict[str, list[str]] = {}
    for requirement in requirements:
        for scheme, scopes in requirement.items():
            merged[scheme] = sorted({*merged.get(scheme, []), *scopes})
    return [merged] if merged else []


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return schema
    kept = [b for b in branches if b != {"type": "null"}]
    if len(kept) == len(branches):
        return schema
    rest = {key: value for key, value in schema.items() if key not in ("anyOf", "default")}
    if schema.get("default") is not None:
        rest["default"] = schema["default"]
    return {**kept[0], **rest} if len(kept) == 1 else {**rest, "anyOf": kept}


def complete_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Add the answers of the layers below the routes, merge the actor requirements and
    take ``null`` out of the parameters.

    A response the route declares itself is kept as it is. Changes ``document`` in place and
    returns it.
    """
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            if operation.get("security"):
                operation["security"] = _merged(operation["security"])
            for parameter in operation.get("parameters", []):
                if "schema" in parameter:
                    parameter["schema"] = _not_null(parameter["schema"])
            responses = operation.setdefault("responses", {})
            for status in _below_the_route(operation):
                responses.setdefault(str(status), _problem(status))
            if "503" in responses:
                headers = responses["503"].setdefault("headers", {})
                headers.setdefault("Retry-After", dict(RETRY_AFTER))
            operation["responses"] = dict(sorted(responses.items()))
    return document
