"""An install that configured no M-Pesa (no DARAJA_* credentials, no MPESA_SIMULATOR): no
simulator anywhere, and the tenant's Rent page says plainly how to pay instead of a Pay button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server, running_server


@pytest.fixture(scope="module")
def plain() -> Iterator[Server]:
    # Its own copy of the project: the session's simulator server may be running meanwhile.
    with running_server({"MPESA_SIMULATOR": "0"}, isolated=True) as srv:
        yield srv


def test_no_simulator_and_the_rent_page_says_mpesa_is_off(browser, plain: Server) -> None:
    assert "M-Pesa: off" in plain.log.read_text()
    assert "/simulator/phone?key=" not in plain.log.read_text()
    for method, path in (
        ("GET", "/sim/oauth/v1/generate?grant_type=client_credentials"),
        ("POST", "/sim/mpesa/stkpush/v1/processrequest"),
        ("POST", "/sim/mpesa/c2b/v2/registerurl"),
    ):
        got = requests.request(
            method, plain.base_url + path, auth=("simulator-key", "simulator-secret"), timeout=10
        )
        # Not the simulator: the static frontend answers (404, or 405 to a POST), never JSON.
        assert got.status_code in (404, 405) and "errorCode" not in got.text, path

    with plain.seed() as session:
        owner = f.landlord(session, email=unique_email("offowner"))
        prop = f.property_(session, owner, units=1, name="Cash Court")
        tenant = f.tenant(session, prop, email=unique_email("offtenant"))
        f.lease(session, prop, tenant, rent=9000, start="2026-01-01", today="2026-01-02")
        tenant_email = tenant.email

    ctx = browser.new_context(base_url=plain.base_url)
    ctx.set_default_timeout(15_000)
    try:
        phone = ctx.new_page()
        open_page(phone, "/simulator/phone")
        expect(phone.get_by_text("M-Pesa phone (simulator)")).to_have_count(0)
        expect(phone.locator("#sim-phone, #sim-locked")).to_have_count(0)

        page = ctx.new_page()
        login(page, tenant_email, f.PASSWORD)
        expect_on(page, "/dashboard")
        open_page(page, "/pay")
        expect(page.locator("#mpesa-off")).to_contain_text("cash or bank")
        expect(page.locator("#account-ref")).not_to_have_text("")
        expect(page.locator("#pay-submit")).to_have_count(0)
        expect(page.get_by_text("Pay by paybill")).to_have_count(0)
    finally:
        ctx.close()
