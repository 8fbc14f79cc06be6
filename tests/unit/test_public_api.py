"""Every public module declares a sorted, complete ``__all__``; every error has a code."""

import importlib
import inspect
import pkgutil

import pytest

import booking_core
from booking_core import errors

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(booking_core.__path__, "booking_core.")
    if not m.name.rsplit(".", 1)[-1].startswith("_")
)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return

    assert list(exported) == sorted(exported, key=str.casefold) or list(exported) == sorted(
        exported
    ), f"{name}.__all__ is not sorted"
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.__all__ names missing {attribute}"


def test_all_lists_every_public_class_of_the_errors_module() -> None:
    public = {
        n
        for n, obj in vars(errors).items()
        if inspect.isclass(obj) and obj.__module__ == errors.__name__ and not n.startswith("_")
    }

    assert public == set(errors.__all__)


def test_every_error_has_a_distinct_code_and_is_in_the_docstring_tree() -> None:
    classes = [getattr(errors, n) for n in errors.__all__]
    codes = [c.code for c in classes]

    assert len(codes) == len(set(codes))
    for cls in classes:
        assert issubclass(cls, errors.BookingError)
        assert cls.__name__ in (errors.__doc__ or ""), cls.__name__
        assert cls.__doc__, cls.__name__
