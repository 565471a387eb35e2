"""/units: every unit across the properties one manages, vacant or whose, at what rent; search
by unit label or tenant, vacant only, 25 a page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.ledger import roster
from pms_app.ui.components.forms import check_filter
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.components.tables import data_table
from pms_app.ui.shell.forms import checked, text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.paging import Paged, pager
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


@live_page("/units")
class UnitsState(Paged, PageState, SessionState):
    query: str = ""
    vacant_only: bool = False
    total: int = 0
    any_units: bool = False
    rows: list[dict[str, Any]] = []

    def _on_enter(self) -> None:
        self.page, self.query = 1, ""
        self.vacant_only = self.router.url.query_parameters.get("vacant", "") == "1"

    def _clear(self) -> None:
        self.rows, self.total, self.any_units = [], 0, False

    def _load(self, session: Session, actor: User) -> None:
        data = roster.unit_list(session, actor, self.query, self.vacant_only, self.page)
        self.page, self.pages, self.total, self.any_units = (
            data.page,
            data.pages,
            data.total,
            data.any_units,
        )
        self.rows = [
            {
                "label": r.label,
                "property_id": r.property_id,
                "property": r.property,
                "rent": f"{r.rent:,}",
                "lease_id": r.lease_id,
                "tenant": r.tenant,
            }
            for r in data.rows
        ]

    @rx.event
    async def search(self, form: dict[str, Any]) -> None:
        self.query = text(form, "q", 60)
        self.vacant_only = checked(form, "vacant")
        self.page, self.errors, self.error = 1, {}, ""
        await self._refresh()


def _cells(r: Any) -> list[rx.Component]:
    return [
        rx.table.cell(r["label"]),
        rx.table.cell(rx.link(r["property"], href=f"/property?id={r['property_id']}")),
        rx.table.cell(
            rx.cond(
                r["lease_id"] != 0,
                rx.badge(t("Occupied"), color_scheme="green"),
                rx.badge(t("Vacant"), color_scheme="orange"),
            )
        ),
        rx.table.cell(
            rx.cond(
                r["lease_id"] != 0,
                rx.link(r["tenant"], href=f"/lease?id={r['lease_id']}"),
                rx.text("—"),
            )
        ),
        rx.table.cell(r["rent"]),
    ]


def units_page() -> rx.Component:
    S = UnitsState
    return app_shell(
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red")),
        rx.form(
            rx.hstack(
                rx.input(
                    name="q",
                    default_value=S.query,
                    placeholder=t("Unit or tenant"),
                    aria_label=t("Search units"),
                    id="unit-search",
                ),
                check_filter("vacant", S.vacant_only, t("Vacant only")),
                rx.button(t("Search"), type="submit", id="unit-search-go"),
                wrap="wrap",
                align="center",
            ),
            method="post",
            on_submit=S.search,
            reset_on_submit=False,
        ),
        rx.cond(
            S.rows.length() == 0,
            rx.cond(
                S.any_units,
                empty_state(t("No unit matches this search.")),
                empty_state(
                    t("No units yet: add a property first."), t("Add property"), "/properties/new"
                ),
            ),
            rx.vstack(
                data_table(
                    (t("Unit"), t("Property"), t("Occupancy"), t("Tenant"), t("Rent")),
                    S.rows,
                    _cells,
                    table_id="units-table",
                ),
                pager(S),
                width="100%",
            ),
        ),
        title=t("Units"),
    )
