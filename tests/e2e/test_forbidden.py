"""A tenant opening a manager's page gets "no access" in his own chrome, never its data."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server


def test_tenant_opening_payments_sees_no_access_in_tenant_chrome(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("owner"))
        prop = f.property_(session, owner, units=2, name="Secret Towers")
        tenant = f.tenant(session, prop, email=unique_email("tenant"))
        f.lease(session, prop, tenant, rent=23_456)
        tenant_email = tenant.email

    page: Page = new_page()
    login(page, tenant_email, f.PASSWORD)
    expect_on(page, "/dashboard")
    open_page(page, "/payments")
    expect(page.locator("#forbidden-title")).to_have_text("You don't have access to this page")
    expect(page.get_by_role("link", name="Go to your home")).to_have_attribute("href", "/dashboard")
    expect(page.get_by_role("link", name="My home").first).to_be_visible()  # the tenant's nav
    expect(page.get_by_role("link", name="Approvals")).to_have_count(0)  # no manager chrome
    expect(page.locator("#payments-table")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("23,456")
