"""docs/availability.md runs: its Python blocks execute in order as one session, and each
prints what the page says it prints."""

from __future__ import annotations

import pytest

from tests.docs_examples import DOCS, blocks, examples

DOC = DOCS / "availability.md"


def test_every_example_in_the_availability_guide_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    python = blocks(DOC)
    namespace: dict[str, object] = {}
    checked = 0

    for code, printed in examples(DOC):
        exec(compile(code, str(DOC), "exec"), namespace)  # our own document
        out = capsys.readouterr().out
        if printed:
            assert out == printed
            checked += 1

    assert len(python) >= 10
    assert len(examples(DOC)) == len(python)
    assert checked >= 1  # "Time zones in answers"
