"""/leases?property=…: a property's leases, and a new lease for an approved tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.core import formats
from pms_app.leases import service as leases
from pms_app.leases import views
from pms_app.ledger import service as ledger
from pms_app.ui.components.forms import (
    field,
    field_error,
    form_error,
    form_notice,
    submit_button,
    write_form,
)
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.components.tables import data_table
from pms_app.ui.shell.formatting import in_currency, money, status_label
from pms_app.ui.shell.forms import checked, int_or_none, text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


def _select(name: str, options: Any, placeholder: str) -> rx.Component:
    return rx.el.select(
        rx.el.option(placeholder, value=""),
        rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["id"])),
        name=name,
        id=name,
        aria_label=name.capitalize(),
        required=True,
        style={"padding": "8px", "border-radius": "6px", "width": "100%"},
    )


@live_page("/leases")
class LeasesState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {"unit", "tenant", "rent", "deposit", "due_day", "start_date", "end_date"}
    )

    property_id: int = 0
    property_name: str = ""
    rows: list[dict[str, Any]] = []
    tenant_options: list[dict[str, str]] = []
    unit_options: list[dict[str, str]] = []
    not_found: bool = False
    ask_back_bill: bool = False  # the start is long past: the form asks to confirm the charges

    def _on_enter(self) -> None:
        self.property_id = int_or_none(self.router.url.query_parameters.get("property", "")) or 0

    def _clear(self) -> None:
        self.not_found, self.rows = True, []

    def _load(self, session: Session, actor: User) -> None:
        choices = views.lease_choices(session, actor, self.property_id)
        self.property_name = choices.property_name
        self.rows = [
            {
                "id": r.id,
                "unit": r.unit_label,
                "tenant": r.tenant_name,
                "rent": f"{r.rent:,}",
                "status": status_label(r.status),
                "start": formats.day(r.start_date),
                "ref": r.account_ref,
                "balance": f"{r.balance:,}",
            }
            for r in ledger.list_leases(session, actor, choices.property_id)
        ]
        self.unit_options = [
            {
                "id": str(u.id),
                "label": f"{u.label} ({money(u.effective_rent)})" if u.effective_rent else u.label,
            }
            for u in choices.units
        ]
        self.tenant_options = [
            {"id": str(t.id), "label": t.name + (f" ({t.unit_label})" if t.unit_label else "")}
            for t in choices.tenants
        ]
        self.not_found = False

    @rx.event
    async def create(self, form: dict[str, Any]) -> None:
        back_bill = checked(form, "back_bill")
        ok = await self._act(
            lambda s, a: leases.create_lease(
                s,
                a,
                int_or_none(text(form, "unit", 20)) or 0,
                int_or_none(text(form, "tenant", 20)) or 0,
                text(form, "rent", 20),
                text(form, "deposit", 20),
                text(form, "due_day", 5),
                text(form, "start_date", 20),
                text(form, "end_date", 20),
                back_bill=back_bill,
            ),
            "Lease created; the deposit and the rent due so far are on the tenant's statement.",
            form,
        )
        # A start long past is refused until the manager ticks the box this error shows.
        self.ask_back_bill = not ok and "months of rent" in self.errors.get("start_date", "")


def leases_page() -> rx.Component:
    S = LeasesState
    return app_shell(
        rx.cond(
            S.not_found,
            empty_state(
                t("That property was not found."), t("Back to the dashboard"), "/dashboard"
            ),
            rx.vstack(
                rx.heading(t("Leases · {property}", property=S.property_name), size="7"),
                rx.link(t("← Property"), href="/property?id=" + S.property_id.to_string()),
                form_error(S.error),
                form_notice(S.notice),
                rx.cond(
                    S.rows.length() == 0,
                    empty_state(t("No leases yet. Create one below for an approved tenant.")),
                    data_table(
                        (
                            t("Unit"),
                            t("Tenant"),
                            t("Rent"),
                            t("Start"),
                            t("Account no."),
                            t("Balance"),
                            t("Status"),
                        ),
                        S.rows,
                        lambda r: [
                            rx.table.cell(
                                rx.link(r["unit"], href="/lease?id=" + r["id"].to_string())
                            ),
                            rx.table.cell(r["tenant"]),
                            rx.table.cell(r["rent"]),
                            rx.table.cell(r["start"]),
                            rx.table.cell(r["ref"]),
                            rx.table.cell(r["balance"]),
                            rx.table.cell(rx.badge(r["status"])),
                        ],
                        row_class="lease-row",
                        phone_hidden=(3, 4),  # start, account no. (both on the lease page)
                    ),
                ),
                rx.card(
                    write_form(
                        rx.vstack(
                            rx.heading(t("New lease"), size="4", as_="h2"),
                            rx.text(t("Tenant"), size="2", weight="medium"),
                            _select("tenant", S.tenant_options, t("Choose an approved tenant…")),
                            field_error(S.errors, "tenant"),
                            rx.text(t("Unit"), size="2", weight="medium"),
                            _select("unit", S.unit_options, t("Choose a unit without a lease…")),
                            field_error(S.errors, "unit"),
                            field(in_currency(t("Monthly rent")), "rent", S.errors, "number"),
                            field(
                                in_currency(t("Deposit")),
                                "deposit",
                                S.errors,
                                "number",
                                required=False,
                            ),
                            field(
                                t("Rent due day (1–28)"),
                                "due_day",
                                S.errors,
                                "number",
                                default_value="5",
                            ),
                            field(t("Start date"), "start_date", S.errors, "date"),
                            rx.cond(
                                S.ask_back_bill,
                                rx.checkbox(
                                    t("Charge every month since the start"),
                                    name="back_bill",
                                    id="back_bill",
                                ),
                            ),
                            field(
                                t("End date (optional)"),
                                "end_date",
                                S.errors,
                                "date",
                                required=False,
                            ),
                            submit_button(t("Create lease"), S, "lease-form", id="create-lease"),
                            spacing="3",
                        ),
                        state=S,
                        form_id="lease-form",
                        on_submit=S.create,
                        reset_on_submit=False,
                    ),
                    width="100%",
                    max_width="480px",
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )
