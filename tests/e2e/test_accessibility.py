"""axe-core on every page a visitor or a landlord sees: no serious or critical violations (#10.4).

Needs axe-playwright-python (pinned in requirements.txt); skipped, saying so, where it is not
installed yet."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.helpers import expect_on, open_page, signup_landlord, unique_email
from tests.e2e.server import Server

axe_sync = pytest.importorskip(
    "axe_playwright_python.sync_playwright",
    reason="axe-playwright-python==0.1.8 is not installed (pip install -r requirements.txt)",
)

PUBLIC = ["/", "/about", "/contact", "/login", "/signup", "/forgot-password"]
LANDLORD = ["/dashboard", "/payments", "/facilities", "/properties/new", "/approvals", "/profile"]


def _serious(page: Page, path: str) -> list[str]:
    open_page(page, path)
    results = axe_sync.Axe().run(page)
    found = results.response["violations"]
    return [
        f"{path}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v.get("impact") in ("serious", "critical")
    ]


def test_public_pages_pass_axe(new_page, server: Server) -> None:
    page: Page = new_page()
    problems = [p for path in PUBLIC for p in _serious(page, path)]
    assert problems == [], "\n".join(problems)


def test_landlord_pages_pass_axe(new_page, server: Server) -> None:
    page: Page = new_page()
    signup_landlord(
        page, "Axe Landlord", unique_email("axe"), "0712345678", "a good long passphrase"
    )
    expect_on(page, "/dashboard")
    problems = [p for path in LANDLORD for p in _serious(page, path)]
    assert problems == [], "\n".join(problems)
