"""Clients that navigate without a browser, for bench/ui_latency.py's contention measure.

A real Chromium client logs in and navigates once while every websocket frame it sends is
recorded; its context is closed and a thread replays, on a websocket of its own with the same
client token, exactly the frames of each navigation, waiting each time for the last state delta
(`is_hydrated` back to true). The server does the same work as for the browser, and the 2 cores
are not spent rendering five extra pages: what slows the measured client is the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import simple_websocket  # python-engineio's websocket client (installed with Reflex)
from playwright.sync_api import Page, WebSocket

HYDRATED = '"is_hydrated_rx_state_":true'
TIMEOUT_S = 20.0


@dataclass
class Recording:
    ws_url: str
    origin: str
    connect: str  # socket.io's namespace connect frame
    legs: list[list[str]]  # the event frames each navigation sent, in order


class Recorder:
    """Attach before the page's first load; `mark()` starts a leg, `recording()` at the end."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.url = ""
        self.sent: list[str] = []
        self.marks: list[int] = []
        page.on("websocket", self._socket)

    def _socket(self, ws: WebSocket) -> None:
        if "/_event" in ws.url:
            self.url, self.sent = ws.url, []
            ws.on("framesent", lambda f: self.sent.append(f if isinstance(f, str) else ""))

    def mark(self) -> None:
        self.marks.append(len(self.sent))

    def recording(self) -> Recording:
        ends = [*self.marks[1:], len(self.sent)]
        legs = [
            [f for f in self.sent[a:b] if f.startswith("42")]
            for a, b in zip(self.marks, ends, strict=True)
        ]
        connect = next((f for f in self.sent if f.startswith("40")), "")
        if not self.url or not connect or not all(legs):
            raise RuntimeError(f"navigation frames not recorded (url {self.url!r}, legs {legs})")
        return Recording(self.url, self.origin, connect, legs)


class Navigators:
    """N replaying clients; `run()` lets them navigate non-stop (a pause after each page),
    `pause()` returns once none is mid-navigation."""

    def __init__(self, recordings: list[Recording], think_s: float) -> None:
        self.think_s = think_s
        self.lock = threading.Lock()
        self.running = threading.Event()
        self.quit = threading.Event()
        self.navs = 0
        self.errors: list[str] = []
        self.ready = [threading.Event() for _ in recordings]
        self.idle = [threading.Event() for _ in recordings]
        self.threads = [
            threading.Thread(target=self._client, args=(i, r), daemon=True)
            for i, r in enumerate(recordings)
        ]
        for t in self.threads:
            t.start()
        for i, ready in enumerate(self.ready):
            if not ready.wait(TIMEOUT_S):
                self.close()
                raise RuntimeError(f"navigator {i} did not connect: {self.errors}")
        self._check()

    def run(self) -> None:
        self._check()
        self.running.set()

    def pause(self) -> None:
        with self.lock:
            self.running.clear()
        for i, idle in enumerate(self.idle):
            if not idle.wait(TIMEOUT_S * 2):
                raise RuntimeError(f"navigator {i} stuck: {self.errors}")
        self._check()

    def close(self) -> None:
        self.quit.set()
        self.running.set()
        for t in self.threads:
            t.join(TIMEOUT_S)

    def _check(self) -> None:
        if self.errors:
            raise RuntimeError("navigator failed: " + "; ".join(self.errors))

    def _client(self, i: int, rec: Recording) -> None:
        ws = None
        try:
            ws = simple_websocket.Client.connect(rec.ws_url, headers={"Origin": rec.origin})
            # Not waiting for engine.io's open packet first: simple_websocket leaves a frame
            # that came with the handshake unread until more data arrives.
            ws.send(rec.connect)
            _expect(ws, lambda m: m.startswith("40"), "namespace connect")
            self.idle[i].set()
            self.ready[i].set()
            while not self.quit.is_set():
                with self.lock:
                    go = self.running.is_set()
                    if go:
                        self.idle[i].clear()
                if not go:
                    self.idle[i].set()
                    self.running.wait(0.05)
                    continue
                for leg in rec.legs:  # there and back: the client ends where it started
                    for frame in leg:
                        ws.send(frame)
                    _expect(ws, lambda m: HYDRATED in m, "the navigation's last delta")
                    with self.lock:
                        self.navs += 1
                    self.quit.wait(self.think_s)
        except Exception as exc:
            self.errors.append(f"navigator {i}: {type(exc).__name__}: {exc}")
        finally:
            self.idle[i].set()
            self.ready[i].set()
            if ws is not None:
                ws.close()


def _expect(ws: simple_websocket.Client, ok: Callable[[str], bool], what: str) -> str:
    """The next message that passes `ok`, answering engine.io pings meanwhile."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        left = deadline - time.monotonic()
        message = ws.receive(timeout=max(left, 0.01)) if left > 0 else None
        if message is None:
            raise TimeoutError(f"no {what} within {TIMEOUT_S:.0f} s")
        if message == "2":
            ws.send("3")
        elif isinstance(message, str) and ok(message):
            return message
