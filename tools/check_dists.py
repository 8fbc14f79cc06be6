"""Check the built distributions from inside a fresh venv that has only their wheels.

`nox -s build` builds an sdist and a wheel of every distribution into one folder, installs
the wheels (not editable) into a new venv and runs this script with that venv's Python::

    python tools/check_dists.py DIST_DIR REPO_ROOT

It fails (exit 1, every problem listed) unless:

- each distribution left exactly one wheel and one sdist;
- every file of each import package in the checkout (modules, ``py.typed``, the Alembic
  ``versions/`` and ``script.py.mako``) is in the wheel, and in the sdist under its
  project folder;
- every import package loads from the venv's own files (not an editable install);
- the core and every adapter are installed with ``py.typed``;
- ``booking_core_sqlalchemy.migrate`` brings an empty SQLite file to the head revision with
  the migrations read from the installed wheel, and the head is reached through as many
  revisions as the checkout has;
- the reference server's console scripts were installed.

Only the standard library and the installed wheels are used.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Final

import attrs


@attrs.frozen
class Distribution:
    """One distribution of the repository: its name, folder and import package."""

    name: str  # as on the package index
    folder: str  # project folder (its pyproject.toml), relative to the repository root
    package: str  # the import package, relative to the project folder

    @property
    def file_stem(self) -> str:
        """The name as wheel and sdist file names spell it (PEP 427 / PEP 625)."""
        return self.name.replace("-", "_")

    @property
    def import_name(self) -> str:
        """The import name of the package."""
        return Path(self.package).name


#: The naming scheme: `booking-core-sdk` and `booking-core-sdk-<adapter>` (docs/getting-started.md).
DISTRIBUTIONS: Final = (
    Distribution("booking-core-sdk", ".", "src/booking_core"),
    Distribution(
        "booking-core-sdk-sqlalchemy", "adapters/sqlalchemy", "src/booking_core_sqlalchemy"
    ),
    Distribution(
        "booking-core-sdk-notifications",
        "adapters/notifications",
        "src/booking_core_notifications",
    ),
    Distribution(
        "booking-core-sdk-procrastinate",
        "adapters/procrastinate",
        "src/booking_core_procrastinate",
    ),
    Distribution("booking-core-sdk-wechatpay", "adapters/wechatpay", "src/booking_core_wechatpay"),
    Distribution("booking-core-sdk-alipay", "adapters/alipay", "src/booking_core_alipay"),
    Distribution("booking-core-sdk-stripe", "adapters/stripe", "src/booking_core_stripe"),
    Distribution("booking-core-sdk-ical", "adapters/ical", "src/booking_core_ical"),
    Distribution("booking-core-sdk-server", "examples/reference_server", "booking_server"),
)

#: Packages that promise type information (PEP 561).
TYPED: Final = (
    "booking_core",
    "booking_core_sqlalchemy",
    "booking_core_notifications",
    "booking_core_procrastinate",
    "booking_core_wechatpay",
    "booking_core_alipay",
    "booking_core_stripe",
    "booking_core_ical",
)

#: The reference server's `[project.scripts]`.
SCRIPTS: Final = ("booking-server", "booking-server-demo")


def source_files(package_dir: Path) -> set[str]:
    """Every file of a package in the checkout, relative to the package's parent folder."""
    return {
        path.relative_to(package_dir.parent).as_posix()
        for path in package_dir.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def check_archives(dist: Distribution, dist_dir: Path, root: Path) -> list[str]:
    """Problems with the wheel and sdist of ``dist``: missing, doubled, or short of a file."""
    wheels = sorted(dist_dir.glob(f"{dist.file_stem}-*.whl"))
    sdists = sorted(dist_dir.glob(f"{dist.file_stem}-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"{dist.name}: expected one wheel and one sdist, found {wheels + sdists}"]
    wanted = source_files(root / dist.folder / dist.package)
    problems = []
    with zipfile.ZipFile(wheels[0]) as wheel:
        missing = wanted - set(wheel.namelist())
    if missing:
        problems.append(f"{wheels[0].name} lacks {sorted(missing)}")
    # An sdist holds the project folder under one top folder `name-version/`.
    prefix = Path(dist.package).parent.as_posix()
    with tarfile.open(sdists[0]) as sdist:
        members = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    in_sdist = {f"{prefix}/{name}" if prefix != "." else name for name in wanted}
    missing = in_sdist | {"pyproject.toml", "README.md"}
    missing -= members
    if missing:
        problems.append(f"{sdists[0].name} lacks {sorted(missing)}")
    return problems


def check_installed() -> list[str]:
    """Problems with the installed packages: imported from elsewhere than the venv, or untyped."""
    problems = []
    venv = Path(sys.prefix).resolve()
    for dist in DISTRIBUTIONS:
        module = importlib.import_module(dist.import_name)
        location = Path(module.__file__ or "").resolve()
        # An editable install or the checkout on sys.path would load from outside the venv.
        if not location.is_relative_to(venv):
            problems.append(f"{dist.import_name} was imported from outside the venv: {location}")
        if dist.import_name in TYPED and not (location.parent / "py.typed").is_file():
            problems.append(f"{dist.import_name} is installed without py.typed")
    bin_dir = Path(sys.executable).parent
    problems += [f"console script {s} missing" for s in SCRIPTS if not (bin_dir / s).exists()]
    return problems


def check_migrations(root: Path) -> list[str]:
    """Problems running the installed adapter's migrations on a new SQLite file."""
    from alembic.script import ScriptDirectory

    import booking_core_sqlalchemy

    scripts = ScriptDirectory.from_config(booking_core_sqlalchemy.alembic_config())
    head = scripts.get_current_head()
    shipped = sum(1 for _ in scripts.walk_revisions())
    versions = root / "adapters/sqlalchemy/src/booking_core_sqlalchemy/migrations/versions"
    in_checkout = len(list(versions.glob("rev_*.py")))
    problems = []
    if shipped != in_checkout:
        problems.append(f"the wheel ships {shipped} revisions, the checkout has {in_checkout}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "check.sqlite3"
        booking_core_sqlalchemy.migrate(f"sqlite:///{path}")
        with sqlite3.connect(path) as connection:
            query = f"SELECT version_num FROM {booking_core_sqlalchemy.VERSION_TABLE}"
            stored = [row[0] for row in connection.execute(query)]
        connection.close()
    if stored != [head]:
        problems.append(f"migrate() left the database at {stored}, expected [{head!r}]")
    else:
        print(f"migrate(sqlite) from the wheel: head {head}, {shipped} revisions")
    return problems


def main(argv: list[str]) -> int:
    """Run every check; print what passed and every problem found."""
    dist_dir, root = (Path(arg) for arg in argv)
    problems = []
    for dist in DISTRIBUTIONS:
        problems += check_archives(dist, dist_dir, root)
    problems += check_installed()
    problems += check_migrations(root)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if not problems:
        names = ", ".join(d.name for d in DISTRIBUTIONS)
        print(f"built, installed and imported from wheels: {names}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
