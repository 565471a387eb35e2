"""UI latency of the production build in Chromium (prints figures; not a test).

    python bench/ui_latency.py [--logins 20] [--clicks 200]

Starts the app exactly as README's run command does (fresh data dir, demo data), then measures
inside the page with performance.now(), so Playwright's own overhead is not counted:
  * login → dashboard: from clicking "Log in" until the dashboard shows the landlord's unit count;
  * event round trip: a click on the dashboard's Cards/Table switch until the DOM changes
    (one websocket event to the backend and its state delta back), p50/p95 over N clicks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from pms_app.demo import LANDLORD, load_demo
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, running_server

LOGIN_JS = """async () => {
  const t0 = performance.now();
  document.querySelector('#login-submit').click();
  await new Promise((resolve) => {
    const done = () => {
      const el = document.querySelector('#stat-units');
      return el && el.textContent.trim() === '12';
    };
    if (done()) return resolve();
    new MutationObserver((_, obs) => { if (done()) { obs.disconnect(); resolve(); } })
      .observe(document.body, {subtree: true, childList: true, characterData: true});
  });
  return performance.now() - t0;
}"""

CLICK_JS = """async (selector) => {
  const target = document.querySelector(selector);
  const t0 = performance.now();
  const changed = new Promise((resolve) => {
    new MutationObserver((_, obs) => { obs.disconnect(); resolve(); })
      .observe(document.body, {subtree: true, childList: true, attributes: true});
  });
  target.click();
  await changed;
  return performance.now() - t0;
}"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--clicks", type=int, default=200)
    args = parser.parse_args()

    with running_server() as server:
        with server.seed() as session:
            load_demo(session)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            login_ms: list[float] = []
            for _ in range(args.logins):
                ctx = browser.new_context(base_url=server.base_url)
                page = ctx.new_page()
                page.goto("/login", wait_until="networkidle")
                page.fill("#email", LANDLORD[1])
                page.fill("#password", LANDLORD[3])
                login_ms.append(page.evaluate(LOGIN_JS))
                ctx.close()

            ctx = browser.new_context(base_url=server.base_url)
            page = ctx.new_page()
            page.goto("/login", wait_until="networkidle")
            page.fill("#email", LANDLORD[1])
            page.fill("#password", LANDLORD[3])
            page.evaluate(LOGIN_JS)
            click_ms: list[float] = []
            for i in range(args.clicks):
                selector = "#view-table" if i % 2 == 0 else "#view-cards"
                click_ms.append(page.evaluate(CLICK_JS, selector))
            browser.close()

    print(
        f"login -> dashboard visible  (n={len(login_ms)}): "
        f"p50 {statistics.median(login_ms):.0f} ms, p95 {pct(login_ms, 95):.0f} ms, "
        f"max {max(login_ms):.0f} ms   [target <= 1500 ms]"
    )
    print(
        f"event round trip            (n={len(click_ms)}): "
        f"p50 {statistics.median(click_ms):.1f} ms, p95 {pct(click_ms, 95):.1f} ms, "
        f"max {max(click_ms):.1f} ms   [target p95 <= 100 ms]"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
