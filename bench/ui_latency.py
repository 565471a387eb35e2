"""UI latency of the production build in Chromium, beside a bare Reflex app (prints figures; not
a test).

    python bench/ui_latency.py [--logins 20] [--clicks 200] [--rounds 30] [--navigators 5]
    python bench/ui_latency.py --quick     # tiny counts, for CI: fails on errors, not on targets

Starts pms exactly as README's run command does (fresh data dir, demo data) and the floor, a bare
Reflex app with the same two page names and the same switch (bench/floor_app), built and served
the same way, in the same run. Times are taken inside the page with performance.now() (Playwright's
own overhead is not counted); server time is the CPU time of the server's processes (every thread,
from /proc, the idle rate subtracted):
  * login → dashboard: from clicking "Log in" until the dashboard shows the landlord's unit count;
  * event round trip: a click on the dashboard's Cards/Table switch until the DOM changes
    (one websocket event to the backend and its state delta back), p50/p95 over N clicks;
  * navigation: dashboard → payments → dashboard by the nav links, each until its last state
    delta arrives; server CPU per navigation, pms against the floor's (the ratio). Nothing is
    written meanwhile, so pms's pages keep what they read (ui/shell/page.py); with
    --commit-between the bench writes to pms's database before each navigation, and every
    page is read again;
  * contention: the switch's p95 for one client alone, then while --navigators other clients
    navigate dashboard ↔ payments over and over (--think-ms after each page). Each of them is a
    logged-in Chromium client whose navigation frames are recorded, then replayed on a websocket
    of its own (bench/ws_navigator.py): the server's work is the same, and the 2 cores are not
    spent rendering five more pages (the figure is the server's, not the browser's).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, Page, sync_playwright

from bench.ui_tools import (
    CLICK_JS,
    INIT_JS,
    NAV_JS,
    PROBE_TIMEOUT_MS,
    SETTLED_JS,
    ServerCPU,
    pct,
    running_floor,
)
from bench.ws_navigator import Navigators, Recorder, Recording
from pms_app.core.settings import get_settings
from pms_app.demo import LANDLORD, load_demo
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, running_server

LOGIN_JS = """async () => {
  const t0 = performance.now();
  document.querySelector('#login-submit').click();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dashboard not shown after login')), TIMEOUT);
    const done = () => {
      const el = document.querySelector('#stat-units');
      return el && el.textContent.trim() === '12';
    };
    if (done()) { clearTimeout(timer); return resolve(); }
    new MutationObserver((_, obs) => {
      if (done()) { obs.disconnect(); clearTimeout(timer); resolve(); }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
  });
  return performance.now() - t0;
}""".replace("TIMEOUT", str(PROBE_TIMEOUT_MS))

T = TypeVar("T")
SWITCH = ("#view-table", "#view-cards")
LEGS = (("/dashboard", "/payments"), ("/payments", "/dashboard"))
SETTLE_S = 0.05  # after the last delta: the server's trailing work (state write-back) counts too
THINK_MS = 250  # a brisk user: a page, a glance, the next page
QUICK = {"logins": 2, "clicks": 40, "rounds": 4, "navigators": 5, "blocks": 2}


@dataclass
class Target:
    """One server under test: pms or the floor."""

    name: str
    base_url: str
    cpu: ServerCPU
    login: bool  # pms pages need a logged-in landlord
    idle: float = 0.0  # ns of CPU per s with no client
    legs: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # (client, server)


def open_page(
    browser: Browser, t: Target, before_load: Callable[[Page], object] | None = None
) -> Page:
    """A new client (its own context: cookies, token) on the dashboard, hydrated."""
    ctx = browser.new_context(base_url=t.base_url)
    ctx.add_init_script(INIT_JS)
    page = ctx.new_page()
    if before_load:
        before_load(page)
    if t.login:
        login(page)
    else:
        page.goto("/dashboard", wait_until="networkidle")
    page.evaluate(SETTLED_JS)
    return page


def fill_login(page: Page) -> None:
    page.goto("/login", wait_until="networkidle")
    page.fill("#email", LANDLORD[1])
    page.fill("#password", LANDLORD[3])


def login(page: Page) -> float:
    fill_login(page)
    return float(page.evaluate(LOGIN_JS))


def server_ms(t: Target, fn: Callable[[], T]) -> tuple[T, float]:
    """fn's result and the server CPU it caused (ms), trailing work included."""
    c0, t0 = t.cpu.ns(), time.perf_counter()
    out = fn()
    time.sleep(SETTLE_S)
    used = t.cpu.ns() - c0 - t.idle * (time.perf_counter() - t0)
    return out, max(0.0, used) / 1e6


