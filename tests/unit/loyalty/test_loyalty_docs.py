"""docs/loyalty.md: the examples run and print what the page shows."""

from __future__ import annotations

import contextlib
import io

from tests.docs_examples import DOCS, examples

PAGE = DOCS / "loyalty.md"


def test_the_examples_run_and_print_what_the_page_shows() -> None:
    found = examples(PAGE)

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), {})  # our own document
        assert out.getvalue() == printed

    assert len(found) == 5
    assert all(printed for _, printed in found)  # the page says what each prints
