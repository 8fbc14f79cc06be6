"""The examples in README.md and docs/getting-started.md run as written."""

import pytest

from tests.docs_examples import DOCS, ROOT, blocks


def test_readme_embedding_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    exec(blocks(ROOT / "README.md")[0], {})

    assert capsys.readouterr().out.strip() == "pending_acceptance"


def test_getting_started_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    first, _storage, errors, _contract = blocks(DOCS / "getting-started.md")
    namespace: dict[str, object] = {}

    exec(first, namespace)
    exec(errors, namespace)

    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == (
        "['pending_acceptance', 'accepted', 'departed', 'arrived', 'in_service', 'completed']"
    )
    assert lines[1].startswith("slot_taken - Li is already booked")
