"""The examples of "Placing an order: retries and limits" in docs/orders.md print what it says."""

from __future__ import annotations

import pytest

from tests.docs_examples import DOCS, examples

DOC = DOCS / "orders.md"
SECTION = "## Placing an order: retries and limits"


def _section_examples() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    return [e for e in examples(DOC) if e[0] in text.split(SECTION, 1)[1]]


def test_the_section_has_its_two_examples() -> None:
    found = _section_examples()

    assert [("idempotency_key=" in code, "TooManyUnpaidOrders" in code) for code, _ in found] == [
        (True, False),
        (False, True),
    ]


@pytest.mark.parametrize("n", [0, 1])
def test_each_example_prints_what_the_page_says(n: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, printed = _section_examples()[n]

    exec(code, {})

    assert printed
    assert capsys.readouterr().out == printed
