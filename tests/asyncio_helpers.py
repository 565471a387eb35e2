"""Run a coroutine to completion from a synchronous test.

The browser tests' session-scoped Playwright (sync API) keeps an event loop running in the main
thread for the rest of the run, and `asyncio.run` refuses to start inside a running loop: so the
coroutine runs on a fresh loop in a worker thread, whatever ran before, with the caller's context
variables (Reflex keeps its registration context in one)."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(contextvars.copy_context().run, asyncio.run, coro).result()


def settle(result: Any) -> Any:
    """A handler's result, awaited if it is a coroutine (page handlers do their database work
    off the event loop, so most are async): tests call sync and async handlers alike."""
    return run(result) if asyncio.iscoroutine(result) else result
