"""A tiny SMTP server for tests (aiosmtpd/smtpd are not available): enough of RFC 5321 for smtplib.

    with SmtpServer() as smtp:          # listens on 127.0.0.1, a free port
        ...deliver to smtp.port...
        msg = smtp.wait_for(1)[0]       # email.message.Message objects, in arrival order

`stall(n)` makes the next n connections hang before the greeting (the client is then stuck inside
`smtplib.SMTP(...)`), which lets a test kill a sender in the middle of a delivery.
"""

from __future__ import annotations

import email
import socketserver
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from types import TracebackType


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    message: Message
    raw: bytes = field(repr=False)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        owner = self.server.owner
        owner._connected()
        if owner._take_stall():
            owner.stalled.set()
            # Hold the greeting until the test releases us (or the client died and we give up).
            owner._release.wait(timeout=60)
            return
        self._reply("220 localhost test SMTP")
        mail_from, rcpts = "", []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self._reply("250-localhost")
                self._reply("250-8BITMIME")
                self._reply("250 SIZE 10485760")
            elif verb == "HELO":
                self._reply("250 localhost")
            elif verb == "MAIL":
                mail_from, rcpts = line.split(":", 1)[1].strip().split()[0].strip("<>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip().split()[0].strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                if data is None:
                    return
                owner._store(Received(mail_from, rcpts, _parse(data), data))
                self._reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                mail_from, rcpts = ("", []) if verb == "RSET" else (mail_from, rcpts)
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")

    def _read_data(self) -> bytes | None:
        lines: list[bytes] = []
        while True:
            raw = self.rfile.readline(1 << 20)
            if not raw:
                return None  # client went away mid-message: nothing was delivered
            if raw in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(raw[1:] if raw.startswith(b"..") else raw)  # undo dot-stuffing


def _parse(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=default_policy)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    owner: SmtpServer


class SmtpServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = _Server((host, 0), _Handler)
        self._server.owner = self
        self.host = host
        self.port: int = self._server.server_address[1]
        self.received: list[Received] = []
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._stalls = 0
        self.connections = 0  # TCP connections accepted so far
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def stall(self, connections: int = 1) -> None:
        with self._cond:
            self._stalls = connections

    def _connected(self) -> None:
        with self._cond:
            self.connections += 1

    def _take_stall(self) -> bool:
        with self._cond:
            if self._stalls > 0:
                self._stalls -= 1
                return True
            return False

    def _store(self, item: Received) -> None:
        with self._cond:
            self.received.append(item)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        """Block until at least `count` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} SMTP message(s) within {timeout}s, "
                        f"got {len(self.received)}"
                    )
                self._cond.wait(left)
            return list(self.received)

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        _t: type[BaseException] | None,
        _e: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
