"""Forms that write, as an impatient person uses them: double and triple clicks write once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import func, select

from pms_app.ledger.models import LedgerEntry
from pms_app.payments.models import Payment
from pms_app.properties.models import Property
from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

pytestmark = pytest.mark.dates  # the payment and adjustment are dated today per the clock


def test_double_and_triple_clicks_write_once(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("clicker"))
        lease = f.lease(session, f.property_(session, owner, units=2, name="Click Court"))
        owner_email, lease_id = owner.email, lease.id

    page: Page = new_page()
    login(page, owner_email, f.PASSWORD)
    expect_on(page, "/dashboard")

    # Create property, double-clicked: one property, and the page moves on to it.
    open_page(page, "/properties/new")
    page.fill("#name", "Twice Towers")
    page.fill("#address", "Kilimani, Nairobi")
    page.fill("#unit_count", "2")
    page.dblclick("#create-property")
    expect_on(page, "/property")
    expect(page.locator("#property-name")).to_have_text("Twice Towers")

    # Record payment, triple-clicked; Post adjustment, double-clicked.
    open_page(page, f"/lease?id={lease_id}")
    page.fill("#amount", "2500")
    page.fill("#paid_on", f.today().isoformat())
    page.locator("#record-payment").click(click_count=3)
    expect(page.locator("#form-notice")).to_contain_text("Payment recorded")
    page.fill("#adj_amount", "300")
    page.fill("#reason", "Key replacement")
    page.locator("#adjust-form button[type=submit]").dblclick()
    expect(page.locator("#form-notice")).to_contain_text("Adjustment posted")
    # Neither button is left spinning.
    expect(page.locator("#record-payment")).to_be_enabled()
    expect(page.locator("#adjust-form button[type=submit]")).to_be_enabled()

    with server.seed() as session:
        props = session.exec(
            select(func.count()).select_from(Property).where(Property.name == "Twice Towers")
        ).one()
        payments = session.exec(
            select(func.count()).select_from(Payment).where(Payment.lease_id == lease_id)
        ).one()
        adjustments = session.exec(
            select(func.count())
            .select_from(LedgerEntry)
            .where(
                LedgerEntry.lease_id == lease_id,
                LedgerEntry.description.contains("Key replacement"),
            )
        ).one()
    assert (props, payments, adjustments) == (1, 1, 1)

    # A second, deliberate payment is of course recorded.
    page.fill("#amount", "100")
    page.fill("#paid_on", f.today().isoformat())
    page.click("#record-payment")
    expect(page.locator("#form-notice")).to_contain_text("Payment recorded")
    with server.seed() as session:
        assert (
            session.exec(
                select(func.count()).select_from(Payment).where(Payment.lease_id == lease_id)
            ).one()
            == 2
        )


def test_implausible_input_is_refused_beside_its_field(new_page, server: Server) -> None:
    """A lease from 1990 asks to confirm 400+ months of rent; a long reason is refused, not cut;
    1e20 shillings says what a shilling amount looks like."""
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("typo"))
        prop = f.property_(session, owner, units=2, name="Typo Terrace")
        tenant = f.tenant(session, prop)
        assert tenant.id
        owner_email, prop_id = owner.email, prop.id

    page: Page = new_page()
    login(page, owner_email, f.PASSWORD)
    expect_on(page, "/dashboard")
    open_page(page, f"/leases?property={prop_id}")
    page.locator("select#tenant").select_option(index=1)
    page.locator("select#unit").select_option(index=1)
    page.fill("#rent", "1e20")
    page.fill("#due_day", "1")
    page.fill("#start_date", "1990-01-01")
    page.click("#create-lease")
    expect(page.locator("#rent-error")).to_contain_text("whole number of shillings")
    page.fill("#rent", "12000")
    expect(page.locator("#back_bill")).to_have_count(0)
    page.click("#create-lease")
    expect(page.locator("#start_date-error")).to_contain_text("months of rent at once")
    page.locator("#back_bill").click()
    page.click("#create-lease")
    expect(page.locator("#form-notice")).to_contain_text("Lease created")

    page.locator(".lease-row a").first.click()
    expect_on(page, "/lease")
    page.fill("#adj_amount", "300")
    page.fill("#reason", "x" * 5000)
    page.locator("#adjust-form button[type=submit]").click()
    expect(page.locator("#reason-error")).to_contain_text("under 200 characters")
