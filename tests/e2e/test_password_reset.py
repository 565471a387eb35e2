"""Journey 4: forgotten password by email link; change password; sessions ended."""

from __future__ import annotations

import os

from playwright.sync_api import Page, expect

from pms_app.accounts.tokens import make_reset_token
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server


def _seed_user(server: Server) -> str:
    with server.seed() as session:
        return f.landlord(session, email=unique_email("forgetful"), name="Fiona Forgetful").email


def _request_reset(page: Page, email: str) -> None:
    open_page(page, "/forgot-password")
    page.fill("#email", email)
    page.click("#forgot-submit")
    expect(page.locator("#form-notice")).to_contain_text("If an account exists")


def test_reset_by_email_link_once_and_other_sessions_end(new_page, server: Server) -> None:
    email = _seed_user(server)
    elsewhere: Page = new_page()  # she is still logged in on another device
    login(elsewhere, email, f.PASSWORD)
    expect_on(elsewhere, "/dashboard")

    page: Page = new_page()
    _request_reset(page, "nobody-" + email)  # same words for an unknown email, and no email
    _request_reset(page, email)
    _, body = server.wait_for_email(email, "password_reset")
    assert not server.emails("nobody-" + email)
    link = server.link_in(body)

    open_page(page, link)
    page.fill("#password", "short")
    page.fill("#confirm", "short")
    page.click("#reset-submit")
    expect(page.locator("#password-error")).to_contain_text("at least 8")
    page.fill("#password", "my fresh passphrase")
    page.fill("#confirm", "my fresh passphrase")
    page.click("#reset-submit")
    expect(page.locator("#reset-done")).to_be_visible()
    server.wait_for_email(email, "password_changed")

    # The link works once.
    open_page(page, link)
    expect(page.locator("#form-error")).to_contain_text("invalid or has expired")

    # The other device is logged out; old password fails, new one works.
    open_page(elsewhere, "/dashboard")
    expect_on(elsewhere, "/login")
    login(page, email, f.PASSWORD)
    expect(page.locator("#form-error")).to_have_text("Email or password is incorrect.")
    login(page, email, "my fresh passphrase")
    expect_on(page, "/dashboard")


def test_expired_reset_link_is_refused(new_page, server: Server) -> None:
    email = _seed_user(server)
    with server.seed() as session:
        from sqlmodel import select

        from pms_app.accounts.models import User

        user = session.exec(select(User).where(User.email == email)).one()
    # Sign a token with the server's key, dated two hours ago.
    secret = (server.data_dir / "secret_key").read_text().strip()
    os.environ["SECRET_KEY"] = secret
    get_settings.cache_clear()
    try:
        token = make_reset_token(user, now=utcnow().timestamp() - 2 * 3600)
    finally:
        del os.environ["SECRET_KEY"]
        get_settings.cache_clear()
    page: Page = new_page()
    open_page(page, f"/reset-password?token={token}")
    expect(page.locator("#form-error")).to_contain_text("invalid or has expired")
    expect(page.locator("#reset-submit")).to_have_count(0)


def test_change_password_in_profile_logs_out_other_sessions(new_page, server: Server) -> None:
    email = _seed_user(server)
    other: Page = new_page()
    login(other, email, f.PASSWORD)
    expect_on(other, "/dashboard")

    page: Page = new_page()
    login(page, email, f.PASSWORD)
    expect_on(page, "/dashboard")
    open_page(page, "/profile")
    page.fill("#current_password", "wrong one")
    page.fill("#password", "brand new passphrase")
    page.fill("#confirm", "brand new passphrase")
    page.click("#change-password")
    expect(page.locator("#current_password-error")).to_contain_text("not right")
    page.fill("#current_password", f.PASSWORD)
    page.click("#change-password")
    expect(page.locator("#form-notice")).to_contain_text("Password changed")
    server.wait_for_email(email, "password_changed")

    open_page(page, "/dashboard")  # this session goes on
    expect_on(page, "/dashboard")
    open_page(other, "/dashboard")
    expect_on(other, "/login")
