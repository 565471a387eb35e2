"""Issue #10.12 in Swahili: a tenant switches language, books a facility (headings, weekday
names, the notice and the server's errors in Swahili) and reads My bookings; the landlord's
dashboard names its figures and the month in Swahili."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

# Written out here, not read from the app: the test checks the app's Swahili, not itself.
SW_WEEKDAYS = ("Jumatatu", "Jumanne", "Jumatano", "Alhamisi", "Ijumaa", "Jumamosi", "Jumapili")
SW_MONTHS = (
    "Januari",
    "Februari",
    "Machi",
    "Aprili",
    "Mei",
    "Juni",
    "Julai",
    "Agosti",
    "Septemba",
    "Oktoba",
    "Novemba",
    "Desemba",
)


def choose_language(page: Page, code: str) -> None:
    page.locator("#language-menu").first.click()
    page.locator(f"#language-{code}").click()


def test_a_tenant_books_in_swahili_and_the_landlord_reads_his_dashboard(
    new_page, server: Server
) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("swowner"))
        prop = f.property_(session, owner, units=3, name="Mvule Court", rent=12000)
        f.lease(session, prop=prop, rent=12_000, due_day=1)
        resident = f.tenant(session, prop, email=unique_email("swresident"))
        f.facility(session, prop, name="Ukumbi")  # free, instant, 10 guests, up to 3 hours
        emails = owner.email, resident.email

    page: Page = new_page()
    login(page, emails[1], f.PASSWORD)
    expect_on(page, "/dashboard")
    choose_language(page, "sw")
    expect(page.get_by_role("heading", name="Dashibodi")).to_be_visible()

    open_page(page, "/facilities")
    expect(page.get_by_role("heading", name="Vituo")).to_be_visible()
    expect(page.locator(".facility-card")).to_contain_text("bure")
    page.locator(".facility-card a").first.click()
    expect_on(page, "/facility")
    expect(page.get_by_text("Hadi wageni 10", exact=False)).to_be_visible()

    day = f.today() + timedelta(days=1)
    page.fill("#day-picker", day.isoformat())
    expect(page.locator("#day-label")).to_contain_text(SW_WEEKDAYS[day.weekday()])
    expect(page.locator("#week")).to_contain_text(SW_WEEKDAYS[day.weekday()])
    expect(page.locator(".week-day").first).to_contain_text("wazi")

    page.locator(".slot-free", has_text="10:00–11:00").click()
    # Server-made errors in Swahili: too many guests (beside the field), too long (the banner).
    page.fill("input[name=guests]", "50")
    page.click("#book-submit")
    expect(page.locator("#guests-error")).to_contain_text("Wageni lazima wawe kati ya 1 na 10")
    page.fill("input[name=guests]", "2")
    slots = page.locator("input[name=slots]")
    slots.evaluate("e => e.removeAttribute('max')")  # as a forged form would: the server decides
    slots.fill("5")
    page.click("#book-submit")
    expect(page.locator("#form-error")).to_contain_text("Weka nafasi isiyozidi dakika 180")
    slots.fill("1")
    page.click("#book-submit")
    notice = page.locator("#form-notice")
    expect(notice).to_contain_text("Nafasi imehifadhiwa: BKG-")
    expect(notice).to_contain_text("imethibitishwa")
    expect(page.locator(".slot-mine")).to_contain_text("10:00–11:00 · yako")

    page.get_by_role("link", name="Nafasi zangu →").click()
    expect_on(page, "/bookings")
    expect(page.get_by_role("heading", name="Nafasi zangu")).to_be_visible()
    card = page.locator(".my-booking").first
    expect(card.locator(".booking-status")).to_have_text("imethibitishwa")
    expect(card).to_contain_text(SW_WEEKDAYS[day.weekday()])  # the span: Swahili has no short names
    expect(card.get_by_role("link", name="Ongeza kwenye kalenda (.ics)")).to_be_visible()

    landlord: Page = new_page()
    login(landlord, emails[0], f.PASSWORD)
    expect_on(landlord, "/dashboard")
    choose_language(landlord, "sw")
    expect(landlord.get_by_role("heading", name="Majengo")).to_be_visible()
    # Text the server made (the month's name) follows without a reload: the switch re-opens
    # the page.
    month = f"{SW_MONTHS[f.today().month - 1]} {f.today().year}"
    expect(landlord.get_by_text(f"Kilichotozwa {month}")).to_be_visible()
    expect(landlord.get_by_text(f"Kilichokusanywa {month}")).to_be_visible()
    expect(landlord.get_by_text("Madeni (yote)")).to_be_visible()
    expect(landlord.locator("#stat-billed")).to_have_text("12,000")
    expect(landlord.locator(".property-card")).to_contain_text("nyumba 3")
    expect(landlord.locator(".property-card")).to_contain_text("Ukaliaji")
