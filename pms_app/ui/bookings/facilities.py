"""/facilities: the facilities a member can book, and a manager's new facility."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.bookings import views
from pms_app.bookings.facilities import create_facility, list_facilities
from pms_app.ui.bookings.shared import DEFAULTS, FACILITY_FIELDS, facility_fields, facility_form
from pms_app.ui.components.forms import form_error, form_notice, submit_button, write_form
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.shell.formatting import money
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


@live_page("/facilities")
class FacilitiesState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = FACILITY_FIELDS
    rows: list[dict[str, Any]] = []
    property_options: list[dict[str, str]] = []
    defaults: dict[str, str] = DEFAULTS

    def _clear(self) -> None:
        self.rows, self.property_options = [], []

    def _load(self, session: Session, actor: User) -> None:
        self.rows = [
            {
                "id": f.id,
                "name": f.name,
                "description": f.description,
                "fee": money(f.fee + f.deposit) if f.fee + f.deposit else "free",
                "active": f.active,
            }
            for f in list_facilities(session, actor)
        ]
        self.property_options = [
            {"id": str(pid), "label": name}
            for pid, name in views.manageable_properties(session, actor)
        ]

    @rx.event
    async def create(self, form: dict[str, Any]) -> Any:
        pid = int_or_none(text(form, "property", 12)) or 0
        created: list[int] = []

        def _create(s: Session, a: User | None) -> None:
            created.append(create_facility(s, a, pid, facility_form(form)).id or 0)

        if await self._act(_create, "Facility created.", form):
            return rx.redirect(f"/facility?id={created[0]}")
        return None


def facilities_page() -> rx.Component:
    S = FacilitiesState
    return app_shell(
        form_error(S.error),
        form_notice(S.notice),
        rx.cond(
            S.rows.length() == 0,
            empty_state("No facilities yet. Managers add the hall, pool, gym… here."),
            rx.vstack(
                rx.foreach(
                    S.rows,
                    lambda r: rx.card(
                        rx.hstack(
                            rx.link(
                                rx.heading(r["name"], size="4", as_="h2"),
                                href="/facility?id=" + r["id"].to_string(),
                            ),
                            rx.text(r["description"], size="2", color_scheme="gray"),
                            rx.badge(r["fee"]),
                            wrap="wrap",
                            align="center",
                        ),
                        width="100%",
                        class_name="facility-card",
                    ),
                ),
                width="100%",
            ),
        ),
        rx.cond(
            S.property_options.length() > 0,
            rx.card(
                write_form(
                    rx.vstack(
                        rx.heading("New facility", size="4", as_="h2"),
                        rx.el.select(
                            rx.foreach(
                                S.property_options,
                                lambda o: rx.el.option(o["label"], value=o["id"]),
                            ),
                            name="property",
                            aria_label="Property",
                            style={"padding": "6px"},
                        ),
                        *facility_fields(S.errors, S.defaults),
                        submit_button(
                            "Create facility", S, "new-facility-form", id="create-facility"
                        ),
                        spacing="2",
                    ),
                    state=S,
                    form_id="new-facility-form",
                    on_submit=S.create,
                    reset_on_submit=False,
                ),
                width="100%",
                max_width="560px",
            ),
        ),
        title="Facilities",
    )
