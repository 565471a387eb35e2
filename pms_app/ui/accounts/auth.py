"""Login, signup (landlord and tenant), forgotten/reset password, waiting for approval."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from pms_app.accounts import service as accounts
from pms_app.accounts.service import SignupForm
from pms_app.core.db import session_scope
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.properties import memberships
from pms_app.properties import service as properties
from pms_app.properties.identity import NOBODY
from pms_app.ui.components.forms import field, form_error, form_notice
from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.session import SessionState, navbar


def _safe_next(path: str) -> str:
    """Only local paths: no open redirects."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/dashboard"


async def _pause(seconds: float) -> None:
    """The slow-down of an attacked account: awaited, so it holds no thread and no lock."""
    await asyncio.sleep(seconds)


def _login_delay(email: str) -> float:
    with session_scope() as session:
        return accounts.login_delay(session, email)


def _login(email: str, password: str, ip: str, user_agent: str) -> str:
    with session_scope() as session:
        return accounts.login(session, email, password, ip, user_agent)


class LoginState(SessionState):
    error: str = ""
    loading: bool = False

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self.error = ""
        email, password = text(form, "email", 300), text(form, "password")
        ip, ua = self._client_ip(), self.router.headers.user_agent or ""
        try:
            # argon2 and the database block: in a thread, so the event loop serves everyone else.
            await _pause(await asyncio.to_thread(_login_delay, email))
            token = await asyncio.to_thread(_login, email, password, ip, ua)
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.session_token = token
        target = _safe_next(self.router.url.query_parameters.get("next", "/dashboard"))
        return rx.redirect(target)


def login_page() -> rx.Component:
    return public_shell(
        rx.heading("Log in", size="7"),
        rx.form(
            rx.vstack(
                form_error(LoginState.error),
                field("Email", "email", rx.Var.create({}), "email", auto_complete="email"),
                field(
                    "Password",
                    "password",
                    rx.Var.create({}),
                    "password",
                    auto_complete="current-password",
                ),
                rx.button("Log in", type="submit", size="3", width="100%", id="login-submit"),
                spacing="4",
            ),
            method="post",
            on_submit=LoginState.submit,
            reset_on_submit=False,
        ),
        rx.link("Forgot your password?", href="/forgot-password"),
        rx.text(
            "New here? ",
            rx.link("Sign up as a landlord", href="/signup"),
            " or ",
            rx.link("as a tenant", href="/signup/tenant"),
            ".",
        ),
    )


class LandlordSignupState(SessionState):
    errors: dict[str, str] = {}
    error: str = ""

    @rx.event
    def submit(self, form: dict[str, Any]) -> Any:
        self.errors, self.error = {}, ""
        data = SignupForm(
            text(form, "full_name", 200),
            text(form, "email", 300),
            text(form, "phone", 40),
            text(form, "password", 2000),
        )
        try:
            with session_scope() as session:
                _user, token = accounts.signup_landlord(session, data, self._client_ip())
        except ValidationError as exc:
            self.errors = {exc.field or "form": exc.message}
            self.error = exc.message if not exc.field else ""
            return None
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.session_token = token
        return rx.redirect("/dashboard")


def _person_fields(errors: Any) -> list[rx.Component]:
    return [
        field("Full name", "full_name", errors, auto_complete="name"),
        field("Email", "email", errors, "email", auto_complete="email"),
        field(
            "Phone",
            "phone",
            errors,
            "tel",
            placeholder="0712 345 678",
            auto_complete="tel",
        ),
        field(
            "Password",
            "password",
            errors,
            "password",
            hint="At least 8 characters; a long passphrase is best.",
            auto_complete="new-password",
        ),
    ]


def signup_page() -> rx.Component:
    return public_shell(
        rx.heading("Create a landlord account", size="7"),
        rx.text("Manage your properties, units and tenants.", color_scheme="gray"),
        rx.form(
            rx.vstack(
                form_error(LandlordSignupState.error),
                *_person_fields(LandlordSignupState.errors),
                rx.button(
                    "Create account",
                    type="submit",
                    size="3",
                    width="100%",
                    id="signup-submit",
                ),
                spacing="4",
            ),
            method="post",
            on_submit=LandlordSignupState.submit,
            reset_on_submit=False,
        ),
        rx.text(
            "Renting a home? ",
            rx.link("Sign up as a tenant", href="/signup/tenant"),
            ".",
        ),
        rx.text("Already have an account? ", rx.link("Log in", href="/login"), "."),
    )


class TenantSignupState(SessionState):
    errors: dict[str, str] = {}
    error: str = ""
    property_options: list[dict[str, str]] = []
    unit_options: list[dict[str, str]] = []
    property_id: str = ""
    unit_id: str = ""

    @rx.event
    def load(self) -> None:
        with session_scope() as session:
            self.property_options = [
                {"id": str(c.id), "label": c.label}
                for c in properties.signup_property_choices(session)
            ]

    @rx.event
    def choose_property(self, value: str) -> None:
        self.property_id = value if isinstance(value, str) else ""
        self.unit_id = ""
        pid = int_or_none(self.property_id)
        with session_scope() as session:
            self.unit_options = [
                {"id": str(c.id), "label": c.label}
                for c in properties.signup_unit_choices(session, pid or 0)
            ]

    @rx.event
    def choose_unit(self, value: str) -> None:
        self.unit_id = value if isinstance(value, str) and value != "none" else ""

    @rx.event
    def submit(self, form: dict[str, Any]) -> Any:
        self.errors, self.error = {}, ""
        data = SignupForm(
            text(form, "full_name", 200),
            text(form, "email", 300),
            text(form, "phone", 40),
            text(form, "password", 2000),
        )
        try:
            with session_scope() as session:
                _user, token = memberships.signup_tenant(
                    session,
                    data,
                    int_or_none(self.property_id),
                    int_or_none(self.unit_id),
                    self._client_ip(),
                )
        except ValidationError as exc:
            self.errors = {exc.field or "form": exc.message}
            self.error = exc.message if not exc.field else ""
            return None
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.session_token = token
        return rx.redirect("/waiting")


def tenant_signup_page() -> rx.Component:
    S = TenantSignupState
    return public_shell(
        rx.heading("Sign up as a tenant", size="7"),
        rx.text(
            "Pick your property; your landlord approves your account.",
            color_scheme="gray",
        ),
        rx.cond(
            S.property_options.length() == 0,
            rx.callout(
                "No properties are registered yet. Ask your landlord to add yours first.",
                icon="info",
            ),
        ),
        rx.form(
            rx.vstack(
                form_error(S.error),
                rx.text("Property", size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(
                        placeholder="Choose your property",
                        width="100%",
                        id="property-select",
                    ),
                    rx.select.content(
                        rx.foreach(
                            S.property_options,
                            lambda o: rx.select.item(o["label"], value=o["id"]),
                        )
                    ),
                    value=S.property_id,
                    on_change=S.choose_property,
                    size="3",
                ),
                rx.cond(
                    S.errors.contains("property"),
                    rx.text(
                        S.errors["property"],
                        color_scheme="red",
                        size="2",
                        id="property-error",
                    ),
                ),
                rx.text("Unit (if you know it)", size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(placeholder="I don't know", width="100%", id="unit-select"),
                    rx.select.content(
                        rx.select.item("I don't know", value="none"),
                        rx.foreach(
                            S.unit_options,
                            lambda o: rx.select.item(o["label"], value=o["id"]),
                        ),
                    ),
                    value=S.unit_id,
                    on_change=S.choose_unit,
                    size="3",
                ),
                *_person_fields(S.errors),
                rx.button("Sign up", type="submit", size="3", width="100%", id="signup-submit"),
                spacing="4",
            ),
            method="post",
            on_submit=S.submit,
            reset_on_submit=False,
        ),
        rx.text("Already have an account? ", rx.link("Log in", href="/login"), "."),
    )


class ForgotState(SessionState):
    notice: str = ""
    error: str = ""

    @rx.event
    def submit(self, form: dict[str, Any]) -> None:
        self.notice, self.error = "", ""
        try:
            with session_scope() as session:
                accounts.request_password_reset(
                    session, text(form, "email", 300), self._client_ip()
                )
        except ServiceError as exc:
            self.error = exc.message
            return
        # The same words whether or not the account exists.
        self.notice = (
            "If an account exists for that email, we've sent a link to reset the password."
        )


def forgot_page() -> rx.Component:
    return public_shell(
        rx.heading("Forgot your password?", size="7"),
        rx.text(
            "Enter your email and we'll send you a link to choose a new one.",
            color_scheme="gray",
        ),
        rx.form(
            rx.vstack(
                form_error(ForgotState.error),
                form_notice(ForgotState.notice),
                field("Email", "email", rx.Var.create({}), "email", auto_complete="email"),
                rx.button(
                    "Send reset link",
                    type="submit",
                    size="3",
                    width="100%",
                    id="forgot-submit",
                ),
                spacing="4",
            ),
            method="post",
            on_submit=ForgotState.submit,
        ),
        rx.link("Back to log in", href="/login"),
    )


class ResetState(SessionState):
    errors: dict[str, str] = {}
    error: str = ""
    done: bool = False
    link_ok: bool = True

    @rx.event
    def load(self) -> None:
        self.errors, self.error, self.done = {}, "", False
        with session_scope() as session:
            self.link_ok = accounts.reset_token_is_valid(session, self._token())
        if not self.link_ok:
            self.error = accounts.INVALID_RESET

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @rx.event
    def submit(self, form: dict[str, Any]) -> None:
        self.errors, self.error = {}, ""
        password, confirm = text(form, "password"), text(form, "confirm")
        if password != confirm:
            self.errors = {"confirm": "The two passwords don't match."}
            return
        try:
            with session_scope() as session:
                accounts.reset_password(session, self._token(), password)
        except ValidationError as exc:
            self.errors = {exc.field or "password": exc.message}
            return
        except ServiceError as exc:
            self.error = exc.message
            self.link_ok = False
            return
        self.session_token = ""
        self._apply_identity(navbar(NOBODY))
        self.done = True


def reset_page() -> rx.Component:
    S = ResetState
    return public_shell(
        rx.heading("Choose a new password", size="7"),
        form_error(S.error),
        rx.cond(
            S.done,
            rx.vstack(
                rx.callout(
                    "Your password was changed. Log in with the new one.",
                    icon="check",
                    color_scheme="green",
                    id="reset-done",
                ),
                rx.link(rx.button("Log in"), href="/login"),
            ),
            rx.cond(
                S.link_ok,
                rx.form(
                    rx.vstack(
                        field(
                            "New password",
                            "password",
                            S.errors,
                            "password",
                            auto_complete="new-password",
                            hint="At least 8 characters; a long passphrase is best.",
                        ),
                        field(
                            "Repeat the new password",
                            "confirm",
                            S.errors,
                            "password",
                            auto_complete="new-password",
                        ),
                        rx.button(
                            "Set password",
                            type="submit",
                            size="3",
                            width="100%",
                            id="reset-submit",
                        ),
                        spacing="4",
                    ),
                    method="post",
                    on_submit=S.submit,
                    reset_on_submit=False,
                ),
                rx.link("Ask for a new reset link", href="/forgot-password"),
            ),
        ),
    )


class WaitingState(SessionState):
    property_name: str = ""
    unit_label: str = ""
    status: str = ""
    reason: str = ""

    @rx.event
    def load(self) -> Any:
        with session_scope() as session:
            user = self._actor(session)
            self._sync_identity(session, user)
            if user is None:
                return rx.redirect("/login?next=/waiting")
            if self.approval == "approved":
                return rx.redirect("/dashboard")
            st = memberships.tenant_status(session, user)
        self.property_name, self.unit_label, self.status, self.reason = (
            st.property_name,
            st.unit_label,
            st.status,
            st.reason,
        )
        return None


def waiting_page() -> rx.Component:
    S = WaitingState
    return public_shell(
        rx.cond(
            S.status == "rejected",
            rx.vstack(
                rx.heading("Your signup was not approved", size="7", id="waiting-heading"),
                rx.text(
                    "Your landlord did not approve your signup for ",
                    rx.text.strong(S.property_name),
                    ".",
                ),
                rx.cond(S.reason != "", rx.text("Reason: ", S.reason)),
                rx.text("If you think this is a mistake, contact your landlord."),
            ),
            rx.vstack(
                rx.heading("Waiting for approval", size="7", id="waiting-heading"),
                rx.text(
                    "Thanks for signing up for ",
                    rx.text.strong(S.property_name),
                    rx.cond(S.unit_label != "", rx.text.span(", unit ", S.unit_label)),
                    ". ",
                    "Your landlord has been told; we'll email you when you're approved.",
                ),
                rx.text(
                    "You can close this page — log in again any time to check.",
                    color_scheme="gray",
                ),
            ),
        ),
        rx.button("Log out", on_click=SessionState.logout, variant="outline"),
    )
