"""The soak profile of the root conftest: random, and it really multiplies the examples."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

ROOT = Path(__file__).resolve().parents[1]


def _root_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_root_conftest_under_test", ROOT / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _item(obj: Any, cls: type | None = None) -> Any:
    return SimpleNamespace(obj=obj, cls=cls, nodeid=getattr(obj, "__name__", "case"))


def test_ci_stays_derandomized_and_the_soak_profile_is_random() -> None:
    conftest = _root_conftest()

    soak = settings.get_profile(conftest.SOAK)

    assert settings.get_profile("ci").derandomize is True
    assert (soak.derandomize, soak.deadline, soak.print_blob) == (False, None, True)
    assert conftest.SOAK_FACTOR == 20


def test_a_given_test_runs_factor_times_its_own_examples_once_however_often_collected() -> None:
    conftest = _root_conftest()
    runs: list[int] = []

    @settings(max_examples=7, database=None)
    @given(st.integers())
    def example(n: int) -> None:
        runs.append(n)

    scaled = conftest.scale_examples([_item(example), _item(example)], 3)
    example()

    assert scaled == 1
    assert len(runs) == 21


class Counter(RuleBasedStateMachine):
    """Counts the machines Hypothesis builds: one per example."""

    built = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).built += 1

    @rule()
    def step(self) -> None:
        pass


Counter.TestCase.settings = settings(max_examples=4, stateful_step_count=2, database=None)


def test_a_state_machine_runs_factor_times_its_own_examples() -> None:
    conftest = _root_conftest()
    case = Counter.TestCase
    original = case.settings
    runner = case("runTest")

    try:
        scaled = conftest.scale_examples(
            [_item(runner.runTest, case), _item(runner.runTest, case)], 5
        )
        Counter.built = 0
        runner.runTest()

        assert scaled == 1
        assert case.settings.max_examples == 20
        assert case.settings.stateful_step_count == 2
        assert Counter.built == 20
    finally:
        case.settings = original


# Collected as a test too: it runs with the unscaled settings of the module level.
TestCounter = Counter.TestCase
