"""One SQLite writer at a time per process, queued on a Python lock.

SQLite allows one write transaction at a time. Without help, threads that want to write at the
same moment all start a transaction, and all but one get SQLITE_BUSY and poll in SQLite's busy
handler, which sleeps 1, 2, 5 … 100 ms between tries, while the holder competes with them for
the GIL. Under a burst (M-Pesa callbacks) that polling, not the work, sets the pace.

Here every connection to the same database file shares a lock that a connection takes just
before its first write statement (where sqlite3 opens the transaction) and gives back when the
transaction ends (commit, rollback, close). Writers then wait their turn without polling; readers
are untouched (WAL lets them run beside the writer). Other processes (a Celery worker on the same
file) still meet SQLite's own lock and busy timeout.

If the lock is not free within the busy timeout (a leaked transaction), the writer goes on
without it and SQLite's own locking decides, as it would without this module.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

log = logging.getLogger(__name__)

_DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()


def _gate_for(database: str) -> threading.Lock:
    with _gates_lock:
        return _gates.setdefault(database, threading.Lock())


def _starts_write(sql: str) -> bool:
    """Whether sqlite3 opens a transaction for this statement (it does for DML, as here)."""
    head = sql.lstrip()[:7].upper()
    return head.startswith(_DML)


class GatedCursor(sqlite3.Cursor):
    connection: GatedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> GatedCursor:
        conn = self.connection
        acquired = conn._enter_write(sql)
        try:
            super().execute(sql, parameters)
        finally:
            if acquired and not conn.in_transaction:
                conn._release()  # failed, or autocommit mode: no transaction holds it
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> GatedCursor:
        conn = self.connection
        acquired = conn._enter_write(sql)
        try:
            super().executemany(sql, seq_of_parameters)
        finally:
            if acquired and not conn.in_transaction:
                conn._release()
        return self


class GatedConnection(sqlite3.Connection):
    """sqlite3 connection whose write transactions take the per-file gate."""

    gate: threading.Lock = threading.Lock()  # replaced per database by `connection_factory`
    wait_s: float = 30.0
    _holds_gate = False

    def cursor(self, factory: Any = GatedCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)

    def _enter_write(self, sql: str) -> bool:
        if self._holds_gate or self.in_transaction or not _starts_write(sql):
            return False
        if not self.gate.acquire(timeout=self.wait_s):
            log.warning("SQLite write gate busy for %.0f s; writing without it", self.wait_s)
            return False
        self._holds_gate = True
        return True

    def _release(self) -> None:
        if self._holds_gate:
            self._holds_gate = False
            self.gate.release()

    def commit(self) -> None:
        super().commit()
        self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


def connection_factory(database: str) -> type[GatedConnection]:
    """A GatedConnection class sharing one gate among all connections to `database`."""
    return type("GatedConnection", (GatedConnection,), {"gate": _gate_for(database)})
