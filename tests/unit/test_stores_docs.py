"""docs/stores.md runs and prints what it shows: its Python blocks execute in order."""

from __future__ import annotations

import contextlib
import io

from tests.docs_examples import DOCS, examples

DOC = DOCS / "stores.md"


def test_the_stores_guide_runs_and_prints_what_it_shows() -> None:
    found = examples(DOC)
    namespace: dict[str, object] = {}

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), namespace)  # our own document
        assert out.getvalue() == printed

    assert len(found) == 1
