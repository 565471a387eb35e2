"""The SQLite write gate: writers queue on a lock instead of failing or polling; readers don't."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from pms_app.core import db
from pms_app.core.sqlite_writes import GatedConnection


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER UNIQUE)")
    return engine


def _gate(engine: Engine) -> threading.Lock:
    raw = engine.raw_connection()
    try:
        dbapi = raw.dbapi_connection
        assert isinstance(dbapi, GatedConnection)
        return dbapi.gate
    finally:
        raw.close()


def test_concurrent_writers_queue_instead_of_failing(sqlite_engine: Engine) -> None:
    """12 transactions of 30 ms each, with SQLite's own busy timeout at 20 ms: without the gate
    most would fail with "database is locked"; with it, they all commit, one at a time."""
    errors: list[BaseException] = []
    in_write = 0
    most_in_write = 0
    lock = threading.Lock()

    def write(n: int) -> None:
        nonlocal in_write, most_in_write
        try:
            with sqlite_engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout=20")
                conn.commit()  # ends the autobegun (empty) transaction
                with conn.begin():
                    conn.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
                    with lock:
                        in_write += 1
                        most_in_write = max(most_in_write, in_write)
                    time.sleep(0.03)  # work inside the write transaction
                    with lock:
                        in_write -= 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert most_in_write == 1
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM t")).scalar_one() == 12
    assert not _gate(sqlite_engine).locked()


def test_readers_are_not_held_up_by_a_writer(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as writer:
        writer.begin()
        writer.execute(text("INSERT INTO t (n) VALUES (1)"))
        assert _gate(sqlite_engine).locked()
        started = time.monotonic()
        with sqlite_engine.connect() as reader:
            # WAL: the reader sees the last committed state, at once.
            assert reader.execute(text("SELECT COUNT(*) FROM t")).scalar_one() == 0
        assert time.monotonic() - started < 1
        writer.commit()
    assert not _gate(sqlite_engine).locked()


def test_the_gate_is_released_by_rollback_after_a_failed_statement(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        conn.begin()
        conn.execute(text("INSERT INTO t (n) VALUES (1)"))
        with pytest.raises(IntegrityError):
            conn.execute(text("INSERT INTO t (n) VALUES (1)"))
        assert _gate(sqlite_engine).locked()  # the transaction is still open
        conn.rollback()
        assert not _gate(sqlite_engine).locked()


def test_a_connection_returned_to_the_pool_mid_transaction_gives_the_gate_back(
    sqlite_engine: Engine,
) -> None:
    conn = sqlite_engine.connect()
    conn.begin()
    conn.execute(text("INSERT INTO t (n) VALUES (1)"))
    assert _gate(sqlite_engine).locked()
    conn.close()  # the pool rolls back on return
    assert not _gate(sqlite_engine).locked()
    with sqlite_engine.connect() as check:
        assert check.execute(text("SELECT COUNT(*) FROM t")).scalar_one() == 0


def test_autocommit_writes_do_not_keep_the_gate(sqlite_engine: Engine) -> None:
    raw = sqlite_engine.raw_connection()
    try:
        dbapi = raw.dbapi_connection
        assert isinstance(dbapi, sqlite3.Connection)
        dbapi.isolation_level = None  # autocommit: no transaction is opened
        dbapi.execute("INSERT INTO t (n) VALUES (5)")
        assert not dbapi.in_transaction
        assert not _gate(sqlite_engine).locked()
    finally:
        raw.close()


def test_each_database_file_has_its_own_gate(sqlite_engine: Engine, tmp_path: Path) -> None:
    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    assert _gate(other) is not _gate(sqlite_engine)
    assert _gate(db.make_engine(f"sqlite:///{tmp_path / 'gate.db'}")) is _gate(sqlite_engine)


def test_a_gate_held_too_long_falls_back_to_sqlite_locking(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A leaked write transaction must not hang other writers forever: after the wait they go
    to SQLite, whose busy timeout then reports the lock."""
    monkeypatch.setattr(GatedConnection, "wait_s", 0.2)
    with sqlite_engine.connect() as holder:
        holder.begin()
        holder.execute(text("INSERT INTO t (n) VALUES (1)"))
        with sqlite_engine.connect() as late:
            late.exec_driver_sql("PRAGMA busy_timeout=50")
            started = time.monotonic()
            with pytest.raises(OperationalError, match="locked"):
                late.execute(text("INSERT INTO t (n) VALUES (2)"))
            assert time.monotonic() - started < 5
            late.rollback()
        holder.rollback()
    assert not _gate(sqlite_engine).locked()
