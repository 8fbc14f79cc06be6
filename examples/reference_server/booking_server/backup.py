"""Backing up and restoring the server's database: ``python -m booking_server backup|restore``.

    python -m booking_server backup  PATH [--db-url URL]   # while the server runs
    python -m booking_server restore PATH [--db-url URL]   # with the server stopped

The database is the one the server's settings name (``--db-url``, else
``BOOKING_CORE_DB_URL``, else the demo SQLite file).

- **SQLite**: a copy through SQLite's online backup API (:meth:`sqlite3.Connection.backup`)
  in a single step, so it reads one snapshot under one read transaction: consistent, and
  (in WAL mode, which the server uses) never blocking the server's writers. The copy is a
  plain SQLite file (rollback journal, no ``-wal`` beside it). Restore copies it back into
  the configured file through the same API, after checking that no other connection has
  the file open (switching it out of WAL mode needs sole access).
- **PostgreSQL**: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
  --single-transaction`` (the client tools on ``PATH``; Debian/Ubuntu package
  ``postgresql-client``). The target must be empty or hold the backup's schema revision:
  ``--clean`` drops only what the dump holds, so tables a newer revision added would
  otherwise survive and break the migration.

The schema revision (Alembic's, in ``booking_core_alembic_version``) travels inside the
backup itself — the SQLite file's table, the dump's table data, read back with
``pg_restore --data-only`` — so no side file can get lost. A backup written by newer code
(a revision this code does not know) is refused before anything is touched; an older one
is migrated to this code's head after the restore.

A backup is written next to ``PATH`` and renamed onto it when complete: ``PATH`` never
holds half a backup. Failures raise a :class:`BackupError` subclass, each with a stable
``code`` and the command's exit status:

======  =======================  ====================================================
status  code                     meaning
======  =======================  ====================================================
1       backup_failed            the copy itself failed (message says why)
2                                bad command line (argparse)
3       schema_too_new           the backup's schema revision is unknown to this code
4       database_in_use          restore: another connection has the SQLite file open
5       tool_missing             pg_dump / pg_restore is not on PATH
6       no_booking_schema        no booking_core schema in the database or backup file
7       target_schema_differs    restore: the PostgreSQL target is at another revision
======  =======================  ====================================================
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

import attrs

from booking_server.settings import Settings, mask_url

if TYPE_CHECKING:
    from sqlalchemy import URL

__all__ = [
    "BackupError",
    "DatabaseInUse",
    "NoBookingSchema",
    "Restored",
    "SchemaTooNew",
    "TargetSchemaDiffers",
    "ToolMissing",
    "backup",
    "backup_command",
    "restore",
    "restore_command",
]

#: The table the schema revision is kept in (booking_core_sqlalchemy.VERSION_TABLE; repeated
#: here so that reading a backup file needs no import of the adapter).
_VERSION_TABLE: Final = "booking_core_alembic_version"
_CLIENT_PACKAGE: Final = "postgresql-client"


class BackupError(Exception):
    """A backup or restore that did not happen; nothing at the target was changed unless
    the message says so.

    Attributes:
        code: Stable machine-readable code.
        exit_status: The command's exit status for it.
    """

    code: ClassVar[str] = "backup_failed"
    exit_status: ClassVar[int] = 1


class SchemaTooNew(BackupError):
    """The backup's schema revision is unknown to this code: newer code wrote it."""

    code = "schema_too_new"
    exit_status = 3


class DatabaseInUse(BackupError):
    """Restore: another connection (a running server) has the SQLite file open."""

    code = "database_in_use"
    exit_status = 4


class ToolMissing(BackupError):
    """``pg_dump`` or ``pg_restore`` is not on ``PATH``."""

    code = "tool_missing"
    exit_status = 5


class NoBookingSchema(BackupError):
    """The database or backup file holds no booking_core schema (or is no database)."""

    code = "no_booking_schema"
    exit_status = 6


class TargetSchemaDiffers(BackupError):
    """Restore: the PostgreSQL target holds a booking_core schema at another revision."""

    code = "target_schema_differs"
    exit_status = 7


@attrs.frozen
class Restored:
    """What a restore did: the backup's schema revision and the one the database is at now
    (this code's head; the same unless the backup was migrated up)."""

    revision: str
    migrated_to: str


def backup(settings: Settings, path: Path) -> str:
    """Write a consistent backup of ``settings.db_url`` to ``path``; its schema revision.

    Safe while the server runs and writes. ``path`` is replaced only once the backup is
    complete.

    Raises:
        NoBookingSchema: the database holds no booking_core schema (a wrong URL?).
        ToolMissing: PostgreSQL, and ``pg_dump`` is not on ``PATH``.
        BackupError: the database cannot be read or ``path`` written.
    """
    url = _database_url(settings)
    with _replacing(path) as partial:
        if url.get_backend_name() == "sqlite":
            return _sqlite_backup(_sqlite_path(url), partial, busy_ms=settings.db_busy_ms)
        return _pg_backup(url, partial)


def restore(settings: Settings, path: Path) -> Restored:
    """Replace the data of ``settings.db_url`` with the backup at ``path``, then migrate it
    to this code's head. Stop the server first.

    Raises:
        SchemaTooNew: the backup's revision is unknown to this code (checked first).
        NoBookingSchema: ``path`` is no backup of a booking_core database.
        DatabaseInUse: SQLite, and another connection has the file open.
        TargetSchemaDiffers: PostgreSQL, and the target is at another revision.
        ToolMissing: PostgreSQL, and ``pg_restore`` is not on ``PATH``.
        BackupError: the restore itself failed.
    """
    from booking_core_sqlalchemy import migrate

    url = _database_url(settings)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    if url.get_backend_name() == "sqlite":
        revision = _sqlite_restore(path, _sqlite_path(url))
    else:
        revision = _pg_restore(path, url)
    head = _head_revision()
    if revision != head:
        migrate(url)
    return Restored(revision, head)


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_backup(source: Path, target: Path, *, busy_ms: int) -> str:
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    # mode=rw: a mistyped path fails instead of creating an empty database.
    origin_uri = f"{source.resolve().as_uri()}?mode=rw"
    with _sqlite(origin_uri, timeout=busy_ms / 1000) as origin, _sqlite(str(target)) as copy:
        # One step (pages=-1): one read transaction, one snapshot. Step-wise copying
        # would restart whenever the server commits, forever under steady writes.
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        return _sqlite_revision(copy, f"The database {source}")


def _sqlite_restore(backup_file: Path, target: Path) -> str:
    with _sqlite(f"{backup_file.resolve().as_uri()}?mode=ro") as copy:
        revision = _sqlite_revision(copy, f"{backup_file}")
        _check_known(revision, backup_file)
        with _sqlite(str(target), timeout=0) as database:
            try:
                # Leaving WAL mode needs the only connection: this fails while a server
                # (its pooled connections) has the file open.
                database.execute("PRAGMA journal_mode = DELETE").fetchall()
            except sqlite3.OperationalError as exc:
                raise DatabaseInUse(
                    f"{target} is open in another connection (a running server?): "
                    "stop it, then restore."
                ) from exc
            copy.backup(database)
    return revision


def _sqlite_revision(connection: sqlite3.Connection, what: str) -> str:
    try:
        check = connection.execute("PRAGMA quick_check").fetchone()
        row = connection.execute(f"SELECT version_num FROM {_VERSION_TABLE}").fetchone()
    except sqlite3.DatabaseError as exc:
        raise NoBookingSchema(
            f"{what} holds no booking_core schema ({exc}): is it the right file?"
        ) from exc
    if check != ("ok",):
        raise BackupError(f"{what} is damaged: PRAGMA quick_check says {check}.")
    if row is None:
        raise NoBookingSchema(f"{what} records no schema revision in {_VERSION_TABLE}.")
    return str(row[0])


@contextlib.contextmanager
def _sqlite(database: str, *, timeout: float = 5.0) -> Iterator[sqlite3.Connection]:
    try:
        connection = sqlite3.connect(
            database, timeout=timeout, uri=database.startswith("file:"), isolation_level=None
        )
    except sqlite3.Error as exc:
        raise BackupError(f"Cannot open {database}: {exc}.") from exc
    try:
        yield connection
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite failed on {database}: {exc}.") from exc
    finally:
        connection.close()


def _sqlite_path(url: URL) -> Path:
    from booking_core_sqlalchemy.engine import is_memory_sqlite

    if is_memory_sqlite(url) or not url.database:
        raise BackupError("An in-memory SQLite database keeps nothing to back up or restore.")
    return Path(url.database)


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_backup(url: URL, target: Path) -> str:
    _run(_tool("pg_dump"), "--format=custom", f"--file={target}", url=url)
    revision = _dump_revision(target)
    if revision is None:
        raise NoBookingSchema(
            f"{mask_url(_libpq(url)[0])} has no {_VERSION_TABLE} table: is it the right database?"
        )
    return revision


def _pg_restore(dump: Path, url: URL) -> str:
    revision = _dump_revision(dump)
    if revision is None:
        raise NoBookingSchema(f"{dump} is no pg_dump archive of a booking_core database.")
    _check_known(revision, dump)
    current = _pg_revision(url)
    if current is not None and current != revision:
        raise TargetSchemaDiffers(
            f"The database is at schema revision {current}, the backup at {revision}: "
            "restore into an empty database (createdb), or into one at the backup's revision."
        )
    _run(
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--single-transaction",  # all or nothing: a failed restore leaves the data as it was
        "--exit-on-error",
        "--no-owner",  # owned by the role of the URL: the server's own
        str(dump),
        url=url,
    )
    return revision


