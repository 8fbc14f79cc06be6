"""The examples in docs/ledger.md run as written and print what the page says."""

from __future__ import annotations

import pytest

from tests.docs_examples import DOCS, examples

DOC = DOCS / "ledger.md"


def test_every_ledger_example_runs_and_prints_what_the_page_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    namespace: dict[str, object] = {}
    blocks = examples(DOC)

    for code, printed in blocks:
        exec(code, namespace)
        assert capsys.readouterr().out == printed

    assert len(blocks) == 5
