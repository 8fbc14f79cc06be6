"""docs/accounts.md runs and prints what it shows (its own-identity-provider example)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "accounts.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```(?:\n\nprints\n\n```text\n(.*?)```)?", re.S)


def test_the_accounts_page_runs_and_prints_what_it_shows() -> None:
    found = _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {}

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), namespace)  # our own document
        assert out.getvalue() == printed

    assert len(found) == 1
