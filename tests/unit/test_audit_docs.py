"""docs/audit.md: its permission table is booking_core.staff.PERMISSIONS exactly, and its
example runs and prints what the page says."""

from __future__ import annotations

import re

import pytest

from booking_core.staff import PERMISSIONS, Permission, StaffRole
from tests.docs_examples import DOCS, examples

DOC = DOCS / "audit.md"


def _permission_table() -> tuple[list[str], dict[str, list[str]]]:
    """The page's permission table: its sub-role columns, and per permission the cells."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    (start,) = [n for n, line in enumerate(lines) if line.startswith("| permission | lets staff |")]
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        name = re.fullmatch(r"`([a-z_]+)`", cells[0])
        assert name is not None, line
        rows[name.group(1)] = cells[2:]
    return header[2:], rows


def test_the_permission_table_is_the_one_the_services_check() -> None:
    # given the table the page shows
    columns, rows = _permission_table()

    # when it is read back as sub-role -> permissions
    roles = [StaffRole(column.replace(" ", "_")) for column in columns]
    shown = {
        role: frozenset(Permission(name) for name, cells in rows.items() if cells[i] == "✓")
        for i, role in enumerate(roles)
    }

    # then it has every sub-role and every permission, in their order, and grants exactly
    # what booking_core.staff.PERMISSIONS grants; no cell holds anything but a tick
    assert roles == list(StaffRole)
    assert list(rows) == [p.value for p in Permission]
    assert shown == dict(PERMISSIONS)
    assert {cell for cells in rows.values() for cell in cells} <= {"✓", ""}


def test_the_example_prints_what_the_page_shows(capsys: pytest.CaptureFixture[str]) -> None:
    ((code, printed),) = examples(DOC)

    exec(code, {})

    assert printed
    assert capsys.readouterr().out == printed
