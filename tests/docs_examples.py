"""Reading the examples of the documentation pages (shared by the docs tests)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# A python block, optionally followed by "prints" and the text block it prints.
_EXAMPLE = re.compile(r"```python\n(.*?)```(?:\n\nprints\n\n```text\n(.*?)```)?", re.S)


def blocks(path: Path, kind: str = "python") -> list[str]:
    """The fenced ``kind`` blocks of a page, in order."""
    return re.findall(rf"```{kind}\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def examples(path: Path) -> list[tuple[str, str]]:
    """Each python block of a page and the text the page says it prints ("" if it says none)."""
    return _EXAMPLE.findall(path.read_text(encoding="utf-8"))
