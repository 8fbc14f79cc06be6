"""The public API index: ``booking_core.api`` and the area packages export exactly their
public names, each documented, and nothing an embedder calls or gets back is missing.

Like httpx's ``tests/test_exported_members.py``; adding a public command, service or result
to ``booking_core.services`` without putting it in ``booking_core.api`` (or saying here why
it stays out) fails :func:`test_every_public_name_of_the_services_is_indexed_or_left_out`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import types
import typing
from collections.abc import Iterator

import attrs
import pytest

import booking_core
import booking_core.services
from booking_core import api, bootstrap
from tests.docs_examples import DOCS, examples

# The index and the packages it sends readers to for domain values.
INDEXES = [
    "booking_core",
    "booking_core.api",
    "booking_core.audit",
    "booking_core.catalog",
    "booking_core.customers",
    "booking_core.dispatch",
    "booking_core.ledger",
    "booking_core.loyalty",
    "booking_core.notifications",
    "booking_core.onboarding",
    "booking_core.orders",
    "booking_core.payouts",
    "booking_core.pricing",
    "booking_core.promotions",
    "booking_core.referrals",
    "booking_core.reviews",
    "booking_core.scheduling",
    "booking_core.stores",
]

# Public names of the service layer that are deliberately not in the index, and why. Steps
# run inside a caller's unit of work; embedders call the services that hold them. (The
# steps of ``booking_core.services.steps`` are left out as a package.)
_STEP = "a step run inside a caller's unit of work"
LEFT_OUT = {
    "imported_booking_id": "how bulk import names a booking: told in docs/calendars.md",
    "refresh_job_id": "the id of a feed's refresh job: told in docs/calendars.md",
    "CLOSED_STATES": "an internal constant of the payment service",
    "HOLD_SPARE": "a fixed rule of the payment service, told in docs/payments.md (Holds)",
    "DEDICATED_COMMANDS": "an internal table of the lifecycle transitions",
    "EventCollectingUnitOfWork": "what app.uow makes: built by bootstrap.build, not by hand",
    "EventCollectingUnits": "app.uow itself: built by bootstrap.build, not by hand",
    "DEFAULT_RATES": "the default of build(rates=...); RateTable is in booking_core.ledger",
    "DEFAULT_WITHDRAWAL_RULES": "the default of build(withdrawal_rules=...); WithdrawalRules "
    "is in booking_core.payouts",
    "JobHandler": "a type alias (the values of BookingApp.job_handlers)",
    "DeliveryService": "the delivery job's handler, wired into app.job_handlers by build",
    "DeliveryDeferred": "how the delivery job tells the job runner to back off",
    "Reminders": "the reminder job's handler, wired into app.job_handlers by build",
    "settle_job": "how a job runner records an outcome; for runners on other engines",
    "recipient_of": "how NotificationService finds whose inbox an actor reads",
    "campaign_spend": _STEP,
    "find_offered_slots": _STEP,
    "merge_offers": "the pure half of the search that merges answers by start",
    "local_days": "the local days a window of instants covers (availability.md, queries by "
    "instants)",
    "rules_with_campaigns": _STEP,
}

REFERENCE = DOCS / "reference.md"


def _public_members(module: types.ModuleType) -> list[str]:
    """The module's public attributes, submodules aside (a package holds those once
    imported), sorted the way ``__all__`` is."""
    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    )


def _service_modules() -> Iterator[types.ModuleType]:
    yield bootstrap
    for info in pkgutil.iter_modules(booking_core.services.__path__):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"booking_core.services.{info.name}")


def _defined_public_names(module: types.ModuleType) -> set[str]:
    """What a module makes public: its ``__all__`` and every public class or function
    defined in it (so forgetting ``__all__`` too does not hide a new command)."""
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    }
    return defined | set(getattr(module, "__all__", ()))


def _own_doc(value: object) -> str:
    """The object's own docstring: not one inherited from a base class or from NewType."""
    if inspect.isclass(value):
        return str(value.__dict__.get("__doc__") or "")
    if inspect.isfunction(value):
        return value.__doc__ or ""
    return ""


@pytest.mark.parametrize("name", INDEXES)
def test_all_is_exactly_the_public_names_in_order(name: str) -> None:
    module = importlib.import_module(name)

    assert list(module.__all__) == _public_members(module)


@pytest.mark.parametrize("name", INDEXES)
def test_every_exported_name_has_a_docstring_of_its_own(name: str) -> None:
    module = importlib.import_module(name)
    # Ids are NewTypes of str, which cannot carry a docstring; the reference page says what
    # they are (test_every_exported_name_is_on_the_reference_page).
    undocumented = [
        n
        for n in module.__all__
        if not isinstance(getattr(module, n), typing.NewType)
        and not _own_doc(getattr(module, n)).strip()
    ]

    assert module.__doc__
    assert undocumented == []


@pytest.mark.parametrize("name", INDEXES)
def test_every_exported_name_is_on_the_reference_page(name: str) -> None:
    module = importlib.import_module(name)
    page = REFERENCE.read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", page))

    assert f"`{name}`" in page
    assert sorted(set(module.__all__) - named) == []


def test_the_index_re_exports_the_objects_where_they_are_defined() -> None:
    for name in api.__all__:
        value = getattr(api, name)
        home = importlib.import_module(value.__module__)

        assert getattr(home, name) is value, name


def test_every_public_name_of_the_services_is_indexed_or_left_out() -> None:
    public = set().union(*(_defined_public_names(m) for m in _service_modules()))
    indexed = set(api.__all__) - {"Actor", "Role"}

    assert sorted(public - indexed - LEFT_OUT.keys()) == [], "add these to booking_core.api"
    assert sorted(LEFT_OUT.keys() - public) == [], "no longer public: drop from LEFT_OUT"
    assert sorted(LEFT_OUT.keys() & set(api.__all__)) == []


def test_every_service_of_the_app_is_indexed_and_each_method_documented() -> None:
    held = typing.get_type_hints(api.BookingApp).values()
    services = [
        cls
        for cls in held
        if inspect.isclass(cls) and cls.__module__.startswith("booking_core.services.")
    ]
    undocumented = [
        f"{service.__name__}.{name}"
        for service in services
        for name, member in vars(service).items()
        if not name.startswith("_") and inspect.isfunction(member) and not member.__doc__
    ]

    assert len(services) == 36
    assert sorted(s.__name__ for s in services if getattr(api, s.__name__, None) is not s) == []
    assert undocumented == []


def _classes_in(hint: object) -> Iterator[type]:
    """The classes a type hint names (``list[Order] | None`` names ``list`` and ``Order``)."""
    if inspect.isclass(hint) and typing.get_origin(hint) is None:
        yield hint
    for argument in typing.get_args(hint):
        yield from _classes_in(argument)


def _reachable_types() -> dict[type, str]:
    """Every booking_core class a public method of an indexed service takes or returns,
    and the classes of their fields in turn, with one place that uses it."""
    found: dict[type, str] = {}
    frontier: list[type] = []

    def visit(hint: object, where: str) -> None:
        for cls in _classes_in(hint):
            if cls.__module__.startswith("booking_core.") and cls not in found:
                found[cls] = where
                frontier.append(cls)

    for name in api.__all__:
        owner = getattr(api, name)
        if not inspect.isclass(owner):
            continue
        for method_name, member in vars(owner).items():
            if not method_name.startswith("_") and inspect.isfunction(member):
                for hint in typing.get_type_hints(member).values():
                    visit(hint, f"{name}.{method_name}")
    while frontier:
        cls = frontier.pop()
        # Ports are protocols an adapter implements, not values an embedder builds.
        if attrs.has(cls) and not cls.__module__.startswith("booking_core.ports."):
            for field, hint in typing.get_type_hints(cls).items():
                visit(hint, f"{cls.__name__}.{field}")
    return found


def test_everything_a_service_takes_or_returns_can_be_imported_from_an_index() -> None:
    missing = []
    for cls, where in _reachable_types().items():
        area = cls.__module__.split(".")[1]
        if area in {"ports", "services"}:
            home = api if area == "services" else None
        else:
            home = importlib.import_module(f"booking_core.{area}")
        if home is not None and cls.__name__ not in getattr(home, "__all__", ()):
            missing.append(f"{cls.__module__}.{cls.__name__} (used by {where})")

    assert sorted(missing) == []


def test_the_reference_example_runs_and_prints_what_the_page_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ((code, printed),) = examples(REFERENCE)

    exec(code, {})

    assert capsys.readouterr().out == printed
    assert "from booking_core.api import" in code
