"""Journey 5: the admin (made by the CLI command) deactivates a user; a landlord invites a
manager by email, who sets a password and manages the property."""

from __future__ import annotations

import os
import subprocess
import sys

from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.helpers import (
    expect_on,
    invite_from_property,
    login,
    open_page,
    unique_email,
)
from tests.e2e.server import ROOT, Server


def test_admin_created_by_command_deactivates_a_user(new_page, server: Server) -> None:
    admin_email = unique_email("admin")
    env = {**os.environ, "PMS_DATA_DIR": str(server.data_dir), "OUTBOX_DIR": str(server.outbox)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pms_app.cli",
            "create-admin",
            "--email",
            admin_email,
            "--name",
            "Ada Admin",
        ],
        input="admin long passphrase\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with server.seed() as session:
        victim = f.landlord(session, email=unique_email("victim"), name="Victor Victim")

    victim_page: Page = new_page()
    login(victim_page, victim.email, f.PASSWORD)
    expect_on(victim_page, "/dashboard")

    admin: Page = new_page()
    login(admin, admin_email, "admin long passphrase")
    expect_on(admin, "/dashboard")
    open_page(admin, "/admin")
    # His own row offers no Deactivate: he cannot lock himself out.
    admin.fill("input[name=q]", admin_email)
    admin.get_by_role("button", name="Search").click()
    own = admin.locator("tr", has_text=admin_email)
    expect(own).to_contain_text("you")
    expect(own.get_by_role("button", name="Deactivate")).to_have_count(0)
    admin.fill("input[name=q]", victim.email)
    admin.get_by_role("button", name="Search").click()
    row = admin.locator("tr", has_text=victim.email)
    expect(row).to_contain_text("active")
    row.get_by_role("button", name="Deactivate").click()
    admin.get_by_role("alertdialog").get_by_role("button", name="Deactivate").click()
    expect(admin.locator("tr", has_text=victim.email)).to_contain_text("deactivated")

    open_page(victim_page, "/dashboard")
    expect_on(victim_page, "/login")
    login(victim_page, victim.email, f.PASSWORD)
    expect(victim_page.locator("#form-error")).to_have_text("Email or password is incorrect.")


def test_landlord_invites_a_manager_who_joins_by_link(new_page, server: Server) -> None:
    with server.seed() as session:
        owner = f.landlord(session, email=unique_email("inviter"), name="Ivy Inviter")
        prop = f.property_(session, owner, units=2, name="Jacaranda Estate")
        f.tenant(session, prop, approved=False, email=unique_email("waiting"))
    manager_email = unique_email("committee")

    landlord: Page = new_page()
    login(landlord, owner.email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    invite_from_property(landlord, "Jacaranda Estate", manager_email, "manager")

    _, body = server.wait_for_email(manager_email, "invitation")
    link = server.link_in(body)
    manager: Page = new_page()
    open_page(manager, link)
    expect(manager.get_by_text("Jacaranda Estate")).to_be_visible()
    manager.fill("#full_name", "Mercy Committee")
    manager.fill("#phone", "0733000222")
    manager.fill("#password", "committee passphrase")
    manager.get_by_role("button", name="Create account and join").click()
    expect_on(manager, "/dashboard")
    expect(manager.locator("#nav-user-role")).to_have_text("manager")
    expect(manager.locator(".property-card")).to_contain_text("Jacaranda Estate")
    expect(manager.locator("#approvals-count")).to_have_text("1")

    # The link works once.
    other: Page = new_page()
    open_page(other, link)
    expect(other.locator("#form-error")).to_contain_text("invalid, was already used")
