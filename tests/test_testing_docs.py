"""The examples in docs/testing.md run as written and print what the page says: a user's
own property tests over the shipped strategies."""

from __future__ import annotations

import pytest

from tests.docs_examples import DOCS, examples

DOC = DOCS / "testing.md"


def test_every_testing_example_runs_and_prints_what_the_page_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocks = examples(DOC)

    for code, printed in blocks:
        exec(code, {"__name__": "docs_testing_example"})
        assert capsys.readouterr().out == printed

    assert len(blocks) == 3
    assert all(printed for _, printed in blocks)
