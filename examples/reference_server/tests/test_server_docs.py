"""Every HTTP operation is documented, and its documented example runs and succeeds.

docs/server.md lists every operation of the server's OpenAPI in its endpoint index; each
has a section on a topic page under docs/server/, whose examples run in order, as written,
and print what the page says. While they run, every request is recorded: each operation
must have been answered with a 2xx at least once, so no route can go undocumented or keep
an example that does not work.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from booking_server.main import create_server
from booking_server.settings import Settings

DOCS = Path(__file__).resolve().parents[3] / "docs"
INDEX = DOCS / "server.md"
PAGES = sorted((DOCS / "server").glob("*.md"))
METHODS = ("get", "put", "post", "delete", "patch")

# A python block, optionally followed by "prints" and the text block it prints.
_EXAMPLE = re.compile(r"```python\n(.*?)```(?:\n\nprints\n\n```text\n(.*?)```)?", re.S)

Operation = tuple[str, str]  # ("POST", "/orders/{order_id}/accept")
Call = tuple[str, str, int]  # (method, concrete path, status) of a request sent
Run = tuple[list[tuple[str, str, str]], list[Call]]  # (code, page says, code prints); calls


def _operations() -> list[Operation]:
    """Every (method, path template) of the server's OpenAPI document."""
    document = create_server(Settings(db_url="memory:", seed_demo_data=False)).openapi()
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    )


OPERATIONS = _operations()


def _pattern(path: str) -> re.Pattern[str]:
    """A path template (``/orders/{order_id}``) as a regex over concrete paths."""
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def _operation_of(method: str, path: str) -> Operation | None:
    # Literal segments win over parameters (``/orders/by-number/…`` is not an order id).
    matches = [op for op in OPERATIONS if op[0] == method and _pattern(op[1]).match(path)]
    return min(matches, key=lambda op: op[1].count("{"), default=None)


def _sections(page: Path) -> set[Operation]:
    """The operations a page has a section for: headings ``## `METHOD /path` ``."""
    text = page.read_text(encoding="utf-8")
    found = re.findall(r"^#{2,3} `([A-Z]+) (/\S*)`$", text, re.M)
    return {(method, path) for method, path in found}


@pytest.fixture(scope="module")
def runs() -> dict[Path, Run]:
    """Each page run once: (code, printed by the page, printed by the code) per example,
    and every request sent while it ran (method, path, status)."""
    calls: list[Call] = []
    original = TestClient.send

    def recording_send(self: TestClient, request: Any, **kwargs: Any) -> Any:
        response = original(self, request, **kwargs)
        calls.append((request.method, request.url.path, response.status_code))
        return response

    results: dict[Path, Run] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TestClient, "send", recording_send)
        for page in PAGES:
            calls.clear()
            namespace: dict[str, object] = {}
            outputs = []
            for code, printed in _EXAMPLE.findall(page.read_text(encoding="utf-8")):
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(code, namespace)
                outputs.append((code, printed, out.getvalue()))
            results[page] = (outputs, list(calls))
    return results


def test_the_server_pages_exist_and_the_operations_are_read() -> None:
    assert [p.name for p in PAGES] == [
        "aftersales.md",
        "audit.md",
        "auth.md",
        "booking.md",
        "calendars.md",
        "catalog.md",
        "contacts.md",
        "customers.md",
        "dead-letters.md",
        "dispatch.md",
        "earnings.md",
        "lifecycle.md",
        "loyalty.md",
        "notifications.md",
        "onboarding.md",
        "packages.md",
        "payments.md",
        "promotions.md",
        "referrals.md",
        "reviews.md",
        "schedules.md",
        "stores.md",
    ]
    assert len(OPERATIONS) >= 60
    assert ("POST", "/orders") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=" ".join)
def test_every_operation_is_in_the_endpoint_index(method: str, path: str) -> None:
    index = INDEX.read_text(encoding="utf-8")

    assert f"| `{method} {path}` |" in index, f"add `{method} {path}` to the table in {INDEX}"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=" ".join)
def test_every_operation_has_a_section_on_a_topic_page(method: str, path: str) -> None:
    pages = [page.name for page in PAGES if (method, path) in _sections(page)]

    assert len(pages) == 1, f"`{method} {path}` needs one section on a docs/server page: {pages}"


def test_every_section_names_an_operation_of_the_api() -> None:
    documented = set().union(*(_sections(page) for page in PAGES))

    assert documented - set(OPERATIONS) == set()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_page_runs_and_prints_what_it_shows(
    page: Path,
    runs: dict[Path, Run],
) -> None:
    outputs, _ = runs[page]

    assert outputs, f"{page.name} has no python examples"
    for code, printed, out in outputs:
        assert out == printed, f"{page.name}: this example prints something else:\n{code}"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=" ".join)
def test_every_operation_has_an_example_that_succeeds(
    method: str,
    path: str,
    runs: dict[Path, Run],
) -> None:
    answers = [
        status
        for _, calls in runs.values()
        for sent_method, sent_path, status in calls
        if _operation_of(sent_method, sent_path) == (method, path)
    ]

    assert any(200 <= status < 300 for status in answers), (
        f"no example on docs/server/*.md calls `{method} {path}` successfully "
        f"(answers seen: {answers})"
    )
