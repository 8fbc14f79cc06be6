"""docs/providers/alipay.md: its example runs and prints what the page shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "providers" / "alipay.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", re.S)


def test_the_example_runs_and_prints_what_the_page_shows() -> None:
    found = _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), {})  # our own document
        assert out.getvalue() == printed

    assert len(found) == 1
