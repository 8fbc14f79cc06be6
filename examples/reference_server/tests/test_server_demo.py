"""The demo script walks the slice and exits 0."""

from __future__ import annotations

import io

from booking_server.demo import main


def test_the_demo_runs_on_in_memory_storage() -> None:
    # given somewhere to print
    out = io.StringIO()

    # when the demo runs on in-memory storage
    code = main(["--memory"], out=out)

    # then every step behaved and the transcript shows the story
    transcript = out.getvalue()
    assert code == 0, transcript
    assert "Every step behaved as expected." in transcript
    assert "slot_taken" in transcript
    assert "transition_not_allowed" in transcript
    assert '"code": "too_early"' in transcript  # setting off a day early is refused
    assert "not_before" in transcript
    assert '"order_state": "pending_acceptance"' in transcript
    assert '"average_stars": "5.0"' in transcript


def test_the_demo_runs_on_its_default_storage() -> None:
    # given somewhere to print
    out = io.StringIO()

    # when the demo runs as `python -m booking_server.demo` would (SQLite when installed)
    code = main([], out=out)

    # then it succeeds
    assert code == 0, out.getvalue()


def test_the_transcript_is_deterministic() -> None:
    # given two runs
    first, second = io.StringIO(), io.StringIO()

    # when the demo runs twice
    main(["--memory"], out=first)
    main(["--memory"], out=second)

    # then they print the same
    assert first.getvalue() == second.getvalue()
