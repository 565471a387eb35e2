"""Issue #10.8/9: the dashboard shows the month's billed/collected/arrears; a landlord finds a
tenant by phone on the Tenants page and opens the lease; the arrears link lists those owing."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from pms_app.accounts.models import User
from pms_app.ledger.roster import phone_key
from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server


def _seed(server: Server) -> tuple[str, str, int, str]:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("listowner"), name="Lina Owner")
        prop = f.property_(session, owner, units=3, name="Baobab Court", rent=12000)
        first = f.lease(session, prop=prop, rent=12_000, due_day=1)
        f.lease(session, prop=prop, rent=12_000, due_day=1)
        tenant = session.get(User, first.tenant_id)
        return owner.email, phone_key(tenant.phone), first.id or 0, tenant.email


def test_landlord_searches_tenants_by_phone_and_opens_the_lease(new_page, server: Server) -> None:
    owner_email, subscriber, lease_id, tenant_email = _seed(server)
    page: Page = new_page()
    login(page, owner_email, f.PASSWORD)
    expect_on(page, "/dashboard")
    # Two leases of 12,000 due on the 1st, nothing paid: the month's figures say so (#10.9).
    expect(page.locator("#stat-billed")).to_have_text("24,000")
    expect(page.locator("#stat-collected")).to_have_text("0")
    expect(page.locator("#stat-arrears")).to_have_text("24,000")
    page.get_by_role("link", name="Tenants").first.click()
    expect_on(page, "/tenants")
    expect(page.locator("#tenants-table tbody tr")).to_have_count(2)

    page.fill("#tenant-search", "nobody at all")
    page.click("#tenant-search-go")
    expect(page.get_by_text("No tenant matches this search.")).to_be_visible()

    page.fill("#tenant-search", "+254 " + subscriber)  # stored as typed at signup, found anyway
    page.click("#tenant-search-go")
    rows = page.locator("#tenants-table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").first.click()
    expect_on(page, "/lease")
    assert f"id={lease_id}" in page.url

    open_page(page, "/dashboard")
    page.locator("#arrears-link").click()
    expect_on(page, "/tenants")
    expect(page.locator("#tenants-table tbody tr")).to_have_count(2)  # this month's rent is due

    # Units: one vacant of three, and the vacant filter shows just it.
    page.get_by_role("link", name="Units").first.click()
    expect_on(page, "/units")
    expect(page.locator("#units-table tbody tr")).to_have_count(3)
    page.locator("#filter-vacant").check()
    page.click("#unit-search-go")
    expect(page.locator("#units-table tbody tr")).to_have_count(1)
    expect(page.locator("#units-table")).to_contain_text("Vacant")

    # The tenant's home answers first: what he owes, what is overdue, when next, and Pay.
    home: Page = new_page()
    login(home, tenant_email, f.PASSWORD)
    expect_on(home, "/dashboard")
    expect(home.locator("#tenant-balance")).to_have_text("12,000")
    expect(home.locator("#tenant-overdue")).to_contain_text("12,000")
    expect(home.locator("#tenant-next-due")).not_to_be_empty()
    home.locator("#tenant-pay").click()
    expect_on(home, "/pay")
    expect(home.locator("#arrears")).to_have_text("Overdue: KES 12,000")  # grouped, as elsewhere
