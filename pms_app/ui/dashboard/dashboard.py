"""/dashboard: landlord/manager/staff see their properties; tenants see their home."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.core import formats
from pms_app.core.i18n import N_
from pms_app.leases.service import today_local
from pms_app.payments import reports
from pms_app.payments import tenant as tenant_money
from pms_app.properties import memberships
from pms_app.properties import service as properties
from pms_app.ui.components.layout import app_shell, empty_state, figure
from pms_app.ui.shell.i18n import t, tn
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState


@live_page("/dashboard")
class DashboardState(PageState, SessionState):
    rows: list[dict[str, Any]] = []
    totals: dict[str, int] = {"units": 0, "occupied": 0, "vacant": 0, "properties": 0}
    home: dict[str, str] = {}
    month: dict[str, str] = {"billed": "0", "collected": "0", "arrears": "0", "label": ""}
    view: str = "cards"  # or "table"

    @rx.event
    def set_view(self, value: str | list[str]) -> None:
        self.view = value if isinstance(value, str) and value in ("cards", "table") else "cards"

    def _clear(self) -> None:
        self.rows, self.home = [], {}

    def _load_key(self) -> tuple[()]:
        return ()  # the database, the reader and the date only (ui/shell/page.py)

    def _load(self, session: Any, actor: Any) -> None:
        if actor.role == "tenant":
            st = memberships.tenant_status(session, actor)
            if st.status != "approved":
                self.home = {}
                return
            self.home = {
                "property_name": st.property_name,
                "property_address": st.property_address,
                "unit_label": st.unit_label,
            }
            money = tenant_money.home_money(session, actor, today_local())
            if money is not None:
                owed = money.balance
                self.home |= {
                    "has_lease": "yes",
                    "balance": f"{owed:,}"
                    if owed >= 0
                    else self._tr("{amount} in credit", amount=f"{-owed:,}"),
                    "overdue": f"{money.overdue:,}" if money.overdue > 0 else "",
                    "next_due": formats.day(money.next_due),
                    "next_amount": f"{money.next_amount:,}",
                }
            self.rows = []
            return
        summaries = properties.list_properties(session, actor)
        self.rows = [
            {
                "id": s.id,
                "name": s.name,
                "address": s.address,
                "units": s.units,
                "occupied": s.occupied,
                "vacant": s.vacant,
                "rate": f"{round(100 * s.occupied / s.units) if s.units else 0}%",
            }
            for s in summaries
        ]
        today = today_local()
        first = today.replace(day=1)
        # This month's figures from the payments reports (the rules live there, not here).
        if summaries:
            board = reports.dashboard(session, actor, reports.Filters(date_from=first), today)
            self.month = {
                "billed": f"{board.total_billed:,}",
                "collected": f"{board.total_collected:,}",
                "arrears": f"{board.total_arrears:,}",
                "label": formats.month(first),
            }
        self.totals = {
            "properties": len(summaries),
            "units": sum(s.units for s in summaries),
            "occupied": sum(s.occupied for s in summaries),
            "vacant": sum(s.vacant for s in summaries),
        }


def _stat(label: Any, value: Any, id_: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            figure(value, "7", id_),
        ),
        min_width="140px",
    )


def _property_card(row: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(rx.heading(row["name"], size="4", as_="h3"), href=f"/property?id={row['id']}"),
            rx.text(row["address"], size="2", color_scheme="gray"),
            rx.hstack(
                rx.badge(tn("{n} unit", "{n} units", row["units"])),
                rx.badge(t("{n} occupied", n=row["occupied"]), color_scheme="green"),
                rx.badge(t("{n} vacant", n=row["vacant"]), color_scheme="orange"),
                rx.text(t("Occupancy {rate}", rate=row["rate"]), size="2"),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
        ),
        width="100%",
        class_name="property-card",
    )


def _property_table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(t(h))
                        for h in (
                            N_("Property"),
                            N_("Units"),
                            N_("Occupied"),
                            N_("Vacant"),
                            N_("Occupancy"),
                        )
                    ]
                )
            ),
            rx.table.body(
                rx.foreach(
                    DashboardState.rows,
                    lambda r: rx.table.row(
                        rx.table.cell(rx.link(r["name"], href=f"/property?id={r['id']}")),
                        rx.table.cell(r["units"]),
                        rx.table.cell(r["occupied"]),
                        rx.table.cell(r["vacant"]),
                        rx.table.cell(r["rate"]),
                    ),
                )
            ),
            width="100%",
            id="properties-table",
        ),
        overflow_x="auto",
        width="100%",
    )


def _manager_view() -> rx.Component:
    S = DashboardState
    return rx.vstack(
        rx.flex(
            _stat(t("Properties"), S.totals["properties"], "stat-properties"),
            _stat(t("Units"), S.totals["units"], "stat-units"),
            _stat(t("Occupied"), S.totals["occupied"], "stat-occupied"),
            _stat(t("Vacant"), S.totals["vacant"], "stat-vacant"),
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(
            S.rows.length() > 0,
            rx.flex(
                _stat(
                    t("Billed {month}", month=S.month["label"]), S.month["billed"], "stat-billed"
                ),
                _stat(
                    t("Collected {month}", month=S.month["label"]),
                    S.month["collected"],
                    "stat-collected",
                ),
                rx.link(
                    _stat(t("Arrears (all)"), S.month["arrears"], "stat-arrears"),
                    href="/tenants?arrears=1",
                    id="arrears-link",
                ),
                spacing="3",
                wrap="wrap",
            ),
        ),
        rx.hstack(
            rx.heading(t("Properties"), size="5", as_="h2"),
            rx.spacer(),
            rx.segmented_control.root(
                rx.segmented_control.item(t("Cards"), value="cards", id="view-cards"),
                rx.segmented_control.item(t("Table"), value="table", id="view-table"),
                value=S.view,
                on_change=S.set_view,
                size="1",
            ),
            rx.cond(
                SessionState.user_role == "landlord",
                rx.link(rx.button(t("Add property"), id="add-property"), href="/properties/new"),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            S.rows.length() == 0,
            rx.cond(
                SessionState.user_role == "landlord",
                empty_state(
                    t("You have no properties yet."),
                    t("Add your first property"),
                    "/properties/new",
                ),
                empty_state(t("You haven't been added to a property yet.")),
            ),
            rx.cond(
                S.view == "table",
                _property_table(),
                rx.vstack(rx.foreach(S.rows, _property_card), width="100%", spacing="3"),
            ),
        ),
        width="100%",
        spacing="4",
    )


def _tenant_view() -> rx.Component:
    S = DashboardState
    return rx.card(
        rx.vstack(
            rx.text(t("Your home"), size="2", color_scheme="gray"),
            rx.heading(S.home["property_name"], size="6", id="tenant-property", as_="h2"),
            rx.text(S.home["property_address"]),
            rx.text(t("Unit"), " ", rx.text.strong(S.home["unit_label"], id="tenant-unit")),
            rx.cond(
                S.home["has_lease"] == "yes",
                rx.vstack(
                    rx.text(t("Balance"), size="2", color_scheme="gray"),
                    figure(S.home["balance"], "7", "tenant-balance"),
                    rx.cond(
                        S.home["overdue"] != "",
                        rx.text(
                            t("Overdue: {amount}", amount=S.home["overdue"]),
                            color_scheme="red",
                            id="tenant-overdue",
                        ),
                    ),
                    rx.text(
                        t("Next rent"),
                        " ",
                        rx.text.strong(S.home["next_amount"]),
                        " ",
                        t("due"),
                        " ",
                        rx.text.strong(S.home["next_due"], id="tenant-next-due"),
                    ),
                    rx.button(
                        rx.link(t("Pay"), href="/pay"), as_child=True, size="3", id="tenant-pay"
                    ),
                    spacing="2",
                ),
            ),
            spacing="2",
        ),
        width="100%",
    )


def dashboard_page() -> rx.Component:
    return app_shell(
        rx.cond(
            DashboardState.error != "",
            rx.callout(DashboardState.error, color_scheme="red"),
        ),
        rx.cond(SessionState.user_role == "tenant", _tenant_view(), _manager_view()),
        title=t("Dashboard"),
    )
