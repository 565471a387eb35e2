"""Journeys 2 and 3: a tenant signs up and waits; the landlord approves (or rejects) him."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

PASSWORD = "tenant long passphrase"


def _seed_landlord(server: Server, property_name: str) -> tuple[str, str, str]:
    """The landlord's email and password, and his property's signup code."""
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("owner"), name="Olive Owner")
        prop = f.property_(session, owner, units=3, name=property_name)
        return owner.email, f.PASSWORD, prop.account_prefix


def _find_code(page: Page, code: str, property_name: str) -> None:
    page.fill("#code", code)
    page.click("#find-code")
    expect(page.locator("#found-property")).to_contain_text(property_name)


def _tenant_signup(page: Page, code: str, unit: str | None, name: str, email: str) -> None:
    """Through the landlord's link: the code is filled in and its property shown."""
    open_page(page, f"/signup/tenant?code={code}")
    expect(page.locator("#found-property")).to_be_visible()
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
    owner_email, owner_password, code = _seed_landlord(server, prop_name)
    tenant_email = unique_email("tenant")

    tenant: Page = new_page()
    # No list of the install's properties: a code finds his. Forgetting it is caught, a wrong
    # one is named, the right one (typed on a phone, in lower case) shows the property.
    open_page(tenant, "/signup/tenant")
    expect(tenant.locator("#unit-select")).to_have_count(0)
    tenant.fill("#full_name", "Peter Mwangi")
    tenant.fill("#email", tenant_email)
    tenant.fill("#phone", "0722000111")
    tenant.fill("#password", PASSWORD)
    tenant.click("#signup-submit")
    expect(tenant.locator("#code-error")).to_contain_text("Enter the property code")
    tenant.fill("#code", "QQQQ")
    tenant.click("#find-code")
    expect(tenant.locator("#code-error")).to_contain_text("No property has that code")
    _find_code(tenant, code.lower(), prop_name)
    expect(tenant.locator("#code-error")).to_have_count(0)

    _tenant_signup(tenant, code, "A2", "Peter Mwangi", tenant_email)
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
    # The code (and link) he gives his tenants is on the property page.
    landlord.get_by_role("link", name=prop_name).click()
    expect(landlord.locator("#signup-code")).to_have_text(code)
    expect(landlord.locator("#signup-link")).to_contain_text(f"/signup/tenant?code={code}")
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


def test_rejected_tenant_sees_the_reason_and_applies_at_another_property(
    new_page, server: Server
) -> None:
    prop_name = "Baobab Court"
    owner_email, owner_password, code = _seed_landlord(server, prop_name)
    other_email, _, other_code = _seed_landlord(server, "Mvule Heights")
    tenant_email = unique_email("rejected")

    tenant: Page = new_page()
    _tenant_signup(tenant, code, None, "Rita Reject", tenant_email)
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

    # Not stuck: she applies again, at another property, with her account number's unit.
    expect(tenant.locator("#code")).to_have_value(code)  # the same property, to begin with
    _find_code(tenant, f"{other_code}-A3", "Mvule Heights")
    expect(tenant.locator("#unit-select")).to_contain_text("A3")
    tenant.click("#reapply-submit")
    expect(tenant.locator("#waiting-heading")).to_have_text("Waiting for approval")
    expect(tenant.locator("#form-notice")).to_contain_text("your landlord has been told")
    server.wait_for_email(other_email, "signup_pending")

    other: Page = new_page()
    login(other, other_email, owner_password)
    expect_on(other, "/dashboard")
    open_page(other, "/approvals")
    card = other.locator(".approval-card").filter(has_text="Rita Reject")
    expect(card).to_contain_text("Unit asked for: A3")
    open_page(landlord, "/approvals")
    expect(landlord.locator(".approval-card").filter(has_text="Rita Reject")).to_have_count(0)
