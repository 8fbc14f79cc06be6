"""The SQLite example of docs/storage.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "storage.md"


def test_the_embedded_sqlite_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (example,) = [block for block in blocks if "create_sqlite(path)" in block]

    exec(example, {})

    placed, stored = capsys.readouterr().out.strip().splitlines()
    assert placed == "pending_payment slot_taken"
    assert stored.startswith("2026-03-02")
    assert "10:00:00+08:00" in stored
