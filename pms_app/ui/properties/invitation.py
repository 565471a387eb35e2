"""/invitation?token=…: a manager or staff member accepts an invitation."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.core.db import session_scope
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.properties import invitations
from pms_app.ui.components.forms import field, form_error
from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.session import SessionState


class InvitationState(SessionState):
    valid: bool = False
    property_name: str = ""
    email: str = ""
    role: str = ""
    has_account: bool = False
    errors: dict[str, str] = {}
    error: str = ""

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @rx.event
    def load(self) -> None:
        self.errors, self.error = {}, ""
        try:
            with session_scope() as session:
                self._sync_identity(session, self._actor(session))
                view = invitations.view_invitation(session, self._token())
        except ServiceError as exc:
            self.valid, self.error = False, exc.message
            return
        self.valid = True
        self.property_name, self.email, self.role, self.has_account = (
            view.property_name,
            view.email,
            view.role,
            view.has_account,
        )

    @rx.event
    def accept_new(self, form: dict[str, Any]) -> Any:
        self.errors, self.error = {}, ""
        try:
            with session_scope() as session:
                _u, token = invitations.accept_with_new_account(
                    session,
                    self._token(),
                    text(form, "full_name", 200),
                    text(form, "phone", 40),
                    text(form, "password"),
                )
        except ValidationError as exc:
            self.errors = {exc.field or "password": exc.message}
            return None
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.session_token = token
        return rx.redirect("/dashboard")

    @rx.event
    def accept_existing(self) -> Any:
        self.error = ""
        try:
            self._with_actor(lambda s, a: invitations.accept_as_user(s, a, self._token()))
        except ServiceError as exc:
            self.error = exc.message
            return None
        return rx.redirect("/dashboard")


def invitation_page() -> rx.Component:
    S = InvitationState
    return public_shell(
        rx.heading("Invitation", size="7"),
        form_error(S.error),
        rx.cond(
            S.valid,
            rx.vstack(
                rx.text(
                    "You're invited to ",
                    rx.text.strong(S.property_name),
                    " as ",
                    rx.text.strong(S.role),
                    ".",
                ),
                rx.cond(
                    S.has_account,
                    rx.cond(
                        SessionState.logged_in,
                        rx.button("Accept invitation", on_click=S.accept_existing),
                        rx.text(
                            "You already have an account for ",
                            S.email,
                            ". ",
                            rx.link("Log in", href="/login?next=/invitation"),
                            " and open the link again.",
                        ),
                    ),
                    rx.form(
                        rx.vstack(
                            rx.text("Email: ", S.email, color_scheme="gray"),
                            field("Full name", "full_name", S.errors, auto_complete="name"),
                            field(
                                "Phone",
                                "phone",
                                S.errors,
                                "tel",
                                placeholder="0712 345 678",
                            ),
                            field(
                                "Choose a password",
                                "password",
                                S.errors,
                                "password",
                                auto_complete="new-password",
                            ),
                            rx.button("Create account and join", type="submit", width="100%"),
                            spacing="3",
                            width="100%",
                        ),
                        method="post",
                        on_submit=S.accept_new,
                        reset_on_submit=False,
                    ),
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )
