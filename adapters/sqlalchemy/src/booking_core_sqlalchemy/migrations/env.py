"""Alembic environment, configured from code by ``booking_core_sqlalchemy.migrate``.

Online: runs on the connection passed as ``config.attributes["connection"]``, or on a new
engine for the ``sqlalchemy.url`` main option. Offline (``--sql``): writes the SQL for the
``sqlalchemy.url`` dialect.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from booking_core_sqlalchemy.engine import create_engine
from booking_core_sqlalchemy.migration import VERSION_TABLE
from booking_core_sqlalchemy.tables import metadata


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=metadata, version_table=VERSION_TABLE, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run_on(connection)
        return
    if url is None:
        raise RuntimeError("Pass a connection (see booking_core_sqlalchemy.migrate) or a URL.")
    engine = create_engine(url)
    try:
        with engine.begin() as new_connection:
            _run_on(new_connection)
    finally:
        engine.dispose()


_run()
