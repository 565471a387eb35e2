"""The money pages in Swahili (#10.12): a tenant pays on /pay and the server's amount check
answers in Swahili; a landlord reads /payments (filters, table, a reminder notice) in Swahili."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server


def _swahili(page: Page) -> None:
    page.locator("#language-menu").first.click()
    page.locator("#language-sw").click()
    expect(page.get_by_role("link", name="Wasifu").first).to_be_visible()


def test_the_pay_and_payments_pages_speak_swahili(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("swpayowner"))
        prop = f.property_(session, owner, units=2, name="Mnazi Court")
        tenant = f.tenant(session, prop, email=unique_email("swpayer"))
        lease = f.lease(session, prop, tenant, rent=12_000, due_day=1)
        f.c2b_payment(session, lease.account_ref, 2_000)
        owner_email, tenant_email = owner.email, tenant.email

    payer: Page = new_page()
    login(payer, tenant_email, f.PASSWORD)
    expect_on(payer, "/dashboard")
    _swahili(payer)
    open_page(payer, "/pay")
    expect(payer.get_by_role("heading", name="Kodi", level=1)).to_be_visible()
    expect(payer.get_by_text("Salio", exact=True).first).to_be_visible()
    expect(payer.get_by_role("heading", name="Lipa kwa M-Pesa")).to_be_visible()
    expect(payer.locator("#pay-submit")).to_have_text("Lipa sasa")
    expect(payer.get_by_role("heading", name="Taarifa ya akaunti")).to_be_visible()
    payer.fill("input[name=amount]", "0")
    payer.fill("input[name=phone]", "0712 555 009")
    payer.click("#pay-submit")
    expect(payer.locator("#amount-error")).to_contain_text("Malipo ya M-Pesa lazima yawe kati ya")

    landlord: Page = new_page()
    login(landlord, owner_email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    _swahili(landlord)
    open_page(landlord, "/payments")
    expect(landlord.get_by_role("heading", name="Malipo", level=1)).to_be_visible()
    expect(landlord.get_by_label("Chuja kwa jengo")).to_be_visible()
    expect(landlord.locator("#filter-property option").first).to_have_text("Majengo yote")
    expect(landlord.get_by_role("button", name="Tumia")).to_be_visible()
    expect(landlord.get_by_text("Onyesha yaliyobatilishwa")).to_be_visible()
    for header in ("Tarehe", "Aina", "Mpangaji", "Njia", "Risiti", "Kumbukumbu"):
        expect(landlord.get_by_role("columnheader", name=header)).to_be_visible()
    expect(landlord.locator(".payment-row .payment-type").first).to_have_text("Kodi")
    # A notice the server builds, with the count's own form.
    landlord.locator("#remind-all").click()
    expect(landlord.locator("#form-notice")).to_contain_text("Kikumbusho 1 kimetumwa")
