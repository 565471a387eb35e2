"""#11.7 journey: an STK payment M-Pesa never confirmed is listed for the landlord as unconfirmed;
a receipt number not shaped like M-Pesa's is refused beside the field; with the receipt from the
statement it is credited once, and the lease's balance changes. The tenant saw "being checked"."""

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
        lease = f.lease(session, prop, rent=12_000, due_day=1)
        f.stk_payment(session, lease, amount=4_000, status=PaymentStatus.UNCONFIRMED)
        lease_id, email = lease.id, owner.email

    landlord: Page = new_page()
    login(landlord, email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    open_page(landlord, f"/lease?id={lease_id}")
    expect(landlord.locator("#lease-balance")).to_have_text("12,000")

    open_page(landlord, "/payments")
    row = landlord.locator(".unconfirmed-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("KES 4,000")
    row.locator(".mark-paid").click()
    dialog = landlord.get_by_role("dialog")
    dialog.locator("#unconfirmed_receipt").fill("12345")
    dialog.locator("#confirm-paid").click()
    expect(dialog.locator("#unconfirmed_receipt-error")).to_contain_text("10 letters and digits")
    dialog.locator("#unconfirmed_receipt").fill("qwe1234567")
    dialog.locator("#confirm-paid").click()
    expect(landlord.locator("#form-notice")).to_contain_text("marked paid")
    expect(landlord.get_by_role("dialog")).to_have_count(0)
    expect(landlord.locator(".unconfirmed-row")).to_have_count(0)

    open_page(landlord, f"/lease?id={lease_id}")
    expect(landlord.locator("#lease-balance")).to_have_text("8,000")
    expect(landlord.locator(".audit-line")).to_contain_text("paid from the M-Pesa statement")
