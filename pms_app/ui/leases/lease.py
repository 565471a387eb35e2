"""/lease?id=…: the manager's lease page (statement, payments, adjustments, documents, end)."""

from __future__ import annotations

import reflex as rx

from pms_app.documents import service as documents
from pms_app.ui.components.forms import (
    confirm_button,
    confirm_submit,
    field,
    form_card,
    form_error,
    form_notice,
    named_upload,
    submit_button,
)
from pms_app.ui.components.layout import app_shell, empty_state, figure, not_found_view
from pms_app.ui.components.tables import data_table
from pms_app.ui.components.voids import void_button, void_dialog, voided_badge
from pms_app.ui.leases.lease_state import LeaseState
from pms_app.ui.shell.formatting import currency, in_currency
from pms_app.ui.shell.i18n import t


def _documents_section() -> rx.Component:
    S = LeaseState
    return rx.vstack(
        rx.heading(t("Documents"), size="5", as_="h2"),
        rx.cond(
            S.documents.length() == 0,
            rx.text(
                t("No documents yet. Upload the signed lease (PDF, JPEG or PNG, up to 10 MB)."),
                size="2",
                color_scheme="gray",
            ),
            rx.vstack(
                rx.foreach(
                    S.documents,
                    lambda d: rx.hstack(
                        rx.link(
                            d["name"],
                            href="/api/documents/" + d["id"],
                            is_external=True,
                            class_name="document-link",
                        ),
                        rx.text(d["size"], " · ", d["date"], size="1", color_scheme="gray"),
                        confirm_button(
                            t("Delete"),
                            t("Delete {name}?", name=d["name"]),
                            t("The file is gone for you and the tenant; this cannot be undone."),
                            S.delete_document(d["id"]),
                            variant="ghost",
                        ),
                        align="center",
                    ),
                ),
                spacing="1",
            ),
        ),
        named_upload(
            t("Signed lease document"),
            rx.vstack(
                rx.text(t("Drop the signed lease here, or click to choose a file"), size="2"),
                rx.foreach(rx.selected_files("lease-doc"), lambda name: rx.text(name, size="1")),
                align="center",
            ),
            id="lease-doc",
            max_files=1,
            max_size=documents.MAX_BYTES,
            # Only the reasons go to the server: a rejection carries the File, which Socket.IO
            # would send along as a binary attachment (an 11 MB file then exceeds the socket's
            # frame limit and the event is silently dropped).
            on_drop_rejected=lambda rejected: S.files_rejected(
                rejected.map(lambda item: item["errors"])
            ),
            accept={
                "application/pdf": [".pdf"],
                "image/jpeg": [".jpg", ".jpeg"],
                "image/png": [".png"],
            },
            border="1px dashed var(--gray-a7)",
            padding="1em",
            width="100%",
            max_width="520px",
        ),
        rx.button(
            t("Upload document"),
            on_click=S.upload_document(rx.upload_files(upload_id="lease-doc")),
            variant="outline",
            id="upload-document",
        ),
        width="100%",
        spacing="2",
    )


def _history_section() -> rx.Component:
    """Who changed this lease's payments, when (the property's time), why, and what each then
    counted (#10.7)."""
    S = LeaseState
    return rx.cond(
        S.history.length() > 0,
        rx.vstack(
            rx.heading(t("Payment history"), size="5", as_="h2"),
            rx.foreach(
                S.history,
                lambda h: rx.text(
                    h["at"],
                    " · ",
                    h["line"],
                    size="2",
                    class_name="audit-line",
                ),
            ),
            spacing="1",
            width="100%",
        ),
    )


