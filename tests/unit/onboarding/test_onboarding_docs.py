"""docs/onboarding.md runs: its Python blocks execute in order as one session, each
printing what the page says it prints."""

from __future__ import annotations

import contextlib
import io

from tests.docs_examples import DOCS, examples

DOC = DOCS / "onboarding.md"


def test_every_example_in_the_onboarding_guide_runs_and_prints_what_it_shows() -> None:
    found = examples(DOC)
    namespace: dict[str, object] = {}

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), namespace)  # our own document
        assert out.getvalue() == printed

    assert len(found) == 3
