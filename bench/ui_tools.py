"""What bench/ui_latency.py needs besides Playwright: the in-page probes, the server's CPU time,
and the bare Reflex floor app (bench/floor_app) built and served like pms.

Navigation end: after a page change the Reflex client sends `on_load_internal`; the server runs
the page's on_load handlers and ends with a delta setting `is_hydrated` back to true. The init
script wraps the page's WebSocket to note when that delta arrives, so a navigation is timed from
the click to its last state delta (the browser's rendering after it is not the server's).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.e2e.server import _stop, free_port

FLOOR_SRC = Path(__file__).resolve().parent / "floor_app"
PROBE_TIMEOUT_MS = 20_000  # a probe that waits longer is broken: fail, never hang CI

INIT_JS = """(() => {
  const HYDRATED = '"is_hydrated_rx_state_":true', UNHYDRATED = '"is_hydrated_rx_state_":false';
  const s = { hydrated: 0, at: 0, settled: false, waiters: [] };
  window.__bench = s;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        if (typeof e.data !== 'string') return;
        if (e.data.includes(UNHYDRATED)) s.settled = false;
        if (e.data.includes(HYDRATED)) {
          s.hydrated += 1; s.at = performance.now(); s.settled = true;
          for (const w of s.waiters.splice(0)) w();
        }
      });
    }
  };
  s.until = (ok, what) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for ' + what)), TIMEOUT);
    const check = () => {
      if (ok()) { clearTimeout(timer); resolve(); } else { s.waiters.push(check); }
    };
    check();
  });
  s.nav = async (href) => {
    await s.until(() => s.settled, 'the page to be hydrated before navigating');
    const link = [...document.querySelectorAll('a.nav-link')]
      .find((a) => a.getAttribute('href') === href && a.offsetParent !== null);
    if (!link) throw new Error('no visible nav link to ' + href + ' on ' + location.pathname);
    const n = s.hydrated, t0 = performance.now();
    link.click();
    await s.until(() => s.hydrated > n && s.settled, 'the last state delta of ' + href);
    if (location.pathname !== href) throw new Error(href + ' clicked, on ' + location.pathname);
    return s.at - t0;
  };
})();""".replace("TIMEOUT", str(PROBE_TIMEOUT_MS))

SETTLED_JS = "() => window.__bench.until(() => window.__bench.settled, 'hydration')"
NAV_JS = "(href) => window.__bench.nav(href)"

CLICK_JS = """async (selector) => {
  const target = document.querySelector(selector);
  if (!target) throw new Error('no ' + selector + ' on ' + location.pathname);
  const t0 = performance.now();
  const changed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no DOM change after ' + selector)), TIMEOUT);
    new MutationObserver((_, obs) => { obs.disconnect(); clearTimeout(timer); resolve(); })
      .observe(document.body, {subtree: true, childList: true, attributes: true});
  });
  target.click();
  await changed;
  return performance.now() - t0;
}""".replace("TIMEOUT", str(PROBE_TIMEOUT_MS))


class ServerCPU:
    """CPU time (ns) of every thread of a server's processes, found by an environment entry only
    they have (`NAME=value`; Reflex starts child processes, which inherit it)."""

    def __init__(self, env_entry: str) -> None:
        self.entry = env_entry.encode()
        self.pids = self._find()
        if not self.pids:
            raise RuntimeError(f"no process with {env_entry} in its environment")

    def _find(self) -> list[int]:
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == os.getpid():
                continue
            try:
                environ = Path(f"/proc/{name}/environ").read_bytes().split(b"\0")
            except OSError:  # gone, or not ours
                continue
            if self.entry in environ:
                found.append(int(name))
        return found

    def ns(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tasks:
                try:  # first field: time on CPU, ns (exact, unlike utime's 10 ms ticks)
                    total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
                except (OSError, ValueError, IndexError):
                    pass  # a thread that ended meanwhile
        return total

    def idle_rate(self, seconds: float = 1.0) -> float:
        """ns of CPU per s while nobody uses the server (timers, schedulers): subtracted."""
        c0, t0 = self.ns(), time.perf_counter()
        time.sleep(seconds)
        return (self.ns() - c0) / (time.perf_counter() - t0)


@dataclass
class Floor:
    base_url: str
    env_entry: str
    log: Path


@contextmanager
def running_floor(timeout: float = 420) -> Iterator[Floor]:
    """bench/floor_app, copied to a temp dir and served like pms (`reflex run --env prod`,
    frontend and backend on one free port)."""
    workdir = Path(tempfile.mkdtemp(prefix="pms-bench-floor-")) / "floor_app"
    shutil.copytree(FLOOR_SRC, workdir, ignore=shutil.ignore_patterns(".web", "__pycache__"))
    port = free_port()
    log = workdir.parent / "floor.log"
    entry = f"PMS_BENCH_FLOOR={workdir}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PMS_BENCH_FLOOR=str(workdir), PYTHONUNBUFFERED="1")
    argv = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--loglevel", "info"]
    argv += ["--frontend-port", str(port), "--backend-port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://localhost:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"floor app exited ({proc.returncode}):\n{log.read_text()[-3000:]}"
                )
            if time.time() > deadline:
                raise RuntimeError(f"floor app not up after {timeout}s:\n{log.read_text()[-3000:]}")
            try:
                if (
                    requests.get(f"{base}/ping", timeout=2).ok
                    and requests.get(f"{base}/dashboard", timeout=2).ok
                ):
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        yield Floor(base, entry, log)
    finally:
        _stop(proc)
        shutil.rmtree(workdir.parent, ignore_errors=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
