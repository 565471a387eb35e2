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

import os
import secrets
import sqlite3
import threading

from pms_app.core.db import get_engine

# Per database file: the watching connection and a name of its own. Its counter means something
# only beside its own earlier values, so the name goes with it: a tab whose state another web
# worker (Redis) handled last never compares two workers' counters.
_watchers: dict[tuple[str, int], tuple[sqlite3.Connection, str]] = {}
_lock = threading.Lock()
MAX_WATCHERS = 4


def data_version() -> tuple[str, str, int] | None:
    """(database file, the watcher's name, a number that changes on every commit by anyone
    else), or None when it cannot be known (not SQLite, an in-memory database)."""
    url = get_engine().url
    path = url.database or ""
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:" or "memory" in path:
        return None
    key = path, os.getpid()  # a connection never crosses a fork (the server forks its workers)
    with _lock:
        if key not in _watchers:  # never writes: its own commits would not count
            while len(_watchers) >= MAX_WATCHERS:  # tests open a database each: close old ones
                _watchers.pop(next(iter(_watchers)))[0].close()
            conn = sqlite3.connect(path, check_same_thread=False)
            _watchers[key] = conn, secrets.token_hex(8)
        conn, name = _watchers[key]
        try:
            return path, name, int(conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:  # the file went away (a test's temp dir): read as before
            _watchers.pop(key, None)
            return None
