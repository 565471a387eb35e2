"""A real `celery worker` subprocess for integration and browser tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pms_app.core.settings import PROJECT_ROOT

T = TypeVar("T")


def _until(check: Callable[[], T], timeout: float, what: str, log: Callable[[], str]) -> T:
    """Poll `check` until it returns something truthy; fail with the worker's log otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}\n--- worker log:\n{log()[-4000:]}"
            )
        time.sleep(0.05)


class Worker:
    """`celery worker` in its own process group, logging to a file."""

    def __init__(self, env: dict[str, str], log_path: Path, pool: str = "solo") -> None:
        self.log_path = log_path
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pms_app.worker",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            "celery",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "-n",
            f"pms-test-{uuid.uuid4().hex[:8]}@%h",
        ]
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            argv,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stop() also ends pool children
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait(self, check: Callable[[], T], timeout: float, what: str) -> T:
        def alive_check() -> T:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"worker exited ({self.proc.returncode})\n{self.log()[-4000:]}"
                )
            return check()

        return _until(alive_check, timeout, what, self.log)

    def wait_ready(self, timeout: float = 30) -> None:
        self.wait(lambda: " ready." in self.log(), timeout, "the worker to be ready")

    def task_results(self, task_id: str) -> list[str]:
        pattern = rf"Task pms\.send_email\[{re.escape(task_id)}\] succeeded in [0-9.e-]+s: (\w+)"
        return re.findall(pattern, self.log())

    def children(self) -> list[int]:
        kids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                kids.append(int(stat.parent.name))
        return kids

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        try:  # pool children left behind by a killed main process
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()
