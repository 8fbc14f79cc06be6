"""docs/workers.md: the examples before the procrastinate section run in order and print
what the page shows."""

from __future__ import annotations

import contextlib
import io
import re

from tests.docs_examples import DOCS

PAGE = DOCS / "workers.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", re.S)


def test_the_examples_run_in_order_and_print_what_the_page_shows() -> None:
    text = PAGE.read_text(encoding="utf-8").split("\n## Scale-out with procrastinate\n")[0]
    namespace: dict[str, object] = {}
    found = _EXAMPLE.findall(text)

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), namespace)  # our own document
        assert out.getvalue() == printed

    assert len(found) == 2
