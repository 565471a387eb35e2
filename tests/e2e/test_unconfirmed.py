"""#11.7 journey: an STK payment M-Pesa never confirmed is listed for the landlord as unconfirmed;
a receipt number not shaped like M-Pesa's is refused beside the field; with the receipt from the
statement it is credited once, and the lease's balance changes. Another, not on the statement, is
marked failed after a confirmation. The tenant reads "being checked" until then, never "failed"."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from pms_app.payments.models import PaymentStatus
from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server


def test_manager_marks_an_unconfirmed_payment_paid(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("unconfowner"), name="Una Owner")
        prop = f.property_(session, owner, units=2, name="Mvule Court", rent=12000)
        tenant = f.tenant(session, prop, email=unique_email("unconftenant"))
        lease = f.lease(session, prop, tenant, rent=12_000, due_day=1)
        f.stk_payment(session, lease, amount=4_000, status=PaymentStatus.UNCONFIRMED)
        f.stk_payment(session, lease, amount=1_500, status=PaymentStatus.UNCONFIRMED)
        lease_id, email, tenant_email = lease.id, owner.email, tenant.email

    payer: Page = new_page()
    login(payer, tenant_email, f.PASSWORD)
    expect_on(payer, "/dashboard")
    open_page(payer, "/pay")
    rows = payer.locator(".payment-row")
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i)).to_contain_text("being checked")
        expect(rows.nth(i)).not_to_contain_text("failed")

    landlord: Page = new_page()
    login(landlord, email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    open_page(landlord, f"/lease?id={lease_id}")
    expect(landlord.locator("#lease-balance")).to_have_text("12,000")

    open_page(landlord, "/payments")
    expect(landlord.locator(".unconfirmed-row")).to_have_count(2)
    row = landlord.locator(".unconfirmed-row", has_text="KES 4,000")
    row.locator(".mark-paid").click()
    dialog = landlord.get_by_role("dialog")
    dialog.locator("#unconfirmed_receipt").fill("12345")
    dialog.locator("#confirm-paid").click()
    expect(dialog.locator("#unconfirmed_receipt-error")).to_contain_text("10 letters and digits")
    dialog.locator("#unconfirmed_receipt").fill("qwe1234567")
    dialog.locator("#confirm-paid").click()
    expect(landlord.locator("#form-notice")).to_contain_text("marked paid")
    expect(landlord.get_by_role("dialog")).to_have_count(0)
    expect(landlord.locator(".unconfirmed-row")).to_have_count(1)

    # Not on the statement: marked failed, after saying what that means (Cancel changes nothing).
    other = landlord.locator(".unconfirmed-row", has_text="KES 1,500")
    other.get_by_role("button", name="Mark failed").click()
    landlord.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()
    expect(landlord.locator(".unconfirmed-row")).to_have_count(1)
    other.get_by_role("button", name="Mark failed").click()
    landlord.get_by_role("alertdialog").get_by_role("button", name="Mark failed").click()
    expect(landlord.locator(".unconfirmed-row")).to_have_count(0)

    open_page(landlord, f"/lease?id={lease_id}")
    expect(landlord.locator("#lease-balance")).to_have_text("8,000")
    lines = landlord.locator(".audit-line")
    expect(lines).to_have_count(2)  # who marked what, both kept
    expect(lines.filter(has_text="paid from the M-Pesa statement")).to_have_count(1)

    open_page(payer, "/pay")  # what the tenant reads now
    expect(payer.locator(".payment-row", has_text="4,000")).to_contain_text("paid")
    expect(payer.locator(".payment-row", has_text="1,500")).to_contain_text("failed")
