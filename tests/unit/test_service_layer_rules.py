"""The service layer's shape, checked on its source (see ``booking_core.services.steps``).

* A use case is a public method of a service: it opens and commits its own unit of work. A
  step (in ``services/steps``) takes the caller's ``uow`` and never commits, rolls back or
  opens another. So nothing outside ``steps`` takes a ``uow`` publicly, and nothing inside
  ``steps`` ends a transaction.
* One composition root: only ``bootstrap.build`` constructs services and steps.
* The unit of work collects events: no service writes to the outbox itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import booking_core.services

SERVICES = Path(booking_core.services.__file__).parent
STEPS = SERVICES / "steps"
#: The classes only the composition root builds.
WIRED = {
    "OrderBooks",
    "Refunds",
    "Reservations",
    "EventCollectingUnits",
}


def _modules() -> list[Path]:
    return sorted(SERVICES.rglob("*.py"))


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef]]:
    """Every function, named ``Class.method`` or ``function``."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    yield f"{node.name}.{item.name}", item


def _takes_uow(function: ast.FunctionDef) -> bool:
    arguments = function.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    return "uow" in names


def _calls(function: ast.AST) -> Iterator[ast.Call]:
    return (node for node in ast.walk(function) if isinstance(node, ast.Call))


def _called_name(call: ast.Call) -> str:
    target = call.func
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Name):
        return target.id
    return ""


def _public(qualified: str) -> bool:
    return not any(part.startswith("_") for part in qualified.split("."))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SERVICES)))
def test_only_steps_take_the_callers_unit_of_work(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path.is_relative_to(STEPS):
        for name, function in _functions(tree):
            ended = [c for c in _calls(function) if _called_name(c) in {"commit", "rollback"}]
            opened = [c for c in _calls(function) if _called_name(c) == "_uow"]
            assert not ended, f"step {name} ends the caller's transaction"
            assert not opened, f"step {name} opens a unit of work of its own"
    else:
        public_with_uow = [name for name, f in _functions(tree) if _public(name) and _takes_uow(f)]
        assert not public_with_uow, (
            f"{public_with_uow} take the caller's uow: a step belongs in services/steps"
        )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SERVICES)))
def test_no_service_builds_another(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    built = {
        _called_name(call)
        for call in _calls(tree)
        if (_called_name(call).endswith("Service") and _called_name(call) != "Service")
        or _called_name(call) in WIRED
    }
    assert not built, f"{sorted(built)} are built here; bootstrap.build wires them"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SERVICES)))
def test_no_service_writes_events_itself(path: Path) -> None:
    if path.name == "unit_of_work.py":
        return  # the one place that turns events into outbox messages
    source = path.read_text(encoding="utf-8")
    assert "outbox.add(" not in source
    assert "pull_events(" not in source
    assert "record_events" not in source


def test_the_rules_see_what_they_check() -> None:
    # Guard the guards: the scan finds the steps and the use cases it is about.
    steps = {p.stem for p in STEPS.glob("*.py")}
    assert {"reservations", "books", "carts", "coupons", "ledger", "refunds"} <= steps
    ordering = ast.parse((SERVICES / "ordering.py").read_text(encoding="utf-8"))
    names = dict(_functions(ordering))
    assert not _takes_uow(names["OrderingService.place"])
    assert _takes_uow(names["OrderingService._claim_key"])  # private helpers may
