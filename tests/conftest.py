"""Test setup: isolated data dir, a database per test (SQLite always, PostgreSQL when available).

PostgreSQL tests skip with a reason when the server is unreachable, except under CI=true where
they fail instead (CI must exercise them).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports pms_app.core.settings: tests never touch ./data.
os.environ["PMS_DATA_DIR"] = tempfile.mkdtemp(prefix="pms-tests-")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.pop("SMTP_HOST", None)
# Most tests pay through the built-in M-Pesa simulator (an install opts in; off by default).
# Tests of "M-Pesa off" delete it with monkeypatch.
os.environ["MPESA_SIMULATOR"] = "1"
os.environ.pop("MPESA_SIMULATOR_FORCE", None)
os.environ.pop("DARAJA_CONSUMER_KEY", None)

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import pms_app.models
import pms_app.worker  # noqa: F401  (every domain's tasks: services enqueue them by name)
from pms_app.core import clock, db
from pms_app.core.settings import get_settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def service_unavailable(what: str, why: str) -> None:
    """Skip locally, fail under CI."""
    message = f"{what} is not available ({why})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


# Each test process works in its own schema, so parallel runs on one server don't collide.
PG_SCHEMA = f"pms_test_{os.getpid()}"


def postgres_engine(schema: str = PG_SCHEMA) -> Engine:
    from sqlalchemy import create_engine

    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        service_unavailable("PostgreSQL", f"{POSTGRES_URL}: {type(exc).__name__}")
    return engine


def _reset_schema(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    SQLModel.metadata.create_all(engine)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own outbox folder, and the clock's offset back from the environment."""
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    clock.set_offset(None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = db.make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        eng = postgres_engine()
    _reset_schema(eng)
    db.use_engine(eng)
    yield eng
    from pms_app.worker import wait_for_local_tasks

    wait_for_local_tasks()
    db.use_engine(None)
    if request.param == "postgres":
        with eng.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def outbox() -> Path:
    return get_settings().outbox_dir
