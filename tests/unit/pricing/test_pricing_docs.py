"""The examples in docs/pricing.md run as written and print what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "pricing.md"

# A python block, optionally followed by "prints" and the text block it prints.
EXAMPLE = re.compile(r"```python\n(.*?)```(?:\n\nprints\n\n```text\n(.*?)```)?", re.S)


def examples(path: Path) -> list[tuple[str, str | None]]:
    return [(code, printed or None) for code, printed in EXAMPLE.findall(path.read_text("utf-8"))]


def test_every_pricing_example_runs_and_prints_what_the_page_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    namespace: dict[str, object] = {}
    blocks = examples(DOC)

    for code, printed in blocks:
        exec(code, namespace)
        out = capsys.readouterr().out
        if printed is not None:
            assert out == printed

    assert len(blocks) == 4
