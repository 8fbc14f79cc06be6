"""The procrastinate example of docs/workers.md runs as written and prints what it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import URL

from booking_core_sqlalchemy import SqlAlchemyStorage

PAGE = Path(__file__).resolve().parents[3] / "docs" / "workers.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", re.S)


@pytest.mark.postgres
def test_the_procrastinate_example_runs(
    storage: SqlAlchemyStorage,
    pg_url: URL,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    section = PAGE.read_text(encoding="utf-8").split("\n## Scale-out with procrastinate\n")[1]
    ((code, printed),) = _EXAMPLE.findall(section)
    monkeypatch.setenv("BOOKING_CORE_PG_URL", pg_url.render_as_string(hide_password=False))

    exec(compile(code, str(PAGE), "exec"), {})  # our own document

    assert capsys.readouterr().out == printed
