"""Every member page says who may see it (ui/shell/access.py), and the map holds no stale route."""

from __future__ import annotations

from pms_app.accounts.models import Role
from pms_app.pms_app import MEMBER_PAGES
from pms_app.ui.shell.access import PAGE_ROLES, may_see


def test_every_member_page_declares_its_roles() -> None:
    routes = {route for _page, route, _title, _state in MEMBER_PAGES}
    assert routes == set(PAGE_ROLES)
    assert all(roles <= {r.value for r in Role} and roles for roles in PAGE_ROLES.values())


def test_tenant_and_staff_kept_off_manager_pages() -> None:
    for path in ("/payments", "/approvals", "/properties/new", "/leases", "/admin"):
        assert not may_see(path, "tenant")
        assert not may_see(path, "staff")
    assert may_see("/payments", "manager") and may_see("/dashboard", "tenant")
    assert may_see("/payments/", "landlord") and not may_see("/payments/", "tenant")
    assert may_see("/about", "tenant")  # not a member page: no role check
