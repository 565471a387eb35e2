"""The property pages in Swahili (#10.12): a landlord who reads Swahili creates a property, edits
a unit, invites a caretaker, sees the people section and approves a tenant; labels, a field
error, notices and the rows the server builds come in Swahili."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import select

from pms_app.properties.models import Property
from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server


def _choose_swahili(page: Page) -> None:
    page.locator("#language-menu").first.click()
    page.locator("#language-sw").click()


def test_a_landlord_runs_a_property_in_swahili(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("mwenye"), name="Mama Wanjiru")
        email, owner_id = owner.email, owner.id

    page: Page = new_page()
    login(page, email, f.PASSWORD)
    expect_on(page, "/dashboard")
    _choose_swahili(page)
    expect(page.locator("#nav-user-role")).to_have_text("mwenye nyumba")

    # The new property form: labels, and the server's field error, in Swahili.
    open_page(page, "/properties/new")
    expect(page.get_by_text("Idadi ya nyumba", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Unda jengo")).to_be_visible()
    page.fill("#name", "Jengo la Amani")
    page.fill("#address", "Barabara ya Thika")
    page.fill("#unit_count", "0")
    page.click("#create-property")
    expect(page.locator("#unit_count-error")).to_contain_text(
        "Idadi ya nyumba lazima iwe kati ya 1 na 500"
    )
    page.fill("#unit_count", "2")
    page.fill("#default_rent", "15000")
    page.click("#create-property")

    # The property page: headings, the unit rows the state builds, a unit's edit and its notice.
    expect_on(page, "/property")
    expect(page.locator("#property-name")).to_have_text("Jengo la Amani")
    expect(page.get_by_role("heading", name="Kanuni za kodi")).to_be_visible()
    expect(page.get_by_role("button", name="Hifadhi maelezo")).to_be_visible()
    rows = page.locator("#units-table tbody tr")
    expect(rows.nth(0)).to_contain_text("Haina mpangaji")
    rows.nth(0).locator("input[name=rent]").fill("16000")
    rows.nth(0).get_by_role("button", name="Hifadhi").click()
    expect(page.locator("#form-notice")).to_have_text("Nyumba imehifadhiwa.")
    expect(rows.nth(0)).to_contain_text("16,000")

    # The people section: an invitation's notice (the service's answer) and its row.
    people = page.locator("#people-section")
    expect(people.get_by_role("heading", name="Watu")).to_be_visible()
    expect(people).to_contain_text("Bado hakuna wapangaji wala wafanyakazi")
    caretaker = unique_email("mlinzi")
    page.fill("#people-section input[name=email]", caretaker)
    page.get_by_role("button", name="Tuma mwaliko").click()
    expect(page.locator("#form-notice")).to_have_text(
        f"Mwaliko umetumwa kwa {caretaker} ikiwa anaweza kualikwa."
    )
    invitation = page.locator(".invitation-row").filter(has_text=caretaker)
    expect(invitation).to_contain_text("mfanyakazi")
    expect(invitation).to_contain_text("na Mama Wanjiru")

    # A tenant signs up for A2 and waits: the approvals page, and his approval, in Swahili.
    with server.seed() as session:
        prop = session.exec(select(Property).where(Property.owner_id == owner_id)).one()
        a2 = next(u for u in f.units_of(session, prop) if u.label == "A2")
        f.tenant(session, prop, a2, approved=False, email=unique_email("mpangaji"))
    open_page(page, "/approvals")
    expect(page.get_by_role("heading", name="Idhini zinazosubiri")).to_be_visible()
    card = page.locator(".approval-card").filter(has_text="Tom Tenant")
    expect(card).to_contain_text("Nyumba aliyoomba: A2")
    expect(card.get_by_role("button", name="Kataa")).to_be_visible()
    card.get_by_role("button", name="Idhinisha").click()
    expect(page.locator("#form-notice")).to_have_text(
        "Mpangaji ameidhinishwa na kutumiwa barua pepe."
    )
    expect(page.get_by_text("Hakuna anayesubiri kuidhinishwa.")).to_be_visible()

    # Back on the property page: the tenant in the people list, his role and unit in Swahili.
    page.go_back()
    expect_on(page, "/property")
    page.reload()
    person = page.locator(".person-row").filter(has_text="Tom Tenant")
    expect(person).to_contain_text("mpangaji")
    expect(person).to_contain_text("nyumba A2")
    expect(page.locator("#units-table tbody tr").nth(1)).to_contain_text("Tom Tenant")
