"""/signup and /signup/tenant: a landlord's account, or a tenant's for a property (approved by
its landlord). The password is hashed (argon2) in a worker thread, off the event loop."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from pms_app.accounts import service as accounts
from pms_app.accounts.service import SignupForm
from pms_app.properties import memberships
from pms_app.properties import service as properties
from pms_app.ui.components.forms import field, form_error, submit_button, write_form
from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState


def _signup_form(form: dict[str, Any]) -> SignupForm:
    return SignupForm(
        text(form, "full_name", 200),
        text(form, "email", 300),
        text(form, "phone", 40),
        text(form, "password", 2000),
    )


class LandlordSignupState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {"full_name", "email", "phone", "password"}
    )

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        data, ip = _signup_form(form), self._client_ip()
        token = await self._attempt(lambda s, _a: accounts.signup_landlord(s, data, ip)[1], form)
        if token is None:
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
        write_form(
            rx.vstack(
                form_error(LandlordSignupState.error),
                *_person_fields(LandlordSignupState.errors),
                submit_button(
                    "Create account",
                    LandlordSignupState,
                    "signup-form",
                    size="3",
                    width="100%",
                    id="signup-submit",
                ),
                spacing="4",
            ),
            state=LandlordSignupState,
            form_id="signup-form",
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


class TenantSignupState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {"full_name", "email", "phone", "password", "property"}
    )

    property_options: list[dict[str, str]] = []
    unit_options: list[dict[str, str]] = []
    property_id: str = ""
    unit_id: str = ""

    @rx.event
    async def load(self) -> None:
        """on_load (after the logged-in redirect): the properties one may sign up for."""
        choices = await self._run(lambda s, _a: properties.signup_property_choices(s))
        self.property_options = [{"id": str(c.id), "label": c.label} for c in choices]

    @rx.event
    async def choose_property(self, value: str) -> None:
        self.property_id = value if isinstance(value, str) else ""
        self.unit_id = ""
        pid = int_or_none(self.property_id) or 0
        choices = await self._run(lambda s, _a: properties.signup_unit_choices(s, pid))
        self.unit_options = [{"id": str(c.id), "label": c.label} for c in choices]

    @rx.event
    def choose_unit(self, value: str) -> None:
        self.unit_id = value if isinstance(value, str) and value != "none" else ""

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        data, ip = _signup_form(form), self._client_ip()
        pid, uid = int_or_none(self.property_id), int_or_none(self.unit_id)
        token = await self._attempt(
            lambda s, _a: memberships.signup_tenant(s, data, pid, uid, ip)[1], form
        )
        if token is None:
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
        write_form(
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
                submit_button(
                    "Sign up", S, "tenant-signup-form", size="3", width="100%", id="signup-submit"
                ),
                spacing="4",
            ),
            state=S,
            form_id="tenant-signup-form",
            on_submit=S.submit,
            reset_on_submit=False,
        ),
        rx.text("Already have an account? ", rx.link("Log in", href="/login"), "."),
    )
