"""/login: email and password; an attacked account is slowed down, never locked."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import reflex as rx

from pms_app.accounts import service as accounts
from pms_app.ui.components.forms import field, form_error, submit_button, write_form
from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState


def _safe_next(path: str) -> str:
    """Only local paths: no open redirects."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/dashboard"


async def _pause(seconds: float) -> None:
    """The slow-down of an attacked account: awaited, so it holds no thread and no lock."""
    await asyncio.sleep(seconds)


class LoginState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset({"email", "password"})

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        email, password = text(form, "email", 300), text(form, "password")
        ip, ua = self._client_ip(), self.router.headers.user_agent or ""
        # argon2 and the database block: in a worker thread, so the event loop serves everyone.
        await _pause(await self._run(lambda s, _a: accounts.login_delay(s, email)))
        token = await self._attempt(lambda s, _a: accounts.login(s, email, password, ip, ua), form)
        if token is None:
            return None
        self.session_token = token
        return rx.redirect(_safe_next(self.router.url.query_parameters.get("next", "/dashboard")))


def login_page() -> rx.Component:
    return public_shell(
        rx.heading(t("Log in"), size="7"),
        write_form(
            rx.vstack(
                form_error(LoginState.error),
                field(t("Email"), "email", rx.Var.create({}), "email", auto_complete="email"),
                field(
                    t("Password"),
                    "password",
                    rx.Var.create({}),
                    "password",
                    auto_complete="current-password",
                ),
                submit_button(
                    t("Log in"),
                    LoginState,
                    "login-form",
                    size="3",
                    width="100%",
                    id="login-submit",
                ),
                spacing="4",
            ),
            state=LoginState,
            form_id="login-form",
            on_submit=LoginState.submit,
            reset_on_submit=False,
        ),
        rx.link(t("Forgot your password?"), href="/forgot-password"),
        rx.text(  # the links are their own msgids: a sentence around links can't be one template
            t("New here?"),
            " ",
            rx.link(t("Sign up as a landlord"), href="/signup"),
            " ",
            t("or"),
            " ",
            rx.link(t("as a tenant"), href="/signup/tenant"),
            ".",
        ),
    )
