"""docs/payments.md: the routing example prints what the page shows, the holds example
holds, and the adapter example is the fake's own acceptance test."""

from __future__ import annotations

import contextlib
import io

from booking_core.testing.contracts import PaymentGatewayContract
from tests.docs_examples import DOCS, ROOT, examples

PAGE = DOCS / "payments.md"


def test_the_routing_and_statement_examples_print_what_the_page_shows() -> None:
    routing = examples(PAGE)[:3]

    for code, printed in routing:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), {})  # our own document
        assert out.getvalue() == printed
        assert printed


def test_the_holds_example_runs_its_checks() -> None:
    code, printed = examples(PAGE)[3]

    exec(compile(code, str(PAGE), "exec"), {})  # our own document: asserts as it goes

    assert "held_amount" in code
    assert printed == ""


def test_the_adapter_example_is_the_fakes_contract_test() -> None:
    _, _, _, _, (code, printed) = examples(PAGE)
    namespace: dict[str, object] = {}

    exec(compile(code, str(PAGE), "exec"), namespace)  # our own document

    assert printed == ""
    assert issubclass(namespace["TestScriptedGateway"], PaymentGatewayContract)  # type: ignore[arg-type]
    tests = (ROOT / "tests/unit/orders/test_order_contracts.py").read_text(encoding="utf-8")
    start = code.index("class TestScriptedGateway")
    assert code[start:].strip() in tests
