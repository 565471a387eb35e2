"""/waiting: a tenant whose signup his landlord has not approved (or has rejected)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.properties import memberships
from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


class WaitingState(PageState, SessionState):
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

    @rx.event
    async def load(self) -> Any:
        """on_load: nobody → log in; approved → the dashboard; else what he is waiting for."""
        self.errors, self.error, self.notice = {}, "", ""
        redirect = await self._enter(self._load_or_fail)
        if redirect is None and self.approval == "approved":
            return rx.redirect("/dashboard")
        return redirect


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
