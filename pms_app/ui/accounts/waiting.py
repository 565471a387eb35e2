"""/waiting: a tenant whose signup his landlord has not approved (or has rejected)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.properties import joining, memberships
from pms_app.ui.accounts.shared import CodeFinder, code_finder
from pms_app.ui.components.forms import form_error, form_notice, submit_button, write_form
from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


class WaitingState(CodeFinder, PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset({"code"})

    property_name: str = ""
    unit_label: str = ""
    status: str = ""
    reason: str = ""

    def _load(self, session: Session, actor: User) -> None:
        st = memberships.tenant_status(session, actor)
        self.property_name, self.unit_label, self.status, self.reason = (
            st.property_name,
            st.unit_label,
            st.status,
            st.reason,
        )
        if st.status == "rejected" and not self.found:
            # Applying again starts from the same property; another code finds another.
            self._forget_code(st.property_code)

    @rx.event
    async def load(self) -> Any:
        """on_load: nobody → log in; approved → the dashboard; else what he is waiting for."""
        self.errors, self.error, self.notice = {}, "", ""
        if not self.submission:
            self.submission = secrets.token_urlsafe(12)
        self._forget_code()
        redirect = await self._enter(self._load_or_fail)
        if redirect is None and self.approval == "approved":
            return rx.redirect("/dashboard")
        return redirect

    @rx.event
    async def reapply(self, form: dict[str, Any]) -> None:
        code, unit_id = text(form, "code", 20), self._chosen_unit()
        if await self._act(
            lambda s, a: joining.reapply(s, a, code, unit_id),
            "Sent: your landlord has been told and will review it.",
            form,
        ):
            self._forget_code()


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
                rx.text("If you think this is a mistake, contact your landlord, then apply again."),
                rx.heading("Apply again", size="5", margin_top="1em", as_="h2"),
                rx.text(
                    "The same property, or another: enter its code.",
                    color_scheme="gray",
                ),
                write_form(
                    rx.vstack(
                        form_error(S.error),
                        code_finder(S),
                        submit_button("Apply again", S, "reapply-form", id="reapply-submit"),
                        spacing="3",
                        width="100%",
                    ),
                    state=S,
                    form_id="reapply-form",
                    on_submit=S.reapply,
                    reset_on_submit=False,
                    width="100%",
                ),
            ),
            rx.vstack(
                form_notice(S.notice),
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
