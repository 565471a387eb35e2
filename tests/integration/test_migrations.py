"""Alembic: `upgrade head` builds exactly the models' schema (SQLite and PostgreSQL), and the
migrations go down to nothing and back up again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

import pms_app.models  # noqa: F401  (every table on SQLModel.metadata)
from alembic import command
from pms_app.core import db
from pms_app.core.migrations import alembic_config, upgrade
from tests.conftest import POSTGRES_URL, postgres_engine

# Like tests.conftest: a schema of our own, so parallel test runs on one server don't collide.
PG_SCHEMA = f"pms_migrations_{os.getpid()}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of an empty database; on PostgreSQL an empty schema, first on search_path."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
        engine = db.make_engine(url)
        yield url, engine
        engine.dispose()
        return
    engine = postgres_engine(PG_SCHEMA)  # skips (or fails under CI) when unreachable
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    url = (
        make_url(POSTGRES_URL)
        .update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
        .render_as_string(hide_password=False)
    )
    try:
        yield url, engine
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        engine.dispose()


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_there_is_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_upgrade_head_matches_the_models_and_round_trips(empty_db: tuple[str, Engine]) -> None:
    url, engine = empty_db
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    model_tables = set(SQLModel.metadata.tables)
    assert model_tables, "no models registered"
    assert _tables(engine) == set()

    upgrade(url)
    assert _revision(engine) == head
    assert _tables(engine) == model_tables | {"alembic_version"}
    assert _diff(engine) == []

    command.downgrade(alembic_config(url), "base")
    assert _revision(engine) is None
    assert _tables(engine) <= {"alembic_version"}

    upgrade(url)
    assert _revision(engine) == head
    assert _diff(engine) == []
    upgrade(url)  # already at head: a no-op, not an error
    assert _revision(engine) == head
