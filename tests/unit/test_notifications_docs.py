"""docs/notifications.md, the core's sections (before "## Channels"): the examples run in
order and print what the page shows; the rules table is the rules' own."""

from __future__ import annotations

import contextlib
import io
import re

from booking_core.notifications.catalog import TEMPLATES
from booking_core.notifications.rules import DEFAULT_RULES
from tests.docs_examples import DOCS

PAGE = DOCS / "notifications.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", re.S)


def _core_part() -> str:
    return PAGE.read_text(encoding="utf-8").split("\n## Channels\n")[0]


def test_the_core_examples_run_in_order_and_print_what_the_page_shows() -> None:
    namespace: dict[str, object] = {}
    found = _EXAMPLE.findall(_core_part())

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), namespace)  # our own document
        assert out.getvalue() == printed

    assert len(found) == 2


def test_the_rules_table_names_every_rule_and_every_template() -> None:
    text = _core_part()
    events = set(re.findall(r"^\| `(\w+)`", text, re.M))
    named = set(re.findall(r"`([a-z_]+)`", text))

    assert events == set(DEFAULT_RULES)
    assert set(TEMPLATES) <= named
