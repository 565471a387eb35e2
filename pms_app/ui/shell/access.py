"""Who may see each member page (UX only: every service checks again, and is the security).

`_enter` looks the route up here; a role not listed gets the "no access" view in his own
chrome, and the page's data is never read for him. Every member page must be listed
(tests/unit/ui/test_page_roles.py)."""

from __future__ import annotations

EVERYONE = frozenset({"admin", "landlord", "manager", "staff", "tenant"})
MANAGING = frozenset({"admin", "landlord", "manager"})

PAGE_ROLES: dict[str, frozenset[str]] = {
    "/dashboard": EVERYONE,  # each role's home
    "/properties/new": frozenset({"admin", "landlord"}),
    "/property": EVERYONE,  # the service decides which property (tenant: his own)
    "/approvals": MANAGING,
    "/profile": EVERYONE,
    "/admin": frozenset({"admin"}),
    "/pay": EVERYONE,
    "/payments": MANAGING,
    "/payments/import": MANAGING,  # statement import (#11.8): the service scopes the lines
    "/leases": MANAGING,
    "/tenants": MANAGING,
    "/units": MANAGING,
    "/lease": EVERYONE,
    "/facilities": EVERYONE,
    "/facility": EVERYONE,
    "/bookings": EVERYONE,
}


def may_see(path: str, role: str) -> bool:
    """A route not listed here is not a member page: no role check (the 404, public pages)."""
    allowed = PAGE_ROLES.get(path.rstrip("/") or "/")
    return allowed is None or role in allowed
