"""The Reflex app: creation and page registration only."""

import reflex as rx

from pms_app.api.routes import build_api
from pms_app.background import embedded_scheduler, register_simulator_c2b
from pms_app.pages import (
    account,
    admin,
    approvals,
    auth,
    bookings,
    dashboard,
    invitation,
    leases,
    pay,
    payments,
    properties,
    public,
)
from pms_app.simulator.phone_page import register_phone_page
from pms_app.state.live import LiveState, live_bridge
from pms_app.state.session import SessionState

app = rx.App(api_transformer=build_api())
app.register_lifespan_task(embedded_scheduler)
app.register_lifespan_task(live_bridge)
app.register_lifespan_task(register_simulator_c2b)

_public = SessionState.load_identity
_guest = SessionState.redirect_if_logged_in
_member = [SessionState.require_login, LiveState.connect]

app.add_page(public.index_page, route="/", title="pms", on_load=_public)
app.add_page(public.about_page, route="/about", title="About · pms", on_load=_public)
app.add_page(public.contact_page, route="/contact", title="Contact · pms", on_load=_public)
app.add_page(auth.login_page, route="/login", title="Log in · pms", on_load=_guest)
app.add_page(auth.signup_page, route="/signup", title="Sign up · pms", on_load=_guest)
app.add_page(
    auth.tenant_signup_page,
    route="/signup/tenant",
    title="Tenant sign up · pms",
    on_load=[_guest, auth.TenantSignupState.load],
)
app.add_page(
    auth.forgot_page,
    route="/forgot-password",
    title="Forgot password · pms",
    on_load=_public,
)
app.add_page(
    auth.reset_page,
    route="/reset-password",
    title="Reset password · pms",
    on_load=auth.ResetState.load,
)
app.add_page(
    auth.waiting_page,
    route="/waiting",
    title="Waiting for approval · pms",
    on_load=auth.WaitingState.load,
)
app.add_page(
    invitation.invitation_page,
    route="/invitation",
    title="Invitation · pms",
    on_load=invitation.InvitationState.load,
)
app.add_page(
    dashboard.dashboard_page,
    route="/dashboard",
    title="Dashboard · pms",
    on_load=[*_member, dashboard.DashboardState.load],
)
app.add_page(
    properties.new_property_page,
    route="/properties/new",
    title="Add property · pms",
    on_load=_member,
)
app.add_page(
    properties.property_page,
    route="/property",
    title="Property · pms",
    on_load=[*_member, properties.PropertyState.load],
)
app.add_page(
    approvals.approvals_page,
    route="/approvals",
    title="Approvals · pms",
    on_load=[*_member, approvals.ApprovalsState.load],
)
app.add_page(
    account.profile_page,
    route="/profile",
    title="Profile · pms",
    on_load=[*_member, account.ProfileState.load],
)
app.add_page(
    admin.admin_page,
    route="/admin",
    title="Admin · pms",
    on_load=[*_member, admin.AdminState.load],
)
app.add_page(pay.pay_page, route="/pay", title="Rent · pms", on_load=[*_member, pay.PayState.load])
app.add_page(
    payments.payments_page,
    route="/payments",
    title="Payments · pms",
    on_load=[*_member, payments.PaymentsState.load],
)
app.add_page(
    leases.leases_page,
    route="/leases",
    title="Leases · pms",
    on_load=[*_member, leases.LeasesState.load],
)
app.add_page(
    leases.lease_page,
    route="/lease",
    title="Lease · pms",
    on_load=[*_member, leases.LeaseState.load],
)
app.add_page(
    bookings.facilities_page,
    route="/facilities",
    title="Facilities · pms",
    on_load=[*_member, bookings.FacilitiesState.load],
)
app.add_page(
    bookings.facility_page,
    route="/facility",
    title="Facility · pms",
    on_load=[*_member, bookings.FacilityState.load],
)
app.add_page(
    bookings.my_bookings_page,
    route="/bookings",
    title="My bookings · pms",
    on_load=[*_member, bookings.MyBookingsState.load],
)
register_phone_page(app)  # /simulator/phone, only when the built-in M-Pesa simulator is in use
