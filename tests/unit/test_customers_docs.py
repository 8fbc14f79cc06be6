"""docs/customers.md runs: its Python blocks execute in order as one session."""

from __future__ import annotations

from tests.docs_examples import DOCS, blocks

DOC = DOCS / "customers.md"


def test_every_example_in_the_customers_guide_runs() -> None:
    python = blocks(DOC)
    namespace: dict[str, object] = {}

    for block in python:
        exec(compile(block, str(DOC), "exec"), namespace)  # our own document

    assert len(python) == 2
