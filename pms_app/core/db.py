"""Engine and session factory; SQLite pragmas; after-commit hooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from pms_app.core.errors import ServiceError
from pms_app.core.settings import get_settings
from pms_app.core.sqlite_writes import connection_factory


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database or ":memory:"
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": 30,
                "factory": connection_factory(database),  # one writer at a time, queued
            },
            # Enough pooled connections for every thread that may use one at once (the event
            # loop's executor, background tasks): opening one runs the PRAGMAs below each time.
            pool_size=20,
            max_overflow=20,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


_engine_override: Engine | None = None


@lru_cache(maxsize=1)
def _default_engine() -> Engine:
    return make_engine(get_settings().database_url)


def get_engine() -> Engine:
    return _engine_override or _default_engine()


def use_engine(engine: Engine | None) -> None:
    """Point the app at another engine (tests); None restores the configured one."""
    global _engine_override
    _engine_override = engine


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session for one unit of work. Services commit themselves; anything left open is rolled back."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


# --- after-commit hooks -----------------------------------------------------------------------
# Work that must only happen once the row exists (enqueueing emails, live pushes) is registered
# with `on_commit`; it runs after a successful commit and is dropped on rollback.

_HOOKS_KEY = "pms_after_commit"
_COMMITTED_KEY = "pms_committed"


def committed_since_asked(session: Session) -> bool:
    """Whether the session committed since the last time this was asked (a page state then
    re-reads the navbar's identity: a write may have changed a name or an approval)."""
    return bool(session.info.pop(_COMMITTED_KEY, False))


def on_commit(session: Session, fn: Callable[[], None]) -> None:
    session.info.setdefault(_HOOKS_KEY, []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    session.info[_COMMITTED_KEY] = True
    hooks = session.info.pop(_HOOKS_KEY, [])
    for fn in hooks:
        fn()


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_HOOKS_KEY, None)


def update_or_refuse(session: Session, statement: Any, refused: str) -> None:
    """Run a conditional UPDATE (`… WHERE id = … AND status = <what the caller saw>`) that must
    change exactly one row. None changed means another request decided first — a second click,
    another manager, a worker — so this one is refused with `refused` (a msgid) rather than
    deciding twice; the transaction is rolled back so nothing half-done stays."""
    if session.exec(statement).rowcount != 1:  # type: ignore[call-overload]
        session.rollback()
        raise ServiceError(refused)
