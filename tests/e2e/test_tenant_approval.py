"""Journeys 2 and 3: a tenant signs up and waits; the landlord approves (or rejects) him."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

PASSWORD = "tenant long passphrase"


def _seed_landlord(server: Server, property_name: str) -> tuple[str, str]:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("owner"), name="Olive Owner")
        f.property_(session, owner, units=3, name=property_name)
        return owner.email, f.PASSWORD


def _tenant_signup(page: Page, property_name: str, unit: str | None, name: str, email: str) -> None:
    open_page(page, "/signup/tenant")
    page.click("#property-select")
    page.get_by_role("option", name=property_name, exact=False).click()
    if unit:
        page.click("#unit-select")
        page.get_by_role("option", name=unit, exact=True).click()
    page.fill("#full_name", name)
    page.fill("#email", email)
    page.fill("#phone", "0722000111")
    page.fill("#password", PASSWORD)
    page.click("#signup-submit")


def test_tenant_waits_then_is_approved_and_sees_his_home(new_page, server: Server) -> None:
    prop_name = "Acacia Gardens"
    owner_email, owner_password = _seed_landlord(server, prop_name)
    tenant_email = unique_email("tenant")

    tenant: Page = new_page()
    # Forgetting the property is caught.
    open_page(tenant, "/signup/tenant")
    tenant.fill("#full_name", "Peter Mwangi")
    tenant.fill("#email", tenant_email)
    tenant.fill("#phone", "0722000111")
    tenant.fill("#password", PASSWORD)
    tenant.click("#signup-submit")
    expect(tenant.locator("#property-error")).to_contain_text("Choose the property")

    _tenant_signup(tenant, prop_name, "A2", "Peter Mwangi", tenant_email)
    expect_on(tenant, "/waiting")
    expect(tenant.locator("#waiting-heading")).to_have_text("Waiting for approval")
    subject, _ = server.wait_for_email(tenant_email, "signup_received")
    assert "waiting for your landlord's approval" in subject
    server.wait_for_email(owner_email, "signup_pending")

    # Every other page sends him back to the waiting page.
    for path in ("/dashboard", "/profile", "/approvals"):
        open_page(tenant, path)
        expect_on(tenant, "/waiting")

    landlord: Page = new_page()
    login(landlord, owner_email, owner_password)
    expect_on(landlord, "/dashboard")
    expect(landlord.locator("#approvals-count")).to_have_text("1")
    landlord.goto("/approvals")
    card = landlord.locator(".approval-card").filter(has_text="Peter Mwangi")
    expect(card).to_contain_text("Unit asked for: A2")
    expect(card.locator("select[name=unit_id]")).to_have_value(
        card.locator("select[name=unit_id] option", has_text="A2").get_attribute("value") or ""
    )
    card.locator(".approve-btn").click()
    expect(landlord.locator("#form-notice")).to_contain_text("approved")
    expect(landlord.locator(".approval-card")).to_have_count(0)
    expect(landlord.locator("#approvals-count")).to_have_count(0)
    subject, body = server.wait_for_email(tenant_email, "tenant_approved")
    assert "A2" in body and prop_name in subject

    open_page(tenant, "/dashboard")
    expect_on(tenant, "/dashboard")
    expect(tenant.locator("#tenant-property")).to_have_text(prop_name)
    expect(tenant.locator("#tenant-unit")).to_have_text("A2")

    open_page(landlord, "/dashboard")
    expect(landlord.locator("#stat-occupied")).to_have_text("1")


def test_rejected_tenant_sees_the_reason(new_page, server: Server) -> None:
    prop_name = "Baobab Court"
    owner_email, owner_password = _seed_landlord(server, prop_name)
    tenant_email = unique_email("rejected")

    tenant: Page = new_page()
    _tenant_signup(tenant, prop_name, None, "Rita Reject", tenant_email)
    expect_on(tenant, "/waiting")

    landlord: Page = new_page()
    login(landlord, owner_email, owner_password)
    expect_on(landlord, "/dashboard")
    open_page(landlord, "/approvals")
    card = landlord.locator(".approval-card").filter(has_text="Rita Reject")
    expect(card).to_contain_text("Unit asked for: not given")
    card.locator("input[name=reason]").fill("We don't know you")
    card.locator(".reject-btn").click()  # asks first
    landlord.get_by_role("alertdialog").get_by_role("button", name="Reject").click()
    expect(landlord.locator("#form-notice")).to_contain_text("rejected")
    _, body = server.wait_for_email(tenant_email, "tenant_rejected")
    assert "We don't know you" in body

    open_page(tenant, "/waiting")
    expect(tenant.locator("#waiting-heading")).to_have_text("Your signup was not approved")
    expect(tenant.get_by_text("We don't know you")).to_be_visible()
