"""/invitation?token=…: a manager or staff member accepts an invitation."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from pms_app.properties import invitations
from pms_app.ui.components.forms import field, form_error, submit_button, write_form
from pms_app.ui.components.layout import public_shell, role_name
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState


class InvitationState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset({"full_name", "phone", "password"})

    valid: bool = False
    property_name: str = ""
    email: str = ""
    role: str = ""
    has_account: bool = False

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @rx.event
    async def load(self) -> None:
        """on_load (open to everybody: the token is the permission)."""
        self.errors, self.error, self.notice = {}, "", ""
        token = self._token()
        view = await self._attempt(lambda s, _a: invitations.view_invitation(s, token))
        self.valid = view is not None
        if view is not None:
            self.property_name, self.email, self.role, self.has_account = (
                view.property_name,
                view.email,
                view.role,
                view.has_account,
            )

    @rx.event
    async def accept_new(self, form: dict[str, Any]) -> Any:
        token = self._token()
        name, phone = text(form, "full_name", 200), text(form, "phone", 40)
        password = text(form, "password")
        # argon2 (the new account's password) runs with the rest in a worker thread.
        session_token = await self._attempt(
            lambda s, _a: invitations.accept_with_new_account(s, token, name, phone, password)[1],
            form,
        )
        if session_token is None:
            return None
        self.session_token = session_token
        return rx.redirect("/dashboard")

    @rx.event
    async def accept_existing(self) -> Any:
        token = self._token()
        done = await self._attempt(
            lambda s, a: invitations.accept_as_user(s, a, token) or True,
        )
        return None if done is None else rx.redirect("/dashboard")


def invitation_page() -> rx.Component:
    S = InvitationState
    return public_shell(
        rx.heading(t("Invitation"), size="7"),
        form_error(S.error),
        rx.cond(
            S.valid,
            rx.vstack(
                rx.text(
                    t(
                        "You're invited to {property} as {role}.",
                        property=S.property_name,
                        role=role_name(S.role),
                    ),
                    id="invitation-text",
                ),
                rx.cond(
                    S.has_account,
                    rx.cond(
                        SessionState.logged_in,
                        rx.button(t("Accept invitation"), on_click=S.accept_existing),
                        rx.text(
                            t("You already have an account for {email}.", email=S.email),
                            " ",
                            rx.link(t("Log in"), href="/login?next=/invitation"),
                            " ",
                            t("and open the link again."),
                        ),
                    ),
                    write_form(
                        rx.vstack(
                            rx.text(t("Email: {email}", email=S.email), color_scheme="gray"),
                            field(t("Full name"), "full_name", S.errors, auto_complete="name"),
                            field(
                                t("Phone"),
                                "phone",
                                S.errors,
                                "tel",
                                placeholder="0712 345 678",
                            ),
                            field(
                                t("Choose a password"),
                                "password",
                                S.errors,
                                "password",
                                auto_complete="new-password",
                            ),
                            submit_button(
                                t("Create account and join"), S, "join-form", width="100%"
                            ),
                            spacing="3",
                            width="100%",
                        ),
                        state=S,
                        form_id="join-form",
                        on_submit=S.accept_new,
                        reset_on_submit=False,
                    ),
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )
