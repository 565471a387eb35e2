"""The Reflex app: creation and page registration only."""

import logging
from typing import Any

import reflex as rx
from reflex.event import EventSpec

import pms_app.worker  # noqa: F401  (every domain's tasks, for the in-process runner)
from pms_app.api.middleware import hardening
from pms_app.api.routes import build_api
from pms_app.background import check_mpesa_setup, register_simulator_c2b
from pms_app.core.i18n import N_
from pms_app.core.jobs import embedded_scheduler
from pms_app.core.settings import check_config, get_settings
from pms_app.ui.accounts import account, admin, login, reset, signup, waiting
from pms_app.ui.bookings import facilities, facility, facility_state, my_bookings
from pms_app.ui.dashboard import dashboard
from pms_app.ui.leases import lease, lease_state, leases, tenants, units
from pms_app.ui.payments import pay, payments, statement_import, statement_import_state
from pms_app.ui.properties import approvals, invitation, new_property, property_page
from pms_app.ui.public import not_found, public
from pms_app.ui.public.forbidden import guarded
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.live import live_bridge
from pms_app.ui.shell.session import SessionState
from pms_app.ui.simulator.phone import register_phone_page

check_config(get_settings())  # e.g. the M-Pesa simulator on a public BASE_URL: refuse to start
THEME_COLOR = "#12a594"  # Radix teal-9, the theme's accent (rxconfig.py); the icons' background
# Every page's head: the installable-app manifest and icons (assets/, served at /), and the
# service worker that shows assets/offline.html when a page cannot load (a file: the CSP
# allows no inline script). The font: assets/fonts/fonts.css (self-hosted Roboto).
HEAD = [
    rx.el.link(rel="manifest", href="/manifest.webmanifest"),
    rx.el.meta(name="theme-color", content=THEME_COLOR),
    rx.el.link(rel="icon", href="/favicon.ico", sizes="48x48"),
    rx.el.link(rel="icon", href="/icons/icon-192.png", type="image/png", sizes="192x192"),
    rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
    rx.script(src="/sw-register.js", async_=True),
]


def unexpected_error(exception: Exception) -> EventSpec | None:
    """A handler failed unforeseen: log it whole, tell the person plainly (never a traceback, and
    no script: the CSP would block Reflex's default alert, leaving a silent no-op)."""
    logging.getLogger("pms.errors").error(
        "unexpected error in an event handler", exc_info=exception
    )
    return SessionState.unexpected_error()  # type: ignore[return-value]


# Our routes first, then the hardening middleware around everything (pages, events, uploads).
app = rx.App(
    backend_exception_handler=unexpected_error,
    api_transformer=[build_api(), hardening(get_settings().base_url)],
    head_components=HEAD,
    stylesheets=["/fonts/fonts.css", "/contrast.css", "/layout.css"],
)
app.register_lifespan_task(embedded_scheduler)
app.register_lifespan_task(live_bridge)
app.register_lifespan_task(register_simulator_c2b)
app.register_lifespan_task(check_mpesa_setup)

_public = SessionState.load_identity


def _title(msgid: str) -> Any:
    """The browser tab's text in the reader's language (a page's title is compiled once)."""
    return t(msgid) + " · pms"


_guest = SessionState.redirect_if_logged_in

app.add_page(public.index_page, route="/", title="pms", on_load=_public)
app.add_page(public.about_page, route="/about", title=_title("About"), on_load=_public)
app.add_page(public.contact_page, route="/contact", title=_title("Contact"), on_load=_public)
# Any address the app does not have (Reflex's "404" route).
app.add_page(not_found.not_found_page, route="404", title=_title("Page not found"), on_load=_public)
app.add_page(login.login_page, route="/login", title=_title("Log in"), on_load=_guest)
app.add_page(signup.signup_page, route="/signup", title=_title("Sign up"), on_load=_guest)
app.add_page(
    signup.tenant_signup_page,
    route="/signup/tenant",
    title=_title("Tenant sign up"),
    on_load=[_guest, signup.TenantSignupState.load],
)
app.add_page(
    reset.forgot_page,
    route="/forgot-password",
    title=_title("Forgot password"),
    on_load=_public,
)
app.add_page(
    reset.reset_page,
    route="/reset-password",
    title=_title("Reset password"),
    on_load=reset.ResetState.load,
)
app.add_page(
    waiting.waiting_page,
    route="/waiting",
    title=_title("Waiting for approval"),
    on_load=waiting.WaitingState.load,
)
app.add_page(
    invitation.invitation_page,
    route="/invitation",
    title=_title("Invitation"),
    on_load=invitation.InvitationState.load,
)
# Pages for logged-in (and approved) people: (page, route, title, the page's PageState or None).
MEMBER_PAGES = [
    (dashboard.dashboard_page, "/dashboard", N_("Dashboard"), dashboard.DashboardState),
    (
        new_property.new_property_page,
        "/properties/new",
        N_("Add property"),
        new_property.NewPropertyState,
    ),
    (property_page.property_page, "/property", N_("Property"), property_page.PropertyState),
    (approvals.approvals_page, "/approvals", N_("Approvals"), approvals.ApprovalsState),
    (account.profile_page, "/profile", N_("Profile"), account.ProfileState),
    (admin.admin_page, "/admin", N_("Admin"), admin.AdminState),
    (pay.pay_page, "/pay", N_("Rent"), pay.PayState),
    (payments.payments_page, "/payments", N_("Payments"), payments.PaymentsState),
    (
        statement_import.statement_import_page,
        "/payments/import",
        N_("Import statement"),
        statement_import_state.StatementImportState,
    ),
    (leases.leases_page, "/leases", N_("Leases"), leases.LeasesState),
    (lease.lease_page, "/lease", N_("Lease"), lease_state.LeaseState),
    (tenants.tenants_page, "/tenants", N_("Tenants"), tenants.TenantsState),
    (units.units_page, "/units", N_("Units"), units.UnitsState),
    (facilities.facilities_page, "/facilities", N_("Facilities"), facilities.FacilitiesState),
    (facility.facility_page, "/facility", N_("Facility"), facility_state.FacilityState),
    (my_bookings.my_bookings_page, "/bookings", N_("My bookings"), my_bookings.MyBookingsState),
]
for page, route, title, state in MEMBER_PAGES:
    # A PageState's load: the guard, the live tab and the page's data in one event.
    on_load: Any = SessionState.enter if state is None else state.load
    body = guarded(page())  # the "no access" view for a role not in ui/shell/access.py
    app.add_page(body, route=route, title=_title(title), on_load=on_load)
register_phone_page(app)  # /simulator/phone, only with MPESA_SIMULATOR=1 (key or admin to use it)
