"""/profile: edit name and phone, change password."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.accounts import service as accounts
from pms_app.ui.components.forms import field, form_error, form_notice, submit_button, write_form
from pms_app.ui.components.layout import app_shell
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


class ProfileState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {"full_name", "phone", "current_password", "password", "confirm"}
    )

    full_name: str = ""
    phone: str = ""
    email: str = ""
    pw_notice: str = ""  # the password form's own notice (`notice` is the profile form's)

    def _on_enter(self) -> None:
        self.pw_notice = ""

    def _load(self, session: Session, actor: User) -> None:
        self.full_name, self.phone, self.email = actor.full_name, actor.phone, actor.email

    @rx.event
    async def save(self, form: dict[str, Any]) -> None:
        self.pw_notice = ""
        name, phone = text(form, "full_name", 200), text(form, "phone", 40)
        await self._act(
            lambda s, a: accounts.update_profile(s, a, name, phone), "Profile saved.", form
        )

    @rx.event
    async def change_password(self, form: dict[str, Any]) -> None:
        if self._replayed(form):
            return
        self.errors, self.error, self.notice, self.pw_notice = {}, "", "", ""
        current, new, confirm = (
            text(form, "current_password"),
            text(form, "password"),
            text(form, "confirm"),
        )
        if new != confirm:
            self.errors = {"confirm": "The two passwords don't match."}
            return
        # argon2 (checking the current password, hashing the new one) in a worker thread.
        token = await self._attempt(lambda s, a: accounts.change_password(s, a, current, new), form)
        if token is None:
            return
        self.session_token = token
        await self._refresh()  # the navbar, read with the new session
        self.pw_notice = "Password changed. Your other sessions were logged out."


def profile_page() -> rx.Component:
    S = ProfileState
    return app_shell(
        form_error(S.error),  # an error with no input of its own (e.g. the session ended meanwhile)
        rx.flex(
            rx.card(
                write_form(
                    rx.vstack(
                        rx.heading("Profile", size="4", as_="h2"),
                        form_notice(S.notice),
                        rx.text("Email: ", S.email, size="2", color_scheme="gray"),
                        field(
                            "Full name",
                            "full_name",
                            S.errors,
                            default_value=S.full_name,
                        ),
                        field("Phone", "phone", S.errors, "tel", default_value=S.phone),
                        submit_button("Save profile", S, "profile-form"),
                        spacing="3",
                    ),
                    state=S,
                    form_id="profile-form",
                    on_submit=S.save,
                    reset_on_submit=False,
                    key=S.email,
                ),
                width="100%",
                max_width="420px",
            ),
            rx.card(
                write_form(
                    rx.vstack(
                        rx.heading("Change password", size="4", as_="h2"),
                        form_notice(S.pw_notice),
                        field(
                            "Current password",
                            "current_password",
                            S.errors,
                            "password",
                            auto_complete="current-password",
                        ),
                        field(
                            "New password",
                            "password",
                            S.errors,
                            "password",
                            auto_complete="new-password",
                        ),
                        field(
                            "Repeat the new password",
                            "confirm",
                            S.errors,
                            "password",
                            auto_complete="new-password",
                        ),
                        submit_button("Change password", S, "password-form", id="change-password"),
                        spacing="3",
                    ),
                    state=S,
                    form_id="password-form",
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
