"""booking_core storage on SQLite and PostgreSQL, through SQLAlchemy Core.

::

    from booking_core_sqlalchemy import SqlAlchemyStorage, migrate

    migrate("postgresql+psycopg://app@db/booking")            # schema to the latest revision
    storage = SqlAlchemyStorage("postgresql+psycopg://app@db/booking")
    app = booking_core.bootstrap.build(uow=storage.unit_of_work, payments=gateway)
    ...
    storage.dispose()

``SqlAlchemyStorage.create_sqlite("app.db")`` is the embedded, zero-set-up variant.
The adapter passes ``booking_core.testing.contracts.StorageContract`` on both databases.
"""

from booking_core_sqlalchemy.engine import create_engine
from booking_core_sqlalchemy.migration import VERSION_TABLE, alembic_config, migrate
from booking_core_sqlalchemy.storage import SqlAlchemyStorage, SqlAlchemyUnitOfWork
from booking_core_sqlalchemy.timeouts import DatabaseTimeouts

__all__ = [
    "VERSION_TABLE",
    "DatabaseTimeouts",
    "SqlAlchemyStorage",
    "SqlAlchemyUnitOfWork",
    "alembic_config",
    "create_engine",
    "migrate",
]
