"""/payments/import: a manager uploads the M-PESA org portal statement, sees what matches, what
was missing and what is unknown, then confirms (#11.8)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.payments.statement_file import MAX_BYTES
from pms_app.ui.components.forms import (
    field_error,
    form_error,
    form_notice,
    named_upload,
    submit_button,
    write_form,
)
from pms_app.ui.components.layout import app_shell
from pms_app.ui.components.tables import data_table
from pms_app.ui.payments.statement_import_state import StatementImportState
from pms_app.ui.shell.i18n import t

S = StatementImportState


def _group(key: str, title: Any, hint: Any, rows: Any, last: Any, last_key: str) -> rx.Component:
    return rx.vstack(
        rx.heading(title, " (", S.counts[key], ")", size="4", as_="h2", id=f"{key}-head"),
        rx.text(hint, size="2", color_scheme="gray"),
        rx.cond(
            S.counts[key] > 0,
            data_table(
                [t("Line"), t("Receipt"), t("Completed"), t("Amount"), t("Account"), last],
                rows,
                lambda r: [
                    rx.table.cell(r["row"]),
                    rx.table.cell(r["receipt"]),
                    rx.table.cell(r["time"]),
                    rx.table.cell(r["amount"]),
                    rx.table.cell(r["account"]),
                    rx.table.cell(r[last_key]),
                ],
                table_id=f"{key}-lines",
                phone_hidden=(0, 2),
            ),
        ),
        width="100%",
        spacing="2",
    )


def _upload() -> rx.Component:
    return rx.vstack(
        named_upload(
            t("M-PESA statement file"),
            rx.vstack(
                rx.text(t("Drop the statement here, or click to choose a file"), size="2"),
                rx.foreach(
                    rx.selected_files("statement-file"), lambda name: rx.text(name, size="1")
                ),
                align="center",
            ),
            id="statement-file",
            max_files=1,
            max_size=MAX_BYTES,
            on_drop_rejected=lambda rejected: S.files_rejected(
                rejected.map(lambda item: item["errors"])
            ),
            accept={
                "text/csv": [".csv"],
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
            },
            border="1px dashed var(--gray-a7)",
            padding="1em",
            width="100%",
            max_width="520px",
        ),
        field_error(S.errors, "file"),
        rx.button(
            t("Preview import"),
            on_click=S.upload_statement(rx.upload_files(upload_id="statement-file")),
            variant="outline",
            id="preview-statement",
            disabled=S.importing,
        ),
        spacing="2",
        width="100%",
    )


def _preview() -> rx.Component:
    return rx.vstack(
        rx.text(t("File"), ": ", S.filename, " · ", S.period, size="2", id="statement-summary"),
        _group(
            "missing",
            t("Missing — will be credited"),
            t("No payment here has these receipts; their account numbers name a lease."),
            S.missing,
            t("Lease"),
            "lease",
        ),
        _group(
            "unknown",
            t("Unknown account — will wait for a manager"),
            t("No lease matches the account number: the money goes to the unallocated queue."),
            S.unknown,
            t("Payer"),
            "payer",
        ),
        _group(
            "matched",
            t("Already recorded"),
            t("These receipts are already payments here: nothing changes."),
            S.matched,
            t("Payer"),
            "payer",
        ),
        _group(
            "ignored",
            t("Ignored"),
            t("Withdrawals, charges, failed lines, other short codes and other properties' money."),
            S.ignored,
            t("Why"),
            "why",
        ),
        rx.cond(
            S.importing,
            rx.vstack(
                rx.text(
                    t("Importing…"), " ", S.progress, " / ", S.progress_total, id="import-progress"
                ),
                rx.progress(
                    value=S.progress, max=rx.cond(S.progress_total > 0, S.progress_total, 1)
                ),
                width="100%",
                max_width="520px",
            ),
        ),
        rx.cond(
            S.counts["to_write"] > 0,
            write_form(
                rx.hstack(
                    submit_button(
                        t("Confirm import"), S, "confirm-import-form", id="confirm-import"
                    ),
                    rx.button(
                        t("Cancel"),
                        variant="soft",
                        type="button",
                        on_click=S.cancel,
                        id="cancel-import",
                    ),
                    spacing="3",
                ),
                state=S,
                form_id="confirm-import-form",
                on_submit=S.confirm,
            ),
            rx.text(
                t("Nothing to import: every paid-in line is already recorded."),
                id="nothing-to-import",
            ),
        ),
        spacing="4",
        width="100%",
    )


def statement_import_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.text(
                t(
                    "Paybill confirmations lost while the app was offline are never sent again. "
                    "Export the statement from the M-PESA org portal (CSV or XLSX) and upload it: "
                    "you see what it would change before anything is written."
                ),
                size="2",
            ),
            rx.link(t("Back to payments"), href="/payments", size="2"),
            form_error(S.error),
            form_notice(S.notice),
            _upload(),
            rx.cond(S.token != "", _preview()),
            spacing="4",
            width="100%",
        ),
        title=t("Import an M-PESA statement"),
    )
