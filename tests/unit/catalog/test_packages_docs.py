"""docs/packages.md: its example runs and prints what the page says, and the worked
allocation it shows is what the code computes."""

from __future__ import annotations

import pytest

from booking_core.catalog import Package, PackageId, PackagePart
from booking_core.ids import ServiceId
from booking_core.money import Money
from tests.docs_examples import DOCS, examples

DOC = DOCS / "packages.md"


def test_the_examples_print_what_the_page_shows(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = examples(DOC)
    namespace: dict[str, object] = {}

    for code, printed in blocks:
        exec(code, namespace)
        assert printed
        assert capsys.readouterr().out == printed

    assert len(blocks) == 2


def test_the_tie_example_of_the_page() -> None:
    ten = Package(PackageId("p"), "Ten", [PackagePart(ServiceId("s"), 10, Money(1000, "CNY"))],
                  Money(9999, "CNY"))  # fmt: skip

    assert [v.amount for v in ten.visit_values()[0]] == [1000] * 9 + [999]
    assert "nine at 10.00 and the\ntenth at 9.99" in DOC.read_text(encoding="utf-8")
