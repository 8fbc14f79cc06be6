"""docs/availability.md runs: its Python blocks execute in order as one session."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "availability.md"


def test_every_example_in_the_availability_guide_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    namespace: dict[str, object] = {}

    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # our own document

    assert len(blocks) >= 10
