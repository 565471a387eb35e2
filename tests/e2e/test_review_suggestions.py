"""#11.2 in the browser: paybill money whose account number matched no lease waits on /payments
with a suggested lease (the phone digits M-Pesa still shows, the payer's name); the landlord
confirms it in one click, the money is credited and leaves the queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from pms_app.accounts.models import User
from pms_app.integrations.daraja_wire import parse_c2b
from pms_app.payments import paybill
from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)


def _seed(server: Server) -> tuple[str, str, str]:
    """A landlord, a leased tenant, and paybill money typed `<prefix> Z9` from the tenant's
    phone (masked) in his name: queued, with his lease suggested."""
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("sugowner"), name="Sara Owner")
        prop = f.property_(session, owner, units=2, name="Mninga Court", rent=14_000)
        tenant = f.tenant(session, prop, email=unique_email("sugtenant"))
        lease = f.lease(session, prop, tenant, rent=14_000, due_day=1)
        user = session.exec(select(User).where(User.id == tenant.id)).one()
        body = {
            **f.c2b_body(f"{prop.account_prefix.lower()} z9", 6_000),
            "MSISDN": f.masked(user.phone),
            "FirstName": user.full_name.split()[0],
            "LastName": "",
        }
        queued = paybill.process_c2b_confirmation(session, parse_c2b(body))
        assert queued.status == "unallocated"
        return owner.email, user.full_name, lease.account_ref


def test_a_manager_confirms_the_suggested_lease_in_one_click(new_page, server: Server) -> None:
    owner_email, tenant_name, account_ref = _seed(server)
    landlord: Page = new_page()
    login(landlord, owner_email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    open_page(landlord, "/payments")
    row = landlord.locator(".unallocated-row")
    expect(row).to_have_count(1)
    expect(row.locator(".suggested-lease")).to_contain_text(f"{account_ref} — {tenant_name}")
    expect(row.locator(".suggested-lease")).to_contain_text("same phone digits")
    expect(landlord.locator("#total-collected")).to_have_text("0")

    row.get_by_role("button", name=f"Credit to {account_ref} — {tenant_name}").click()
    expect(landlord.locator("#form-notice")).to_contain_text("Payment assigned and credited.")
    expect(landlord.locator(".unallocated-row")).to_have_count(0)
    expect(landlord.locator("#total-collected")).to_have_text("6,000")
    expect(landlord.locator(".payment-row")).to_have_count(1)