def measure_logins(browser: Browser, t: Target, n: int) -> tuple[list[float], list[float]]:
    """(client ms, server CPU ms) per login, each a new client."""
    client, server = [], []
    for _ in range(n):
        ctx = browser.new_context(base_url=t.base_url)
        page = ctx.new_page()
        fill_login(page)
        ms, cpu = server_ms(t, lambda page=page: float(page.evaluate(LOGIN_JS)))
        client.append(ms)
        server.append(cpu)
        ctx.close()
    return client, server


def clicks(page: Page, n: int) -> list[float]:
    return [float(page.evaluate(CLICK_JS, SWITCH[i % 2])) for i in range(n)]


def measure_clicks(page: Page, t: Target, n: int) -> tuple[list[float], float]:
    """Round trips, and server CPU per event (over the whole batch)."""
    ms, cpu = server_ms(t, lambda: clicks(page, n))
    return ms, cpu / n


def measure_navigation(
    page: Page, t: Target, rounds: int, commit: Callable[[], None] | None = None
) -> None:
    """With `commit`, something is written to the database before each navigation (outside the
    timed window): the page cannot keep what it read (ui/shell/page.py) and reads again."""
    for _ in range(2):  # warm: the route's code is fetched once, caches filled
        for _src, dst in LEGS:
            page.evaluate(NAV_JS, dst)
    for _ in range(rounds):
        for src, dst in LEGS:
            if commit:
                commit()
            ms, cpu = server_ms(t, lambda dst=dst: float(page.evaluate(NAV_JS, dst)))
            t.legs.setdefault(f"{src} -> {dst}", []).append((ms, cpu))


def committer(database: Path) -> Callable[[], None]:
    """A write by another process, as a payment landing would be: a row in a table of the
    bench's own in the server's (throwaway) database."""

    def commit() -> None:
        with sqlite3.connect(database, timeout=30) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_tick (at REAL)")
            conn.execute("INSERT INTO bench_tick VALUES (?)", (time.time(),))
        conn.close()

    return commit


def record_navigator(browser: Browser, t: Target) -> Recording:
    """A real client's frames for dashboard → payments → dashboard; its browser then closes."""
    recorders: list[Recorder] = []
    page = open_page(browser, t, lambda page: recorders.append(Recorder(page, t.base_url)))
    for _src, dst in LEGS:
        recorders[0].mark()
        page.evaluate(NAV_JS, dst)
    time.sleep(SETTLE_S)
    page.context.close()
    return recorders[0].recording()


@dataclass
class Contention:
    alone: list[float]  # round trips of the clicking client alone
    busy: list[float]  # the same while the others navigate
    navs: int  # navigations made while it clicked
    rate: float  # per second
    nav_cpu: float  # server CPU per replayed navigation, ms (the clicks' share taken off)