def _dump_revision(dump: Path) -> str | None:
    # The table's data as COPY text: "COPY ... FROM stdin;", the revision, "\.".
    listing = _run(
        _tool("pg_restore"), "--data-only", f"--table={_VERSION_TABLE}", "--file=-", str(dump)
    )
    lines = listing.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("COPY ")]
    if len(starts) > 1:
        raise BackupError(f"{dump} holds several {_VERSION_TABLE} tables (several schemas).")
    values = lines[starts[0] + 1 : starts[0] + 2] if starts else []
    if not values or values[0] == "\\.":
        return None
    return values[0].strip()


def _pg_revision(url: URL) -> str | None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from booking_core_sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.scalar(text("SELECT to_regclass(:t)"), {"t": _VERSION_TABLE}) is None:
                return None
            found = connection.scalar(text(f"SELECT version_num FROM {_VERSION_TABLE}"))
            return None if found is None else str(found)
    except SQLAlchemyError as exc:
        raise BackupError(f"Cannot read the target database: {exc.__class__.__name__}.") from exc
    finally:
        engine.dispose()


def _libpq(url: URL) -> tuple[str, str | None]:
    """The libpq URL (no driver, no password) and the password, passed as PGPASSWORD so
    that it never shows in the process list."""
    plain = url.set(drivername="postgresql", password=None)
    password = None if url.password is None else str(url.password)
    return plain.render_as_string(hide_password=False), password


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(
            f"{name} is not on PATH: install the PostgreSQL client tools (Debian/Ubuntu: "
            f"apt-get install {_CLIENT_PACKAGE}), of the server's major version or newer."
        )
    return found


def _run(tool: str, *arguments: str, url: URL | None = None) -> str:
    env = dict(os.environ)
    command = [tool, *arguments]
    if url is not None:
        dsn, password = _libpq(url)
        command.append(f"--dbname={dsn}")
        if password is not None:
            env["PGPASSWORD"] = password
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        name = Path(tool).name
        raise BackupError(f"{name} failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


# --- both -----------------------------------------------------------------------------------


def _database_url(settings: Settings) -> URL:
    if settings.in_memory:
        raise BackupError(
            "The database URL memory: (in-memory storage) keeps no data to back up or restore."
        )
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(settings.db_url)
    except ArgumentError as exc:
        raise BackupError(f"Not a database URL: {mask_url(settings.db_url)}.") from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL; got {url.get_backend_name()}.")
    return url


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from booking_core_sqlalchemy import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # the adapter ships its migrations
    return head


def _check_known(revision: str, backup_file: Path) -> None:
    from alembic.script import ScriptDirectory

    from booking_core_sqlalchemy import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    if revision not in {script.revision for script in scripts.walk_revisions()}:
        raise SchemaTooNew(
            f"{backup_file} holds schema revision {revision!r}, which this code does not "
            f"know (its newest is {scripts.get_current_head()!r}): restore it with the newer "
            "code that wrote it."
        )


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A new file beside ``path``, renamed onto it if the block succeeds, else removed."""
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise BackupError(f"Cannot write beside {path}: {exc}.") from exc
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


# --- the commands ---------------------------------------------------------------------------


def backup_command(argv: Sequence[str]) -> int:
    """``python -m booking_server backup PATH [--db-url URL]``; the exit status."""
    args, settings = _parse("backup", "Back up the server's database to PATH.", argv)
    try:
        revision = backup(settings, args.path)
    except BackupError as exc:
        return _failed(exc)
    _say(f"backed up {mask_url(settings.db_url)} (schema {revision}) to {args.path}")
    return 0


def restore_command(argv: Sequence[str]) -> int:
    """``python -m booking_server restore PATH [--db-url URL]``; the exit status."""
    args, settings = _parse(
        "restore", "Replace the server's database with the backup at PATH (server stopped).", argv
    )
    try:
        done = restore(settings, args.path)
    except BackupError as exc:
        return _failed(exc)
    migrated = "" if done.migrated_to == done.revision else f", migrated to {done.migrated_to}"
    _say(
        f"restored {args.path} (schema {done.revision}{migrated}) into {mask_url(settings.db_url)}"
    )
    return 0


def _parse(
    command: str, description: str, argv: Sequence[str]
) -> tuple[argparse.Namespace, Settings]:
    defaults = Settings.from_env()
    parser = argparse.ArgumentParser(
        prog=f"python -m booking_server {command}", description=description
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="the backup file")
    parser.add_argument(
        "--db-url",
        default=defaults.db_url,
        help=f"default: {mask_url(defaults.db_url).replace('%', '%%')} (BOOKING_CORE_DB_URL)",
    )
    args = parser.parse_args(argv)
    return args, attrs.evolve(defaults, db_url=args.db_url)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _failed(error: BackupError) -> int:
    sys.stderr.write(f"error: {error.code}: {error}\n")
    return error.exit_status
