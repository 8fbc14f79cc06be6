"""The examples in docs/pricing.md run as written and print what the page says."""

from __future__ import annotations

import pytest

from tests.docs_examples import DOCS, examples

DOC = DOCS / "pricing.md"


def test_every_pricing_example_runs_and_prints_what_the_page_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    namespace: dict[str, object] = {}
    blocks = examples(DOC)

    for code, printed in blocks:
        exec(code, namespace)
        out = capsys.readouterr().out
        if printed:
            assert out == printed

    assert len(blocks) == 9
