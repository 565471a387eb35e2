"""A visitor who speaks Swahili: switches on the landing page, signs up as a landlord in Swahili
(labels, a field error from the server, the dashboard), keeps it after logging out and in and on
another browser (saved on the new account), and switches back on his profile page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.test_language import choose_language

PASSWORD = "kauli ndefu ya siri sana"


def test_a_visitor_signs_up_in_swahili_and_switches_back_on_his_profile(new_page) -> None:
    page: Page = new_page()
    email = unique_email("mwenye")
    open_page(page, "/")
    expect(page.get_by_role("link", name="I'm a landlord")).to_be_visible()
    choose_language(page, "sw")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Usimamizi wa majengo bila lahajedwali"
    )
    page.get_by_role("link", name="Mimi ni mwenye nyumba").click()
    expect_on(page, "/signup")
    expect(page.get_by_role("heading", name="Fungua akaunti ya mwenye nyumba")).to_be_visible()
    expect(page.get_by_text("Angalau herufi 8; kauli ndefu ya siri ni bora zaidi.")).to_be_visible()

    page.get_by_label("Jina kamili").fill("Wanjiru Kamau")
    page.get_by_label("Barua pepe").fill(email)
    page.get_by_label("Simu").fill("12")
    page.get_by_label("Nenosiri").fill(PASSWORD)
    page.get_by_role("button", name="Fungua akaunti").click()
    expect(page.locator("#phone-error")).to_have_text(
        "Weka nambari ya simu ya Kenya, kama 0712 345 678."
    )
    page.get_by_label("Simu").fill("0712 345 678")
    page.get_by_role("button", name="Fungua akaunti").click()
    expect_on(page, "/dashboard")
    expect(page.get_by_role("link", name="Wapangaji").first).to_be_visible()
    expect(page.locator("#nav-user-role")).to_have_text("mwenye nyumba")

    page.get_by_role("button", name="Toka").click()
    expect_on(page, "/login")
    expect(page.get_by_role("heading", name="Ingia")).to_be_visible()
    expect(page.get_by_role("link", name="Umesahau nenosiri lako?")).to_be_visible()
    page.get_by_label("Barua pepe").fill(email)
    page.get_by_label("Nenosiri").fill(PASSWORD)
    page.locator("#login-submit").click()
    expect_on(page, "/dashboard")
    expect(page.get_by_role("link", name="Wapangaji").first).to_be_visible()

    # Saved on the account at signup: another browser (English so far) speaks it once he logs in.
    laptop: Page = new_page()
    login(laptop, email, PASSWORD)
    expect_on(laptop, "/dashboard")
    expect(laptop.get_by_role("link", name="Wapangaji").first).to_be_visible()

    # The profile page: a notice from the server in Swahili, then the language choice.
    open_page(page, "/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Akaunti yako")
    expect(page.locator("#profile-language-sw")).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Jina kamili").fill("Wanjiru W. Kamau")
    page.get_by_role("button", name="Hifadhi wasifu").click()
    expect(page.locator("#form-notice")).to_have_text("Wasifu umehifadhiwa.")
    page.locator("#profile-language-en").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator("#profile-language-en")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("link", name="Tenants").first).to_be_visible()
    page.reload()  # saved: English after a reload too
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
