"""Start the app's production build on a free port, as a user would run it (bench/ uses it too)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import requests
from sqlmodel import Session

from pms_app.core import clock

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def clock_env() -> dict[str, str]:
    """The test process's clock offset, for the processes it starts: they agree on the date."""
    return {clock.OFFSET_ENV: str(clock.offset_days())}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    data_dir: Path
    log: Path

    @property
    def outbox(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'pms.db'}"

    def emails(self, to: str, kind: str | None = None) -> list[tuple[str, str]]:
        """(subject, body) of every email to `to` (optionally of one kind), oldest first."""
        out = []
        for path in sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []:
            if kind and not path.name.endswith(f"-{kind}.eml"):
                continue
            msg = message_from_bytes(path.read_bytes(), policy=policy.default)
            if msg["To"] == to:
                out.append((str(msg["Subject"]), msg.get_content()))
        return out

    def wait_for_email(
        self, to: str, kind: str, count: int = 1, timeout: float = 15
    ) -> tuple[str, str]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.emails(to, kind)
            if len(found) >= count:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no {kind} email to {to} in the outbox after {timeout}s")

    @contextmanager
    def seed(self) -> Iterator[Session]:
        """A session on the server's own database, to set up data a test is not about."""
        from pms_app.core import db
        from pms_app.worker import wait_for_local_tasks

        engine = db.make_engine(self.database_url)
        db.use_engine(engine)
        try:
            with Session(engine, expire_on_commit=False) as session:
                yield session
            wait_for_local_tasks()
        finally:
            db.use_engine(None)
            engine.dispose()

    def sim_phone(self, phone: str = "") -> str:
        """The simulator's phone page with its key, as `cli run` printed it (a path)."""
        match = re.search(r"https?://[^/\s]+(/simulator/phone\?key=\w+)", self.log.read_text())
        assert match, "cli run printed no simulator phone page link"
        return match.group(1) + (f"&phone={phone.replace(' ', '')}" if phone else "")

    def link_in(self, body: str) -> str:
        match = re.search(r"(https?://\S+)", body)
        assert match, body
        return match.group(1)


def _project_copy() -> Path:
    """A private copy of the project: a second server must not rebuild the first one's `.web`
    (the build bakes in the backend's port)."""
    target = Path(tempfile.mkdtemp(prefix="pms-e2e-src-")) / "pms"
    shutil.copytree(
        ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".web",
            "data",
            ".venv*",
            "__pycache__",
            ".git",
            ".states",
            ".pytest_cache",
            ".ruff_cache",
        ),
    )
    return target


@contextmanager
def running_server(
    extra_env: dict[str, str] | None = None,
    isolated: bool = False,
    data_parent: Path | None = None,
) -> Iterator[Server]:
    """`python -m pms_app.cli run` (README's command) on a free port with a fresh data dir
    (under `data_parent`, default the system temp dir). `isolated=True` builds and runs from a
    copy of the project (for a second, concurrent server)."""
    port = free_port()
    workdir = _project_copy() if isolated else ROOT
    if data_parent is not None:
        data_parent.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="pms-e2e-", dir=data_parent))
    log = data_dir / "server.log"
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST")
    }
    env.update(
        PMS_DATA_DIR=str(data_dir),
        OUTBOX_DIR=str(data_dir / "outbox"),
        BASE_URL=f"http://localhost:{port}",
        PYTHONUNBUFFERED="1",
        MPESA_SIMULATOR="1",  # like README's run command; extra_env can turn it off
        **clock_env(),
    )
    env.update(extra_env or {})
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pms_app.cli", "run", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://localhost:{port}"
    try:
        _wait_until_up(base, proc, log)
        yield Server(base, data_dir, log)
    finally:
        _stop(proc)
        if isolated:
            shutil.rmtree(workdir.parent, ignore_errors=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group (reflex starts children)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    except ProcessLookupError:
        pass


def _wait_until_up(
    base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 420
) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
        try:
            if (
                requests.get(f"{base}/api/health", timeout=2).status_code == 200
                and requests.get(f"{base}/login", timeout=2).status_code == 200
            ):
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"server not up after {timeout}s:\n{log.read_text()[-4000:]}")
