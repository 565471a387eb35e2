"""`data_version` moves with every commit of any other connection, and is None where it cannot."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from pms_app.core import db
from pms_app.core.db_version import data_version


def test_any_commit_moves_it_and_a_read_does_not(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        assert data_version() is None  # PostgreSQL: no counter, pages read every visit
        return
    first = data_version()
    assert first is not None and data_version() == first
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM users")).one()
    assert data_version() == first
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE tick (n INTEGER)"))
        conn.execute(text("INSERT INTO tick VALUES (1)"))
    second = data_version()
    assert second is not None and second != first


def test_an_in_memory_database_has_none() -> None:
    db.use_engine(create_engine("sqlite://"))
    try:
        assert data_version() is None
    finally:
        db.use_engine(None)
