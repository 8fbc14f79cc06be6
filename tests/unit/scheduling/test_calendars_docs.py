"""docs/calendars.md: its examples run and print what the page says."""

from __future__ import annotations

import pytest

from tests.docs_examples import DOCS, examples

DOC = DOCS / "calendars.md"


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_example_prints_what_the_page_shows(
    index: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = examples(DOC)[index]

    exec(code, {})

    assert printed
    assert capsys.readouterr().out == printed


def test_the_page_has_exactly_these_examples() -> None:
    assert len(examples(DOC)) == 3
