"""docs/providers/wechatpay.md: its example runs and prints what the page shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "providers" / "wechatpay.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", re.S)


def test_the_example_runs_and_prints_what_the_page_shows() -> None:
    [(code, printed)] = _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    out = io.StringIO()

    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})  # our own document

    assert out.getvalue() == printed


def test_the_capability_table_matches_the_gateway() -> None:
    from booking_core_wechatpay import WECHATPAY_CAPABILITIES

    text = DOC.read_text(encoding="utf-8")

    assert WECHATPAY_CAPABILITIES.currencies == frozenset({"CNY"})
    assert '`{"CNY"}`' in text
    assert not WECHATPAY_CAPABILITIES.manual_capture
    assert WECHATPAY_CAPABILITIES.partial_refund
    assert WECHATPAY_CAPABILITIES.asynchronous_refund
