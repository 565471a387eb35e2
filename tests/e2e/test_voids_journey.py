"""#10.7 journeys: money that reconciles on screen. A landlord records a cash payment by
mistake, voids it with a reason after confirming, sees it marked Voided with its audit line and
the balance back; a booking fee a manager marks paid is listed on the payments page, and a
resident cancelling the paid booking is told a refund is due, which the manager marks refunded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from pms_app.core import clock
from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)


def test_void_with_audit_trail(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("voidowner"), name="Vera Owner")
        prop = f.property_(session, owner, units=2, name="Baobab Court", rent=12000)
        lease = f.lease(session, prop, rent=12_000, due_day=1)
        lease_id, email = lease.id, owner.email

    landlord: Page = new_page()
    login(landlord, email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    open_page(landlord, f"/lease?id={lease_id}")
    expect(landlord.locator("#lease-balance")).to_have_text("12,000")
    landlord.fill("#amount", "5000")
    landlord.fill("#paid_on", f.today().isoformat())
    landlord.fill("#reference", "SLIP-99")
    landlord.click("#record-payment")
    expect(landlord.locator("#form-notice")).to_contain_text("Payment recorded")
    expect(landlord.locator("#lease-balance")).to_have_text("7,000")

    # Void: the dialog names the payment and asks why; no reason, or too long, is said beside it.
    landlord.locator(".void-payment").first.click()
    dialog = landlord.get_by_role("dialog")
    expect(dialog.locator("#void-detail")).to_contain_text("KES 5,000 cash payment")
    dialog.locator("#confirm-void").click()
    expect(dialog.locator("#void_reason-error")).to_contain_text("Enter the reason")
    dialog.locator("#void_reason").fill("x" * 301)
    dialog.locator("#confirm-void").click()
    expect(dialog.locator("#void_reason-error")).to_contain_text("300")
    # Cancel changes nothing.
    dialog.get_by_role("button", name="Cancel").click()
    expect(landlord.get_by_role("dialog")).to_have_count(0)
    expect(landlord.locator("#lease-balance")).to_have_text("7,000")

    landlord.locator(".void-payment").first.click()
    dialog = landlord.get_by_role("dialog")
    dialog.locator("#void_reason").fill("Recorded twice by mistake")
    dialog.locator("#confirm-void").click()
    expect(landlord.locator("#form-notice")).to_contain_text("Payment voided")
    expect(landlord.get_by_role("dialog")).to_have_count(0)
    expect(landlord.locator("#lease-payments .voided-badge")).to_have_count(1)
    expect(landlord.locator(".void-payment")).to_have_count(0)
    expect(landlord.locator("#lease-balance")).to_have_text("12,000")  # owed again
    line = landlord.locator(".audit-line")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("Vera Owner voided the Cash payment SLIP-99")
    expect(line).to_contain_text("Recorded twice by mistake")
    expect(line).to_contain_text("counted KES 5,000 before, KES 0 after")
    now_local = clock.now().astimezone(f.NAIROBI)
    expect(line).to_contain_text(f"{now_local.day} {now_local:%b %Y}")

    # The payments list: kept, marked Voided, never counted; the filter hides it.
    open_page(landlord, "/payments")
    expect(landlord.locator("#total-collected")).to_have_text("0")
    expect(landlord.locator(".payment-row")).to_have_count(1)
    expect(landlord.locator(".payment-row .voided-badge")).to_have_count(1)
    landlord.locator("#filter-voided").uncheck()
    landlord.click("#apply-filters")
    expect(landlord.locator(".payment-row")).to_have_count(0)
    expect(landlord.locator("#total-collected")).to_have_text("0")


def test_booking_fee_listed_and_cancel_paid_booking_says_refund_due(
    new_page, server: Server
) -> None:
    day = f.today() + timedelta(days=3)  # always more than a day ahead: cancelling is free
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("feeowner"), name="Fred Owner")
        prop = f.property_(session, owner, units=2, name="Acacia Gardens")
        resident = f.tenant(session, prop, email=unique_email("feeresident"))
        hall = f.facility(session, prop, name="Garden hall", fee=1_000)
        booking = f.booking(session, hall, resident, f.at(day, "10:00"), now=clock.now())
        ids = hall.id, booking.number, owner.email, resident.email

    fid, number, owner_email, resident_email = ids
    manager: Page = new_page()
    login(manager, owner_email, f.PASSWORD)
    expect_on(manager, "/dashboard")
    open_page(manager, f"/facility?id={fid}")
    manager.fill("#day-picker", day.isoformat())
    manager.get_by_role("button", name="Mark paid").click()
    expect(manager.locator("#form-notice")).to_contain_text("listed on the Payments page")

    # The fee paid by hand is a payment like any other: listed, typed, counted.
    open_page(manager, "/payments")
    row = manager.locator(".payment-row")
    expect(row).to_have_count(1)
    expect(row.locator(".payment-type")).to_have_text("Booking fee")
    expect(row).to_contain_text("1,000")
    expect(manager.locator("#total-collected")).to_have_text("1,000")
    expect(manager.locator(".refund-row")).to_have_count(0)

    # The resident cancels: told first, and after, that the money is due back.
    res: Page = new_page()
    login(res, resident_email, f.PASSWORD)
    expect_on(res, "/dashboard")
    open_page(res, "/bookings")
    res.locator(".booking-cancel").first.click()
    expect(res.locator("#cancel-quote")).to_contain_text("Refund due: KES 1,000")
    res.get_by_role("alertdialog").get_by_role("button", name="Cancel booking").click()
    expect(res.locator("#form-notice")).to_contain_text("Refund due: KES 1,000")
    expect(res.locator(".my-booking .booking-money")).to_have_text("Refund due: KES 1,000")

    # The manager sees the refund due (on the facility's day too), returns the money and marks
    # it (asked first).
    open_page(manager, f"/facility?id={fid}")
    manager.fill("#day-picker", day.isoformat())
    expect(manager.locator(".booking-money")).to_have_text("Refund due: KES 1,000")
    open_page(manager, "/payments")
    refund = manager.locator(".refund-row")
    expect(refund).to_have_count(1)
    expect(refund).to_contain_text(number)
    expect(refund).to_contain_text("KES 1,000")
    refund.get_by_role("button", name="Mark refunded").click()
    manager.get_by_role("alertdialog").get_by_role("button", name="Mark refunded").click()
    expect(manager.locator("#form-notice")).to_contain_text("Refund marked as made")
    expect(manager.locator(".refund-row")).to_have_count(0)
    # The payment stays listed, marked refunded; "Collected" no longer counts it.
    expect(manager.locator(".payment-row .refunded")).to_have_text("KES 1,000 refunded")
    expect(manager.locator("#total-collected")).to_have_text("0")
    open_page(res, "/bookings")
    expect(res.locator(".my-booking .booking-money")).to_have_text("Refunded KES 1,000")
