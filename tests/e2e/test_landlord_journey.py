"""Journey 1: a landlord signs up, adds a property, edits units and sees occupancy."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import expect_on, open_page, signup_landlord, unique_email
from tests.e2e.server import Server

PASSWORD = "a good long passphrase"


def test_landlord_signs_up_adds_property_and_edits_units(new_page, server: Server) -> None:
    page: Page = new_page()
    email = unique_email("landlord")

    # Bad input first: a weak password and a malformed phone get clear inline messages.
    signup_landlord(page, "Grace Wanjiku", email, "0712345678", "password1")
    expect(page.locator("#password-error")).to_contain_text("too common")
    page.fill("#password", PASSWORD)
    page.fill("#phone", "12")
    page.click("#signup-submit")
    expect(page.locator("#phone-error")).to_contain_text("Kenyan mobile number")
    page.fill("#phone", "0712 345 678")
    page.click("#signup-submit")

    expect_on(page, "/dashboard")
    expect(page.locator("#nav-user-name")).to_have_text("Grace Wanjiku")
    expect(page.locator("#nav-user-role")).to_have_text("landlord")
    expect(page.get_by_text("You have no properties yet.")).to_be_visible()
    server.wait_for_email(email, "welcome")

    # Add a property: bad unit count first.
    page.click("#add-property")
    expect_on(page, "/properties/new")
    page.fill("#name", "Riverside Flats")
    page.fill("#address", "Thika Road, Nairobi")
    page.fill("#unit_count", "0")
    page.click("#create-property")
    expect(page.locator("#unit_count-error")).to_contain_text("between 1 and 500")
    page.fill("#unit_count", "3")
    page.fill("#default_rent", "18000")
    page.click("#create-property")

    expect_on(page, "/property")
    expect(page.locator("#property-name")).to_have_text("Riverside Flats")
    labels = page.locator("#units-table input[name=label]")
    expect(labels).to_have_count(3)
    expect(labels.nth(0)).to_have_value("A1")

    # Rename A1 → G1 with its own rent; a clash with A2 is refused.
    row = page.locator("#units-table tbody tr").nth(0)
    row.locator("input[name=label]").fill("A2")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#form-error")).to_contain_text("already has a unit A2")
    row.locator("input[name=label]").fill("g1")
    row.locator("input[name=rent]").fill("20000")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#form-notice")).to_contain_text("Unit saved")
    expect(page.locator("#units-table tbody tr").nth(0)).to_contain_text("20,000")
    expect(page.locator("#units-table input[name=label]").nth(0)).to_have_value("G1")

    # Delete a unit, with confirmation.
    page.locator("#units-table tbody tr").nth(2).get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.locator("#units-table input[name=label]")).to_have_count(2)

    # Occupancy on the dashboard.
    open_page(page, "/dashboard")
    expect(page.locator("#stat-units")).to_have_text("2")
    expect(page.locator("#stat-occupied")).to_have_text("0")
    expect(page.locator(".property-card")).to_contain_text("Occupancy 0%")


def test_duplicate_email_and_wrong_password_get_clear_messages(new_page, server: Server) -> None:
    page: Page = new_page()
    email = unique_email("dup")
    signup_landlord(page, "First Owner", email, "0712345679", PASSWORD)
    expect_on(page, "/dashboard")
    page.get_by_role("button", name="Log out").click()
    expect_on(page, "/login")

    signup_landlord(page, "Second Owner", email, "0712345670", PASSWORD + "!")
    expect(page.locator("#email-error")).to_contain_text("already exists")

    open_page(page, "/login")
    page.fill("#email", email)
    page.fill("#password", "not my password")
    page.click("#login-submit")
    expect(page.locator("#form-error")).to_have_text("Email or password is incorrect.")
    page.fill("#email", "nobody-" + email)
    page.click("#login-submit")
    expect(page.locator("#form-error")).to_have_text("Email or password is incorrect.")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect_on(page, "/dashboard")
    expect(page.locator("#nav-user-name")).to_have_text("First Owner")


def test_pages_need_login(new_page, server: Server) -> None:
    page: Page = new_page()
    open_page(page, "/approvals")
    expect_on(page, "/login")
