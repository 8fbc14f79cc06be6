"""Every routine task of booking_core is a nox session.

`nox` with no arguments runs what CI runs: lint, typing, tests, the API contract, docs and
the build of every distribution.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typing", "tests", "api", "docs", "build"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
LOCK = "requirements/dev.txt"
LOCAL = [
    "-e",
    ".",
    "-e",
    "adapters/sqlalchemy",
    "-e",
    "adapters/notifications",
    "-e",
    "adapters/procrastinate",
    "-e",
    "adapters/wechatpay",
    "-e",
    "adapters/alipay",
    "-e",
    "adapters/stripe",
    "-e",
    "adapters/ical",
    "-e",
    "examples/reference_server",
]
PYTHON = "3.11"
#: The project folder of every distribution: booking-core-sdk, -sqlalchemy, -notifications,
#: -procrastinate, -wechatpay, -alipay, -stripe, -ical, -server.
DISTRIBUTIONS = [
    ".",
    "adapters/sqlalchemy",
    "adapters/notifications",
    "adapters/procrastinate",
    "adapters/wechatpay",
    "adapters/alipay",
    "adapters/stripe",
    "adapters/ical",
    "examples/reference_server",
]


def install(session: nox.Session) -> None:
    """The pinned environment, then the three local distributions without re-resolving."""
    session.install("-r", LOCK)
    session.install("--no-deps", *LOCAL)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """All tests, PostgreSQL included (they fail in CI when PostgreSQL is unreachable)."""
    install(session)
    session.run("lint-imports")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """Every property and stateful test with 20x the examples and a fresh random seed.

    Not in the default set: CI stays derandomized. The seed is printed first; replay a
    failure with `nox -s soak -- --hypothesis-seed=SEED` (other arguments go to pytest).
    """
    install(session)
    args = list(session.posargs)
    if not any(a.startswith("--hypothesis-seed") for a in args):
        args.append(f"--hypothesis-seed={secrets.randbelow(2**32)}")
    seed = next(a for a in args if a.startswith("--hypothesis-seed"))
    print(f"soak: {seed} (replay with: nox -s soak -- {seed})", flush=True)
    session.run(
        "pytest", "-m", "hypothesis", *args, env={"BOOKING_CORE_HYPOTHESIS_PROFILE": "soak"}
    )


@nox.session(python=PYTHON)
def api(session: nox.Session) -> None:
    """Schemathesis over the reference server's OpenAPI, as a customer, a technician and
    the platform: every check, about 20 examples per operation, zero failures allowed.

    Each role gets a fresh SQLite database with the demo data and a few orders. Arguments
    go to examples/reference_server/api_contract.py (`--roles`, `--max-examples`) and on to
    `schemathesis run` (e.g. `--seed N` to replay a run).
    """
    install(session)
    session.run("python", "examples/reference_server/api_contract.py", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("-r", LOCK)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typing(session: nox.Session) -> None:
    """mypy --strict over the core, the adapters and the examples."""
    install(session)
    session.run(
        "mypy",
        "--strict",
        "src",
        "adapters/sqlalchemy/src",
        "adapters/notifications/src",
        "adapters/procrastinate/src",
        "adapters/wechatpay/src",
        "adapters/alipay/src",
        "adapters/stripe/src",
        "adapters/ical/src",
        "examples/reference_server/booking_server",
        "examples/reference_server/api_contract.py",
        "tools/check_dists.py",
    )


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly (broken links and references fail)."""
    install(session)
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(ROOT / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """An sdist and a wheel of every distribution, the wheels installed into a fresh venv.

    `python -m build` makes the sdist and then the wheel from the sdist, so a file the sdist
    forgot fails the wheel. The wheels (not editable) go into a new venv with their
    dependencies held to the lockfile, and tools/check_dists.py checks there what they ship:
    imports, py.typed, every source file, and the adapter's migrations run on SQLite.
    """
    session.install("-c", LOCK, "build[uv]")
    work = Path(session.create_tmp()).resolve() / "build"
    shutil.rmtree(work, ignore_errors=True)
    dist, venv = work / "dist", work / "venv"
    for folder in DISTRIBUTIONS:
        session.run(
            "python", "-m", "build", "--installer", "uv", "--outdir", str(dist), str(ROOT / folder)
        )
    session.run("uv", "venv", "--quiet", "--python", PYTHON, str(venv))
    python = str(venv / "bin" / "python")
    wheels = sorted(str(wheel) for wheel in dist.glob("*.whl"))
    session.run("uv", "pip", "install", "--quiet", "--python", python, "-c", LOCK, *wheels)
    check = str(ROOT / "tools" / "check_dists.py")
    # From the temporary folder, so that nothing in the checkout shadows the installed wheels.
    with session.chdir(work):
        session.run(python, check, str(dist), str(ROOT), external=True)


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """The reference server on an embedded SQLite file, seeded with demo data on first start."""
    install(session)
    session.run("python", "-m", "booking_server", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Walk the whole booking flow over HTTP and print a readable transcript."""
    install(session)
    session.run("python", "-m", "booking_server.demo", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: each prints `name: value unit` lines."""
    install(session)
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        session.run("python", str(script))


@nox.session(python=PYTHON)
def lock(session: nox.Session) -> None:
    """Re-pin requirements/dev.txt from requirements/dev.in."""
    session.install("uv")
    session.run(
        "uv", "pip", "compile", "requirements/dev.in", "-o", LOCK, "--python-version", PYTHON
    )
