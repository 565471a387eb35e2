"""A real HTTP server for tests: an ASGI app served by granian (embedded) in a daemon thread.

    with serve(app) as base:          # base = "http://127.0.0.1:<free port>"
        requests.get(f"{base}/api/health")

or, when the port must be known before the app is built (settings that embed the URL):

    port = free_port()
    stop = start_server(app, port)
    ...
    stop()

`until` polls a condition with a deadline (no long sleeps in tests).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from granian.constants import Interfaces
from granian.server.embed import Server

T = TypeVar("T")


def until(check: Callable[[], T], what: str, timeout: float = 5.0, interval: float = 0.02) -> T:
    """The first truthy value of check(), or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start_server(app: Any, port: int, name: str = "test-http") -> Callable[[], None]:
    """Serve `app` on 127.0.0.1:port until the returned stop() is called."""
    server = Server(
        app, address="127.0.0.1", port=port, interface=Interfaces.ASGINL, log_enabled=False
    )
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve())

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    until(lambda: _listening(port), "the test server", 10)

    def stop() -> None:
        loop.call_soon_threadsafe(server.signal_handler_interrupt)
        thread.join(5)

    return stop


@contextmanager
def serve(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve `app` for the duration of the block; yields its base URL."""
    port = port or free_port()
    stop = start_server(app, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop()
