"""docs/providers/stripe.md: its example runs and prints what the page shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "providers" / "stripe.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", re.S)


def test_the_example_runs_and_prints_what_the_page_shows() -> None:
    found = _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), {})  # our own document; it calls no API
        assert out.getvalue() == printed

    assert len(found) == 1


def test_the_page_names_every_event_the_gateway_maps() -> None:
    from booking_core_stripe.webhooks import _INTENT_EVENTS, _REFUND_EVENTS

    page = DOC.read_text(encoding="utf-8")

    for event in [*_INTENT_EVENTS, *_REFUND_EVENTS, "charge.refunded"]:
        assert f"`{event}`" in page
