"""/tenants: every tenant across the properties one manages; search by name, phone or unit,
filter by property or those in arrears (?arrears=1, the dashboard's link), 25 a page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.leases.service import today_local
from pms_app.ledger import roster
from pms_app.properties import service as properties
from pms_app.ui.components.forms import check_filter
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.components.tables import data_table
from pms_app.ui.shell.formatting import status_label
from pms_app.ui.shell.forms import checked, int_or_none, text
from pms_app.ui.shell.i18n import t, tn
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.paging import Paged, pager
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


@live_page("/tenants")
class TenantsState(Paged, PageState, SessionState):
    query: str = ""
    property_id: str = ""
    arrears_only: bool = False
    total: int = 0
    any_tenants: bool = False
    rows: list[dict[str, Any]] = []
    property_options: list[dict[str, str]] = []

    def _on_enter(self) -> None:
        params = self.router.url.query_parameters
        self.page, self.query = 1, ""
        self.arrears_only = params.get("arrears", "") == "1"
        self.property_id = str(int_or_none(params.get("property", "")) or "")

    def _clear(self) -> None:
        self.rows, self.total, self.any_tenants = [], 0, False

    def _load(self, session: Session, actor: User) -> None:
        data = roster.tenant_list(
            session,
            actor,
            today_local(),
            self.query,
            int_or_none(self.property_id),
            self.arrears_only,
            self.page,
        )
        self.page, self.pages, self.total = data.page, data.pages, data.total
        self.any_tenants = data.any_tenants
        self.rows = [
            {
                "lease_id": r.lease_id,
                "tenant": r.tenant,
                "phone": r.phone,
                "property_id": r.property_id,
                "property": r.property,
                "unit": r.unit,
                "status": status_label(r.status),
                "balance": f"{r.balance:,}" if r.balance >= 0 else f"{-r.balance:,} credit",
                "arrears": f"{r.arrears:,}",
            }
            for r in data.rows
        ]
        self.property_options = [
            {"id": str(p.id), "label": p.name} for p in properties.list_properties(session, actor)
        ]

    @rx.event
    async def search(self, form: dict[str, Any]) -> None:
        self.query = text(form, "q", 60)
        self.property_id = text(form, "property", 12)
        self.arrears_only = checked(form, "arrears")
        self.page, self.errors, self.error = 1, {}, ""
        await self._refresh()


def _search_form() -> rx.Component:
    S = TenantsState
    return rx.form(
        rx.hstack(
            rx.input(
                name="q",
                default_value=S.query,
                placeholder=t("Name, phone or unit"),
                aria_label=t("Search tenants"),
                id="tenant-search",
            ),
            rx.el.select(
                rx.el.option(t("All properties"), value=""),
                rx.foreach(S.property_options, lambda o: rx.el.option(o["label"], value=o["id"])),
                name="property",
                id="filter-property",
                aria_label=t("Property"),
                default_value=S.property_id,
                style={"padding": "6px", "border-radius": "6px"},
            ),
            check_filter("arrears", S.arrears_only, t("In arrears")),
            rx.button(t("Search"), type="submit", id="tenant-search-go"),
            wrap="wrap",
            align="center",
        ),
        method="post",
        on_submit=S.search,
        reset_on_submit=False,
    )


def _cells(r: Any) -> list[rx.Component]:
    return [
        rx.table.cell(rx.link(r["tenant"], href=f"/lease?id={r['lease_id']}")),
        rx.table.cell(r["phone"]),
        rx.table.cell(rx.link(r["property"], href=f"/property?id={r['property_id']}")),
        rx.table.cell(r["unit"]),
        rx.table.cell(rx.badge(r["status"])),
        rx.table.cell(r["balance"]),
        rx.table.cell(r["arrears"]),
    ]


def tenants_page() -> rx.Component:
    S = TenantsState
    return app_shell(
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red")),
        _search_form(),
        rx.cond(
            S.rows.length() == 0,
            rx.cond(
                S.any_tenants,
                empty_state(t("No tenant matches this search.")),
                empty_state(t("No tenants yet: they appear here once they have a lease.")),
            ),
            rx.vstack(
                rx.text(tn("{n} tenant", "{n} tenants", S.total), size="2", id="tenant-count"),
                data_table(
                    (
                        t("Tenant"),
                        t("Phone"),
                        t("Property"),
                        t("Unit"),
                        t("Lease"),
                        t("Balance"),
                        t("Arrears"),
                    ),
                    S.rows,
                    _cells,
                    table_id="tenants-table",
                    phone_hidden=(2, 4),  # property, lease
                ),
                pager(S),
                width="100%",
            ),
        ),
        title=t("Tenants"),
    )
