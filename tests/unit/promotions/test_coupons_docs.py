"""The examples in docs/coupons.md run as written and print what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "coupons.md"
EXAMPLE = re.compile(r"```python\n(.*?)```(?:\n\nprints\n\n```text\n(.*?)```)?", re.S)


def test_every_coupons_example_runs_and_prints_what_the_page_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    namespace: dict[str, object] = {}
    blocks = EXAMPLE.findall(DOC.read_text("utf-8"))

    for code, printed in blocks:
        exec(code, namespace)
        assert capsys.readouterr().out == printed

    assert len(blocks) == 2
