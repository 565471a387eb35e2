"""Every page, as each person sees it, in one sweep per person (#10.4): axe-core finds no serious
or critical violation, the page has exactly one visible h1, the browser console shows no error
(React's hydration errors #418/#423/#425 among them), and no request of the page gets a 4xx/5xx
(favicon, icons, manifest, scripts).

Needs axe-playwright-python (pinned in requirements.txt); skipped, saying so, where it is not
installed yet."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response

from tests import factories as f
from tests.e2e.conftest import Estate
from tests.e2e.helpers import expect_on, login, open_page
from tests.e2e.server import Server

axe_sync = pytest.importorskip(
    "axe_playwright_python.sync_playwright",
    reason="axe-playwright-python==0.1.8 is not installed (pip install -r requirements.txt)",
)

PUBLIC = ["/", "/about", "/contact", "/login", "/signup", "/forgot-password", "/signup/tenant"]
NOT_FOUND = "/no-such-page"


@dataclass
class Sweep:
    """One person's browser tab, watched: every problem on every page it opens, collected."""

    page: Page
    path: str = ""
    problems: list[str] = field(default_factory=list)
    fetched: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self._note(f"page error: {exc}"))
        self.page.on("response", self._response)

    def _note(self, problem: str) -> None:
        self.problems.append(f"{self.path or '(login)'}: {problem}")

    def _console(self, msg: ConsoleMessage) -> None:
        # Failed requests are reported by _response, with their address.
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self._note(f"console error: {msg.text[:300]}")

    def _response(self, resp: Response) -> None:
        expected_404 = resp.request.resource_type == "document" and NOT_FOUND in resp.url
        if resp.status >= 400 and not expected_404:
            self._note(f"HTTP {resp.status} for {resp.url}")

    def _head_files(self) -> None:
        """Headless Chromium never asks for the favicon or the manifest's icons: ask for each
        the head names (and /favicon.ico, which browsers ask for anyway), once a tab."""
        hrefs = self.page.eval_on_selector_all(
            "link[rel~=icon], link[rel=apple-touch-icon], link[rel=manifest]",
            "els => els.map(e => e.getAttribute('href'))",
        )
        for href in ["/favicon.ico", *hrefs]:
            if href in self.fetched:
                continue
            self.fetched.add(href)
            resp = self.page.request.get(href)
            if resp.status != 200:
                self._note(f"HTTP {resp.status} for {href}")
            elif href.endswith(".webmanifest"):
                for icon in resp.json()["icons"]:
                    if self.page.request.get(icon["src"]).status != 200:
                        self._note(f"manifest icon {icon['src']} does not load")

    def check(self, path: str) -> None:
        self.path = path
        open_page(self.page, path)
        self.page.wait_for_timeout(300)  # hydration errors are logged just after load
        self._head_files()
        h1s = self.page.locator("h1:visible").count()
        if h1s != 1:
            self._note(f"{h1s} visible h1 (one expected)")
        for v in axe_sync.Axe().run(self.page).response["violations"]:
            if v.get("impact") in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"]][:3]
                self._note(f"axe {v['id']} ({v['impact']}): {v['help']} — {targets}")

    def sweep(self, paths: list[str]) -> list[str]:
        for path in paths:
            self.check(path)
        return self.problems


def _as(new_page, email: str, home: str = "/dashboard") -> Sweep:
    sweep = Sweep(new_page())
    login(sweep.page, email, f.PASSWORD)
    expect_on(sweep.page, home)
    return sweep


def _details(e: Estate) -> list[str]:
    return [f"/property?id={e.prop_id}", f"/lease?id={e.lease_id}", f"/facility?id={e.facility_id}"]


def test_public_pages(new_page, server: Server, estate: Estate) -> None:
    sweep = Sweep(new_page())
    sweep.check("/forgot-password")
    sweep.page.fill("#email", estate.owner)
    sweep.page.click("#forgot-submit")
    _, body = server.wait_for_email(estate.owner, "password_reset")
    paths = [
        *PUBLIC,
        f"/signup/tenant?code={estate.prefix}",
        server.link_in(body),  # /reset-password?token=…
        f"/invitation?token={estate.invitation}",
        NOT_FOUND,
        server.sim_phone("0712000111"),
    ]
    problems = sweep.sweep(paths)
    assert problems == [], "\n".join(problems)


def test_landlord_and_manager_pages(new_page, estate: Estate) -> None:
    pages = [
        "/dashboard",
        "/tenants",
        "/units",
        "/payments",
        "/payments/import",
        "/facilities",
        "/approvals",
        "/profile",
        f"/leases?property={estate.prop_id}",
        *_details(estate),
    ]
    problems = _as(new_page, estate.owner).sweep([*pages, "/properties/new"])
    problems += _as(new_page, estate.manager).sweep(["/dashboard", "/approvals", "/properties/new"])
    assert problems == [], "\n".join(problems)


def test_tenant_pages(new_page, estate: Estate) -> None:
    pages = ["/dashboard", "/pay", "/bookings", "/facilities", "/profile", *_details(estate)]
    problems = _as(new_page, estate.tenant).sweep([*pages, "/payments"])  # the no-access view
    problems += _as(new_page, estate.pending, home="/waiting").sweep(["/waiting"])
    assert problems == [], "\n".join(problems)


def test_staff_and_admin_pages(new_page, estate: Estate) -> None:
    staff = ["/dashboard", "/facilities", f"/facility?id={estate.facility_id}", "/bookings"]
    problems = _as(new_page, estate.staff).sweep([*staff, "/profile", "/tenants"])
    admin = ["/admin", "/dashboard", "/tenants", "/units", "/payments", "/approvals"]
    problems += _as(new_page, estate.admin).sweep(admin)
    assert problems == [], "\n".join(problems)
