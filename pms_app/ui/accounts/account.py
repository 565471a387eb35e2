"""/profile: edit name and phone, change password."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.accounts import service as accounts
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.ui.components.forms import field, form_error, form_notice
from pms_app.ui.components.layout import app_shell
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.session import SessionState


class ProfileState(SessionState):
    full_name: str = ""
    phone: str = ""
    email: str = ""
    errors: dict[str, str] = {}
    notice: str = ""
    pw_errors: dict[str, str] = {}
    pw_notice: str = ""
    pw_error: str = ""

    @rx.event
    def load(self) -> None:
        self.errors, self.notice, self.pw_errors, self.pw_notice, self.pw_error = (
            {},
            "",
            {},
            "",
            "",
        )

        def _load(_s: Any, actor: Any) -> None:
            if actor is not None:
                self.full_name, self.phone, self.email = (
                    actor.full_name,
                    actor.phone,
                    actor.email,
                )

        self._with_actor(_load)

    @rx.event
    def save(self, form: dict[str, Any]) -> None:
        self.errors, self.notice = {}, ""
        try:
            user = self._with_actor(
                lambda s, a: accounts.update_profile(
                    s, a, text(form, "full_name", 200), text(form, "phone", 40)
                )
            )
        except ServiceError as exc:
            self.errors = {getattr(exc, "field", None) or "full_name": exc.message}
            return
        self.full_name, self.phone = user.full_name, user.phone
        self.notice = "Profile saved."

    @rx.event
    def change_password(self, form: dict[str, Any]) -> None:
        self.pw_errors, self.pw_notice, self.pw_error = {}, "", ""
        new, confirm = text(form, "password"), text(form, "confirm")
        if new != confirm:
            self.pw_errors = {"confirm": "The two passwords don't match."}
            return
        try:
            token = self._with_actor(
                lambda s, a: accounts.change_password(s, a, text(form, "current_password"), new)
            )
        except ValidationError as exc:
            self.pw_errors = {exc.field or "password": exc.message}
            return
        except ServiceError as exc:
            self.pw_error = exc.message
            return
        self.session_token = token
        self.pw_notice = "Password changed. Your other sessions were logged out."


def profile_page() -> rx.Component:
    S = ProfileState
    return app_shell(
        rx.flex(
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Profile", size="4"),
                        form_notice(S.notice),
                        rx.text("Email: ", S.email, size="2", color_scheme="gray"),
                        field(
                            "Full name",
                            "full_name",
                            S.errors,
                            default_value=S.full_name,
                        ),
                        field("Phone", "phone", S.errors, "tel", default_value=S.phone),
                        rx.button("Save profile", type="submit"),
                        spacing="3",
                    ),
                    method="post",
                    on_submit=S.save,
                    reset_on_submit=False,
                    key=S.email,
                ),
                width="100%",
                max_width="420px",
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Change password", size="4"),
                        form_notice(S.pw_notice),
                        form_error(S.pw_error),
                        field(
                            "Current password",
                            "current_password",
                            S.pw_errors,
                            "password",
                            auto_complete="current-password",
                        ),
                        field(
                            "New password",
                            "password",
                            S.pw_errors,
                            "password",
                            auto_complete="new-password",
                        ),
                        field(
                            "Repeat the new password",
                            "confirm",
                            S.pw_errors,
                            "password",
                            auto_complete="new-password",
                        ),
                        rx.button("Change password", type="submit", id="change-password"),
                        spacing="3",
                    ),
                    method="post",
                    on_submit=S.change_password,
                ),
                width="100%",
                max_width="420px",
            ),
            spacing="4",
            wrap="wrap",
            width="100%",
        ),
        title="Your account",
    )
