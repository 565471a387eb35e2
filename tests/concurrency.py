"""Run calls at the same moment: each in its own thread and Session, released together by a
barrier, every join with a deadline so a deadlock fails the test instead of hanging it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

DEADLINE_S = 90


def race(engine: Engine, work: list[Callable[[Session], object]]) -> list[object]:
    """Each call's result, or the exception it raised (reported, never lost in the thread)."""
    barrier = threading.Barrier(len(work), timeout=30)
    results: list[object] = [None] * len(work)

    def run(i: int) -> None:
        with Session(engine, expire_on_commit=False) as s:
            try:
                barrier.wait()
                results[i] = work[i](s)
            except BaseException as exc:
                s.rollback()
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(work))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + DEADLINE_S
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not [t for t in threads if t.is_alive()], "threads still running: a deadlock?"
    return results
