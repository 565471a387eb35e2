"""Phone first (#10.3, #10.11): on a 390-px phone every page fits the screen's width (nothing to
scroll sideways), and an action's result shows inside the viewport next to where the person is,
not a screen above; the next action clears it.

Set PMS_SCREENSHOTS=<folder> to keep a full-page screenshot of every page for a human look."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.conftest import Estate
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(new_page) -> Callable[[], Page]:
    """Factory: a page in a new 390-px phone's browser context."""
    return lambda: new_page(viewport=PHONE, is_mobile=True, has_touch=True)


def _too_wide(page: Page, path: str) -> str | None:
    open_page(page, path)
    page.wait_for_timeout(300)
    shots = os.environ.get("PMS_SCREENSHOTS")
    if shots:
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home"
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        return f"{path}: {width}px wide on a {PHONE['width']}px screen"
    # A table that fits only by scrolling sideways inside its box hides its last columns.
    sideways = page.evaluate(
        """() => [...document.querySelectorAll('table')].flatMap(t => {
            for (let e = t.parentElement; e && e !== document.body; e = e.parentElement) {
                const scrolls = ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
                if (scrolls && e.scrollWidth > e.clientWidth + 1) {
                    const name = t.closest('[id]')?.id || t.querySelector('th')?.textContent;
                    return [`${name} (${e.scrollWidth} px in ${e.clientWidth})`];
                }
            }
            return [];
        })"""
    )
    return f"{path}: {', '.join(sideways)} scrolls sideways" if sideways else None


def _sweep(page: Page, paths: list[str]) -> list[str]:
    return [problem for path in paths if (problem := _too_wide(page, path))]


def _logged_in(phone, email: str, home: str = "/dashboard") -> Page:
    page = phone()
    login(page, email, f.PASSWORD)
    expect_on(page, home)
    return page


def test_every_page_fits_a_phone_screen(phone, server: Server, estate: Estate) -> None:
    details = [
        f"/property?id={estate.prop_id}",
        f"/lease?id={estate.lease_id}",
        f"/facility?id={estate.facility_id}",
    ]
    public = ["/", "/about", "/login", "/signup", "/forgot-password", "/signup/tenant"]
    problems = _sweep(phone(), public)
    landlord = ["/dashboard", "/tenants", "/units", "/payments", "/payments/import"]
    landlord += ["/facilities", "/approvals"]
    landlord += ["/profile", "/properties/new", f"/leases?property={estate.prop_id}", *details]
    problems += _sweep(_logged_in(phone, estate.owner), landlord)
    tenant = ["/dashboard", "/pay", "/bookings", "/facilities", "/profile", details[2]]
    problems += _sweep(_logged_in(phone, estate.tenant), tenant)
    problems += _sweep(_logged_in(phone, estate.staff), ["/dashboard", "/facilities", details[2]])
    problems += _sweep(_logged_in(phone, estate.admin), ["/admin"])
    assert problems == [], "\n".join(problems)


def _in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_a_result_shows_where_the_person_is_and_the_next_action_clears_it(
    phone, server: Server
) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("phoneowner"))
        prop = f.property_(session, owner, units=12, name="Tall Towers")
        email, prop_id = owner.email, prop.id

    page = _logged_in(phone, email)
    open_page(page, f"/property?id={prop_id}")
    label = page.locator("#add-unit-form input[name=label]")
    label.scroll_into_view_if_needed()
    label.fill("Z9")
    page.locator("#add-unit-form button[type=submit]").click()
    expect(page.locator("#form-notice")).to_contain_text("Unit added")
    assert _in_viewport(page, "#form-notice"), "the notice is out of sight on a phone"

    # The same label again: the error, once, in sight; the notice of the last action is gone.
    label.fill("Z9")
    page.locator("#add-unit-form button[type=submit]").click()
    expect(page.locator("#form-error")).to_contain_text("already has a unit Z9")
    assert _in_viewport(page, "#form-error")
    expect(page.locator("#form-notice")).to_have_count(0)
    expect(page.get_by_text("already has a unit Z9")).to_have_count(1)

    label.fill("Z10")
    page.locator("#add-unit-form button[type=submit]").click()
    expect(page.locator("#form-notice")).to_contain_text("Unit added")
    expect(page.locator("#form-error")).to_have_count(0)