def measure_contention(
    browser: Browser, t: Target, args: argparse.Namespace, click_cpu_ms: float
) -> Contention:
    """The switch clicked alone, then while --navigators replaying clients navigate; alone and
    busy alternate in --blocks pairs, so both see the same machine load."""
    recordings = [record_navigator(browser, t) for _ in range(args.navigators)]
    navigators = Navigators(recordings, args.think_ms / 1000)
    alone: list[float] = []
    busy: list[float] = []
    busy_s, navs, busy_ns = 0.0, 0, 0.0
    try:
        clicker = open_page(browser, t)
        time.sleep(1)  # the logins' after-work done
        clicks(clicker, 6)  # warm
        per_block = max(1, args.clicks // args.blocks)
        for _ in range(args.blocks):
            alone += clicks(clicker, per_block)
            navigators.run()
            time.sleep(args.think_ms / 1000 + 0.2)  # every navigator under way
            t0, n0, c0 = time.perf_counter(), navigators.navs, t.cpu.ns()
            busy += clicks(clicker, per_block)
            wall = time.perf_counter() - t0
            busy_s += wall
            navs += navigators.navs - n0
            busy_ns += t.cpu.ns() - c0 - t.idle * wall
            navigators.pause()
        clicker.context.close()
    finally:
        navigators.close()
    if navs < args.navigators:
        raise RuntimeError(f"{t.name}: the navigators made only {navs} navigations")
    nav_ns = max(0.0, busy_ns - click_cpu_ms * 1e6 * len(busy)) / navs
    return Contention(alone, busy, navs, navs / busy_s, nav_ns / 1e6)


def line(label: str, values: list[float], unit: str = "ms", digits: int = 1) -> str:
    return (
        f"{label} (n={len(values)}): p50 {statistics.median(values):.{digits}f} {unit},"
        f" p95 {pct(values, 95):.{digits}f} {unit}, max {max(values):.{digits}f} {unit}"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30, help="dashboard→payments→dashboard")
    parser.add_argument("--navigators", type=int, default=5)
    parser.add_argument(
        "--think-ms", type=int, default=THINK_MS, help="each navigator's pause between pages"
    )
    parser.add_argument("--blocks", type=int, default=4, help="alone/busy pairs (contention)")
    parser.add_argument(
        "--commit-between",
        action="store_true",
        help="write to pms's database before each navigation: every page is read again",
    )
    parser.add_argument("--quick", action="store_true", help="tiny counts (CI)")
    args = parser.parse_args()
    if args.quick:
        vars(args).update(QUICK)
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    # This process seeds the demo and sends its emails (Server.seed): into a temp dir, never
    # into the project's data/ (its secret key, its outbox).
    own = tempfile.mkdtemp(prefix="pms-bench-ui-")
    os.environ.update(PMS_DATA_DIR=own, OUTBOX_DIR=str(Path(own) / "outbox"))
    get_settings.cache_clear()

    with running_server() as server, running_floor() as floor:
        with server.seed() as session:
            load_demo(session)
        print(f"pms and the floor app built and up in {time.perf_counter() - started:.0f} s")
        app = Target("pms", server.base_url, ServerCPU(f"PMS_DATA_DIR={server.data_dir}"), True)
        bare = Target("floor", floor.base_url, ServerCPU(floor.env_entry), False)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for t in (app, bare):
                t.idle = t.cpu.idle_rate()
            login_ms, login_cpu = measure_logins(browser, app, args.logins)
            pages = {t.name: open_page(browser, t) for t in (app, bare)}
            events: dict[str, tuple[list[float], float]] = {}
            for t in (app, bare):
                clicks(pages[t.name], 6)  # warm
                events[t.name] = measure_clicks(pages[t.name], t, args.clicks)
                commit = committer(server.data_dir / "pms.db") if args.commit_between else None
                measure_navigation(pages[t.name], t, args.rounds, commit if t is app else None)
                pages[t.name].context.close()
            contention = {
                t.name: measure_contention(browser, t, args, events[t.name][1]) for t in (app, bare)
            }
            browser.close()
        log_errors = {
            name: log.read_text(errors="replace").count("Traceback")
            for name, log in (("pms", server.log), ("floor", floor.log))
        }

    for path in (own, server.data_dir):  # ours: fresh dirs for this run
        shutil.rmtree(path, ignore_errors=True)
    print(f"server idle CPU: pms {app.idle / 1e6:.1f} ms/s, floor {bare.idle / 1e6:.1f} ms/s")
    print(
        line("pms   login -> dashboard visible", login_ms, digits=0)
        + f"; server CPU {statistics.median(login_cpu):.1f} ms per login   [target <= 1500 ms]"
    )
    for t in (app, bare):
        ms, cpu = events[t.name]
        print(
            line(f"{t.name:5} event round trip", ms)
            + f"; server CPU {cpu:.2f} ms per event"
            + ("   [target p95 <= 100 ms]" if t is app else "")
        )
    nav_cpu = {}
    for t in (app, bare):
        for leg, pairs in t.legs.items():
            print(
                line(f"{t.name:5} navigation {leg:22}", [c for c, _ in pairs])
                + f"; server CPU median {statistics.median(s for _, s in pairs):.2f} ms"
            )
        nav_cpu[t.name] = statistics.median(s for pairs in t.legs.values() for _, s in pairs)
    ratio = nav_cpu["pms"] / max(nav_cpu["floor"], 0.01)
    print(
        ("with a commit before each pms navigation: " if args.commit_between else "")
        + f"navigation server CPU: pms {nav_cpu['pms']:.2f} ms, floor {nav_cpu['floor']:.2f} ms"
        f" = {ratio:.1f}x the floor   [target <= 3x]"
    )
    print(
        f"contention: the switch, clicked by one client alone, then while {args.navigators} other"
        f" clients navigate dashboard <-> payments ({args.think_ms} ms pause after each page),"
        f" alternating in {args.blocks} pairs of blocks"
    )
    for t in (app, bare):
        c = contention[t.name]
        print(
            f"{t.name:5} event p95 alone {pct(c.alone, 95):.1f} ms (p50"
            f" {statistics.median(c.alone):.1f}, n={len(c.alone)}), while others navigate"
            f" {pct(c.busy, 95):.1f} ms (p50 {statistics.median(c.busy):.1f}) ="
            f" {pct(c.busy, 95) / pct(c.alone, 95):.1f}x"
            + ("   [target <= 1.5x]" if t is app else "")
        )
        print(
            f"      {c.navs} navigations during the clicks, {c.rate:.1f}/s; server CPU per"
            f" replayed navigation {c.nav_cpu:.2f} ms (a browser's: {nav_cpu[t.name]:.2f} ms)"
        )
    print(
        f"tracebacks in the server logs: {log_errors}; {os.cpu_count()} CPUs, load average"
        f" {load_before:.2f} before, {os.getloadavg()[0]:.2f} after;"
        f" total {time.perf_counter() - started:.0f} s"
    )
    return 1 if any(log_errors.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
