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
