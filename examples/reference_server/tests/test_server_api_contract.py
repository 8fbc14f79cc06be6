"""The OpenAPI document declares every answer the server can give (issue 8, item 14).

Schemathesis (``nox -s api``) checks the running server against the document; these tests
pin the rules the document follows, so that a new route cannot quietly break them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/categories", {"GET", "POST"}),
        ("DELETE", "/orders", {"GET", "POST"}),
        ("PUT", "/orders/ord_0001", {"GET"}),
        ("DELETE", "/orders/ord_0001/cancellation", {"GET", "POST"}),
        ("PATCH", "/campaigns", {"GET", "POST"}),
    ],
)
def test_a_405_lists_every_method_of_the_path(
    client: TestClient, method: str, path: str, allowed: set[str]
) -> None:
    # given a path served by several routes, one per method

    # when it is called with a method none of them takes
    response = client.request(method, path)

    # then the 405 problem's Allow header names every method of the path, once each
    methods = [m.strip() for m in response.headers["allow"].split(",")]
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert sorted(methods) == sorted(allowed)


def test_an_operation_that_needs_an_actor_needs_a_bearer_token(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when the security requirements of the operations are collected
    requirements = {
        f"{method} {path}": operation.get("security")
        for method, path, operation in _operations(document)
    }

    # then an operation that needs an actor asks for the OAuth2 bearer token (the /docs
    # Authorize button fills it in), and a public one asks for nothing
    secured = {label: r for label, r in requirements.items() if r is not None}
    assert len(secured) > 40
    assert {label for label, r in secured.items() if r != [{"OAuth2PasswordBearer": []}]} == set()
    assert requirements["GET /categories"] is None
    assert requirements["POST /orders"] == [{"OAuth2PasswordBearer": []}]
    flow = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flow["password"]["tokenUrl"] == "/auth/token"


def test_every_operation_declares_the_answers_of_the_layers_below_its_route(
    client: TestClient,
) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when each operation's responses are compared with what the layers under it can answer
    missing: dict[str, set[str]] = {}
    for method, path, operation in _operations(document):
        expected = {"422", "500", "503"}
        if "security" in operation:
            expected |= {"401", "403"}
        if "requestBody" in operation:
            expected |= {"400", "413"}
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add("404")
        if absent := expected - set(operation["responses"]):
            missing[f"{method} {path}"] = absent

    # then nothing is missing
    assert missing == {}


def test_every_problem_answer_is_problem_json_and_503_says_when_to_retry(
    client: TestClient,
) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when the error responses are read
    errors = [
        (f"{method} {path}", status, response)
        for method, path, operation in _operations(document)
        for status, response in operation["responses"].items()
        if status.startswith(("4", "5"))
    ]

    # then each is a problem+json, and every 503 documents its Retry-After header
    assert errors
    assert [(label, s) for label, s, r in errors if r.get("content") != PROBLEM] == []
    unavailable = [r for _, s, r in errors if s == "503"]
    assert unavailable
    assert all(
        r["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 0}
        for r in unavailable
    )


def test_a_body_that_cannot_be_parsed_is_a_documented_bad_request(
    client: TestClient, platform: dict[str, str]
) -> None:
    # given a request body that is not JSON at all (bytes no UTF-8 decoder takes)
    body = b"\xff\xfe{"

    # when it is sent to an operation that takes a JSON body
    response = client.post(
        "/categories",
        content=body,
        headers={**platform, "Content-Type": "application/json"},
    )

    # then the answer is one the operation declares, as a problem with a stable code
    declared = client.get("/openapi.json").json()["paths"]["/categories"]["post"]["responses"]
    assert str(response.status_code) in declared
    assert response.status_code in {400, 422}
    assert response.headers["content-type"] == "application/problem+json"


def test_an_integer_written_with_a_zero_fraction_is_taken_as_json_schema_says(
    client: TestClient, platform: dict[str, str], shop: dict[str, str]
) -> None:
    # given a service whose integer fields are written as JSON numbers with a zero fraction
    body = {
        "category_id": shop["category_id"],
        "name": "足底按摩 Foot massage",
        "duration_minutes": 60.0,
        "price": {"amount": 13900.0, "currency": "CNY"},
    }

    # when it is created
    response = client.post("/services", json=body, headers=platform)

    # then it is the same as 60 and 13900 (JSON Schema's "integer" includes 60.0)
    assert response.status_code == 201, response.json()
    assert response.json()["duration_minutes"] == 60
    assert response.json()["price"] == {"amount": 13900, "currency": "CNY"}


@pytest.mark.parametrize("duration", ["60", True, 60.5])
def test_an_integer_field_still_refuses_text_booleans_and_fractions(
    client: TestClient, platform: dict[str, str], shop: dict[str, str], duration: object
) -> None:
    # given a service whose duration is not an integer in JSON Schema's sense
    body = {
        "category_id": shop["category_id"],
        "name": "足底按摩 Foot massage",
        "duration_minutes": duration,
        "price": {"amount": 13900, "currency": "CNY"},
    }

    # when it is created
    response = client.post("/services", json=body, headers=platform)

    # then request validation refuses it, naming the field
    assert response.status_code == 422
    assert [e["location"] for e in response.json()["details"]["errors"]] == [
        ["body", "duration_minutes"]
    ]


def test_ratings_are_documented_exactly_as_they_are_validated(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when the rating a profile takes and the min_rating filter are read
    rating = document["components"]["schemas"]["ProfileIn"]["properties"]["rating"]
    (min_rating,) = (
        p["schema"]
        for p in document["paths"]["/slots"]["get"]["parameters"]
        if p["name"] == "min_rating"
    )

    # then neither admits a value the server would refuse: the rating is a whole number or a
    # decimal string with a pattern, the filter a number from 0 to 5
    assert rating["anyOf"][0]["anyOf"] == [
        {"type": "integer", "minimum": 0, "maximum": 5},
        {"type": "string", "pattern": r"^(?:[0-4](?:\.[0-9])?|5(?:\.0)?)$"},
    ]
    assert rating["anyOf"][1] == {"type": "null"}
    assert {k: min_rating[k] for k in ("type", "minimum", "maximum")} == {
        "type": "number",
        "minimum": 0,
        "maximum": 5,
    }


@pytest.mark.parametrize(
    ("rating", "status"), [(5, 200), (5.0, 200), ("4.8", 200), (4.8, 422), ("4.75", 422), (6, 422)]
)
def test_a_rating_is_taken_exactly_as_documented(
    client: TestClient,
    shop: dict[str, str],
    platform: dict[str, str],
    rating: object,
    status: int,
) -> None:
    # given a profile with a rating
    body = {"skills": ["tuina"], "rating": rating}

    # when the platform sets it
    response = client.put(
        f"/technicians/{shop['technician_id']}/profile", json=body, headers=platform
    )

    # then a whole number or a one-decimal string from 0 to 5 is taken, nothing else
    assert response.status_code == status, response.json()


@pytest.mark.parametrize(
    ("params", "status"),
    [({"min_rating": "abc"}, 422), ({"min_rating": "4.5"}, 200), ({"min_rating": "5"}, 200)],
)
def test_min_rating_takes_numbers_only(
    client: TestClient, shop: dict[str, str], params: dict[str, str], status: int
) -> None:
    # given a slot search with a minimum rating

    # when it is sent
    response = client.get(
        "/slots", params={"service_id": shop["service_id"], "first_day": "2026-03-04", **params}
    )

    # then a number from 0 to 5 is taken, anything else refused
    assert response.status_code == status, response.json()


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(_keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node))
    return set()


def test_every_bound_is_written_as_json_schema_writes_it(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when the keys of all its schemas are collected
    keys = _keys(document["components"]["schemas"]) | _keys(document["paths"])

    # then no bound is left in pydantic's own words (`ge`, `le` …), which no client reads:
    # pydantic writes them so when it cannot place a bound in the schema
    assert keys & {"ge", "gt", "le", "lt"} == set()


def test_a_map_keyed_by_ids_says_what_its_keys_are(client: TestClient) -> None:
    # given the OpenAPI document
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    # when the prices of a profile are read
    prices = schemas["ProfileIn"]["properties"]["prices"]

    # then a key that is no id is invalid by the document as it is by the server
    assert prices["propertyNames"]["pattern"] == r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"


@pytest.mark.parametrize("flag", [0, 1, "true", "yes"])
def test_a_boolean_field_takes_only_json_booleans(
    client: TestClient, platform: dict[str, str], flag: object
) -> None:
    # given a coupon template (the document says `active` is a boolean)
    template = {
        "id": "tpl_flag",
        "name": "满100减10",
        "benefit": {
            "kind": "threshold",
            "min_spend": {"amount": 10000, "currency": "CNY"},
            "amount": {"amount": 1000, "currency": "CNY"},
        },
        "valid_days": 30,
    }
    created = client.post("/coupon-templates", json=template, headers=platform)

    # when it is switched with a value that is no JSON boolean, there or on creation
    switched = client.patch("/coupon-templates/tpl_flag", json={"active": flag}, headers=platform)
    again = client.post(
        "/coupon-templates",
        json={**template, "id": "tpl_flag2", "new_customers_only": flag},
        headers=platform,
    )

    # then both are refused, as the document says, and the template is unchanged
    assert created.status_code == 201, created.json()
    assert (switched.status_code, again.status_code) == (422, 422)
    assert client.get("/coupon-templates").json()["items"][0]["active"] is True


def test_no_parameter_is_documented_as_null(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when the schemas of every path, query and header parameter are collected
    nullable = [
        f"{method} {path} {parameter['in']}:{parameter['name']}"
        for method, path, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if "null" in json.dumps(parameter.get("schema", {}))
    ]

    # then none offers null: a parameter is absent or text, and "or null" describes nothing a
    # client can send (a client generator or fuzzer then sends values that vanish on the wire)
    assert nullable == []


def test_an_optional_query_parameter_keeps_its_own_rules(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when the cursor of a paged list is looked up
    (cursor,) = [
        p for p in document["paths"]["/categories"]["get"]["parameters"] if p["name"] == "cursor"
    ]

    # then it is an optional string with its pattern and length, and its description
    assert cursor["required"] is False
    assert cursor["schema"]["type"] == "string"
    assert cursor["schema"]["pattern"] == "^[A-Za-z0-9_-]+$"
    assert cursor["schema"]["maxLength"] == 2048
    assert cursor["schema"]["title"] == "Cursor"


def test_schema_names_are_the_models_own(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when its schema names are read
    names = list(document["components"]["schemas"])

    # then none is a module path (FastAPI writes `module__Model` when two models share a
    # name, and a generated client then names its classes after our files)
    assert [n for n in names if "__" in n or "." in n] == []
    assert "CancellationQuoteOut" in names


def test_operation_ids_are_the_route_names(client: TestClient) -> None:
    # given the OpenAPI document
    document = client.get("/openapi.json").json()

    # when the operation ids are collected
    ids = [operation["operationId"] for _, _, operation in _operations(document)]

    # then each is the route function's name, unique, so a generated client reads
    # `create_category(...)` rather than `create_category_categories_post(...)`
    assert len(ids) == len(set(ids))
    assert "create_category" in ids
    assert "preview_cancellation" in ids
    assert [i for i in ids if i.endswith(("_get", "_post", "_put", "_patch", "_delete"))] == []
