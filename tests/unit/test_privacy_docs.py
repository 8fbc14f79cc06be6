"""docs/privacy.md: its example runs and prints what the page says."""

from __future__ import annotations

import pytest

from tests.docs_examples import DOCS, examples

DOC = DOCS / "privacy.md"


def test_the_example_prints_what_the_page_shows(capsys: pytest.CaptureFixture[str]) -> None:
    ((code, printed),) = examples(DOC)

    exec(code, {})

    assert printed
    assert capsys.readouterr().out == printed
