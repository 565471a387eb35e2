"""Has anything been committed to the database since I last looked? SQLite's `data_version`.

A page that reads only the database (and the date, and the reader's language) shows the same
thing as long as nothing was committed: ui/shell/page.py then keeps what the tab already holds
instead of reading it again. `PRAGMA data_version` on a connection of its own changes whenever any
other connection commits to the file — this process's pool, another web worker, a Celery worker,
a CLI command. It reads the WAL index in shared memory, no table: about 10 µs, so it is asked on
the event loop (bench/ui_latency.py; docs/performance.md). PostgreSQL has no such counter: None,
and pages read on every visit as before.
"""

from __future__ import annotations

import sqlite3
import threading

from pms_app.core.db import get_engine

_watchers: dict[str, sqlite3.Connection] = {}
_lock = threading.Lock()


def data_version() -> tuple[str, int] | None:
    """(database file, a number that changes on every commit by anyone else), or None when it
    cannot be known (not SQLite, an in-memory database)."""
    url = get_engine().url
    path = url.database or ""
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:" or "memory" in path:
        return None
    with _lock:
        conn = _watchers.get(path)
        if conn is None:  # never writes: its own commits would not count
            conn = _watchers[path] = sqlite3.connect(path, check_same_thread=False)
        try:
            return path, int(conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:  # the file went away (a test's temp dir): read as before
            _watchers.pop(path, None)
            return None
