"""#11.8 in the browser: a landlord uploads the M-PESA org portal statement, sees what it would
change (a lost paybill confirmation, a withdrawal ignored) before anything is written, confirms,
and the tenant watching his Rent page sees his balance drop without a reload."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

HEAD = (
    "Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,"
    "Balance,Balance Confirmed,Reason Type,Other Party Info,Linked Transaction ID,A/C No."
)


def _seed(server: Server) -> tuple[str, str, str]:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("stmtowner"), name="Sara Owner")
        prop = f.property_(session, owner, units=2, name="Mvule Court", rent=14_000)
        tenant = f.tenant(session, prop, email=unique_email("stmttenant"))
        lease = f.lease(session, prop, tenant, rent=14_000, due_day=1)
        return owner.email, tenant.email, lease.account_ref


def _statement(tmp_path: Path, account_ref: str) -> Path:
    when = f"{f.today():%d-%m-%Y} 08:15:00"
    typed = account_ref.lower().replace("-", " ")  # as the payer typed it
    lines = [
        "Account Holder:,MVULE COURT LTD",
        "Account:,Utility Account",
        "",
        HEAD,
        f"QE2LOST001,{when},{when},Pay Bill from 2547 ***** 000 - TOM TENANT Acc. {typed},"
        f'Completed,"6,000.00",,"6,000.00",true,Pay Bill,2547 ***** 000 - TOM TENANT,,{typed}',
        f"QE2WDRW001,{when},{when},Business Payment to 2547 ***** 321 - SARA OWNER,Completed,,"
        '"2,000.00","4,000.00",true,Business Payment,2547 ***** 321 - SARA OWNER,,',
    ]
    path = tmp_path / "org_statement.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_landlord_imports_a_statement_and_the_tenant_sees_it_live(
    new_page, server: Server, tmp_path: Path
) -> None:
    owner_email, tenant_email, account_ref = _seed(server)
    tenant: Page = new_page()
    login(tenant, tenant_email, f.PASSWORD)
    expect_on(tenant, "/dashboard")
    open_page(tenant, "/pay")
    expect(tenant.locator("#balance")).to_have_text("KES 14,000")

    landlord: Page = new_page()
    login(landlord, owner_email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    open_page(landlord, "/payments")
    landlord.click("#import-statement")
    expect_on(landlord, "/payments/import")
    landlord.locator("#statement-file input[type=file]").set_input_files(
        str(_statement(tmp_path, account_ref))
    )
    landlord.click("#preview-statement")
    expect(landlord.locator("#missing-head")).to_contain_text("(1)")
    expect(landlord.locator("#missing-lines")).to_contain_text(account_ref)
    expect(landlord.locator("#ignored-head")).to_contain_text("(1)")
    expect(landlord.locator("#ignored-lines")).to_contain_text("withdrawal or charge")
    expect(landlord.locator("#matched-head")).to_contain_text("(0)")
    expect(tenant.locator("#balance")).to_have_text("KES 14,000")  # nothing written yet

    landlord.click("#confirm-import")
    expect(landlord.locator("#form-notice")).to_contain_text("1 credited", timeout=20_000)
    expect(tenant.locator("#balance")).to_have_text("KES 8,000", timeout=20_000)  # live
    expect(landlord.locator("#confirm-import")).to_have_count(0)  # nothing left to confirm
