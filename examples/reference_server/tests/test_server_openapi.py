"""The OpenAPI document describes the API, its actor headers and its problems."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_the_openapi_document_loads_and_lists_the_slice(client: TestClient) -> None:
    # given the server

    # when its OpenAPI document is read
    response = client.get("/openapi.json")

    # then it names the API and every endpoint of the slice
    document = response.json()
    assert response.status_code == 200
    assert document["info"]["title"] == "booking_core reference server"
    assert {
        "/categories",
        "/services",
        "/services/{service_id}",
        "/technicians",
        "/technicians/{technician_id}",
        "/technicians/{technician_id}/slots",
        "/technicians/{technician_id}/reviews",
        "/orders",
        "/orders/{order_id}",
        "/orders/{order_id}/payments",
        "/orders/{order_id}/accept",
        "/orders/{order_id}/depart",
        "/orders/{order_id}/arrive",
        "/orders/{order_id}/start-service",
        "/orders/{order_id}/complete",
        "/orders/{order_id}/cancel",
        "/orders/{order_id}/review",
    } <= set(document["paths"])


def test_every_reference_resolves(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when its $refs are collected
    refs = _refs(document["paths"]) | _refs(document["components"])

    # then each names a schema in the components
    schemas = document["components"]["schemas"]
    assert refs
    assert {r for r in refs if r.removeprefix("#/components/schemas/") not in schemas} == set()


def test_errors_are_documented_as_problem_json(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when placing an order's responses are read
    responses = document["paths"]["/orders"]["post"]["responses"]

    # then conflicts and validation errors are problem+json, and the bearer token is declared
    assert set(responses) >= {"201", "401", "403", "404", "409", "422"}
    for status in ("409", "422"):
        assert responses[status]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert set(document["components"]["securitySchemes"]) == {"OAuth2PasswordBearer"}


def test_the_interactive_docs_are_served(client: TestClient) -> None:
    # given the server

    # when the docs page is read
    response = client.get("/docs")

    # then it is there
    assert response.status_code == 200