def lease_page() -> rx.Component:
    S = LeaseState
    i = S.info
    return app_shell(
        rx.cond(
            S.not_found,
            not_found_view(
                t("That lease was not found."), t("Back to the dashboard"), "/dashboard"
            ),
            rx.vstack(
                rx.heading(
                    t("{tenant} · unit {unit}", tenant=i["tenant"], unit=i["unit"]), size="7"
                ),
                rx.link(
                    t("← Leases of {property}", property=i["property"]),
                    href="/leases?property=" + i["property_id"].to(str),
                ),
                rx.text(
                    t(
                        "Rent {currency} {rent} due on day {day} · deposit {currency} {deposit} · "
                        "from {start} · paybill account {ref}",
                        currency=currency(),
                        rent=i["rent"],
                        day=i["due_day"],
                        deposit=i["deposit"],
                        start=i["start"],
                        ref=i["ref"],
                    ),
                    " · ",
                    rx.badge(i["status_text"]),
                ),
                form_error(S.error),
                form_notice(S.notice),
                rx.flex(
                    rx.card(
                        rx.vstack(
                            rx.text(in_currency(t("Balance")), size="2", color_scheme="gray"),
                            figure(S.balance, id_="lease-balance"),
                        )
                    ),
                    rx.card(
                        rx.vstack(
                            rx.text(in_currency(t("Overdue")), size="2", color_scheme="gray"),
                            figure(S.arrears, id_="lease-arrears"),
                        )
                    ),
                    spacing="3",
                ),
                rx.cond(
                    S.active,
                    rx.flex(
                        form_card(
                            rx.heading(t("Record a cash or bank payment"), size="3", as_="h3"),
                            field(in_currency(t("Amount")), "amount", S.errors, "number"),
                            rx.select.root(
                                rx.select.trigger(aria_label=t("Method")),
                                rx.select.content(
                                    rx.select.item(t("Cash"), value="cash"),
                                    rx.select.item(t("Bank"), value="bank"),
                                ),
                                name="method",
                                default_value="cash",
                            ),
                            field(t("Paid on"), "paid_on", S.errors, "date"),
                            field(
                                t("Reference (slip no., optional)"),
                                "reference",
                                S.errors,
                                required=False,
                            ),
                            submit_button(
                                t("Record payment"), S, "payment-form", id="record-payment"
                            ),
                            state=S,
                            form_id="payment-form",
                            on_submit=S.record_payment,
                            max_width="340px",
                        ),
                        form_card(
                            rx.heading(t("Adjustment"), size="3", as_="h3"),
                            field(in_currency(t("Amount")), "adj_amount", S.errors, "number"),
                            rx.select.root(
                                rx.select.trigger(aria_label=t("Charge or credit")),
                                rx.select.content(
                                    rx.select.item(t("Charge (tenant owes more)"), value="debit"),
                                    rx.select.item(t("Credit (tenant owes less)"), value="credit"),
                                ),
                                name="direction",
                                default_value="debit",
                            ),
                            field(t("Reason"), "reason", S.errors),
                            field(
                                t("Date (optional)"),
                                "adj_date",
                                S.errors,
                                "date",
                                required=False,
                            ),
                            submit_button(
                                t("Post adjustment"), S, "adjust-form", variant="outline"
                            ),
                            state=S,
                            form_id="adjust-form",
                            on_submit=S.adjust,
                            max_width="340px",
                        ),
                        form_card(
                            rx.heading(t("End the lease"), size="3", as_="h3"),
                            field(t("Move-out date"), "move_out", S.errors, "date"),
                            confirm_submit(
                                t("End lease"),
                                t("End this lease?"),
                                t("No rent is charged after the move-out date."),
                                S,
                                "end-lease-form",
                            ),
                            state=S,
                            form_id="end-lease-form",
                            on_submit=S.end,
                            max_width="300px",
                        ),
                        spacing="3",
                        wrap="wrap",
                    ),
                ),
                _documents_section(),
                rx.heading(t("Payments"), size="5", as_="h2"),
                rx.cond(
                    S.payments.length() == 0,
                    empty_state(t("No payments yet.")),
                    data_table(
                        (
                            t("Date"),
                            t("Amount"),
                            t("Method"),
                            t("Status"),
                            t("Receipt"),
                            t("Detail"),
                            "",
                        ),
                        S.payments,
                        lambda p: [
                            rx.table.cell(p["date"]),
                            rx.table.cell(p["amount"]),
                            rx.table.cell(p["method"]),
                            rx.table.cell(
                                rx.cond(
                                    p["status"] == "void",
                                    voided_badge(),
                                    rx.badge(p["status_text"]),
                                )
                            ),
                            rx.table.cell(
                                rx.cond(
                                    p["url"] != "",
                                    rx.link(p["receipt"], href=p["url"], is_external=True),
                                )
                            ),
                            rx.table.cell(p["detail"]),
                            rx.table.cell(
                                rx.cond(
                                    p["voidable"] != "",
                                    void_button(S, p["id"], p["label"]),
                                )
                            ),
                        ],
                        "lease-payments",
                        phone_hidden=(2, 5),  # method, detail
                    ),
                ),
                _history_section(),
                void_dialog(S),
                rx.heading(t("Statement"), size="5", as_="h2"),
                data_table(
                    (
                        t("Date"),
                        t("Description"),
                        t("Charge"),
                        t("Paid"),
                        t("Balance"),
                        t("Unpaid"),
                    ),
                    S.lines,
                    lambda r: [
                        rx.table.cell(r["date"]),
                        rx.table.cell(r["description"]),
                        rx.table.cell(r["charge"]),
                        rx.table.cell(r["credit"]),
                        rx.table.cell(r["balance"]),
                        rx.table.cell(r["outstanding"]),
                    ],
                    "statement",
                    phone_hidden=(5,),  # what is left unpaid of each charge
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )
