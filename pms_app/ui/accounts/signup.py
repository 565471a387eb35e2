"""/signup and /signup/tenant: a landlord's account, or a tenant's for a property (approved by
its landlord). The password is hashed (argon2) in a worker thread, off the event loop."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

import reflex as rx

from pms_app.accounts import service as accounts
from pms_app.accounts.service import SignupForm
from pms_app.properties import joining
from pms_app.ui.accounts.shared import CodeFinder, code_finder
from pms_app.ui.components.forms import field, form_error, submit_button, write_form
from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState


def _signup_form(form: dict[str, Any], lang: str) -> SignupForm:
    """`lang`: the language the page speaks, saved on the account (his emails speak it)."""
    return SignupForm(
        text(form, "full_name", 200),
        text(form, "email", 300),
        text(form, "phone", 40),
        text(form, "password", 2000),
        lang,
    )


class LandlordSignupState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {"full_name", "email", "phone", "password"}
    )

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        data, ip = _signup_form(form, self.lang), self._client_ip()
        token = await self._attempt(lambda s, _a: accounts.signup_landlord(s, data, ip)[1], form)
        if token is None:
            return None
        self.session_token = token
        return rx.redirect("/dashboard")


def _person_fields(errors: Any) -> list[rx.Component]:
    return [
        field(t("Full name"), "full_name", errors, auto_complete="name"),
        field(t("Email"), "email", errors, "email", auto_complete="email"),
        field(
            t("Phone"),
            "phone",
            errors,
            "tel",
            placeholder="0712 345 678",
            auto_complete="tel",
        ),
        field(
            t("Password"),
            "password",
            errors,
            "password",
            hint=t("At least 8 characters; a long passphrase is best."),
            auto_complete="new-password",
        ),
    ]


def _have_an_account() -> rx.Component:
    return rx.text(t("Already have an account?"), " ", rx.link(t("Log in"), href="/login"), ".")


def signup_page() -> rx.Component:
    return public_shell(
        rx.heading(t("Create a landlord account"), size="7"),
        rx.text(t("Manage your properties, units and tenants."), color_scheme="gray"),
        write_form(
            rx.vstack(
                form_error(LandlordSignupState.error),
                *_person_fields(LandlordSignupState.errors),
                submit_button(
                    t("Create account"),
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
            t("Renting a home?"),
            " ",
            rx.link(t("Sign up as a tenant"), href="/signup/tenant"),
            ".",
        ),
        _have_an_account(),
    )


class TenantSignupState(CodeFinder, PageState, SessionState):
    """The property is found by the code the landlord gives (`?code=` in his link): the install's
    properties are never listed to the public."""

    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {"full_name", "email", "phone", "password", "code"}
    )

    @rx.event
    async def load(self) -> None:
        """on_load (after the logged-in redirect): the property of the link's code, if any."""
        self.errors, self.error, self.notice = {}, "", ""
        if not self.submission:
            self.submission = secrets.token_urlsafe(12)
        code = self.router.url.query_parameters.get("code", "")
        self._forget_code(code[:20] if isinstance(code, str) else "")
        if self.code.strip():
            await self._find(self.code)

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        data, ip, code = _signup_form(form, self.lang), self._client_ip(), text(form, "code", 20)
        uid = self._chosen_unit()
        token = await self._attempt(
            lambda s, _a: joining.signup_tenant(s, data, code, uid, ip)[1], form
        )
        if token is None:
            return None
        self.session_token = token
        return rx.redirect("/waiting")


def tenant_signup_page() -> rx.Component:
    S = TenantSignupState
    return public_shell(
        rx.heading(t("Sign up as a tenant"), size="7"),
        rx.text(
            t("Enter your property's code; your landlord approves your account."),
            color_scheme="gray",
        ),
        write_form(
            rx.vstack(
                form_error(S.error),
                code_finder(S),
                *_person_fields(S.errors),
                submit_button(
                    t("Sign up"),
                    S,
                    "tenant-signup-form",
                    size="3",
                    width="100%",
                    id="signup-submit",
                ),
                spacing="4",
            ),
            state=S,
            form_id="tenant-signup-form",
            on_submit=S.submit,
            reset_on_submit=False,
        ),
        _have_an_account(),
    )
