"""Issue 4 journey: a manager defines a facility; resident A books and pays via the simulator;
resident B sees the slot taken and joins the waiting list; A cancels; B is offered the slot and
confirms it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

PHONE_A = "0712 777 001"


def test_book_pay_waitlist_cancel_and_offer(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("hallowner"))
        prop = f.property_(session, owner, units=3, name="Cedar Estate")
        a = f.tenant(session, prop, email=unique_email("resident-a"))
        b = f.tenant(session, prop, email=unique_email("resident-b"))
        emails = owner.email, a.email, b.email

    # The manager defines the hall: 1-hour slots, KES 1,000 fee.
    manager: Page = new_page()
    login(manager, emails[0], f.PASSWORD)
    expect_on(manager, "/dashboard")
    open_page(manager, "/facilities")
    manager.fill("#name", "Community hall")
    manager.fill("#capacity", "0")
    manager.click("#create-facility")
    expect(manager.locator("#capacity-error")).to_contain_text("between 1 and 10000")
    manager.fill("#capacity", "80")
    manager.fill("#fee", "1000")
    manager.click("#create-facility")
    expect_on(manager, "/facility")
    expect(manager.locator("#facility-name")).to_have_text("Community hall")
    # The manager tightens the rules later.
    manager.get_by_text("Edit the facility's rules").click()
    manager.fill("#capacity", "60")
    manager.click("#save-facility")
    expect(manager.locator("#form-notice")).to_contain_text("Facility saved")
    expect(manager.get_by_text("Up to 60 guests")).to_be_visible()
    manager.fill("#capacity", "80")
    manager.click("#save-facility")
    expect(manager.get_by_text("Up to 80 guests")).to_be_visible()
    expect(manager.locator(".week-day")).to_have_count(7)

    day = f.today() + timedelta(days=1)
    tomorrow, tomorrow_label = day.isoformat(), f"{day:%A} {day.day} {day:%b %Y}"

    # Resident A books tomorrow 10:00–11:00 and pays through the simulator.
    res_a: Page = new_page()
    login(res_a, emails[1], f.PASSWORD)
    expect_on(res_a, "/dashboard")
    open_page(res_a, "/facilities")
    res_a.locator(".facility-card a").first.click()
    expect_on(res_a, "/facility")
    res_a.fill("#day-picker", tomorrow)
    expect(res_a.locator("#day-label")).to_have_text(tomorrow_label)
    res_a.locator(".slot-free", has_text="10:00–11:00").click()
    res_a.fill("input[name=guests]", "500")
    res_a.click("#book-submit")
    expect(res_a.locator("#guests-error, #form-error").first).to_contain_text("between 1 and 80")
    res_a.fill("input[name=guests]", "30")
    res_a.click("#book-submit")
    expect(res_a.locator("#form-notice")).to_contain_text("BKG-")
    expect(res_a.locator(".slot-mine")).to_contain_text("10:00–11:00")

    open_page(res_a, "/bookings")
    card = res_a.locator(".my-booking").first
    expect(card.locator(".booking-status")).to_have_text("awaiting payment")
    card.locator("input[name=phone]").fill(PHONE_A)
    card.locator(".booking-pay").click()
    expect(res_a.locator("#form-notice")).to_contain_text("Check your phone")
    phone: Page = new_page()
    open_page(phone, server.sim_phone(PHONE_A))  # the key `cli run` printed
    expect(phone.locator("#sim-prompt")).to_contain_text("1,000", timeout=20_000)
    phone.fill("#sim-pin", "1234")
    phone.locator("#sim-send").click()
    expect(res_a.locator(".my-booking .booking-status").first).to_have_text(
        "confirmed", timeout=20_000
    )
    ics = res_a.context.request.get(
        res_a.locator(".my-booking a", has_text=".ics").first.get_attribute("href") or ""
    )
    assert ics.status == 200 and "BEGIN:VEVENT" in ics.text()

    # Resident B finds the slot taken and joins the waiting list.
    res_b: Page = new_page()
    login(res_b, emails[2], f.PASSWORD)
    expect_on(res_b, "/dashboard")
    open_page(res_b, "/facilities")
    res_b.locator(".facility-card a").first.click()
    expect_on(res_b, "/facility")
    res_b.fill("#day-picker", tomorrow)
    expect(res_b.locator("#day-label")).to_have_text(tomorrow_label)
    taken = res_b.locator(".slot-taken", has_text="10:00–11:00")
    expect(taken).to_be_disabled()
    res_b.locator(".join-waitlist").first.click()
    expect(res_b.locator("#form-notice")).to_contain_text("waiting list")

    # A cancels (the dialog shows what it costs first); B is offered the slot and confirms.
    open_page(res_a, "/bookings")
    res_a.locator(".booking-cancel").first.click()
    expect(res_a.locator("#cancel-quote")).to_contain_text("Cancelling now")
    res_a.get_by_role("alertdialog").get_by_role("button", name="Cancel booking").click()
    expect(res_a.locator(".my-booking .booking-status").first).to_have_text("cancelled")

    server.wait_for_email(emails[2], "waitlist_offer")
    open_page(res_b, "/bookings")
    entry = res_b.locator(".waitlist-entry").first
    expect(entry).to_contain_text("free now")
    entry.locator(".accept-offer").click()
    expect(res_b.locator("#form-notice")).to_contain_text("Booked from the waiting list")
    expect(res_b.locator(".my-booking .booking-status").first).to_have_text("awaiting payment")
