"""Text no database stores is the caller's bad input (InvalidText), never a raw driver error;
and SQL parameters stay out of error messages (issue 8, items 10 and 13)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from booking_core.catalog import Category
from booking_core.errors import InvalidText, NotFound
from booking_core.ids import CategoryId, OrderId
from booking_core_sqlalchemy import SqlAlchemyStorage


@pytest.mark.postgres
@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "lone-surrogate"])
def test_postgres_refuses_unstorable_text_as_invalid_text(
    pg_storage: SqlAlchemyStorage, bad: str
) -> None:
    # given PostgreSQL storage

    # when a category named with the bad text is added, and an order id with it is read
    with pytest.raises(InvalidText) as on_write, pg_storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), bad))
    with pytest.raises(InvalidText) as on_read, pg_storage.unit_of_work() as uow:
        uow.orders.get(OrderId(f"ord{bad}"))

    # then both are the core's invalid-text error, with the driver's error as the cause,
    # and nothing was stored
    assert on_write.value.error_code == on_read.value.error_code == "invalid_text"
    assert on_write.value.__cause__ is not None
    with pg_storage.unit_of_work() as uow:
        assert uow.categories.list() == []


def test_sqlite_stores_what_postgres_refuses(sqlite_storage: SqlAlchemyStorage) -> None:
    # given SQLite storage (why the reference server refuses such text at its edge)

    # when a category named with a NUL is added and an id with a NUL is read
    with sqlite_storage.unit_of_work() as uow:
        uow.categories.add(Category(CategoryId("cat_1"), "a\x00b"))
        uow.commit()
    with pytest.raises(NotFound), sqlite_storage.unit_of_work() as uow:
        uow.orders.get(OrderId("ord\x00x"))

    # then SQLite kept it as it was
    with sqlite_storage.unit_of_work() as uow:
        assert [c.name for c in uow.categories.list()] == ["a\x00b"]


def test_sql_parameters_stay_out_of_error_messages(storage: SqlAlchemyStorage) -> None:
    # given a row that a second insert collides with
    statement = text("INSERT INTO categories (id, name) VALUES (:i, :n)")
    with storage.engine.begin() as connection:
        connection.execute(statement, {"i": "cat_secret_id", "n": "13800138000 张三"})

    # when the same row is inserted again
    with pytest.raises(IntegrityError) as raised, storage.engine.begin() as connection:
        connection.execute(statement, {"i": "cat_secret_id", "n": "13800138000 张三"})

    # then the message names the statement but not the values (personal data)
    assert "13800138000" not in str(raised.value)
    assert "parameters hidden" in str(raised.value)
