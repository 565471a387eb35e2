"""/payments: the landlord's money view (state: payments_state.py)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.ui.components.forms import (
    form_error,
    form_notice,
    submit_button,
    write_form,
)
from pms_app.ui.components.layout import app_shell, empty_state, figure
from pms_app.ui.components.tables import data_table
from pms_app.ui.components.voids import void_button, void_dialog, voided_badge
from pms_app.ui.payments.payments_state import PaymentsState
from pms_app.ui.payments.shared import (
    confirm_dialog,
    refunds_section,
    reviews_section,
    suggestion,
    unconfirmed_section,
)
from pms_app.ui.shell.formatting import currency, in_currency, money_axis_ticks
from pms_app.ui.shell.i18n import t


def _stat(label: str, value: Any, id_: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            figure(value, "6", id_),
        ),
        min_width="160px",
    )


def _filters() -> rx.Component:
    S = PaymentsState

    def sel(name: str, options: Any, label: Any, value: Any, aria: Any) -> rx.Component:
        return rx.el.select(
            rx.el.option(label, value=""),
            rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["id"])),
            name=name,
            id=f"filter-{name}",
            aria_label=aria,
            default_value=value,
            style={"padding": "6px", "border-radius": "6px"},
        )

    return rx.form(
        rx.hstack(
            sel(
                "property",
                S.property_options,
                t("All properties"),
                S.property_id,
                t("Filter by property"),
            ),
            sel(
                "tenant",
                S.tenant_options,
                t("All tenants"),
                S.tenant_id,
                t("Filter by tenant"),
            ),
            rx.input(
                type="date", name="date_from", default_value=S.date_from, aria_label=t("From")
            ),
            rx.input(type="date", name="date_to", default_value=S.date_to, aria_label=t("To")),
            rx.el.label(
                rx.el.input(
                    type="checkbox",
                    name="show_voided",
                    id="filter-voided",
                    default_checked=S.show_voided,
                ),
                " ",
                t("Show voided"),
                html_for="filter-voided",
                style={"fontSize": "var(--font-size-2)"},
            ),
            rx.button(t("Apply"), type="submit", id="apply-filters"),
            rx.button(
                t("Export CSV"),
                type="button",
                variant="outline",
                on_click=S.export_csv,
                id="export-csv",
            ),
            # Paybill confirmations lost while the app was down come back from the statement.
            rx.link(t("Import M-PESA statement"), href="/payments/import", id="import-statement"),
            wrap="wrap",
            align="center",
        ),
        method="post",
        on_submit=S.apply_filters,
        reset_on_submit=False,
    )


def _chart() -> rx.Component:
    return rx.cond(
        PaymentsState.months.length() > 0,
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="billed", fill="var(--gray-8)", name=t("Billed")),
            rx.recharts.bar(data_key="collected", fill="var(--teal-9)", name=t("Collected")),
            rx.recharts.x_axis(data_key="month"),
            rx.recharts.y_axis(tick_formatter=money_axis_ticks(), width=80),
            rx.recharts.legend(),
            rx.recharts.graphing_tooltip(),
            data=PaymentsState.months,
            width="100%",
            height=260,
        ),
    )


def _unallocated() -> rx.Component:
    S = PaymentsState
    return rx.cond(
        S.unallocated.length() > 0,
        rx.vstack(
            rx.heading(t("Unallocated paybill payments"), size="5", as_="h2"),
            rx.text(
                t(
                    "The account number matched no lease. Assign each to the right tenant, or "
                    "confirm the suggested one."
                ),
                size="2",
            ),
            rx.foreach(
                S.unallocated,
                lambda p: rx.card(
                    write_form(
                        rx.hstack(
                            rx.text(p["date"], size="2"),
                            rx.text(currency(), " ", p["amount"], weight="bold"),
                            rx.text(
                                t(
                                    "account “{ref}” from {payer}",
                                    ref=p["ref"],
                                    payer=p["payer"],
                                ),
                                " · ",
                                p["trans"],
                                size="2",
                            ),
                            rx.el.input(
                                type="hidden", name="payment_id", value=p["id"].to_string()
                            ),
                            rx.el.select(
                                rx.el.option(t("Assign to…"), value=""),
                                rx.foreach(
                                    S.lease_options,
                                    lambda o: rx.cond(
                                        (o["property"] == p["property"]) | (p["property"] == ""),
                                        rx.el.option(o["label"], value=o["id"]),
                                        rx.fragment(),
                                    ),
                                ),
                                name="lease_id",
                                required=True,
                                aria_label=t("Assign to a lease"),
                                style={"padding": "6px"},
                            ),
                            submit_button(
                                t("Assign"), S, "assign-" + p["id"].to_string(), size="1"
                            ),
                            wrap="wrap",
                            align="center",
                        ),
                        state=S,
                        form_id="assign-" + p["id"].to_string(),
                        on_submit=S.assign,
                    ),
                    suggestion(p),
                    width="100%",
                    class_name="unallocated-row",
                ),
            ),
            width="100%",
        ),
    )


def _arrears() -> rx.Component:
    S = PaymentsState
    return rx.vstack(
        rx.hstack(
            rx.heading(t("Arrears"), size="5", as_="h2"),
            rx.spacer(),
            rx.button(
                t("Remind selected"),
                on_click=S.send_reminders(False),
                disabled=S.sending,
                variant="outline",
                id="remind-selected",
            ),
            rx.button(
                t("Remind all in arrears"),
                on_click=S.send_reminders(True),
                disabled=S.sending,
                id="remind-all",
            ),
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            S.sending | (S.progress_total > 0),
            rx.vstack(
                rx.progress(
                    value=rx.cond(S.progress_total > 0, S.progress * 100 / S.progress_total, 0),
                    width="100%",
                ),
                rx.text(S.progress, " / ", S.progress_total, size="1", id="reminder-progress"),
                width="100%",
            ),
        ),
        rx.cond(
            S.arrears.length() == 0,
            empty_state(t("Nobody is in arrears.")),
            rx.vstack(
                rx.foreach(
                    S.arrears,
                    lambda a: rx.hstack(
                        rx.checkbox(
                            checked=S.selected.contains(a["lease_id"]),
                            aria_label=t("Select {name}", name=a["tenant"].to(str)),
                            on_change=lambda on: S.toggle(a["lease_id"], on),
                        ),
                        rx.link(a["tenant"], href="/lease?id=" + a["lease_id"].to_string()),
                        rx.text(a["property"], " ", a["unit"], size="2", color_scheme="gray"),
                        rx.text(currency(), " ", a["arrears"], weight="bold"),
                        class_name="arrears-row",
                        align="center",
                    ),
                ),
                spacing="2",
            ),
        ),
        width="100%",
    )


def payments_page() -> rx.Component:
    S = PaymentsState
    return app_shell(
        form_error(S.error),
        form_notice(S.notice),
        rx.cond(
            S.mpesa_problem != "",
            rx.callout(
                S.mpesa_problem,
                icon="triangle_alert",
                color_scheme="red",
                id="mpesa-setup-problem",
                width="100%",
            ),
        ),
        _filters(),
        rx.flex(
            _stat(in_currency(t("Collected")), S.totals["collected"], "total-collected"),
            _stat(in_currency(t("Billed")), S.totals["billed"], "total-billed"),
            _stat(in_currency(t("In arrears")), S.totals["arrears"], "total-arrears"),
            _stat(t("Payments"), S.totals["count"], "total-count"),
            spacing="3",
            wrap="wrap",
        ),
        _chart(),
        reviews_section(),
        unconfirmed_section(),
        _unallocated(),
        refunds_section(),
        rx.heading(t("Payments"), size="5", as_="h2"),
        rx.cond(
            S.rows.length() == 0,
            empty_state(t("No payments in this view yet.")),
            data_table(
                (
                    t("Date"),
                    t("Type"),
                    t("Tenant"),
                    t("Property"),
                    t("Unit"),
                    currency(),
                    t("Method"),
                    t("Receipt"),
                    t("Reference"),
                    "",
                ),
                S.rows,
                lambda r: [
                    rx.table.cell(r["date"]),
                    rx.table.cell(
                        rx.badge(r["type"], variant="soft", class_name="payment-type"),
                        rx.cond(r["voided"], voided_badge()),
                        rx.cond(
                            r["refunded"] != "",
                            rx.badge(r["refunded"], color_scheme="orange", class_name="refunded"),
                        ),
                    ),
                    rx.table.cell(r["tenant"]),
                    rx.table.cell(r["property"]),
                    rx.table.cell(r["unit"]),
                    rx.table.cell(r["amount"]),
                    rx.table.cell(r["method"]),
                    rx.table.cell(
                        rx.link(
                            r["receipt"],
                            href="/api/receipts/" + r["id"].to_string() + ".pdf",
                            is_external=True,
                        )
                    ),
                    rx.table.cell(r["reference"]),
                    rx.table.cell(
                        rx.cond(
                            r["voidable"],
                            void_button(S, r["id"], r["label"]),
                            rx.cond(
                                r["voided"] & (r["lease"] != ""),
                                rx.link(t("History"), href="/lease?id=" + r["lease"].to(str)),
                            ),
                        )
                    ),
                ],
                table_id="payments-table",
                row_class="payment-row",
                phone_hidden=(3, 4, 6, 8),  # property, unit, method, reference
            ),
        ),
        rx.hstack(
            rx.button(t("Previous"), on_click=S.go(-1), disabled=S.page <= 1, variant="soft"),
            rx.text(t("Page {page} of {pages}", page=S.page, pages=S.pages)),
            rx.button(t("Next"), on_click=S.go(1), disabled=S.page >= S.pages, variant="soft"),
            align="center",
        ),
        _arrears(),
        void_dialog(S),
        confirm_dialog(),
        title=t("Payments"),
    )
