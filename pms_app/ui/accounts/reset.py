"""/forgot-password and /reset-password?token=…: a reset link by email, then a new password
(hashed with argon2 in a worker thread, off the event loop)."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from pms_app.accounts import service as accounts
from pms_app.properties.identity import NOBODY
from pms_app.ui.components.forms import field, form_error, form_notice, submit_button, write_form
from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState, navbar


class ForgotState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset({"email"})

    @rx.event
    async def submit(self, form: dict[str, Any]) -> None:
        if self._replayed(form):
            return
        self.notice = ""
        email, ip = text(form, "email", 300), self._client_ip()
        sent = await self._attempt(
            lambda s, _a: accounts.request_password_reset(s, email, ip) or True, form
        )
        if sent:  # the same words whether or not the account exists
            self.notice = self._tr(
                "If an account exists for that email, we've sent a link to reset the password."
            )


def forgot_page() -> rx.Component:
    return public_shell(
        rx.heading(t("Forgot your password?"), size="7"),
        rx.text(
            t("Enter your email and we'll send you a link to choose a new one."),
            color_scheme="gray",
        ),
        write_form(
            rx.vstack(
                form_error(ForgotState.error),
                form_notice(ForgotState.notice),
                field(t("Email"), "email", rx.Var.create({}), "email", auto_complete="email"),
                submit_button(
                    t("Send reset link"),
                    ForgotState,
                    "forgot-form",
                    size="3",
                    width="100%",
                    id="forgot-submit",
                ),
                spacing="4",
            ),
            state=ForgotState,
            form_id="forgot-form",
            on_submit=ForgotState.submit,
        ),
        rx.link(t("Back to log in"), href="/login"),
    )


class ResetState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset({"password", "confirm"})

    done: bool = False
    link_ok: bool = True

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @rx.event
    async def load(self) -> None:
        """on_load (open to everybody: the token is the permission)."""
        self.errors, self.error, self.notice, self.done = {}, "", "", False
        token = self._token()
        self.link_ok = await self._run(lambda s, _a: accounts.reset_token_is_valid(s, token))
        if not self.link_ok:
            self.error = self._tr(accounts.INVALID_RESET)
            self.errors = {"form": self.error}

    @rx.event
    async def submit(self, form: dict[str, Any]) -> None:
        if self._replayed(form):
            return
        self.errors, self.error = {}, ""
        password, confirm = text(form, "password"), text(form, "confirm")
        if password != confirm:
            self.errors = {"confirm": self._tr("The two passwords don't match.")}
            return
        token = self._token()
        done = await self._attempt(
            lambda s, _a: accounts.reset_password(s, token, password) or True, form
        )
        if not done:
            # A weak password is its field's error; anything else means the link is spent.
            self.link_ok = "form" not in self.errors
            return
        self.session_token = ""
        self._apply_identity(navbar(NOBODY))
        self.done = True


def reset_page() -> rx.Component:
    S = ResetState
    return public_shell(
        rx.heading(t("Choose a new password"), size="7"),
        form_error(S.error),
        rx.cond(
            S.done,
            rx.vstack(
                rx.callout(
                    t("Your password was changed. Log in with the new one."),
                    icon="check",
                    color_scheme="green",
                    id="reset-done",
                ),
                rx.button(rx.link(t("Log in"), href="/login"), as_child=True),
            ),
            rx.cond(
                S.link_ok,
                write_form(
                    rx.vstack(
                        field(
                            t("New password"),
                            "password",
                            S.errors,
                            "password",
                            auto_complete="new-password",
                            hint=t("At least 8 characters; a long passphrase is best."),
                        ),
                        field(
                            t("Repeat the new password"),
                            "confirm",
                            S.errors,
                            "password",
                            auto_complete="new-password",
                        ),
                        submit_button(
                            t("Set password"),
                            S,
                            "reset-form",
                            size="3",
                            width="100%",
                            id="reset-submit",
                        ),
                        spacing="4",
                    ),
                    state=S,
                    form_id="reset-form",
                    on_submit=S.submit,
                    reset_on_submit=False,
                ),
                rx.link(t("Ask for a new reset link"), href="/forgot-password"),
            ),
        ),
    )
