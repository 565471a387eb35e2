"""Steps a person takes, shared by the browser tests."""

from __future__ import annotations

import itertools
import re
import time

from playwright.sync_api import Page, expect

_seq = itertools.count(1)


def unique_email(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10_000_000}{next(_seq)}@example.test"


def open_page(page: Page, path: str) -> None:
    """Navigate and wait until the app is hydrated and connected (events would queue otherwise)."""
    page.goto(path, wait_until="networkidle")


def login(page: Page, email: str, password: str) -> None:
    open_page(page, "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-submit")


def signup_landlord(page: Page, name: str, email: str, phone: str, password: str) -> None:
    open_page(page, "/signup")
    page.fill("#full_name", name)
    page.fill("#email", email)
    page.fill("#phone", phone)
    page.fill("#password", password)
    page.click("#signup-submit")


def expect_on(page: Page, path: str) -> None:
    expect(page).to_have_url(
        re.compile(rf"^https?://[^/]+{re.escape(path)}/?(\?.*)?$"), timeout=15_000
    )


def invite_from_property(page: Page, property_name: str, email: str, role: str) -> None:
    """From the dashboard: open the property and send an invitation (its notice seen)."""
    page.get_by_role("link", name=property_name).click()
    expect_on(page, "/property")
    page.fill("input[placeholder='Email to invite']", email)
    page.locator("select[name=role]").select_option(role)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#form-notice")).to_contain_text("Invitation sent")
