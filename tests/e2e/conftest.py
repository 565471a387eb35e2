"""Browser tests: the production build in system Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pms_app.accounts.models import Role
from pms_app.core import clock
from tests import factories as f
from tests.conftest import service_unavailable
from tests.e2e.helpers import unique_email
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, Server, running_server

pytestmark = pytest.mark.e2e

# A loaded 2-core CI machine can take a few seconds to build a page's data: wait like a patient
# user (15 s) instead of Playwright's 5 s default. Failures still fail, just later.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        service_unavailable("Chromium", f"{CHROMIUM} not found; apt-get install -y chromium")
    with running_server() as srv:
        yield srv


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: object, server: Server) -> Iterator[object]:
    """Factory: each call opens a page in its own browser context (a separate person)."""
    contexts = []

    def make(**context_options: object) -> object:
        """`context_options` go to Playwright's new_context (a phone's viewport, say)."""
        ctx = browser.new_context(base_url=server.base_url, **context_options)  # type: ignore[attr-defined]
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@dataclass
class Estate:
    owner: str
    tenant: str
    pending: str
    staff: str
    manager: str
    admin: str
    prop_id: int
    prefix: str
    lease_id: int
    facility_id: int
    invitation: str


@pytest.fixture(scope="module")
def estate(server: Server) -> Estate:
    """One property with everyone on it: a leased tenant who has paid and booked, one waiting
    for approval, a manager and staff, an open invitation, a facility; and an admin."""
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("a11yowner"), name="Ann Owner")
        prop = f.property_(session, owner, units=4, name="Acacia Court")
        tenant = f.tenant(session, prop, email=unique_email("a11ytenant"))
        lease = f.lease(session, prop, tenant, rent=15_000, due_day=1)
        f.c2b_payment(session, lease.account_ref, 5_000)
        pending = f.tenant(session, prop, approved=False, email=unique_email("a11ypending"))
        staff = f.member(session, prop, Role.STAFF)
        manager = f.member(session, prop, Role.MANAGER)
        _, token = f.invitation(session, prop, Role.MANAGER)
        hall = f.facility(session, prop)
        start = f.at(clock.today() + timedelta(days=1), "10:00")
        f.booking(session, hall, tenant, start, now=clock.now())
        boss = f.admin_user(session)
        return Estate(
            owner=owner.email,
            tenant=tenant.email,
            pending=pending.email,
            staff=staff.email,
            manager=manager.email,
            admin=boss.email,
            prop_id=prop.id or 0,
            prefix=prop.account_prefix,
            lease_id=lease.id or 0,
            facility_id=hall.id or 0,
            invitation=token,
        )
