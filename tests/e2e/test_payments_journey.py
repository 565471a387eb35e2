"""Issue 3 journeys: a lease is created, the tenant pays through the simulator's phone page and
the landlord's dashboard shows it live; a cancelled payment; cash payment; reminders; receipt."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from pms_app.core import clock
from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

PHONE = "0712 555 001"


def _seed(server: Server) -> tuple[str, str, str]:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("payowner"), name="Paula Owner")
        prop = f.property_(session, owner, units=2, name="Mvule Heights", rent=15000)
        tenant = f.tenant(session, prop, email=unique_email("payer"))
        return owner.email, tenant.email, prop.name


def _answer_on_phone(server: Server, phone: Page, pin: str | None, amount: str) -> None:
    open_page(phone, server.sim_phone(PHONE))  # the key `cli run` printed
    expect(phone.locator("#sim-prompt")).to_contain_text(amount, timeout=20_000)
    if pin is None:
        phone.locator("#sim-cancel").click()
    else:
        phone.fill("#sim-pin", pin)
        phone.locator("#sim-send").click()
    expect(phone.locator("#sim-outcome")).to_be_visible()


def test_lease_payment_live_dashboard_receipt_failure_cash_and_reminders(
    new_page, server: Server, tmp_path
) -> None:
    owner_email, tenant_email, prop_name = _seed(server)

    # The landlord creates the lease in the browser.
    landlord: Page = new_page()
    login(landlord, owner_email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    landlord.get_by_role("link", name=prop_name).click()
    landlord.locator("#leases-link").click()
    expect_on(landlord, "/leases")
    landlord.locator("select#tenant").select_option(index=1)
    landlord.locator("select#unit").select_option(index=1)
    landlord.fill("#rent", "15000")
    landlord.fill("#deposit", "15000")
    landlord.fill("#due_day", "40")
    # The lease starts on the 1st of this month (per the clock the server shares): due on the
    # 1st, exactly one month is charged whatever today is.
    landlord.fill("#start_date", f.month_start().isoformat())
    landlord.click("#create-lease")
    expect(landlord.locator("#due_day-error")).to_contain_text("between 1 and 28")
    landlord.fill("#due_day", "1")
    landlord.click("#create-lease")
    expect(landlord.locator("#form-notice")).to_contain_text("Lease created")
    expect(landlord.locator(".lease-row")).to_have_count(1)
    expect(landlord.locator(".lease-row")).to_contain_text("30,000")  # deposit + this month

    # The landlord watches the payments dashboard; it must update without a reload.
    open_page(landlord, "/payments")
    expect(landlord.locator("#total-collected")).to_have_text("0")

    tenant: Page = new_page()
    login(tenant, tenant_email, f.PASSWORD)
    expect_on(tenant, "/dashboard")
    open_page(tenant, "/pay")
    expect(tenant.locator("#balance")).to_have_text("KES 30,000")
    expect(tenant.locator("input[name=amount]")).to_have_value("30000")
    tenant.fill("input[name=amount]", "0")
    tenant.fill("input[name=phone]", PHONE)
    tenant.click("#pay-submit")
    expect(tenant.locator("#amount-error")).to_contain_text("between KES 1")
    tenant.fill("input[name=amount]", "5000")
    tenant.click("#pay-submit")
    expect(tenant.locator("#payment-message")).to_contain_text("Check your phone")

    phone: Page = new_page()
    _answer_on_phone(server, phone, "1234", "5,000")

    # Both the tenant's page and the landlord's dashboard change by themselves.
    expect(tenant.locator("#payment-status")).to_contain_text("paid", timeout=20_000)
    expect(tenant.locator("#balance")).to_have_text("KES 25,000")
    expect(landlord.locator("#total-collected")).to_have_text("5,000", timeout=20_000)
    expect(landlord.locator(".payment-row")).to_have_count(1)
    receipt_no = re.search(r"RCP-\d{4}-\d+", tenant.locator("#payment-message").inner_text())
    assert receipt_no
    server.wait_for_email(tenant_email, "payment_receipt")

    # The receipt downloads as a PDF for the tenant, and not for a stranger.
    href = tenant.locator("#receipt-link").get_attribute("href")
    assert href
    pdf = tenant.context.request.get(href)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    stranger: Page = new_page()
    assert stranger.context.request.get(href).status == 404

    # Page and receipt give the time in Nairobi (the property's zone), not UTC: 3 hours apart.
    shown = tenant.locator(".payment-row").first.inner_text()
    local_now = clock.now().astimezone(ZoneInfo("Africa/Nairobi"))
    recent = [local_now - timedelta(minutes=k) for k in range(3)]
    stamps = [f"{t.day} {t:%b %Y}, {t:%H:%M}" for t in recent]
    assert any(s in shown for s in stamps), (shown, stamps)
    assert any(f"Paid: {s} \\(Africa/Nairobi".encode() in pdf.body() for s in stamps)  # ( escaped

    # A cancelled prompt gives a clear message and changes nothing.
    tenant.fill("input[name=amount]", "700")
    tenant.fill("input[name=phone]", PHONE)
    tenant.click("#pay-submit")
    expect(tenant.locator("#payment-message")).to_contain_text("Check your phone")
    _answer_on_phone(server, phone, None, "700")
    expect(tenant.locator("#payment-status")).to_contain_text("failed", timeout=20_000)
    expect(tenant.locator("#payment-message")).to_contain_text("cancel")
    expect(tenant.locator("#balance")).to_have_text("KES 25,000")

    # The landlord records a cash payment on the lease page.
    open_page(landlord, "/payments")
    landlord.locator(".arrears-row a").first.click()
    expect_on(landlord, "/lease")
    landlord.fill("#amount", "4000")
    landlord.fill("#paid_on", f.today().isoformat())
    landlord.fill("#reference", "SLIP-17")
    landlord.click("#record-payment")
    expect(landlord.locator("#form-notice")).to_contain_text("Payment recorded")
    expect(landlord.locator("#lease-balance")).to_have_text("21,000")
    expect(tenant.locator("#balance")).to_have_text("KES 21,000", timeout=20_000)  # live too

    # Reminders to everyone in arrears, with progress.
    open_page(landlord, "/payments")
    expect(landlord.locator(".arrears-row")).to_have_count(1)
    landlord.click("#remind-all")
    expect(landlord.locator("#form-notice")).to_contain_text("1 reminder(s) sent")
    expect(landlord.locator("#reminder-progress")).to_have_text("1 / 1")
    _, body = server.wait_for_email(tenant_email, "rent_reminder")
    assert "21,000" in body

    # The signed lease: uploaded by the landlord, downloadable by the tenant only.
    landlord.locator(".arrears-row a").first.click()
    expect_on(landlord, "/lease")
    # What the browser refuses (its type) is said at once, not "Choose a file first.".
    text_file = tmp_path / "notes.txt"
    text_file.write_text("minutes of the committee")
    landlord.locator("#lease-doc input[type=file]").set_input_files(str(text_file))
    expect(landlord.locator("#form-error")).to_contain_text("Only PDF, JPEG or PNG")
    big = tmp_path / "scan.pdf"  # over the 10 MB limit: refused in the browser, said at once
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024))
    landlord.locator("#lease-doc input[type=file]").set_input_files(str(big))
    expect(landlord.locator("#form-error")).to_contain_text("larger than 10 MB")
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"this is not an image")
    landlord.locator("#lease-doc input[type=file]").set_input_files(str(bad))
    landlord.click("#upload-document")
    expect(landlord.locator("#form-error")).to_contain_text("PDF, JPEG or PNG")
    signed = tmp_path / "signed-lease.pdf"
    signed.write_bytes(b"%PDF-1.4\n%%EOF\n")
    landlord.locator("#lease-doc input[type=file]").set_input_files(str(signed))
    landlord.click("#upload-document")
    expect(landlord.locator("#form-notice")).to_contain_text("Document uploaded")
    expect(landlord.locator(".document-link")).to_have_text("signed-lease.pdf")
    open_page(tenant, "/pay")
    link = tenant.locator(".document-link")
    expect(link).to_have_text("signed-lease.pdf")
    doc_href = link.get_attribute("href")
    assert doc_href
    got = tenant.context.request.get(doc_href)
    assert got.status == 200 and got.body() == signed.read_bytes()
    assert stranger.context.request.get(doc_href).status == 404

    # Deleting it asks first; Cancel keeps it.
    row = landlord.locator(".document-link").locator("..")
    row.get_by_role("button", name="Delete").click()
    dialog = landlord.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Delete signed-lease.pdf?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(landlord.locator(".document-link")).to_have_count(1)
    row.get_by_role("button", name="Delete").click()
    landlord.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(landlord.locator("#form-notice")).to_contain_text("Document deleted")
    expect(landlord.locator(".document-link")).to_have_count(0)


def test_landlord_checks_payments_that_did_not_match_and_credits_what_was_paid(
    new_page, server: Server
) -> None:
    """M-Pesa confirmed KES 4,000 for a KES 5,000 request (and a payment from another phone): the
    landlord credits the first for what was paid and rejects the second, confirming each."""
    from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus

    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("reviewer"), name="Rita Reviewer")
        prop = f.property_(session, owner, units=2, name="Mninga Court", rent=12000)
        tenant = f.tenant(session, prop, email=unique_email("shortpayer"))
        lease = f.lease(session, prop, tenant, rent=12_000)
        common = {
            "lease_id": lease.id,
            "property_id": prop.id,
            "method": PaymentMethod.STK,
            "status": PaymentStatus.REVIEW,
            "phone": "254712555001",
            "result_code": "0",
            "initiated_by_id": tenant.id,
        }
        session.add(
            Payment(
                amount=5_000,
                received_amount=4_000,
                mpesa_receipt="TKR4000AAA",
                result_desc="Check before crediting: amount 4000 ≠ 5000",
                **common,
            )
        )
        session.add(
            Payment(
                amount=3_000,
                mpesa_receipt="TKR3000BBB",
                result_desc="Check before crediting: phone 254799999999 ≠ 254712555001",
                **common,
            )
        )
        session.commit()
        owner_email = owner.email

    page: Page = new_page()
    login(page, owner_email, f.PASSWORD)
    expect_on(page, "/dashboard")
    open_page(page, "/payments")
    rows = page.locator(".review-row")
    expect(rows).to_have_count(2)
    short = rows.filter(has_text="TKR4000AAA")
    expect(short).to_contain_text("M-Pesa reports KES 4,000 (asked KES 5,000)")
    expect(short).to_contain_text("Tom Tenant")

    # Cancelling the confirmation changes nothing.
    short.get_by_role("button", name="Credit KES 4,000").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Credit KES 4,000 to this tenant?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(rows).to_have_count(2)

    short.get_by_role("button", name="Credit KES 4,000").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Credit KES 4,000").click()
    expect(page.locator("#form-notice")).to_contain_text("KES 4,000 credited, receipt RCP-")
    expect(rows).to_have_count(1)
    expect(page.locator("#payments-table")).to_contain_text("4,000")

    rows.get_by_role("button", name="Reject").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Reject").click()
    expect(page.locator("#form-notice")).to_contain_text("nothing was credited")
    expect(rows).to_have_count(0)
    expect(page.locator("#payments-table")).not_to_contain_text("3,000")
