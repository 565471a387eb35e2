"""Swahili and English: anyone switches, the choice survives a reload, is saved on the account
and follows the person to another browser; errors from the server come in his language."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server


def choose_language(page: Page, code: str) -> None:
    page.locator("#language-menu").first.click()
    page.locator(f"#language-{code}").click()


def test_a_visitor_switches_to_swahili_and_it_survives_a_reload(new_page) -> None:
    page: Page = new_page()
    open_page(page, "/login")
    expect(page.get_by_role("link", name="Sign up").first).to_be_visible()
    expect(page).to_have_title("Log in · pms")
    choose_language(page, "sw")
    expect(page.get_by_role("link", name="Jisajili").first).to_be_visible()
    expect(page).to_have_title("Ingia · pms")  # the browser tab too
    page.reload()
    expect(page.get_by_role("link", name="Jisajili").first).to_be_visible()
    choose_language(page, "en")
    expect(page.get_by_role("link", name="Sign up").first).to_be_visible()


def test_the_choice_is_saved_on_the_account_and_errors_speak_it(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("lugha"))
        f.property_(session, owner, units=1, name="Lugha Court")
        email = owner.email

    laptop: Page = new_page()
    login(laptop, email, f.PASSWORD)
    expect_on(laptop, "/dashboard")
    choose_language(laptop, "sw")
    expect(laptop.get_by_role("link", name="Wapangaji").first).to_be_visible()
    expect(laptop.locator("#nav-user-role")).to_have_text("mwenye nyumba")
    open_page(laptop, "/units")  # a list page: its heading, filters and table in Swahili
    expect(laptop.get_by_role("heading", name="Nyumba", level=1)).to_be_visible()
    expect(laptop).to_have_title("Nyumba · pms")
    expect(laptop.get_by_role("button", name="Tafuta")).to_be_visible()
    expect(laptop.get_by_role("columnheader", name="Ukaliaji")).to_be_visible()
    expect(laptop.get_by_text("Iko wazi").first).to_be_visible()

    phone: Page = new_page()  # another browser: English until he logs in
    open_page(phone, "/login")
    expect(phone.get_by_role("link", name="Sign up").first).to_be_visible()
    phone.fill("#password", "not-his-password")
    phone.fill("#email", email)
    phone.click("#login-submit")
    expect(phone.locator("#form-error")).to_contain_text("Email or password is incorrect.")
    login(phone, email, f.PASSWORD)
    expect_on(phone, "/dashboard")
    expect(phone.get_by_role("link", name="Wapangaji").first).to_be_visible()
    # A server-made error now comes in Swahili: a whole-number check on the new property form.
    open_page(phone, "/properties/new")
    phone.fill("#name", "Nyumba Mpya")
    phone.fill("#address", "Thika Road")
    phone.fill("#unit_count", "1e20")
    phone.click("#create-property")
    expect(phone.locator("#unit_count-error")).to_contain_text("kama nambari")


def test_the_lease_page_speaks_swahili_and_so_do_its_errors(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("mkataba"))
        prop = f.property_(session, owner, units=1, name="Mkataba Court")
        lease = f.lease(session, prop, f.tenant(session, prop, email=unique_email("mpangaji")))
        email, lease_id = owner.email, lease.id

    page: Page = new_page()
    login(page, email, f.PASSWORD)
    expect_on(page, "/dashboard")
    choose_language(page, "sw")
    open_page(page, f"/lease?id={lease_id}")
    expect(page.get_by_role("heading", name="Taarifa ya akaunti")).to_be_visible()
    expect(page.get_by_text("Kodi KES").first).to_be_visible()
    page.fill("#amount", "1e20")
    page.fill("#paid_on", f.today().isoformat())
    page.click("#record-payment")
    expect(page.locator("#amount-error")).to_contain_text("shilingi kamili")
