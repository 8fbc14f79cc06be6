"""docs/notifications.md (Channels, Templates): its examples run and print what the page shows."""

from __future__ import annotations

import contextlib
import io
import re
import socket
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "notifications.md"
_EXAMPLE = re.compile(r"```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", re.S)


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_examples_run_and_print_what_the_page_shows() -> None:
    if not _port_is_free(8025):
        pytest.fail("the e-mail example needs 127.0.0.1:8025, which something else holds")
    # The channels' part of the page; the core's examples above it run in the core's tests.
    channels_part = DOC.read_text(encoding="utf-8").split("\n## Channels\n", 1)[1]
    found = _EXAMPLE.findall(channels_part)

    for code, printed in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), {})  # our own document
        assert out.getvalue() == printed

    assert len(found) == 3


def test_the_production_table_names_every_channel() -> None:
    import booking_core_notifications as package

    text = DOC.read_text(encoding="utf-8")
    channels = sorted(name for name in package.__all__ if name.endswith("Notifier"))

    rows = re.findall(r"^\| `(\w+Notifier)` \|", text, re.M)
    assert rows == [
        "EmailNotifier",
        "WebhookNotifier",
        "AliyunSmsNotifier",
        "TencentSmsNotifier",
        "WeChatSubscribeNotifier",
        "ConsoleNotifier",
    ]
    assert sorted(rows) == channels
